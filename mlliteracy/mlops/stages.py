"""Tools per stage of the redesigned pipeline: which tool, why, and the SLA or trigger it holds.

Five stages (data versioning, orchestration, experiment tracking / registry, monitoring, the
retraining trigger), each with a tool practitioners use and the one this workbook runs in its
place, a reason, and a number a team can be held to. The numbers are inputs, taken from the
lesson's own measurements (the drift threshold from the PSI null, the quality gate) and from a
data-freshness rule checked against the manifest's date. Sources, in our words: Google Cloud,
*MLOps: Continuous delivery and automation pipelines in machine learning* (levels 0-2); Breck
et al., *The ML Test Score* (2017); DVC's documentation (``dvc repro``, ``dvc dag``).

Example:
    >>> plan = mll.stage_tools(psi_threshold=0.9, window=80, min_accuracy=0.9)
    >>> plan.frame
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict

STAGES = ("data versioning", "orchestration", "experiment tracking / registry", "monitoring",
          "retraining trigger")  # fmt: skip

#: Orchestrators compared on paper (none is installed here), one line each.
ORCHESTRATORS = (
    ("Prefect", "flows are decorated Python functions; runs locally, a server or cloud adds "
     "schedules and a UI: the lightest step up from scripts for a small Python team"),
    ("Apache Airflow", "a scheduler of task DAGs with many operators, long established; needs a "
     "scheduler, a metadata database and workers to operate"),
    ("Kubeflow Pipelines", "each step a container on Kubernetes, with artifacts and metadata "
     "tracked; worth it where the team already runs Kubernetes"),
)  # fmt: skip


@dataclass(frozen=True)
class StageTools:
    """The reference rows (stage, tool, here, why, SLA / trigger) and the freshness check."""

    frame: Any
    """DataFrame, one row per stage in :data:`STAGES`."""
    orchestrators: Any
    """DataFrame: orchestrator, in one line."""
    data_date: dt.date | None
    """The data's date from the manifest (None when it records none)."""
    max_age_days: int
    today: dt.date

    @property
    def data_age_days(self) -> int | None:
        return None if self.data_date is None else (self.today - self.data_date).days

    def freshness(self) -> Verdict:
        """Does the data meet the freshness SLA? Outcome ``fresh``, ``stale`` or ``unknown``."""
        rule = f"The SLA: training data no older than {self.max_age_days} days."
        if self.data_date is None:
            return Verdict(rule + " The manifest records no date: record one, then the age can "
                           "be checked.", "unknown")  # fmt: skip
        age = self.data_age_days
        ago = f"{age} days" if age < 730 else f"more than {age // 365} years"
        text = f"{rule} The manifest dates the data {self.data_date.isoformat()}, {ago} ago"
        if age <= self.max_age_days:
            return Verdict(text + ": it meets the SLA.", "fresh")
        return Verdict(text + ": it **breaks** the SLA; a pipeline that holds it refuses to "
                       "train on this data until newer data arrives.", "stale")  # fmt: skip

    def __repr__(self) -> str:
        return f"StageTools(stages={len(self.frame)}, max_age_days={self.max_age_days})"

    def _repr_html_(self) -> str:
        cols = ["stage", "tool", "here", "why", "SLA / trigger"]
        rows = [[r[c] for c in cols] for _, r in self.frame.iterrows()]
        table = _html.table(cols, rows, caption="tools per stage (reference rows)")
        cap = "orchestrators, compared on paper (none is installed here)"
        return table + _html.table(["orchestrator", "in one line"], ORCHESTRATORS, caption=cap)


def _manifest_date(manifest: str | os.PathLike[str] | None) -> dt.date | None:
    if manifest is None:
        return None
    try:
        record = json.loads(Path(manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise MLLError(f"manifest={str(manifest)!r} is not a readable JSON file: {err}") from err
    found = next((record.get(k) for k in ("collected", "published", "date") if record.get(k)), None)
    if found is None:
        return None
    try:
        return dt.date.fromisoformat(str(found)[:10])
    except ValueError as err:
        raise MLLError(f"the manifest's date {found!r} is not YYYY-MM-DD; fix the file") from err


def stage_tools(
    *,
    psi_threshold: float,
    window: int,
    k: int = 3,
    m: int = 5,
    min_accuracy: float = 0.9,
    max_age_days: int = 30,
    manifest: str | os.PathLike[str] | None = None,
    today: dt.date | None = None,
) -> StageTools:
    """The reference table of tools per stage, with the lesson's measured trigger values.

    Args:
        psi_threshold: the drift threshold, e.g. ``mll.psi_null(...).threshold(0.99)``.
        window: rows per monitoring window the threshold was measured at.
        k, m: the persistence rule: retrain when ``k`` of the last ``m`` windows alert.
        min_accuracy: the quality gate on the labelled weekly sample.
        max_age_days: the data-freshness SLA.
        manifest: a JSON manifest whose ``collected`` / ``published`` / ``date`` field dates
            the data (the redesign's ``data/data_hashes.json``).
        today: the date to measure the data's age against (default: today).

    Returns:
        A :class:`StageTools`; ``.freshness()`` checks the SLA.

    Example:
        >>> mll.stage_tools(psi_threshold=0.9, window=80, manifest="data/data_hashes.json")
    """
    import pandas as pd

    if not isinstance(psi_threshold, (int, float)) or not psi_threshold > 0:
        raise MLLError(f"psi_threshold={psi_threshold!r} must be a positive PSI, e.g. 0.9")
    for name, value in (("window", window), ("max_age_days", max_age_days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MLLError(f"{name}={value!r} must be a positive integer, e.g. 30")
    if not isinstance(k, int) or not isinstance(m, int) or not 1 <= k <= m:
        raise MLLError(f"k={k!r}, m={m!r}: need integers with 1 <= k <= m, e.g. k=3, m=5")
    if not isinstance(min_accuracy, (int, float)) or not 0 < min_accuracy < 1:
        raise MLLError(f"min_accuracy={min_accuracy!r} must be between 0 and 1, e.g. 0.9")
    rows = [
        (STAGES[0], "DVC: `dvc repro` reruns only stages whose inputs changed, `dvc dag` draws "
         "the lineage", "data/data_hashes.json + train.py's hash check (DVC is not installed)",
         "a data version is a content hash kept beside the code: an edited CSV is refused",
         f"training data no older than {max_age_days} days (date in the manifest)"),
        (STAGES[1], "Prefect, Airflow or Kubeflow Pipelines (compared below)",
         "CI runs pytest and train.py on every change", "no step of the pipeline is run by hand",
         "runs end to end on a schedule or on a trigger; no manual step"),
        (STAGES[2], "MLflow tracking + model registry", "MLflow with a SQLite file (section 6)",
         "every served model traces to its run; the registry's versions give rollback",
         "every released model has a run id, a data sha256 and a code version"),
        (STAGES[3], "a drift monitor on inputs and embeddings", "mll.psi_null + mll.drift_alert "
         "(section 7); monitor.py in the project", "a threshold measured at the window size "
         "keeps calm streams quiet", f"a window of {window} rows alerts when PSI > "
         f"{psi_threshold:.3f} (99th percentile of the same-mix null)"),
        (STAGES[4], "the orchestrator's trigger", "a CI job on the alert or on the weekly "
         "labelled sample", "retrain on evidence, not on a calendar or a hunch",
         f"{k} of the last {m} windows alert, or accuracy on the labelled weekly sample < "
         f"{min_accuracy:g}"),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["stage", "tool", "here", "why", "SLA / trigger"])
    orchestrators = pd.DataFrame(ORCHESTRATORS, columns=["orchestrator", "in one line"])
    date = _manifest_date(manifest)
    return StageTools(frame, orchestrators, date, max_age_days, today or dt.date.today())
