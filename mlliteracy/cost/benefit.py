"""Cost against lift: what each option costs (compute hours, storage, engineering days, serving)
beside the accuracy it measurably adds, and a pilot judged against a success metric.

Total over the horizon = compute hours x hourly price + engineering days x day rate
+ months x (storage GB x price per GB-month + serving per month). Cost per point of lift =
total / lift, only for options whose paired interval of the lift lies above 0.

Example:
    >>> opt = mll.Option("retrain on all data", lift=diff, compute_hours=0.01, engineering_days=2)
    >>> mll.cost_benefit([opt], day_rate_usd=800, storage_usd_per_gb_month=0.023).verdict()
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._core import html as _html
from .._core.checks import positive
from .._core.errors import MLLError
from .._core.expect import Verdict
from .compare import PairedDifference
from .pricing import Price, as_price


@dataclass(frozen=True)
class Option:
    """One way to spend money on the system, with the lift it was measured to give."""

    name: str
    lift: PairedDifference | None = None
    """This option's accuracy minus the current system's, on the same items (None: unmeasured)."""
    compute_hours: float = 0.0
    """One-off device-hours (training, embedding) on ``compute_price``'s machine."""
    compute_price: Price | None = None
    storage_gb: float = 0.0
    """Artefacts kept: weights, embeddings, data versions."""
    engineering_days: float = 0.0
    """People's time to build and ship it (an assumption: say whose)."""
    serving_usd_per_month: float = 0.0
    """The serving bill at the expected volume."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise MLLError(f"name={self.name!r} must be a non-empty string, e.g. 'retrain'")
        if self.lift is not None and not isinstance(self.lift, PairedDifference):
            raise MLLError(f"lift={self.lift!r} must be a mll.paired_bootstrap(...) result or None")
        for f in ("compute_hours", "storage_gb", "engineering_days", "serving_usd_per_month"):
            positive(f, getattr(self, f), f"pass {f} >= 0, e.g. 0", True)
        if self.compute_hours > 0 and self.compute_price is None:
            raise MLLError(f"compute_hours={self.compute_hours!r} needs compute_price=: pass a "
                           "mll.Price or dollars per hour")  # fmt: skip


@dataclass(frozen=True, eq=False)
class CostBenefit:
    """Every option's cost over ``months`` beside its measured lift."""

    frame: Any
    """DataFrame, one row per option: lift and its interval (points), compute, engineering,
    storage and serving dollars, total, and dollars per point of demonstrated lift."""
    months: int
    day_rate_usd: float
    storage_usd_per_gb_month: float

    def verdict(self) -> Verdict:
        """Which option buys a point of accuracy most cheaply, among those with a lift shown.

        Outcomes: ``best value`` or ``no lift shown`` (no option's interval lies above 0).
        """
        f = self.frame
        shown = f[f.usd_per_point.notna()]
        unshown = ", ".join(f.loc[f.usd_per_point.isna(), "option"]) or "none"
        if shown.empty:
            text = (
                f"No option's lift interval lies above 0 ({unshown}): none of them has shown "
                "that it buys accuracy. Run a pilot that measures the lift before spending more."
            )
            return Verdict(text, "no lift shown")
        best = shown.loc[shown.usd_per_point.idxmin()]
        text = (
            f"**{best.option}** buys accuracy most cheaply: {best.lift_points:+.1f} points "
            f"(paired interval [{best.lift_low:+.1f}, {best.lift_high:+.1f}]) for "
            f"${best.total_usd:,.0f} over {self.months} months, ${best.usd_per_point:,.0f} per "
            f"point. Without a lift shown (interval reaching 0 or unmeasured): {unshown}."
        )
        return Verdict(text, "best value")

    def __repr__(self) -> str:
        return f"CostBenefit({len(self.frame)} options over {self.months} months)"

    def _repr_html_(self) -> str:
        cols = list(self.frame.columns)
        rows = [
            tuple("-" if isinstance(v, float) and math.isnan(v) else
                  f"{v:,.4g}" if isinstance(v, float) else v for v in r)
            for r in self.frame.itertuples(index=False)
        ]  # fmt: skip
        cap = (
            f"over {self.months} months; engineering at ${self.day_rate_usd:,.0f}/day and "
            f"storage at ${self.storage_usd_per_gb_month:g}/GB-month (inputs)"
        )
        return _html.table(cols, rows, caption=cap)


def cost_benefit(
    options: Sequence[Option],
    day_rate_usd: float,
    storage_usd_per_gb_month: float,
    months: int = 12,
) -> CostBenefit:
    """Cost of each option over ``months`` (compute, engineering, storage, serving) vs its lift.

    Args:
        options: :class:`Option` rows.
        day_rate_usd: cost of one engineering day (an assumption: your loaded day rate).
        storage_usd_per_gb_month: storage price, e.g. ``mll.listed_price("aws-s3-standard").usd``.
        months: the horizon the monthly costs are counted over.

    Example:
        >>> mll.cost_benefit([mll.Option("retrain", lift=diff, engineering_days=2)], 800, 0.023)
    """
    import pandas as pd

    if isinstance(options, Option) or not isinstance(options, Sequence) or not options:
        raise MLLError("options must be a non-empty list of mll.Option(...)")
    if not all(isinstance(o, Option) for o in options):
        raise MLLError("every entry of options must be a mll.Option(...)")
    day = positive("day_rate_usd", day_rate_usd, "pass a loaded day rate, e.g. 800", True)
    gb = positive("storage_usd_per_gb_month", storage_usd_per_gb_month, "pass e.g. 0.023", True)
    if isinstance(months, bool) or not isinstance(months, numbers.Integral) or months < 1:
        raise MLLError(f"months={months!r} must be an integer >= 1, e.g. 12")
    rows = []
    for o in options:
        price = as_price(o.compute_price, "compute_price", optional=True)
        compute = o.compute_hours * (price.usd_per_hour if price else 0.0)
        storage = o.storage_gb * gb
        total = compute + o.engineering_days * day + months * (storage + o.serving_usd_per_month)
        lift = o.lift
        shown = lift is not None and lift.low_points > 0
        nan = float("nan")
        rows.append({
            "option": o.name,
            "lift_points": lift.difference_points if lift else nan,
            "lift_low": lift.low_points if lift else nan,
            "lift_high": lift.high_points if lift else nan,
            "compute_hours": o.compute_hours,
            "compute_usd": compute,
            "engineering_usd": o.engineering_days * day,
            "storage_usd_per_month": storage,
            "serving_usd_per_month": o.serving_usd_per_month,
            "total_usd": total,
            "usd_per_point": total / lift.difference_points if shown else nan,
        })  # fmt: skip
    return CostBenefit(pd.DataFrame(rows), int(months), day, gb)


@dataclass(frozen=True)
class PilotCheck:
    """A pilot judged against its success metric: a cost saving with a bounded accuracy loss."""

    name: str
    baseline_usd: float
    """Cost of the current system (per 1000 requests, per month: the same unit as pilot_usd)."""
    pilot_usd: float
    accuracy: PairedDifference
    """Pilot minus current system, on the pilot's items."""
    target_saving: float
    """e.g. 0.40 for "reduce cost by 40%"."""
    max_loss_points: float
    """e.g. 2.0 for "with less than 2 points of accuracy loss"."""

    @property
    def saving(self) -> float:
        return 1.0 - self.pilot_usd / self.baseline_usd

    def verdict(self) -> Verdict:
        """Outcomes: ``met``, ``missed: cost``, ``missed: accuracy`` or ``not confirmed``
        (the loss's interval reaches past the limit: more items are needed)."""
        acc, tol = self.accuracy, self.max_loss_points
        head = (
            f"Pilot **{self.name}**: target cost -{self.target_saving:.0%} with less than "
            f"{tol:g} points of accuracy loss. Measured: cost {-self.saving:+.0%}, accuracy "
            f"{acc.difference_points:+.1f} points (paired interval [{acc.low_points:+.1f}, "
            f"{acc.high_points:+.1f}], n={acc.n}). "
        )
        if self.saving < self.target_saving:
            return Verdict(head + "**Missed on cost.**", "missed: cost")
        if acc.high_points < -tol:
            return Verdict(head + "**Missed on accuracy**: the whole interval is past the limit.",
                           "missed: accuracy")  # fmt: skip
        if acc.low_points > -tol:
            return Verdict(head + "**Met**: the interval's lower end stays above the limit.", "met")
        text = head + (
            f"**Not confirmed**: the interval reaches below -{tol:g}; about "
            f"{acc.items_for(tol):,} items would decide it."
        )
        return Verdict(text, "not confirmed")

    def __repr__(self) -> str:
        acc = self.accuracy
        return (
            f"PilotCheck({self.name!r}: saving {self.saving:.0%} (target "
            f"{self.target_saving:.0%}), accuracy {acc.difference_points:+.2f} points "
            f"[{acc.low_points:+.2f}, {acc.high_points:+.2f}] (limit -{self.max_loss_points:g}))"
        )

    def _repr_markdown_(self) -> str:
        return self.verdict().text


def pilot_check(
    name: str,
    baseline_usd: float,
    pilot_usd: float,
    accuracy: PairedDifference,
    target_saving: float = 0.40,
    max_loss_points: float = 2.0,
) -> PilotCheck:
    """Judge a pilot by its success metric, e.g. "reduce cost by 40% with < 2 points of loss".

    Example:
        >>> mll.pilot_check("cascade", 0.40, 0.15, curve.paired(op)).verdict()
    """
    if not isinstance(name, str) or not name.strip():
        raise MLLError(f"name={name!r} must be a non-empty string, e.g. 'cascade'")
    base = positive("baseline_usd", baseline_usd, "pass the current cost, e.g. 0.40")
    new = positive("pilot_usd", pilot_usd, "pass the pilot's cost in the same unit", True)
    if not isinstance(accuracy, PairedDifference):
        raise MLLError(f"accuracy={accuracy!r} must be a mll.paired_bootstrap(...) result")
    ok = isinstance(target_saving, numbers.Real) and not isinstance(target_saving, bool)
    if not ok or not 0 < float(target_saving) < 1:
        raise MLLError(f"target_saving={target_saving!r} must be a share in (0, 1), e.g. 0.40")
    tol = positive("max_loss_points", max_loss_points, "pass points, e.g. 2.0")
    return PilotCheck(name, base, new, accuracy, float(target_saving), tol)
