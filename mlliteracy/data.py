"""Offline datasets: every loader returns arrays with fixed splits (and, soon, a datasheet).

Example:
    >>> ds = mll.load_digits()
    >>> ds.X_train.shape
    (1257, 64)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """A dataset split three ways; arrays are read-only so nobody edits a split by accident."""

    name: str
    """Short name, e.g. ``"digits"``."""
    X_train: Any
    y_train: Any
    X_val: Any
    y_val: Any
    X_test: Any
    y_test: Any
    classes: tuple[str, ...]
    """Label names, indexed by the integer labels."""
    datasheet: Any = None
    """A :class:`mlliteracy.cards.Datasheet` describing the data, when available."""
    notes: dict[str, Any] = field(default_factory=dict)
    """Facts about how the splits were made (seed, fractions, content hash)."""

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        return f"Dataset({self.name!r}, {sizes}, classes={len(self.classes)})"


def array_sha256(*arrays: np.ndarray) -> str:
    """SHA-256 over the dtype, shape and bytes of each array (C order)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def split_indices(n: int, fractions=(0.7, 0.15, 0.15), seed: int = 0, stratify=None):
    """Deterministic train/val/test index arrays (stratified when labels are given)."""
    from sklearn.model_selection import train_test_split

    _train_frac, val_frac, test_frac = fractions
    idx = np.arange(n)
    rest_frac = val_frac + test_frac
    train, rest = train_test_split(
        idx, test_size=rest_frac, random_state=seed, stratify=stratify
    )
    strat_rest = None if stratify is None else np.asarray(stratify)[rest]
    val, test = train_test_split(
        rest, test_size=test_frac / rest_frac, random_state=seed, stratify=strat_rest
    )
    return np.sort(train), np.sort(val), np.sort(test)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def load_digits(seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 handwritten 8x8 digits, split 70/15/15 stratified by label.

    Pixels are float32 in [0, 1] (the raw 0..16 values divided by 16), shape (n, 64).
    """
    from sklearn import datasets

    raw = datasets.load_digits()
    X = (raw.data / 16.0).astype(np.float32)
    y = raw.target.astype(np.int64)
    train, val, test = split_indices(len(y), seed=seed, stratify=y)
    return Dataset(
        name="digits",
        X_train=_frozen(X[train]), y_train=_frozen(y[train]),
        X_val=_frozen(X[val]), y_val=_frozen(y[val]),
        X_test=_frozen(X[test]), y_test=_frozen(y[test]),
        classes=tuple(str(c) for c in raw.target_names),
        notes={"seed": seed, "fractions": (0.7, 0.15, 0.15), "stratified": True,
               "raw_sha256": array_sha256(raw.data, raw.target)},
    )
