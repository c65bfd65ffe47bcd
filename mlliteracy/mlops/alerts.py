"""Drift alerts that know the sample size: a bootstrap null for PSI and a persistence rule.

PSI's rule of thumb (> 0.25 is "significant") ignores how many rows a window holds. With ten
quantile bins and 80 rows per sample, two samples drawn from one pool often pass 0.25 by chance.
:func:`psi_null` measures that: it draws many pairs of disjoint samples of one pool at the
window's size and keeps their PSI, so a threshold can be read off its percentiles (e.g. the 99th:
about one false alarm per 100 calm windows). :func:`drift_alert` then raises an alert only when
at least ``k`` of the last ``m`` windows pass the threshold.

Example:
    >>> null = mll.psi_null(pool, n=80, pairs=500, seed=0)
    >>> mll.drift_alert(window_psis, threshold=null.threshold(0.99), k=3, m=5).explain()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict
from .._core.figures import FigurePNG
from ..failures.drift import psi

if TYPE_CHECKING:
    import pandas as pd

RULE_OF_THUMB = 0.25
PERCENTILES = (0.5, 0.9, 0.95, 0.99)


@dataclass(frozen=True)
class PsiNull:
    """PSI between pairs of same-distribution samples of size ``n`` (the null distribution)."""

    values: tuple[float, ...]
    n: int
    reference_n: int
    bins: int

    def share_above(self, limit: float = RULE_OF_THUMB) -> float:
        """Share of same-distribution pairs whose PSI exceeds ``limit`` (false alarms)."""
        return float(np.mean(np.asarray(self.values) > limit))

    def threshold(self, q: float = 0.99) -> float:
        """The ``q`` quantile of the null: a threshold with about ``1 - q`` false alarms."""
        if not 0 < q < 1:
            raise MLLError(f"q={q!r} must be between 0 and 1, e.g. 0.99")
        return float(np.quantile(self.values, q))

    @property
    def percentiles(self) -> pd.DataFrame:
        """DataFrame: percentile, psi (of the null), false-alarm share at that threshold."""
        import pandas as pd

        rows = [(f"{q:.0%}", self.threshold(q), 1 - q) for q in PERCENTILES]
        return pd.DataFrame(rows, columns=["percentile", "psi", "false alarms"])

    def explain(self, limit: float = RULE_OF_THUMB) -> Verdict:
        """How often the rule of thumb fires on same-distribution pairs (``noisy`` or ``ok``)."""
        share = self.share_above(limit)
        text = (
            f"With {self.n} rows per window, {share:.0%} of {len(self.values)} same-distribution "
            f"pairs have PSI above {limit:g}; the 99th percentile of the null is "
            f"{self.threshold(0.99):.3f}."
        )
        if share > 0.05:
            return Verdict(text + f" At this size PSI > {limit:g} is mostly noise.", "noisy")
        return Verdict(text + f" At this size PSI > {limit:g} rarely fires by chance.", "ok")

    def __repr__(self) -> str:
        return (
            f"PsiNull(n={self.n}, pairs={len(self.values)}, "
            f"share_above_0.25={self.share_above():.3f}, p99={self.threshold(0.99):.3f})"
        )

    def _repr_html_(self) -> str:
        rows = [(p, f"{v:.3f}", f"{a:.0%}") for p, v, a in self.percentiles.itertuples(False)]
        head = f"PSI null, n={self.n}, {len(self.values)} pairs, bins={self.bins}"
        return _html.table(["percentile", "psi", "false alarms"], rows, caption=head)


def psi_null(
    reference: Any,
    n: int,
    pairs: int = 500,
    seed: int = 0,
    bins: int = 10,
    reference_n: int | None = None,
) -> PsiNull:
    """PSI of ``pairs`` pairs of disjoint samples drawn from one pool (``reference``).

    Each pair draws ``reference_n`` (default ``n``) and ``n`` values without replacement, so
    both come from one distribution: every PSI above a threshold is a false alarm.
    """
    pool = np.asarray(reference, dtype=np.float64).ravel()
    ref_n = n if reference_n is None else reference_n
    for name, value in (("n", n), ("reference_n", ref_n), ("pairs", pairs)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 2:
            raise MLLError(f"{name}={value!r} must be an integer >= 2, e.g. 80")
    if n + ref_n > len(pool):
        raise MLLError(
            f"n={n} plus reference_n={ref_n} exceeds the pool's {len(pool)} values: "
            "pass a larger reference pool or a smaller n"
        )
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(pairs):
        pick = rng.permutation(len(pool))[: ref_n + n]
        values.append(psi(pool[pick[:ref_n]], pool[pick[ref_n:]], bins=bins))
    return PsiNull(tuple(values), n, ref_n, bins)


def plot_psi_null(nulls: Sequence[PsiNull], limit: float = RULE_OF_THUMB) -> FigurePNG:
    """Histograms of same-distribution PSI, one per window size, with 0.25 and each 99th pct."""
    from matplotlib.figure import Figure

    if not nulls or not all(isinstance(x, PsiNull) for x in nulls):
        raise MLLError("nulls must be a non-empty list of mll.psi_null(...) results")
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.subplots()
    top = max(max(x.values) for x in nulls)
    edges = np.linspace(0, top, 40)
    for x in nulls:
        ax.hist(x.values, bins=edges, alpha=0.55, label=f"n={x.n}")
        ax.axvline(x.threshold(0.99), ls=":", lw=1.5, color=ax.patches[-1].get_facecolor()[:3])
    ax.axvline(limit, color="black", ls="--", lw=1, label=f"rule of thumb {limit:g}")
    ax.set_xlabel("PSI between two samples of one pool (dotted: each 99th percentile)")
    ax.set_ylabel("pairs")
    ax.legend(fontsize=8)
    title = "PSI between same-distribution samples, by window size"
    fig.suptitle(title)
    fig.tight_layout()
    facts = {f"n={x.n}": {"share_above": round(x.share_above(limit), 3)} for x in nulls}
    return FigurePNG(fig, title, facts)


def plot_drift(reference: Any, current: Any, name: str = "feature", bins: int = 10) -> FigurePNG:
    """Reference vs current shares in PSI's own bins (the reference's quantiles) of one feature."""
    from matplotlib.figure import Figure

    ref = np.asarray(reference, dtype=np.float64).ravel()
    cur = np.asarray(current, dtype=np.float64).ravel()
    if len(ref) == 0 or len(cur) == 0:
        raise MLLError("reference and current must be non-empty: pass two samples of one feature")
    inner = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1))[1:-1])
    shares = {
        label: np.bincount(np.searchsorted(inner, v, "right"), minlength=len(inner) + 1) / len(v)
        for label, v in (("reference", ref), ("current", cur))
    }
    edges = [f"{a:g}" for a in inner]
    labels = [f"< {edges[0]}"] + [f"{a}-{b}" for a, b in pairwise(edges)] + [f">= {edges[-1]}"]
    fig = Figure(figsize=(7.5, 3.0))
    ax = fig.subplots()
    x = np.arange(len(labels))
    for offset, (label, share) in zip((-0.2, 0.2), shares.items(), strict=True):
        ax.bar(x + offset, share, width=0.4, label=f"{label} (n={len(ref if offset < 0 else cur)})")
    ax.set_xticks(x, labels, rotation=30, fontsize=8)
    ax.set_xlabel(f"{name}: bins at the reference's quantiles (the bins PSI uses)")
    ax.set_ylabel("share of the sample")
    ax.legend(fontsize=8)
    value = psi(ref, cur, bins=bins)
    title = f"{name}: reference vs current, PSI {value:.3f}"
    fig.suptitle(title)
    fig.tight_layout()
    empty = int(np.sum(shares["current"] == 0))
    return FigurePNG(fig, title, {"psi": round(value, 3), "bins": len(labels), "empty": empty})


@dataclass(frozen=True)
class DriftAlert:
    """A persistence rule on a history of window PSIs: alert when k of the last m pass."""

    history: tuple[float, ...]
    threshold: float
    k: int
    m: int

    @property
    def above(self) -> tuple[bool, ...]:
        return tuple(v > self.threshold for v in self.history)

    @property
    def hits(self) -> int:
        """How many of the last ``m`` windows pass the threshold."""
        return sum(self.above[-self.m :])

    @property
    def alert(self) -> bool:
        return self.hits >= self.k

    def explain(self) -> Verdict:
        """Outcome ``alert`` or ``no alert``, with the count that decided it."""
        last = min(self.m, len(self.history))
        text = (
            f"{self.hits} of the last {last} windows have PSI above {self.threshold:.3f} "
            f"(the rule needs {self.k} of {self.m})"
        )
        if self.alert:
            return Verdict(text + ": **drift alert**, the shift persists.", "alert")
        return Verdict(text + ": no alert.", "no alert")

    def __repr__(self) -> str:
        return f"DriftAlert(alert={self.alert}, hits={self.hits}, k={self.k}, m={self.m})"

    def _repr_html_(self) -> str:
        rows = [(i + 1, f"{v:.3f}", "yes" if a else "") for i, (v, a) in
                enumerate(zip(self.history, self.above, strict=True))]  # fmt: skip
        head = f"alert={self.alert}: {self.hits} of last {self.m} above {self.threshold:.3f}"
        return _html.table(["window", "psi", "above"], rows, caption=head)


def drift_alert(history: Sequence[float], threshold: float, k: int = 3, m: int = 5) -> DriftAlert:
    """Alert when at least ``k`` of the last ``m`` window PSIs exceed ``threshold``."""
    values = tuple(float(v) for v in history)
    if not values or not all(np.isfinite(values)):
        raise MLLError("history must be a non-empty list of finite PSI values, one per window")
    if not isinstance(k, int) or not isinstance(m, int) or not 1 <= k <= m:
        raise MLLError(f"k={k!r}, m={m!r}: need integers with 1 <= k <= m, e.g. k=3, m=5")
    if not np.isfinite(threshold) or threshold <= 0:
        raise MLLError(f"threshold={threshold!r} must be a positive PSI, e.g. null.threshold(0.99)")
    return DriftAlert(values, float(threshold), k, m)


def plot_drift_pca(reference: Any, current: Any, feature: str, bins: int = 20) -> FigurePNG:
    """Reference vs current histograms of one feature and of PC1 of all the features.

    PC1 comes from scikit-learn's PCA fitted on the reference only, after scaling each column
    by the reference's mean and standard deviation; the current sample is projected with the
    same fit, so a shift shows up as a moved histogram.

    Args:
        reference: DataFrame of numeric features (e.g. ``mll.text_features``) the model saw.
        current: DataFrame with the same columns, from serving.
        feature: the column drawn in the first panel.

    Returns:
        A :class:`FigurePNG`; ``facts`` holds each panel's PSI and PC1's explained share.

    Example:
        >>> mll.plot_drift_pca(mll.text_features(ref), mll.text_features(cur), "mentions")
    """
    import pandas as pd
    from matplotlib.figure import Figure
    from sklearn.decomposition import PCA

    if not isinstance(reference, pd.DataFrame) or not isinstance(current, pd.DataFrame):
        raise MLLError("reference and current must be DataFrames, e.g. mll.text_features(texts)")
    if list(reference.columns) != list(current.columns) or feature not in reference.columns:
        raise MLLError(f"feature={feature!r}: pass two frames with the same columns, including it")
    if len(reference) < 3 or len(current) < 1:
        raise MLLError(
            "reference needs 3 rows or more and current 1 or more to fit and project PC1"
        )
    ref, cur = reference.to_numpy(np.float64), current.to_numpy(np.float64)
    mean, std = ref.mean(axis=0), ref.std(axis=0)
    std[std == 0] = 1.0
    pca = PCA(n_components=1, random_state=0).fit((ref - mean) / std)
    pcs = [pca.transform((x - mean) / std)[:, 0] for x in (ref, cur)]
    column = [frame[feature].to_numpy(np.float64) for frame in (reference, current)]
    panels = [(feature, *column), ("PC1 of all features", *pcs)]
    fig = Figure(figsize=(9.0, 3.2))
    facts: dict[str, Any] = {"pc1_explained": round(float(pca.explained_variance_ratio_[0]), 3)}
    for ax, (label, a, b) in zip(fig.subplots(1, 2), panels, strict=True):
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins=bins)
        ax.hist(a, bins=edges, density=True, alpha=0.55, label=f"reference (n={len(a)})")
        ax.hist(b, bins=edges, density=True, alpha=0.55, label=f"current (n={len(b)})")
        value = psi(a, b)
        facts[f"psi {label}"] = round(value, 3)
        ax.set_title(f"{label}: PSI {value:.3f}", fontsize=10)
        ax.set_ylabel("density")
        ax.legend(fontsize=8)
    title = f"Drift as pictures: {feature} and PC1 (PCA fitted on the reference)"
    fig.suptitle(title)
    fig.tight_layout()
    return FigurePNG(fig, title, facts)
