"""What each fix is worth: one repair at a time on the broken pipeline, and the duplicates' share
of the gap between the test score and the audit accuracy.

Example:
    >>> mll.ablate_fixes(seed=0).verdict()
    >>> mll.duplicate_share(seed=0).verdict()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from .._core.expect import Verdict
from .cases import FIXES, repaired_pipeline

#: Two accuracy changes closer than this are called a tie (about 7 of the 360 audit requests).
ABLATION_TIE = 0.02
#: The metrics of one ablation row, as :class:`~mlliteracy.failures.cases.CaseStudy` names them.
ABLATION_METRICS = ("test_acc", "audit_acc", "serve_acc")


@dataclass(frozen=True)
class Ablation:
    """The broken pipeline, the broken pipeline plus each single fix, and all fixes together."""

    frame: Any
    """DataFrame: pipeline, test_acc, audit_acc, serve_acc, users_change, audit_change."""

    @classmethod
    def from_scores(cls, scores: Mapping[str, Mapping[str, float]]) -> Ablation:
        """Build the table from ``{"broken": {...}, "<fix>": {...}, ..., "all fixes": {...}}``.

        Each value maps ``test_acc``, ``audit_acc`` and ``serve_acc`` to a number.
        """
        import pandas as pd

        if not isinstance(scores, Mapping) or "broken" not in scores or len(scores) < 3:
            raise MLLError(
                "scores must map 'broken' and at least two fixes to their metrics, "
                "e.g. {'broken': {...}, 'serving fix': {...}, 'model change': {...}}"
            )
        rows = []
        for name, metrics in scores.items():
            missing = [m for m in ABLATION_METRICS if m not in metrics]
            if missing:
                raise MLLError(f"scores[{name!r}] lacks {missing}: give {ABLATION_METRICS}")
            rows.append({"pipeline": str(name), **{m: float(metrics[m]) for m in ABLATION_METRICS}})
        frame = pd.DataFrame(rows)
        base = frame[frame["pipeline"] == "broken"].iloc[0]
        frame["users_change"] = frame["serve_acc"] - base["serve_acc"]
        frame["audit_change"] = frame["audit_acc"] - base["audit_acc"]
        return cls(frame)

    @property
    def singles(self) -> Any:
        """The one-fix rows (neither ``broken`` nor ``all fixes``)."""
        return self.frame[~self.frame["pipeline"].isin(["broken", "all fixes"])]

    def biggest(self, column: str = "users_change") -> list[str]:
        """The single fix(es) with the largest ``column``; several when they tie."""
        singles = self.singles
        best = float(singles[column].max())
        return singles.loc[singles[column] >= best - ABLATION_TIE, "pipeline"].tolist()

    def verdict(self) -> Verdict:
        """Name the single fix worth the most to users, and the one worth the most to the model."""
        singles = self.singles.sort_values("users_change", ascending=False)
        first, second = singles.iloc[0], singles.iloc[1]
        base = self.frame[self.frame["pipeline"] == "broken"].iloc[0]
        lead = (
            f"Each row adds one fix to the broken pipeline, whose users got {base.serve_acc:.3f}."
        )
        if first.users_change - second.users_change < ABLATION_TIE:
            outcome = "tie"
            text = (
                f"{lead} **{first.pipeline}** ({first.users_change:+.3f}) and **{second.pipeline}**"
                f" ({second.users_change:+.3f}) are worth about the same to users: a difference "
                f"under {ABLATION_TIE} is a few audit requests."
            )
        else:
            outcome = str(first.pipeline)
            text = (
                f"{lead} The fix worth the most to users is **{first.pipeline}**: "
                f"{base.serve_acc:.3f} -> {first.serve_acc:.3f} ({first.users_change:+.3f}); "
                f"the next, {second.pipeline}, adds {second.users_change:+.3f}."
            )
        model_side = singles[singles["pipeline"] != "serving fix"]
        if len(model_side) and "serving fix" in set(singles["pipeline"]):
            best = model_side.sort_values("audit_change", ascending=False).iloc[0]
            text += (
                f" With the inputs preprocessed right (audit accuracy), the serving fix changes "
                f"nothing and **{best.pipeline}** is worth the most ({best.audit_change:+.3f})."
            )
        if "all fixes" in set(self.frame["pipeline"]):
            every = self.frame[self.frame["pipeline"] == "all fixes"].iloc[0]
            text += (
                f" All fixes together: {every.serve_acc:.3f} ({every.users_change:+.3f}), while "
                f"the single changes add up to {float(singles['users_change'].sum()):+.3f}: "
                "fixes interact, so one-at-a-time rows do not add up."
            )
        return Verdict(text, outcome=outcome)

    def to_frame(self) -> Any:
        return self.frame.copy()

    def __repr__(self) -> str:
        rows = [(r.pipeline, f"{r.test_acc:.3f}", f"{r.audit_acc:.3f}", f"{r.serve_acc:.3f}",
                 f"{r.users_change:+.3f}", f"{r.audit_change:+.3f}")
                for r in self.frame.itertuples()]  # fmt: skip
        header = ["pipeline", "test", "audit", "users", "users vs broken", "audit vs broken"]
        return _html.text_table(header, rows)

    def _repr_html_(self) -> str:
        rows = [(r.pipeline, f"{r.test_acc:.3f}", f"{r.audit_acc:.3f}", f"{r.serve_acc:.3f}",
                 f"{r.users_change:+.3f}", f"{r.audit_change:+.3f}")
                for r in self.frame.itertuples()]  # fmt: skip
        header = ["pipeline", "test acc", "audit acc (right inputs)", "users' acc (as served)",
                  "users vs broken", "audit vs broken"]  # fmt: skip
        cap = "one fix at a time on the broken pipeline, scored on the untouched audit set"
        return _html.table(header, rows, caption=cap)


def ablate_fixes(seed: int = 0, noise_rate: float = 0.15, dup_fraction: float = 0.1) -> Ablation:
    """Score the broken pipeline, the broken pipeline plus each single fix, and all fixes.

    Every row is scored on the same audit set: ``serve_acc`` through the serving code (what
    users get), ``audit_acc`` through the training preprocessing (what the model is worth).

    Example:
        >>> mll.ablate_fixes(seed=0).verdict()
    """
    runs = {"broken": (), **{fix: (fix,) for fix in FIXES}, "all fixes": FIXES}
    scores = {}
    for name, fixes in runs.items():
        case = repaired_pipeline(fixes, seed, noise_rate, dup_fraction)
        scores[name] = {m: case.metrics[m] for m in ABLATION_METRICS}
    return Ablation.from_scores(scores)


# ------------------------------------------------------------------ duplicates' share of the gap


@dataclass(frozen=True)
class DuplicateShare:
    """The broken pipeline's test-minus-audit gap with the planted duplicates and without them."""

    gaps_with: tuple[float, ...]
    """Test minus audit accuracy, one per seed, with duplicates planted."""
    gaps_without: tuple[float, ...]
    """The same with ``dup_fraction=0`` (same seeds)."""
    dup_fraction: float

    @property
    def gap(self) -> float:
        return float(np.mean(self.gaps_with))

    @property
    def gap_without(self) -> float:
        return float(np.mean(self.gaps_without))

    @property
    def share(self) -> float:
        """Share of the gap that disappears without duplicates (above 1: all of it, and more)."""
        return (self.gap - self.gap_without) / self.gap if self.gap > 0 else float("nan")

    @property
    def stderr(self) -> float:
        """Standard error of the mean per-seed drop of the gap (the splits' noise)."""
        drop = np.subtract(self.gaps_with, self.gaps_without)
        return float(np.std(drop, ddof=1) / np.sqrt(len(drop))) if len(drop) > 1 else float("inf")

    def verdict(self) -> Verdict:
        """Say what share of the gap the duplicates explain, or that noise hides it."""
        n = len(self.gaps_with)
        lead = (
            f"Over {n} seeds, the broken pipeline's test score beat its audit accuracy by "
            f"{self.gap:+.3f} with {self.dup_fraction:.0%} duplicates and by "
            f"{self.gap_without:+.3f} without them."
        )
        drop, noise = self.gap - self.gap_without, 2 * self.stderr
        if self.gap <= 0.005:
            outcome, text = "no gap", "There is no gap here for the duplicates to explain."
        elif abs(drop) < noise:
            outcome = "noise"
            text = (
                f"The drop ({drop:+.3f}) is within twice its standard error ({noise:.3f}): the "
                "splits' noise hides the duplicates' share; use more seeds."
            )
        elif self.share >= 0.9:
            outcome = "all"
            text = (
                "Without duplicates **the whole gap disappears** (what is left is split noise): "
                "the copies of test rows in the training set made the test score look better."
            )
        else:
            outcome = "part"
            text = (
                f"Without duplicates **{self.share:.0%} of the gap disappears**; the rest comes "
                "from the other faults (preprocessing fit on the test rows) and split noise."
            )
        return Verdict(f"{lead} {text}", outcome=outcome)

    def __repr__(self) -> str:
        return (
            f"DuplicateShare(gap={self.gap:+.3f}, gap_without={self.gap_without:+.3f}, "
            f"seeds={len(self.gaps_with)})"
        )

    def _repr_html_(self) -> str:
        rows = [(f"{self.dup_fraction:g}", f"{self.gap:+.3f}"), ("0", f"{self.gap_without:+.3f}")]
        cap = (
            f"test minus audit accuracy of the broken pipeline, mean of {len(self.gaps_with)} seeds"
        )
        return _html.table(["dup_fraction", "test - audit"], rows, caption=cap)


def duplicate_share(
    seed: int = 0, noise_rate: float = 0.15, dup_fraction: float = 0.1, seeds: int = 10
) -> DuplicateShare:
    """Rerun the broken pipeline with ``dup_fraction=0`` and compare its test/audit gap.

    One split moves an accuracy by a few points, so the gaps are averaged over ``seeds``
    consecutive seeds starting at ``seed``.

    Example:
        >>> mll.duplicate_share(seed=0).share
    """
    check_seed(seed)
    if not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 2:
        raise MLLError(f"seeds={seeds!r} must be an integer >= 2, e.g. 10")
    with_dup, without = [], []
    for s in range(seed, seed + seeds):
        for frac, out in ((dup_fraction, with_dup), (0.0, without)):
            m = repaired_pipeline((), s, noise_rate, frac).metrics
            out.append(m["test_acc"] - m["audit_acc"])
    return DuplicateShare(tuple(with_dup), tuple(without), float(dup_fraction))
