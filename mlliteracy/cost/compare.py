"""Is one model really better? A paired bootstrap of the accuracy difference on the same items.

Both models are scored on the same labelled items; each bootstrap resample draws item indices
with replacement and uses them for **both** models, so the items that both get right (or both
get wrong) cancel and the interval reflects only where they disagree. That is narrower than
two separate intervals, and it is the right interval for "A minus B".

The standard error of one accuracy ``p`` on ``n`` items is ``sqrt(p (1 - p) / n)``: at
``p = 0.66`` and ``n = 300`` that is 2.7 points, so a decision at one point is inside the noise.

Example:
    >>> diff = mll.paired_bootstrap(labels, pred_cascade, pred_minilm, names=("cascade", "MiniLM"))
    >>> diff.decide(tolerance_points=3.0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict

#: bootstrap resamples by default (the interval's ends move by ~0.1 point between seeds)
N_BOOT = 2000


def accuracy_se(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on ``n`` items, in percentage points.

    Example:
        >>> round(mll.accuracy_se(0.66, 300), 2)
        2.73
    """
    ok = isinstance(accuracy, numbers.Real) and not isinstance(accuracy, bool)
    if not ok or not 0.0 <= float(accuracy) <= 1.0:
        raise MLLError(f"accuracy={accuracy!r} must be a share from 0 to 1, e.g. 0.66")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise MLLError(f"n={n!r} must be a positive integer: the number of items scored")
    return 100.0 * math.sqrt(float(accuracy) * (1.0 - float(accuracy)) / int(n))


def _fmt(points: float) -> str:
    return f"{points:+.1f}"


@dataclass(frozen=True)
class PairedDifference:
    """Accuracy of A minus accuracy of B on the same items, with a paired bootstrap interval."""

    name_a: str
    name_b: str
    n: int
    """Items both models were scored on."""
    accuracy_a: float
    accuracy_b: float
    difference_points: float
    """(accuracy A - accuracy B) x 100."""
    low_points: float
    """Lower end of the interval, in points."""
    high_points: float
    """Upper end of the interval, in points."""
    se_points: float
    """Standard deviation of the bootstrap differences, in points (the paired standard error)."""
    disagreements: int
    """Items where the two models predict different labels (only these move the difference)."""
    confidence: float
    n_boot: int
    seed: int

    @property
    def half_width_points(self) -> float:
        """Half the interval's width: the noise a decision tolerance must be above."""
        return (self.high_points - self.low_points) / 2.0

    def items_for(self, tolerance_points: float) -> int:
        """Items needed for the interval's half-width to shrink to ``tolerance_points``
        (half-widths shrink as 1 / sqrt(n))."""
        tol = _tolerance(tolerance_points)
        return math.ceil(self.n * (self.half_width_points / tol) ** 2)

    def noise_verdict(self, tolerance_points: float) -> Verdict:
        """Is a decision tolerance wider than this comparison's noise?

        Outcomes: ``above noise`` (the tolerance is at least the interval's half-width) or
        ``below noise`` (the sample cannot resolve the tolerance; says how many items would).
        """
        tol, hw = _tolerance(tolerance_points), self.half_width_points
        head = (
            f"On {self.n} items the {self.confidence:.0%} interval of {self.name_a} minus "
            f"{self.name_b} is {hw:.1f} points either side of the difference (paired standard "
            f"error {self.se_points:.1f} points). "
        )
        if tol >= hw:
            text = head + f"A tolerance of {tol:g} points is **above that noise**: it can decide."
            return Verdict(text, "above noise")
        text = head + (
            f"A tolerance of {tol:g} points is **below that noise**: this sample cannot tell a "
            f"{tol:g}-point loss from none. It would take about {self.items_for(tol):,} items, "
            "or a wider tolerance."
        )
        return Verdict(text, "below noise")

    def decide(self, tolerance_points: float) -> Verdict:
        """What the interval says about A against B, with a tolerated loss of A.

        Outcomes: ``better`` (the whole interval is above 0), ``within tolerance`` (A loses at
        most ``tolerance_points``: the interval's lower end is at or above minus the tolerance),
        ``worse`` (the whole interval is below minus the tolerance) or ``undecided`` (the
        interval straddles minus the tolerance: more items are needed).
        """
        tol = _tolerance(tolerance_points)
        a, b, lo, hi = self.name_a, self.name_b, self.low_points, self.high_points
        head = (
            f"{a} minus {b}: **{_fmt(self.difference_points)} points** on {self.n} items, "
            f"{self.confidence:.0%} paired interval [{_fmt(lo)}, {_fmt(hi)}]. "
        )
        if lo > 0:
            return Verdict(head + f"The whole interval is above 0: **{a} is better**.", "better")
        if lo >= -tol:
            text = head + (
                f"The interval stays above -{tol:g}: **{a} loses at most the tolerated "
                f"{tol:g} points** (it is not shown to be better)."
            )
            return Verdict(text, "within tolerance")
        if hi < -tol:
            text = head + f"The whole interval is below -{tol:g}: **{a} loses more than {tol:g}"
            return Verdict(text + " points**.", "worse")
        text = head + (
            f"The interval reaches below -{tol:g}: **undecided**, the loss may exceed the "
            f"tolerance; about {self.items_for(tol):,} items would resolve {tol:g} points."
        )
        return Verdict(text, "undecided")

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.name_a,
            "b": self.name_b,
            "n": self.n,
            "accuracy_a": round(self.accuracy_a, 4),
            "accuracy_b": round(self.accuracy_b, 4),
            "difference_points": round(self.difference_points, 2),
            "low_points": round(self.low_points, 2),
            "high_points": round(self.high_points, 2),
            "se_points": round(self.se_points, 2),
            "disagreements": self.disagreements,
        }

    def __repr__(self) -> str:
        return (
            f"PairedDifference({self.name_a} - {self.name_b}: {self.difference_points:+.2f} "
            f"points, {self.confidence:.0%} interval [{self.low_points:+.2f}, "
            f"{self.high_points:+.2f}], se {self.se_points:.2f}, n={self.n}, "
            f"{self.disagreements} disagreements)"
        )

    def _repr_html_(self) -> str:
        rows = [(k, f"{v:.4g}" if isinstance(v, float) else v) for k, v in self.to_dict().items()]
        cap = (
            f"paired bootstrap: {self.n_boot} resamples of the same {self.n} items for both "
            f"models, seed {self.seed}"
        )
        return _html.table(("", "value"), rows, caption=cap)


def _tolerance(value: Any) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or value <= 0:
        raise MLLError(f"tolerance_points={value!r} must be a number of points > 0, e.g. 3.0")
    return float(value)


def _labels(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size == 0:
        raise MLLError(f"{name} must be a non-empty 1-d list of labels, got shape {arr.shape}")
    return arr


def paired_bootstrap(
    labels: Any,
    pred_a: Any,
    pred_b: Any,
    names: Sequence[str] = ("A", "B"),
    n_boot: int = N_BOOT,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedDifference:
    """Accuracy of A minus B with a percentile interval from resampling the same items for both.

    Args:
        labels: true labels, one per item.
        pred_a, pred_b: each model's predicted labels for the same items, in the same order.
        names: what to call A and B in the verdicts.
        n_boot: bootstrap resamples (>= 100).
        seed: resampling seed (the interval repeats exactly with it).
        confidence: interval coverage, e.g. 0.95.

    Returns:
        A :class:`PairedDifference`; ``.decide(tol)`` and ``.noise_verdict(tol)`` say what it means.

    Example:
        >>> mll.paired_bootstrap([0, 1, 1], [0, 1, 0], [0, 0, 0], names=("new", "old"))
    """
    y, a, b = _labels("labels", labels), _labels("pred_a", pred_a), _labels("pred_b", pred_b)
    if not len(y) == len(a) == len(b):
        raise MLLError(
            f"labels, pred_a and pred_b have {len(y)}, {len(a)} and {len(b)} entries: "
            "score both models on the same items"
        )
    if isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral) or n_boot < 100:
        raise MLLError(f"n_boot={n_boot!r} must be an integer >= 100, e.g. 2000")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise MLLError(f"seed={seed!r} must be an integer >= 0, e.g. 0")
    ok = isinstance(confidence, numbers.Real) and not isinstance(confidence, bool)
    if not ok or not 0.5 <= float(confidence) < 1.0:
        raise MLLError(f"confidence={confidence!r} must be a share in [0.5, 1), e.g. 0.95")
    if isinstance(names, str) or len(names) != 2:
        raise MLLError(f"names={names!r} must be two names, e.g. ('cascade', 'MiniLM')")
    # +1 where only A is right, -1 where only B is right, 0 where they agree on correctness
    delta = (a == y).astype(np.float64) - (b == y).astype(np.float64)
    rng = np.random.default_rng(int(seed))
    idx = rng.integers(0, len(y), size=(int(n_boot), len(y)))
    diffs = 100.0 * delta[idx].mean(axis=1)
    tail = 100.0 * (1.0 - float(confidence)) / 2.0
    low, high = np.percentile(diffs, [tail, 100.0 - tail])
    return PairedDifference(
        str(names[0]), str(names[1]), len(y), float((a == y).mean()), float((b == y).mean()),
        100.0 * float(delta.mean()), float(low), float(high), float(diffs.std()),
        int((a != b).sum()), float(confidence), int(n_boot), int(seed),
    )  # fmt: skip
