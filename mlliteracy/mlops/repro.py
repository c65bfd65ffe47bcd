"""Reproducibility check: train the same thing twice and compare metrics and weight hashes.

A reproducible pipeline gives bit-identical weights for the same code, data, seed and
library versions (on the same kind of machine: thread count and CPU kernels matter too).
:func:`digits_trainer` builds the digits CNN training either the careful way (seeded,
deterministic kernels, one thread) or the shadow-IT way (no seed: every run starts from fresh
randomness, as the case study's script does).

Example:
    >>> mll.reproducibility_check(mll.digits_trainer(epochs=2), seed=0).identical
    True
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from ..data.datasets import load_digits
from ..models.nets import DigitsCNN
from ..training import train

if TYPE_CHECKING:
    import pandas as pd


def digits_trainer(
    epochs: int = 2, *, seeded: bool = True, train_subset: int | None = None
) -> Callable[[int], Any]:
    """A function ``seed -> TrainingRun`` that trains a fresh :class:`DigitsCNN` on digits.

    Args:
        epochs: training epochs (small: the check trains more than once).
        seeded: ``True`` seeds initialisation and shuffling with the given seed and uses
            deterministic kernels on one thread; ``False`` ignores the seed and draws fresh
            randomness for every run (what a script without seeds does).
        train_subset: train on the first N examples only (faster).

    Example:
        >>> run = mll.digits_trainer(epochs=1)(0)
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise MLLError(f"epochs={epochs!r} must be a positive integer, e.g. 2")

    data: list[Any] = []  # loaded on the first call, then reused

    def train_once(seed: int) -> Any:
        import torch

        if not data:
            data.append(load_digits(seed=0))
        used = seed if seeded else secrets.randbits(31)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(used)
            net = DigitsCNN()
        return train(net, data[0], epochs=epochs, seed=used, train_subset=train_subset)

    train_once.__name__ = "seeded_digits" if seeded else "unseeded_digits"
    return train_once


@dataclass(frozen=True)
class ReproReport:
    """Metrics and weight hashes of repeated training runs with one seed."""

    seed: int
    metrics: tuple[dict[str, float], ...]
    """Per run: test loss and accuracy."""
    hashes: tuple[str, ...]
    """Per run: SHA-256 of the trained state dict."""

    @property
    def same_hashes(self) -> bool:
        return len(set(self.hashes)) == 1

    @property
    def same_metrics(self) -> bool:
        return all(m == self.metrics[0] for m in self.metrics)

    @property
    def identical(self) -> bool:
        """Bit-identical weights and equal metrics in every run."""
        return self.same_hashes and self.same_metrics

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        pairs = enumerate(zip(self.metrics, self.hashes, strict=True))
        rows = [{"run": i + 1, "seed": self.seed, "test_accuracy": round(m["accuracy"], 4),
                 "test_loss": round(m["loss"], 6), "weights_sha256": h[:16]}
                for i, (m, h) in pairs]  # fmt: skip
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (
            f"ReproReport(runs={len(self.hashes)}, seed={self.seed}, "
            f"same_hashes={self.same_hashes}, same_metrics={self.same_metrics})"
        )

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        verdict = "reproducible" if self.identical else "NOT reproducible"
        cap = f"{verdict}: {len(set(self.hashes))} distinct weight hash(es) in {len(frame)} runs"
        return _html.table(list(frame.columns), frame.itertuples(index=False), caption=cap)


def reproducibility_check(
    train_fn: Callable[[int], Any], seed: int = 0, runs: int = 2
) -> ReproReport:
    """Call ``train_fn(seed)`` ``runs`` times; compare test metrics and weight hashes.

    Args:
        train_fn: ``seed -> TrainingRun`` (see :func:`digits_trainer`).
        seed: the seed passed to every run.
        runs: how many times to train (at least 2).

    Returns:
        A :class:`ReproReport`; ``.identical`` is True when every run matched bit for bit.

    Example:
        >>> mll.reproducibility_check(mll.digits_trainer(seeded=False)).same_hashes
        False
    """
    if not callable(train_fn):
        raise MLLError(f"train_fn={train_fn!r} is not callable; pass mll.digits_trainer()")
    check_seed(seed)
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 2:
        raise MLLError(f"runs={runs!r} must be an integer >= 2: one run proves nothing")
    metrics, hashes = [], []
    for _ in range(runs):
        result = train_fn(int(seed))
        if not hasattr(result, "weights_sha256") or not hasattr(result, "test_metrics"):
            raise MLLError(f"train_fn returned {type(result).__name__}; return an mll.TrainingRun")
        metrics.append({k: float(v) for k, v in result.test_metrics.items()})
        hashes.append(result.weights_sha256)
    return ReproReport(int(seed), tuple(metrics), tuple(hashes))
