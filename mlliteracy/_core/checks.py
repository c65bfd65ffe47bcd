"""Input checks shared by every room, with one message style: ``name=value`` must be ..., fix.

Each returns the checked value (as a float, an int or an array) or raises :class:`MLLError`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .errors import MLLError


def check_seed(seed: Any) -> int:
    """``seed`` as an int when it is a non-negative integer (``True``/``False`` are refused)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise MLLError(f"seed={seed!r} must be a non-negative integer, e.g. seed=0")
    return int(seed)


def positive(name: str, value: Any, fix: str, allow_zero: bool = False) -> float:
    """``value`` as a float when it is finite and > 0 (>= 0 with ``allow_zero``)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    number = float(value) if ok else math.nan
    if not ok or not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise MLLError(f"{name}={value!r} must be a finite number {rule}: {fix}")
    return number


def as_matrix(name: str, X: Any) -> Any:
    """``X`` as a non-empty 2-D float64 array (rows, features); a 1-D array becomes one column."""
    import numpy as np

    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise MLLError(f"{name} is not numeric: pass a 2-D array of numbers") from err
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or len(arr) == 0:
        raise MLLError(f"{name} has shape {arr.shape}: pass a non-empty 2-D array (rows, features)")
    return arr


def check_texts(texts: Any) -> list[str]:
    """``texts`` as a list of ``str`` when it is a non-empty list/array of non-blank strings."""
    if isinstance(texts, str):
        raise MLLError("texts is one string: pass a list, e.g. ['what a day']")
    if not isinstance(texts, Sequence) and not hasattr(texts, "__array__"):
        raise MLLError(f"texts={texts!r:.60} must be a non-empty list of strings")
    texts = list(texts)
    bad = [t for t in texts if not isinstance(t, str) or not t.strip()]
    if not texts or bad:
        raise MLLError(f"texts must be a non-empty list of non-empty strings, got {bad[:1]!r}")
    return [str(t) for t in texts]
