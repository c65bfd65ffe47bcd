"""The accuracy-vs-cost curve of a cascade, swept over thresholds from cached probabilities.

Cost per request of a cascade = cheap latency + deferred share x expensive latency (every
request pays for the cheap model; deferred ones pay for both), priced as a machine busy
serving one request after another: $ per 1000 requests = hourly price x seconds per request
/ 3600 x 1000.

Example:
    >>> curve = mll.cascade_curve(cheap, clf, texts, labels, price=0.10)
    >>> curve.best(max_drop_points=1.0)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_texts
from .._core.errors import MLLError
from .._core.expect import Verdict
from .._core.figures import FigurePNG
from ..latency.timing import measure_latency
from .cascade import (
    CHEAP_ONLY,
    DEFAULT_THRESHOLDS,
    EXPENSIVE_ONLY,
    check_pair,
    check_threshold,
    label_indices,
    model_proba,
    route_by_confidence,
)
from .compare import N_BOOT, PairedDifference, paired_bootstrap
from .pricing import Price, as_price, cost_per_1k_requests

#: columns of :meth:`CascadeCurve.quality`: no timings, repeatable on one machine (accuracies
#: come from float kernels: compare them across machines with a tolerance)
QUALITY_COLUMNS = ("policy", "threshold", "accuracy", "deferred_share")


@dataclass(frozen=True)
class OperatingPoint:
    """One policy of a :class:`CascadeCurve`: how accurate, how often deferred, what it costs."""

    policy: str
    """``"cheap only"``, ``"cascade"`` or ``"expensive only"``."""
    threshold: float
    """0 for cheap only, ``inf`` for expensive only."""
    accuracy: float
    deferred_share: float
    ms_per_request: float
    """Measured: cheap ms + deferred share x expensive ms (expensive ms alone for that policy)."""
    usd_per_1k_requests: float
    drop_points: float
    """Accuracy below the expensive model alone, in percentage points (negative: above it)."""
    saving_share: float
    """Share of the expensive-only cost saved (negative: it costs more)."""

    @property
    def requests_per_second(self) -> float:
        """Throughput of one machine serving one request after another."""
        return 1000.0 / self.ms_per_request

    def __repr__(self) -> str:
        return (
            f"OperatingPoint({self.policy}, threshold={self.threshold:g}, "
            f"accuracy={self.accuracy:.4f}, deferred={self.deferred_share:.4f}, "
            f"drop={self.drop_points:.2f} points, {self.ms_per_request:.2f} ms/request, "
            f"${self.usd_per_1k_requests:.4g}/1k requests, saves {self.saving_share:.0%})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("policy", self.policy),
            ("threshold", f"{self.threshold:g}"),
            ("accuracy", f"{self.accuracy:.4f}"),
            ("deferred share", f"{self.deferred_share:.4f}"),
            ("accuracy drop vs expensive only (points)", f"{self.drop_points:.2f}"),
            ("ms per request (measured)", f"{self.ms_per_request:.2f}"),
            ("$ per 1000 requests", f"{self.usd_per_1k_requests:.4g}"),
            ("saving vs expensive only", f"{self.saving_share:.0%}"),
        ]
        return _html.table(("", "value"), rows, caption="chosen operating point")


@dataclass(frozen=True, eq=False)
class CascadeCurve:
    """Accuracy, deferral and cost of cheap only, a cascade per threshold, and expensive only."""

    frame: Any
    """DataFrame: policy, threshold, accuracy, deferred_share, ms_per_request, usd_per_1k_requests
    (cheap only first, expensive only last)."""
    cheap_ms: float
    """Median latency of one request through the cheap model (measured in this run)."""
    expensive_ms: float
    """Median latency of one request through the expensive model (measured in this run)."""
    threads: int
    """torch threads during the measurement (0 when the latencies were given, not measured)."""
    price: Price
    """Hourly price of the machine (an input)."""
    n: int
    """Labelled texts the accuracies are computed on."""
    labels: Any = None
    """The true label indices (kept for paired comparisons)."""
    p_cheap: Any = None
    """The cheap model's probabilities on the texts, (n, classes)."""
    p_expensive: Any = None
    """The expensive model's probabilities on the texts, (n, classes)."""

    def _row(self, i: int) -> OperatingPoint:
        r = self.frame.iloc[i]
        ref = self.frame.iloc[-1]
        return OperatingPoint(
            str(r.policy), float(r.threshold), float(r.accuracy), float(r.deferred_share),
            float(r.ms_per_request), float(r.usd_per_1k_requests),
            round(100.0 * (float(ref.accuracy) - float(r.accuracy)), 2),
            1.0 - float(r.usd_per_1k_requests) / float(ref.usd_per_1k_requests),
        )  # fmt: skip

    def points(self) -> list[OperatingPoint]:
        """Every row as an :class:`OperatingPoint`."""
        return [self._row(i) for i in range(len(self.frame))]

    def predictions(self, point: OperatingPoint | float) -> np.ndarray:
        """Predicted label indices of one policy (an operating point or a threshold: 0 is cheap
        only, ``inf`` expensive only) on the curve's texts."""
        if self.p_cheap is None or self.p_expensive is None:
            raise MLLError("this curve holds no probabilities: build it with mll.cascade_curve")
        t = point.threshold if isinstance(point, OperatingPoint) else check_threshold(point)
        return route_by_confidence(self.p_cheap, self.p_expensive, t)[0]

    def paired(
        self,
        point: OperatingPoint | float,
        against: OperatingPoint | float = math.inf,
        n_boot: int = N_BOOT,
        seed: int = 0,
    ) -> PairedDifference:
        """Paired bootstrap of one policy's accuracy minus another's (default: expensive only)
        on the curve's texts.

        Example:
            >>> curve.paired(curve.best(3.0)).decide(3.0)
        """
        names = tuple(_policy_name(p) for p in (point, against))
        pred_a, pred_b = self.predictions(point), self.predictions(against)
        return paired_bootstrap(self.labels, pred_a, pred_b, names, n_boot, seed)

    def best(
        self, max_drop_points: float = 1.0, confident: bool = False, seed: int = 0
    ) -> OperatingPoint:
        """The cheapest policy at most ``max_drop_points`` accuracy points below expensive only.

        With ``confident=True`` the rule reads the paired bootstrap interval instead of the point
        estimate: a policy qualifies when the interval's lower end of its accuracy minus the
        expensive model's is at or above ``-max_drop_points``.

        Example:
            >>> curve.best(max_drop_points=3.0, confident=True).threshold
        """
        ok = isinstance(max_drop_points, numbers.Real) and not isinstance(max_drop_points, bool)
        if not ok or not math.isfinite(float(max_drop_points)) or max_drop_points < 0:
            raise MLLError(f"max_drop_points={max_drop_points!r} must be a number >= 0, e.g. 1.0")
        if confident:
            allowed = [
                p for p in self.points()
                if p.policy == EXPENSIVE_ONLY
                or self.paired(p, seed=seed).low_points >= -max_drop_points - 1e-9
            ]  # fmt: skip
        else:
            allowed = [p for p in self.points() if p.drop_points <= max_drop_points + 1e-9]
        # expensive only always qualifies; ties in cost go to the more accurate policy
        return min(allowed, key=lambda p: (p.usd_per_1k_requests, -p.accuracy))

    def verdict(self, max_drop_points: float, seed: int = 0) -> Verdict:
        """The engineering conclusion of this curve, chosen with the paired interval rule.

        Outcomes: ``cheap alone`` (no deferral is needed: drop the expensive path), ``cascade``
        (keep both models, at the chosen threshold) or ``expensive alone`` (no cheaper policy
        stays within the tolerance).
        """
        op = self.best(max_drop_points, confident=True, seed=seed)
        vs = self.paired(op, seed=seed)
        span = f"[{vs.low_points:+.1f}, {vs.high_points:+.1f}]"
        if op.policy == CHEAP_ONLY:
            cheap = self.paired(0.0, seed=seed)
            text = (
                f"Within a tolerance of {max_drop_points:g} points, the cheapest policy is the "
                f"**cheap model alone**: it is {cheap.difference_points:+.1f} points against the "
                f"expensive model (paired interval {span}) at {1 - op.saving_share:.0%} of its "
                "cost. **Drop the expensive path**: every deferral would pay for the expensive "
                "model without a demonstrated gain."
            )
            return Verdict(text, "cheap alone")
        if op.policy == "cascade":
            text = (
                f"Within a tolerance of {max_drop_points:g} points, the cheapest policy is the "
                f"**cascade at threshold {op.threshold:g}**: it defers {op.deferred_share:.0%} "
                f"of requests, is {vs.difference_points:+.1f} points against the expensive model "
                f"(paired interval {span}) and saves {op.saving_share:.0%}. **Keep both models**."
            )
            return Verdict(text, "cascade")
        text = (
            f"No cheaper policy stays within {max_drop_points:g} points of the expensive model "
            "with confidence: **keep the expensive model alone**, or measure on more items."
        )
        return Verdict(text, "expensive alone")

    def quality(self):
        """The untimed columns only (policy, threshold, accuracy, deferred share): no timings."""
        return self.frame[list(QUALITY_COLUMNS)].copy()

    def plot(self, chosen: OperatingPoint | None = None):
        """Accuracy vs $ per 1000 requests (a PNG in Jupyter; ``.figure`` is matplotlib's)."""
        from matplotlib.figure import Figure

        f = self.frame
        fig = Figure(figsize=(6.5, 4))
        ax = fig.add_subplot()
        mid = f[f.policy == "cascade"]
        ax.plot(mid.usd_per_1k_requests, mid.accuracy, "o-", color="tab:blue", label="cascade")
        for _, r in mid.iterrows():
            ax.annotate(f"{r.threshold:g}", (r.usd_per_1k_requests, r.accuracy), fontsize=7,
                        textcoords="offset points", xytext=(4, -9))  # fmt: skip
        for name, marker in ((CHEAP_ONLY, "s"), (EXPENSIVE_ONLY, "D")):
            r = f[f.policy == name].iloc[0]
            ax.plot(r.usd_per_1k_requests, r.accuracy, marker, ms=8, label=name)
        if chosen is not None:
            ax.plot(chosen.usd_per_1k_requests, chosen.accuracy, "o", ms=14, mfc="none",
                    mec="red", mew=2, label="chosen")  # fmt: skip
        ax.set_xlabel(f"USD per 1000 requests (machine at {self.price.usd_per_hour:g} USD/hour)")
        ax.set_ylabel(f"accuracy on {self.n} texts")
        ax.set_title("cascade: accuracy vs cost (labels: threshold)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        return FigurePNG(fig, "cascade accuracy vs cost")

    def __repr__(self) -> str:
        return (
            f"CascadeCurve({len(self.frame) - 2} thresholds, n={self.n}, cheap {self.cheap_ms:.2f} "
            f"ms, expensive {self.expensive_ms:.2f} ms, threads={self.threads})"
        )

    def _repr_html_(self) -> str:
        rows = [
            (r.policy, f"{r.threshold:g}", f"{r.accuracy:.4f}", f"{r.deferred_share:.4f}",
             f"{r.ms_per_request:.2f}", f"{r.usd_per_1k_requests:.4g}")
            for r in self.frame.itertuples()
        ]  # fmt: skip
        cap = (
            f"{self.n} texts; latencies measured here with {self.threads} threads "
            f"(cheap {self.cheap_ms:.2f} ms, expensive {self.expensive_ms:.2f} ms); "
            f"price {self.price.usd_per_hour:g} $/h ({self.price.source}, {self.price.as_of})"
        )
        head = ("policy", "threshold", "accuracy", "deferred", "ms/request", "$/1k requests")
        return _html.table(head, rows, caption=cap)


def _latency_ms(value: Any, name: str) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or value <= 0:
        raise MLLError(f"latencies {name}={value!r} must be milliseconds > 0, e.g. 1.5")
    return float(value)


def _measure(
    cheap: Any, expensive: Any, texts: list[str], repeats: int, threads: int | None
) -> tuple[float, float, int]:
    """Median ms per single request of each model, measured back to back, and the threads."""

    requests = [[t] for t in texts[:16]]
    fast = measure_latency(lambda b: model_proba(cheap, b), requests, 3, repeats, threads)
    slow = measure_latency(lambda b: model_proba(expensive, b), requests, 3, repeats, threads)
    return fast.p50_ms, slow.p50_ms, slow.threads


def cascade_curve(
    cheap: Any,
    expensive: Any,
    texts: Sequence[str],
    labels: Any,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    price: Price | float = 0.10,
    repeats: int = 30,
    latencies_ms: tuple[float, float] | None = None,
    threads: int | None = None,
) -> CascadeCurve:
    """Sweep cascade thresholds: accuracy, deferral share, measured ms and $ per 1000 requests.

    Args:
        cheap, expensive: models with ``.classes`` (``mll.train_tfidf()``,
            ``mll.train_sentiment()``, or anything with ``predict_proba(texts)``).
        texts, labels: labelled texts the models were not trained on.
        thresholds: cheap-model confidences to sweep (each >= 0).
        price: the machine's hourly price, a :class:`~.pricing.Price` or $/h (an input).
        repeats: timed single requests per model (after 3 warm-up calls).
        latencies_ms: (cheap, expensive) ms per request to use instead of measuring.
        threads: torch threads while measuring (``None``: the current setting).

    Returns:
        A :class:`CascadeCurve`; first row cheap only, last row expensive only.

    Example:
        >>> curve = mll.cascade_curve(cheap, clf, texts, labels, (0.5, 0.7, 0.9), price=0.10)
    """
    import pandas as pd

    classes = check_pair(cheap, expensive)
    texts = check_texts(texts)
    y = label_indices(labels, classes, len(texts))
    if (
        isinstance(thresholds, (str, bytes))
        or not isinstance(thresholds, Sequence)
        or not thresholds
    ):
        raise MLLError(f"thresholds={thresholds!r} must be a non-empty list, e.g. (0.5, 0.7, 0.9)")
    grid = sorted({check_threshold(t) for t in thresholds})
    price = as_price(price)
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise MLLError(f"repeats={repeats!r} must be an integer >= 1, e.g. 30")
    p_cheap, p_exp = model_proba(cheap, texts), model_proba(expensive, texts)
    if latencies_ms is None:
        cheap_ms, exp_ms, threads = _measure(cheap, expensive, texts, repeats, threads)
    else:
        if not isinstance(latencies_ms, (tuple, list)) or len(latencies_ms) != 2:
            raise MLLError(f"latencies_ms={latencies_ms!r} must be (cheap_ms, expensive_ms)")
        cheap_ms, exp_ms = (
            _latency_ms(latencies_ms[0], "cheap"),
            _latency_ms(latencies_ms[1], "exp"),
        )
        threads = 0

    def row(policy: str, threshold: float, pred: np.ndarray, deferred: float, ms: float):
        usd = cost_per_1k_requests(price.usd_per_hour, 1000.0 / ms)
        acc = round(float((pred == y).mean()), 4)
        return (policy, threshold, acc, round(deferred, 4), ms, usd)

    rows = [row(CHEAP_ONLY, 0.0, p_cheap.argmax(axis=1), 0.0, cheap_ms)]
    for t in grid:
        pred, deferred = route_by_confidence(p_cheap, p_exp, t)
        share = float(deferred.mean())
        rows.append(row("cascade", t, pred, share, cheap_ms + share * exp_ms))
    rows.append(row(EXPENSIVE_ONLY, math.inf, p_exp.argmax(axis=1), 1.0, exp_ms))
    cols = ["policy", "threshold", "accuracy", "deferred_share", "ms_per_request"]
    frame = pd.DataFrame(rows, columns=[*cols, "usd_per_1k_requests"])
    return CascadeCurve(frame, cheap_ms, exp_ms, int(threads), price, len(y), y, p_cheap, p_exp)


def _policy_name(point: Any) -> str:
    if isinstance(point, OperatingPoint):
        point = point.threshold if point.policy == "cascade" else point.policy
    if point == CHEAP_ONLY or point == 0:
        return CHEAP_ONLY
    if point == EXPENSIVE_ONLY or (isinstance(point, numbers.Real) and point > 1):
        return EXPENSIVE_ONLY
    return f"cascade {point:g}"
