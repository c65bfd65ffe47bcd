"""Every notebook is a test.

* nbval (``--nbval-lax``, configured in pyproject) re-runs the committed lessons, the learner's
  copies with every activity unanswered, in full mode (as a learner runs them): a cell that
  raises fails, and the outputs of cells tagged ``nbval-check-output`` (counts, shapes, hashes)
  must match;
* papermill executes each lesson's answered reference with ``QUICK = True`` in the lesson's
  folder (a crash or an error output fails, and every activity's check must pass), so the QUICK
  path CI uses is run too;
* the solutions in ``solutions/`` run through the real grader, in full mode, in
  ``tests/grading/test_exercises.py`` (each must score full marks), so they are not run here
  a second time;
* the committed lessons are checked for the house rules: outline, a ``parameters`` cell,
  outputs present and free of volatile noise;
* lessons with activities: the learner's copy has at least three, all unanswered, and the
  answered reference in ``reference/`` (the source ``mlliteracy assign`` generates the lesson
  from) passes every activity's check.

Notebooks are discovered, so a notebook added later is picked up without editing this file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlliteracy.workbook.harness import find_notebooks, has_parameters_cell

ROOT = Path(__file__).resolve().parents[1]
LESSONS = find_notebooks(ROOT, "notebooks")
EXECUTED = LESSONS + find_notebooks(ROOT, "solutions")


def _id(path: Path) -> str:
    return path.relative_to(ROOT).with_suffix("").as_posix()


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(cell: dict) -> str:
    return "".join(cell.get("source", ""))


def test_there_are_notebooks():
    assert any(p.name == "00_start_here.ipynb" for p in LESSONS)


@pytest.mark.parametrize("path", EXECUTED, ids=_id)
def test_notebook_has_quick_parameter(path: Path):
    nb = _load(path)
    assert has_parameters_cell(nb), "tag one cell `parameters` (papermill)"
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert re.search(r"^QUICK\s*=\s*False\b", _text(params), re.M), "parameters need QUICK = False"


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_follows_outline(path: Path):
    cells = _load(path)["cells"]
    markdown = "\n".join(_text(c) for c in cells if c["cell_type"] == "markdown")
    assert _text(cells[0]).startswith("# "), "first cell is the title"
    assert re.search(r"you will learn", markdown, re.I), "missing 'You will learn'"
    assert re.search(r"^## Summary", markdown, re.M), "missing '## Summary'"
    code = [c for c in cells if c["cell_type"] == "code"]
    too_long = [i for i, c in enumerate(code) if len(_text(c).splitlines()) > 15]
    assert not too_long, f"code cells over 15 lines (index among code cells): {too_long}"


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_is_committed_with_clean_outputs(path: Path):
    nb = _load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and _text(c).strip()]
    counts = [c.get("execution_count") for c in code]
    assert None not in counts, "run `make notebooks` so every code cell has its output"
    assert counts == sorted(counts), "cells were run out of order; run `make notebooks`"
    assert "papermill" not in nb["metadata"], "volatile papermill metadata committed"
    text = json.dumps([c.get("outputs", []) for c in code])
    for pattern, what in [
        (r"0x[0-9a-f]{8,}", "a memory address"),
        (r"/(?:root|home|tmp|work)/", "an absolute path"),
        (r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d", "a wall-clock date"),
    ]:
        assert not re.search(pattern, text), f"outputs contain {what}"
    assert '"output_type": "error"' not in text, "committed outputs contain an error"
    checked = [c for c in code if "nbval-check-output" in c["metadata"].get("tags", [])]
    assert checked, "tag the cells with key results `nbval-check-output` so nbval compares them"


# ------------------------------------------------------------------ lesson activities
#: Levels where every lesson has activities; a lesson elsewhere is held to the same rules as soon
#: as it has an answered reference in reference/.
ACTIVITY_LEVELS = ("start", "beginner", "intermediate", "advanced")
REFERENCES = sorted((ROOT / "reference").rglob("*.ipynb"))
_CHECK_LINE = re.compile(r"^(\w+): (\d+)/(\d+) checks passed", re.M)


def _activities(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if "activity" in c["metadata"].get("tags", [])]


def _outputs_text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        text = out.get("text") or out.get("data", {}).get("text/plain", "")
        parts.append("".join(text))
    return "\n".join(parts)


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_has_three_unanswered_activities(path: Path):
    from mlliteracy.workbook.harness import level_of

    reference = ROOT / "reference" / path.relative_to(ROOT / "notebooks")
    level = level_of(path.relative_to(ROOT / "notebooks"))
    if level not in ACTIVITY_LEVELS and not reference.exists():
        pytest.skip("this lesson's activities have not landed yet")
    cells = _activities(_load(path))
    assert len(cells) >= 3, "a lesson needs at least 3 cells tagged `activity`"
    for cell in cells:
        assert "mll.check(" in _text(cell), "an activity gives feedback through mll.check"
        unanswered = re.search(r"(=|:) \.\.\.|^\s*\.\.\.\s*$", _text(cell), re.M)
        assert unanswered, "the learner's copy leaves each activity unanswered (`...`)"
        text = _outputs_text(cell)
        assert _CHECK_LINE.search(text) and "not answered yet" in text, (
            "the committed output shows the unanswered check; run `make notebooks`"
        )
    reference = ROOT / "reference" / path.relative_to(ROOT / "notebooks")
    assert reference.exists(), (
        "the answered reference lives in reference/ (see `mlliteracy assign`)"
    )


@pytest.mark.notebook
@pytest.mark.parametrize("path", REFERENCES, ids=_id)
def test_answered_reference_passes_every_activity(path: Path, tmp_path: Path):
    from mlliteracy.workbook.harness import execute

    lesson = ROOT / "notebooks" / path.relative_to(ROOT / "reference")
    nb = execute(path, tmp_path / path.name, quick=True, timeout=600, cwd=lesson.parent)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"the reference raised {errors[0].get('ename')}: {errors[0].get('evalue')}"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected, "papermill found no `parameters` cell to override"
    activities = _activities(nb)
    assert len(activities) == len(_activities(_load(lesson))) >= 3
    for cell in activities:
        results = _CHECK_LINE.findall(_outputs_text(cell))
        assert results, f"activity without a check result:\n{_text(cell)}"
        failed = [(q, a, b) for q, a, b in results if a != b]
        assert not failed, f"the answered reference fails {failed}:\n{_outputs_text(cell)}"
