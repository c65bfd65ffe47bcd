"""CI gate for every exercise, discovered from solutions/.

Through the real grader: the solution scores full marks; the untouched generated exercise runs
without any error and scores 0 on every question; a submission that types in every value the
sealed key's hashes could give away (a brute-force of the key, done here from the plain key)
earns no graded points; ``mlliteracy assign --check`` is clean.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mlliteracy.grading.assign import (
    METADATA_KEY,
    PROMPT_CODE,
    assign_exercises,
    exercise_name,
    read_key,
)
from mlliteracy.grading.grade import grade_submissions
from mlliteracy.workbook.harness import find_notebooks

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = find_notebooks(ROOT, "solutions")
NAMES = [exercise_name(p, ROOT / "solutions") for p in SOLUTIONS]


def test_there_are_exercises():
    assert "beginner/knowledge_check" in NAMES


def test_exercises_are_up_to_date_and_every_key_is_fair():
    report = assign_exercises(ROOT, check=True)
    assert report.stale == (), f"run `mlliteracy assign`: {report.stale}"
    assert report.unfair == ()


def _recovered(question: dict[str, Any]) -> Any:
    """What a brute-force of one question's hashes recovers: each checked value, in place."""
    found: Any = None
    for c in question["criteria"]:
        value = c.get("equals", (c.get("one_of") or [None])[0])
        if value is None and "mentions" in c:
            value = c["mentions"] if isinstance(c["mentions"], str) else c["mentions"][0]
        if value is None:
            continue
        path = c.get("path")
        if path is None:
            found = value if not isinstance(found, str) else f"{found} {value}"
        elif isinstance(path, str):
            found = {**(found if isinstance(found, dict) else {}), path: value}
    return found


def _memorised(exercise: dict, key: dict) -> dict:
    """The exercise with every recovered value typed in after its answer placeholder."""
    values = {q["answer"]: _recovered(q) for q in key["questions"].values()}
    nb = json.loads(json.dumps(exercise))
    for cell in nb["cells"]:
        lines = cell["source"].split("\n") if cell["cell_type"] == "code" else []
        for i, line in enumerate(lines):
            if line.strip() != PROMPT_CODE:
                continue
            pad = line[: len(line) - len(line.lstrip())]
            end = i + 1
            while end < len(lines) and re.match(r"\s*(\w+ = (\.\.\.|\{)|\"|\})", lines[end]):
                end += 1
            names = re.findall(r"^\s*(\w+) = ", "\n".join(lines[i + 1 : end]), re.M)
            typed = [f"{pad}{n} = {json.dumps(values[n])}" for n in names if values.get(n)]
            lines[end:end] = [t.replace("true", "True").replace("false", "False") for t in typed]
            cell["source"] = "\n".join(lines)
            break
    return nb


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
        memorised = _memorised(json.loads(exercise.read_text()), read_key(nb))
        (folder / f"{flat}__memorised.ipynb").write_text(json.dumps(memorised), encoding="utf-8")
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
    key = read_key(json.loads((ROOT / "solutions" / f"{name}.ipynb").read_text()))
    probed = sum(q["points"] for q in key["questions"].values() if q.get("probes"))
    # every probe passes on the solution; the review questions' points wait for a person
    assert float(row["score"]) == probed > 0
    assert _questions(row)


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_untouched_exercise_runs_and_scores_zero(gradebook, name):
    row = gradebook[f"{name.replace('/', '__')}__exercise"]
    assert (row["status"], row["reason"]) == ("graded", "")
    questions = _questions(row)
    assert questions and set(questions.values()) == {"0"}
    assert row["score"] == "0" and row["needs_review"] == ""


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_a_brute_forced_key_earns_no_graded_points(gradebook, name):
    row = gradebook[f"{name.replace('/', '__')}__memorised"]
    assert row["status"] == "graded"
    assert row["score"] == "0", {q: v for q, v in _questions(row).items() if v != "0"}
