"""The workbook's table of contents: levels, lessons, the exercise each one carries.

The planned lessons are declared once here; :func:`workbook_map` joins them with the
notebooks that exist on disk, so the map in ``00_start_here`` can never go stale.

Example:
    >>> mll.workbook_map(root).query("level == 'beginner'")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .._core.errors import MLLError
from .._core.exports import exported_names

LEVELS = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True)
class Lesson:
    """One guided lesson and the practice project it carries."""

    level: str
    """``beginner``, ``intermediate`` or ``advanced``."""
    slug: str
    """File stem under ``notebooks/<level>/``."""
    title: str
    """Title as shown in the map."""
    project: str
    """The practice project (what the learner produces)."""
    exercise: str | None
    """File stem of the graded exercise under ``exercises/<level>/``, if any."""
    minutes: int
    """Planned time for a learner to read and run it (an estimate, not a measurement)."""


CURRICULUM: tuple[Lesson, ...] = (
    Lesson(
        "beginner",
        "01_vocabulary_lab",
        "Vocabulary lab",
        "weights vs hyperparameters vs architectural parameters; tensors, tokens, embeddings",
        "knowledge_check",
        30,
    ),
    Lesson(
        "beginner",
        "02_model_autopsy",
        "Model architecture autopsy",
        "params, FLOPs, MACs, shapes, memory, graph; a one-page report for a product manager",
        "autopsy_report",
        45,
    ),
    Lesson(
        "beginner",
        "03_training_pipeline",
        "Training pipeline from scratch",
        "data -> preprocess -> train -> evaluate -> save; curves, overfitting, cost tracked",
        "training_run",
        40,
    ),
    Lesson(
        "beginner",
        "04_model_card_datasheet",
        "Model card & datasheet",
        "document a real model and its data, validated for completeness",
        "model_card",
        40,
    ),
    Lesson(
        "intermediate",
        "01_inference_bottlenecks",
        "Inference bottleneck analysis",
        "profile a slow sentiment service, find the causes, fix them; HTTP endpoint + load test",
        "bottleneck_analysis",
        60,
    ),
    Lesson(
        "intermediate",
        "02_inference_cost",
        "Inference cost optimisation",
        "quantisation, pruning, distillation under '<= 5% accuracy loss'; $ per 1000 requests",
        "cost_memo",
        60,
    ),
    Lesson(
        "intermediate",
        "03_pipeline_failures",
        "Pipeline failure analysis",
        "leakage, overfitting, label noise, train/serve skew, found with diagnostics",
        "pipeline_faults",
        45,
    ),
    Lesson(
        "advanced",
        "01_compliance_audit",
        "Compliance audit of a deployed assistant",
        "provenance, risk measurements, EU AI Act / NIST AI RMF mapping, evidence bundle",
        "compliance_audit",
        90,
    ),
    Lesson(
        "advanced",
        "02_mlops_audit",
        "MLOps pipeline audit & redesign",
        "ML Test Score, experiment tracking, reproducibility, drift, migration plan",
        "mlops_audit",
        75,
    ),
    Lesson(
        "advanced",
        "03_cost_benefit",
        "Cost-benefit & hybrid systems",
        "a cascade of a cheap and an expensive model; build vs buy",
        "knowledge_check",
        45,
    ),
)


def lessons() -> tuple[Lesson, ...]:
    """All planned lessons in teaching order."""
    return CURRICULUM


def find_root(start: str | Path | None = None) -> Path:
    """The workbook's root folder: the first parent of ``start`` holding ``notebooks/``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks").is_dir() and (folder / "pyproject.toml").is_file():
            return folder

    raise MLLError(
        f"no workbook found at or above {here}; run this from inside the mlliteracy checkout"
    )


def workbook_map(root: str | Path | None = None):
    """A DataFrame of every lesson: level, title, project, minutes, which files exist, and the
    rooms of the package (``mlliteracy/<room>/``) whose helpers the lesson calls.

    Args:
        root: the workbook checkout (found from the current folder when omitted).
    """
    import pandas as pd

    base = find_root(root)
    rows = []
    for lesson in CURRICULUM:
        lesson_path = Path("notebooks", lesson.level, f"{lesson.slug}.ipynb")
        exercise_path = (
            Path("exercises", lesson.level, f"{lesson.exercise}.ipynb") if lesson.exercise else None
        )
        rows.append(
            {
                "level": lesson.level,
                "lesson": lesson.title,
                "practice project": lesson.project,
                "minutes (planned)": lesson.minutes,
                "lesson notebook": lesson_path.as_posix()
                if (base / lesson_path).exists()
                else "coming",
                "rooms": ", ".join(lesson_rooms(base / lesson_path)),
                "exercise": (
                    exercise_path.as_posix()
                    if exercise_path and (base / exercise_path).exists()
                    else ("coming" if exercise_path else "-")
                ),
            }
        )
    return pd.DataFrame(rows)


def lesson_rooms(notebook: str | Path) -> tuple[str, ...]:
    """Rooms of the package a notebook calls through ``mll.<name>``, sorted (empty if missing).

    Example:
        >>> lesson_rooms("notebooks/beginner/02_model_autopsy.ipynb")
        ('anatomy', 'models', 'views', ...)
    """
    path = Path(notebook)
    if not path.is_file():
        return ()
    called = set(re.findall(r"mll\.([A-Za-z_][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")))
    exports = exported_names()
    return tuple(sorted({exports[n].split(".")[0] for n in called if n in exports}))
