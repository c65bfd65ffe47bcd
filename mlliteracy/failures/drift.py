"""Feature-distribution comparison: population stability index (PSI) and the KS test per feature.

Example:
    >>> mll.compare_distributions(X_train, X_serving).n_significant
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import as_matrix
from .._core.errors import MLLError

if TYPE_CHECKING:
    import pandas as pd

#: PSI conventions (a rule of thumb, sensitive to bins and sample size).
PSI_LEVELS = ((0.1, "little"), (0.25, "moderate"), (float("inf"), "significant"))


def psi(reference: Any, current: Any, bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of one feature: sum (cur% - ref%) * ln(cur% / ref%).

    Bins are quantiles of ``reference`` (repeated edges merged); values outside fall into the
    end bins; empty bins get ``eps``. Convention: < 0.1 little, 0.1-0.25 moderate, > 0.25
    significant shift.
    """
    ref = np.asarray(reference, dtype=np.float64).ravel()
    cur = np.asarray(current, dtype=np.float64).ravel()
    if len(ref) == 0 or len(cur) == 0:
        raise MLLError("reference and current must be non-empty: pass two samples of one feature")
    if not isinstance(bins, int) or bins < 2:
        raise MLLError(f"bins={bins!r} must be an integer >= 2, e.g. 10")
    inner = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1))[1:-1])
    ref_pct = np.bincount(np.searchsorted(inner, ref, "right"), minlength=len(inner) + 1)
    cur_pct = np.bincount(np.searchsorted(inner, cur, "right"), minlength=len(inner) + 1)
    ref_pct = np.maximum(ref_pct / len(ref), eps)
    cur_pct = np.maximum(cur_pct / len(cur), eps)
    return float(np.sum((cur_pct - ref_pct) * np.log(cur_pct / ref_pct)))


def psi_level(value: float) -> str:
    """``little`` (< 0.1), ``moderate`` (0.1-0.25) or ``significant`` (> 0.25)."""
    return next(word for limit, word in PSI_LEVELS if value < limit)


def p_text(p: float) -> str:
    """A p-value for people: tiny values differ across platforms in their last digits."""
    return "< 1e-10" if p < 1e-10 else f"{p:.3g}"


@dataclass(frozen=True)
class DriftReport:
    """Per-feature shift between a reference sample (training) and a current one (serving)."""

    frame: Any
    """DataFrame: feature, psi, level, ks_stat, ks_pvalue."""

    @property
    def n_significant(self) -> int:
        return int((self.frame["level"] == "significant").sum())

    @property
    def max_psi(self) -> float:
        return float(self.frame["psi"].max())

    def top(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` features with the largest PSI."""
        return self.frame.sort_values("psi", ascending=False).head(n).reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"DriftReport(features={len(self.frame)}, significant={self.n_significant}, "
            f"max_psi={self.max_psi:.3f})"
        )

    def _repr_html_(self) -> str:
        rows = [(r.feature, f"{r.psi:.3f}", r.level, f"{r.ks_stat:.3f}", p_text(r.ks_pvalue))
                for r in self.top(10).itertuples()]  # fmt: skip
        cap = f"{self.n_significant} of {len(self.frame)} features shifted significantly (top 10)"
        return _html.table(["feature", "PSI", "level", "KS", "KS p-value"], rows, caption=cap)


def compare_distributions(
    reference: Any, current: Any, features: Sequence[str] | None = None, bins: int = 10
) -> DriftReport:
    """PSI and the two-sample Kolmogorov-Smirnov test for every feature (column).

    Example:
        >>> mll.compare_distributions(X_train, X_serving).n_significant
    """
    from scipy.stats import ks_2samp

    ref, cur = as_matrix("reference", reference), as_matrix("current", current)
    if ref.shape[1] != cur.shape[1]:
        raise MLLError(f"reference has {ref.shape[1]} features, current {cur.shape[1]}: align them")
    names = list(features) if features is not None else [f"x{i}" for i in range(ref.shape[1])]
    if len(names) != ref.shape[1]:
        raise MLLError(f"features has {len(names)} names for {ref.shape[1]} columns")
    rows = []
    for j, name in enumerate(names):
        value = psi(ref[:, j], cur[:, j], bins)
        if np.ptp(ref[:, j]) == 0 and np.ptp(cur[:, j]) == 0 and ref[0, j] == cur[0, j]:
            stat, pvalue = 0.0, 1.0  # the same constant on both sides
        else:
            res = ks_2samp(ref[:, j], cur[:, j])
            stat, pvalue = float(res.statistic), float(res.pvalue)
        rows.append({"feature": name, "psi": value, "level": psi_level(value),
                     "ks_stat": stat, "ks_pvalue": pvalue})  # fmt: skip
    import pandas as pd

    return DriftReport(pd.DataFrame(rows))
