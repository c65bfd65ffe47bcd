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
from mlliteracy.grading.assign import assign_exercises, generate_exercise, read_key

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
