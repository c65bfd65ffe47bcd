"""CI gate for every exercise, discovered from solutions/.

Through the real grader: the solution scores full marks; the untouched generated exercise runs
without any error and scores 0 on every question; ``mlliteracy assign --check`` is clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlliteracy.grading.assign import METADATA_KEY, assign_exercises, exercise_name
from mlliteracy.grading.grade import grade_submissions
from mlliteracy.workbook.harness import find_notebooks

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = find_notebooks(ROOT, "solutions")
NAMES = [exercise_name(p, ROOT / "solutions") for p in SOLUTIONS]


def test_there_are_exercises():
    assert "beginner/knowledge_check" in NAMES


def test_exercises_are_up_to_date():
    stale = assign_exercises(ROOT, check=True).stale
    assert stale == (), f"run `mlliteracy assign`: {stale}"


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("ci")
    for name, solution in zip(NAMES, SOLUTIONS, strict=True):
        flat = name.replace("/", "__")
        nb = json.loads(solution.read_text(encoding="utf-8"))
        nb["metadata"][METADATA_KEY] = {"exercise": name}  # as a learner's copy would carry
        (folder / f"{flat}__solution.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        exercise = ROOT / "exercises" / f"{name}.ipynb"
        (folder / f"{flat}__exercise.ipynb").write_bytes(exercise.read_bytes())
    report = grade_submissions(
        [folder], folder.parent / "ci.csv", root=ROOT, jobs=2, timeout=180, progress=False
    )
    return {Path(r["submission"]).stem: r for r in report.rows}


def _questions(row: dict) -> dict[str, str]:
    fixed = {"submission", "status", "score", "max_score", "needs_review", "reason"}
    fixed |= {"exercise", "sha256", "key_sha256"}
    return {k: v for k, v in row.items() if k not in fixed and v != ""}


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(gradebook, name):
    row = gradebook[f"{name.replace('/', '__')}__solution"]
    assert (row["status"], row["reason"]) == ("graded", "")
    assert float(row["score"]) == float(row["max_score"]) > 0
    assert _questions(row)


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_untouched_exercise_runs_and_scores_zero(gradebook, name):
    row = gradebook[f"{name.replace('/', '__')}__exercise"]
    assert (row["status"], row["reason"]) == ("graded", "")
    questions = _questions(row)
    assert questions and set(questions.values()) == {"0"}
    assert row["score"] == "0" and row["needs_review"] == ""
