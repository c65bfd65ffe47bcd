"""The generator: golden folder, byte stability, --check, markers and their errors.

Golden notebooks are stored as ``*.ipynb.json`` so that nbval does not collect them.
Regenerate the golden exercises after an intended change with
``MLL_UPDATE_GOLDEN=1 pytest tests/grading/test_assign.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mlliteracy import cli
from mlliteracy._core.errors import MLLError
from mlliteracy.grading.assign import assign_exercises, dumps, generate_exercise, read_key

GOLDEN = Path(__file__).parents[1] / "golden" / "assign"


def _files(folder: Path, suffix: str = ".ipynb") -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix().removesuffix(suffix): p.read_bytes()
        for p in sorted(folder.rglob(f"*{suffix}"))
    }


def _golden_solution() -> dict:
    return json.loads((GOLDEN / "solutions" / "demo.ipynb.json").read_text())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "solutions").mkdir()
    shutil.copyfile(GOLDEN / "solutions" / "demo.ipynb.json", tmp_path / "solutions" / "demo.ipynb")
    return tmp_path


def test_generated_folder_matches_golden(tree: Path):
    report = assign_exercises(tree)
    assert report.written == ("exercises/demo.ipynb",)
    if os.environ.get("MLL_UPDATE_GOLDEN"):
        text = (tree / "exercises" / "demo.ipynb").read_text()
        (GOLDEN / "exercises" / "demo.ipynb.json").write_text(text)
    assert _files(tree / "exercises") == _files(GOLDEN / "exercises", ".ipynb.json")


def test_running_twice_changes_nothing(tree: Path):
    assign_exercises(tree)
    before = _files(tree / "exercises")
    again = assign_exercises(tree)
    assert again.written == () and _files(tree / "exercises") == before


def test_exercise_content(tree: Path):
    assign_exercises(tree)
    nb = json.loads((tree / "exercises" / "demo.ipynb").read_text())
    text = json.dumps(nb)
    sources = ["".join(c["source"]) for c in nb["cells"]]
    assert (
        "BEGIN" not in text and "sum(numbers)" not in text and "instructor self-check" not in text
    )
    assert "SECRET-HINT" not in text and "The sum is 42" not in text
    assert all(c.get("outputs", []) == [] for c in nb["cells"])
    assert all(c.get("execution_count") is None for c in nb["cells"] if c["cell_type"] == "code")
    assert [c["metadata"].get("tags") for c in nb["cells"]][1:2] == [["parameters"]]
    assert "total = ..." in sources[4] and "total: int" not in sources[4]
    assert "    note = ..." in sources[5]  # indentation of the region is kept
    assert sources[3].endswith("_Your answer here._")
    assert nb["metadata"]["mll"] == {"exercise": "demo"}
    assert len(nb["cells"]) == 6  # the hidden-tests-only cell is gone


def test_check_lists_stale_and_orphans_and_exits_1(tree: Path, capsys):
    assert cli.main(["assign", "--check", "--root", str(tree)]) == 1
    assert "stale: exercises/demo.ipynb" in capsys.readouterr().out
    assign_exercises(tree)
    assert cli.main(["assign", "--check", "--root", str(tree)]) == 0
    solution = tree / "solutions" / "demo.ipynb"
    solution.write_text(solution.read_text().replace("[10, 12, 20]", "[10, 12, 21]"))
    orphan = tree / "exercises" / "old.ipynb"
    orphan.write_text("{}")
    report = assign_exercises(tree, check=True)
    assert report.stale == ("exercises/demo.ipynb", "exercises/old.ipynb")
    assert orphan.exists()  # --check writes nothing
    assert assign_exercises(tree).removed == ("exercises/old.ipynb",)
    assert not orphan.exists()


def test_read_key_returns_the_plain_literal():
    key = read_key(_golden_solution())
    assert key["name"] == "demo" and key["questions"]["q_sum"]["points"] == 2


def _nb(*sources: str) -> dict:
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": []} for s in sources]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
        ("### BEGIN SOLUTION\nx = (\n### END SOLUTION", "does not parse"),
        ("### BEGIN ANSWER KEY\nKEY = {'name': f()}\n### END ANSWER KEY", "Python literal"),
    ],
)
def test_marker_mistakes_name_the_cell(source, words):
    with pytest.raises(MLLError) as info:
        generate_exercise(_nb("x = 0", source), "demo")
    assert "demo cell 1" in str(info.value) and words in str(info.value)


def test_region_without_assignment_becomes_an_ellipsis():
    nb = generate_exercise(_nb("### BEGIN SOLUTION\nprint(1)\n### END SOLUTION"), "d")
    assert nb["cells"][0]["source"].splitlines()[-1] == "..."


def test_cli_error_is_one_line_exit_2(tmp_path, capsys):
    assert cli.main(["assign", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "solutions folder" in err


# ------------------------------------------------------------------ lessons from reference/
def _lesson_reference() -> dict:
    key = (
        "### BEGIN ANSWER KEY\nKEY = {'name': 'start', 'graded': False, 'questions': {'a1': "
        "{'answer': 'kinds', 'criteria': [{'name': 'lr', 'path': 'lr', 'equals': 'hyper'}]}}}\n"
        "### END ANSWER KEY\nmll.use_key(KEY)"
    )
    activity = (
        "### BEGIN SOLUTION\nkinds = {'lr': 'hyper', 'filter': 'weight'}\n### END SOLUTION\n"
        "mll.check('a1', kinds)"
    )
    cells = [
        {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# Lesson"},
        {"cell_type": "code", "id": "k1", "metadata": {}, "source": key, "outputs": []},
        {"cell_type": "code", "id": "a1", "metadata": {"tags": ["activity"]}, "source": activity},
        {"cell_type": "code", "id": "c1", "metadata": {}, "source": "1 + 1", "outputs": []},
    ]
    meta = {"kernelspec": {"name": "python3"}, "mll": {"x": 1}}
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def lesson_tree(tmp_path: Path) -> Path:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "start.ipynb").write_text(json.dumps(_lesson_reference()))
    return tmp_path


def test_lesson_is_generated_unanswered_with_a_dict_template(lesson_tree: Path):
    report = assign_exercises(lesson_tree)
    assert report.written == ("notebooks/start.ipynb",) and report.lessons == report.written
    nb = json.loads((lesson_tree / "notebooks" / "start.ipynb").read_text())
    key, activity = nb["cells"][1]["source"], nb["cells"][2]["source"]
    assert 'KEY = "mll-key-v1:' in key and "hyper" not in key  # sealed, no expected value
    assert '    "lr": ...,\n    "filter": ...,' in activity and "weight" not in activity
    assert nb["cells"][2]["metadata"] == {"tags": ["activity"]}
    assert "mll" not in nb["metadata"]


def test_regenerating_a_lesson_keeps_outputs_of_unchanged_cells(lesson_tree: Path):
    assign_exercises(lesson_tree)
    path = lesson_tree / "notebooks" / "start.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": cell["id"]}]
            cell["execution_count"] = 1
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11"}
    path.write_text(dumps(nb))
    assert assign_exercises(lesson_tree, check=True).stale == ()  # executed lesson is current
    ref = _lesson_reference()
    ref["cells"][3]["source"] = "2 + 2"
    (lesson_tree / "reference" / "start.ipynb").write_text(json.dumps(ref))
    assert assign_exercises(lesson_tree, check=True).stale == ("notebooks/start.ipynb",)
    assign_exercises(lesson_tree)
    again = json.loads(path.read_text())
    assert [c.get("outputs") for c in again["cells"][1:3]] == [
        c["outputs"] for c in nb["cells"][1:3]
    ]
    assert again["cells"][3]["outputs"] == [] and again["cells"][3]["execution_count"] is None
    assert again["metadata"]["language_info"]["version"] == "3.11"
