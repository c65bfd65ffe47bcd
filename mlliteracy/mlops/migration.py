"""A phased MLOps migration plan: what each phase fixes, what it costs, what it returns.

Each phase names the ML Test Score tests it raises (and to how many points), so the expected
score after each phase is computed from the current :class:`MLTestScore`, not guessed. Effort
and money are **inputs**: the defaults are illustrative assumptions, labelled as such; put
your own numbers in, starting with the baseline: how many incidents a year happen today (the
incident log says). The phases run in the order of Google Cloud's MLOps maturity levels
(0 manual, 1 pipeline automation with continuous training, 2 CI/CD of the pipeline itself).

Example:
    >>> plan = mll.migration_plan(mll.ml_test_score(scan))
    >>> plan.frame[["phase", "score after", "ROI"]]
    >>> plan.explain()  # the baseline incident rate, and whether the plan pays back
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict
from .testscore import MLTestScore, ml_test_score

#: (name, what is done, Google MLOps level, {test id: points after the phase}), in the order of
#: Google Cloud's levels: level 0 (manual, made repeatable and traceable) before level 1 (the
#: pipeline automated: continuous training, data and model validation, metadata) before level 2
#: (CI/CD of the pipeline itself: tests, build, deployment, registry, rollback).
PHASES: tuple[tuple[str, str, str, dict[str, float]], ...] = (
    ("0 foundations", "version control, pinned dependencies, seeds in every script",
     "level 0 (manual), but repeatable",
     {"model_1": 0.5, "infrastructure_1": 0.5, "monitoring_1": 0.5}),
    ("1 traceability", "data hashes in a manifest, experiment tracking (MLflow), data schema",
     "level 0 (manual), every run traceable",
     {"data_1": 0.5, "model_3": 0.5, "infrastructure_5": 0.5}),
    ("2 continuous training + monitoring", "one automated pipeline: data validation, training, "
     "a quality gate in code, drift monitoring whose alerts trigger retraining",
     "level 1: ML pipeline automation, continuous training",
     {"data_1": 1.0, "infrastructure_4": 1.0, "model_4": 0.5, "monitoring_2": 1.0,
      "monitoring_4": 1.0, "monitoring_7": 1.0}),
    ("3 CI/CD of the pipeline", "unit and integration tests and the reproducibility check run "
     "by CI on every change; automated deployment with rollback", "level 2: CI/CD pipeline "
     "automation", {"data_7": 1.0, "model_1": 1.0, "model_6": 1.0, "infrastructure_1": 1.0,
                    "infrastructure_2": 1.0, "infrastructure_3": 1.0, "infrastructure_7": 1.0,
                    "monitoring_1": 1.0}),
)  # fmt: skip
PHASE_NAMES = tuple(p[0] for p in PHASES)

#: Illustrative assumptions (not facts): person-days per phase, cost of a person-day, cost of
#: one production incident, incidents a year today (the baseline) and incidents a year each
#: phase avoids. A team reads the baseline and the avoided incidents off its incident log.
DEFAULT_EFFORT_DAYS = (3.0, 5.0, 12.0, 10.0)
DEFAULT_DAY_RATE = 600.0
DEFAULT_INCIDENT_COST = 4000.0
DEFAULT_INCIDENTS_PER_YEAR = 8.0
DEFAULT_INCIDENTS_AVOIDED = (1.0, 1.0, 3.0, 2.0)
#: Where a team gets each input.
SOURCES = {
    "effort_days": "the team's estimate per phase",
    "day_rate": "finance: the loaded cost of one person-day",
    "incident_cost": "post-mortems: hours lost x day rate + the business impact",
    "incidents_per_year": "the incident log: ML incidents in the last 12 months",
    "incidents_avoided": "the incident log: incidents whose root cause the phase removes",
}


@dataclass(frozen=True)
class MigrationPlan:
    """The phases with tests raised, effort, expected score and ROI; and the assumptions."""

    frame: Any
    """DataFrame, one row per phase."""
    assumptions: dict[str, tuple[Any, bool]]
    """Input name -> (value, True when it is the illustrative default)."""
    start_score: float

    def explain(self) -> Verdict:
        """The baseline incident rate, what the plan avoids, and whether it pays back in a year
        (outcome ``pays back`` or ``does not pay back``)."""
        baseline = float(self.assumptions["incidents_per_year"][0])
        each = float(self.assumptions["incident_cost"][0])
        cost, benefit = float(self.frame["cost"].sum()), float(self.frame["benefit / year"].sum())
        avoided = float(self.frame["incidents avoided"].sum())
        source = "an illustrative default" if self.assumptions["incidents_per_year"][1] else (
            "your input")  # fmt: skip
        text = (
            f"Baseline (an assumption, {source}; take it from your incident log): "
            f"{baseline:g} incidents a year today at {each:,.0f} each, {baseline * each:,.0f} a "
            f"year. The plan avoids {avoided:g} of them ({benefit:,.0f} a year) for a one-off "
            f"cost of {cost:,.0f}"
        )
        if benefit > cost:
            months = 12 * cost / benefit
            return Verdict(text + f": it pays back in about {months:.1f} months.", "pays back")
        return Verdict(text + ": it does **not** pay back within a year.", "does not pay back")

    def __repr__(self) -> str:
        after = ", ".join(f"{s:g}" for s in self.frame["score after"])
        return f"MigrationPlan(phases={len(self.frame)}, score {self.start_score:g} -> {after})"

    def _repr_html_(self) -> str:
        cols = ["phase", "work", "tests raised", "Google MLOps", "person-days", "cost",
                "incidents / year before", "incidents avoided", "benefit / year", "ROI",
                "score after"]  # fmt: skip
        rows = [[r[c] if not isinstance(r[c], float) else f"{r[c]:,.2f}".rstrip("0").rstrip(".")
                 for c in cols] for _, r in self.frame.iterrows()]  # fmt: skip
        plan = _html.table(cols, rows, caption=f"migration plan (score now {self.start_score:g})")
        arows = [(k, v, "illustrative default" if d else "your input", SOURCES[k])
                 for k, (v, d) in self.assumptions.items()]  # fmt: skip
        head = ["input", "value", "source", "where a team gets it"]
        return plan + _html.table(head, arows, caption="assumptions")


def _numbers(name: str, value: Any, n: int) -> tuple[float, ...]:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = (value,) * n
    bad = not isinstance(value, Sequence) or len(value) != n
    if bad or any(isinstance(v, bool) or not isinstance(v, numbers.Real) or v < 0 for v in value):
        raise MLLError(f"{name}={value!r} must be {n} non-negative numbers (one per phase)")
    return tuple(float(v) for v in value)


def migration_plan(
    score: MLTestScore | Mapping[str, Any],
    *,
    effort_days: Sequence[float] | None = None,
    day_rate: float | None = None,
    incident_cost: float | None = None,
    incidents_per_year: float | None = None,
    incidents_avoided: Sequence[float] | None = None,
) -> MigrationPlan:
    """Phase 0-3 plan (Google's levels 0 -> 1 -> 2) from a current ML Test Score, with effort,
    the incidents it avoids, ROI and the score after each phase.

    Args:
        score: the current :class:`MLTestScore` (or its evidence dict).
        effort_days: person-days per phase (default: illustrative 3, 5, 12, 10).
        day_rate: cost of one person-day (default: illustrative 600, in your currency).
        incident_cost: cost of one production incident (default: illustrative 4000).
        incidents_per_year: incidents a year today, the baseline (illustrative 8; read it off
            your incident log).
        incidents_avoided: incidents a year each phase prevents (illustrative 1, 1, 3, 2); they
            cannot add up to more than the baseline.

    Returns:
        A :class:`MigrationPlan`. ROI = (benefit per year - cost) / cost, over one year.

    Example:
        >>> mll.migration_plan(score, incidents_per_year=12, incident_cost=10_000).explain()
    """
    import pandas as pd

    if not isinstance(score, MLTestScore):
        score = ml_test_score(score)
    n = len(PHASES)
    inputs = {"effort_days": (effort_days, DEFAULT_EFFORT_DAYS),
              "day_rate": (day_rate, DEFAULT_DAY_RATE),
              "incident_cost": (incident_cost, DEFAULT_INCIDENT_COST),
              "incidents_per_year": (incidents_per_year, DEFAULT_INCIDENTS_PER_YEAR),
              "incidents_avoided": (incidents_avoided, DEFAULT_INCIDENTS_AVOIDED)}  # fmt: skip
    assumptions = {k: (d if v is None else v, v is None) for k, (v, d) in inputs.items()}
    effort = _numbers("effort_days", assumptions["effort_days"][0], n)
    avoided = _numbers("incidents_avoided", assumptions["incidents_avoided"][0], n)
    rate = _numbers("day_rate", assumptions["day_rate"][0], 1)[0]
    incident = _numbers("incident_cost", assumptions["incident_cost"][0], 1)[0]
    baseline = _numbers("incidents_per_year", assumptions["incidents_per_year"][0], 1)[0]
    if sum(avoided) > baseline + 1e-9:
        raise MLLError(
            f"incidents_avoided={list(avoided)} add up to {sum(avoided):g}, more than "
            f"incidents_per_year={baseline:g}: a plan cannot avoid more incidents than happen; "
            "raise incidents_per_year or lower incidents_avoided"
        )
    points, rows, left = dict(score.points), [], baseline
    for (name, work, level, raises), days, avoid in zip(PHASES, effort, avoided, strict=True):
        gained = {t: p for t, p in raises.items() if p > points[t]}
        points.update(gained)
        after = ml_test_score(points)
        cost, benefit = days * rate, avoid * incident
        rows.append({
            "phase": name, "work": work, "tests raised": ", ".join(sorted(gained)) or "-",
            "Google MLOps": level, "person-days": days, "cost": cost,
            "incidents / year before": left, "incidents avoided": avoid, "benefit / year": benefit,
            "ROI": round((benefit - cost) / cost, 2) if cost else float("inf"),
            "score after": after.final, "weakest section after": after.weakest,
        })  # fmt: skip
        left = max(left - avoid, 0.0)
    return MigrationPlan(pd.DataFrame(rows), assumptions, score.final)
