import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mlliteracy._core.errors import MLLError
from mlliteracy.workbook import harness as workbook
from mlliteracy.workbook.curriculum import CURRICULUM, LEVELS, find_root, workbook_map


def _write(path, cells):
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, path)
    return path


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    _write(
        tmp_path / "notebooks/00_start_here.ipynb",
        [
            new_markdown_cell("# Start"),
            new_code_cell("QUICK = False", metadata={"tags": ["parameters"]}),
            new_code_cell("print('quick' if QUICK else 'full')"),
        ],
    )
    _write(
        tmp_path / "notebooks/advanced/a.ipynb",
        [
            new_markdown_cell("# Advanced <A>"),
            new_code_cell("QUICK = False", metadata={"tags": ["parameters"]}),
        ],
    )
    _write(
        tmp_path / "notebooks/beginner/b.ipynb",
        [
            new_markdown_cell("# Beginner B"),
            new_code_cell("QUICK = False", metadata={"tags": ["parameters"]}),
        ],
    )
    (tmp_path / "notebooks/beginner/.ipynb_checkpoints").mkdir()
    _write(tmp_path / "notebooks/beginner/.ipynb_checkpoints/b-checkpoint.ipynb", [])
    return tmp_path


def test_find_notebooks_in_teaching_order(tiny):
    found = [p.relative_to(tiny).as_posix() for p in workbook.find_notebooks(tiny)]
    assert found == [
        "notebooks/00_start_here.ipynb",
        "notebooks/beginner/b.ipynb",
        "notebooks/advanced/a.ipynb",
    ]


def test_unknown_kind_is_a_clear_error(tiny):
    with pytest.raises(MLLError, match="kind='lessons' is not one of"):
        workbook.find_notebooks(tiny, "lessons")


def test_execute_injects_quick(tiny, tmp_path):
    nb = workbook.execute(tiny / "notebooks/00_start_here.ipynb", tmp_path / "o.ipynb", quick=True)
    assert nb.cells[-1].outputs[0]["text"] == "quick\n"


def test_clean_drops_volatile_noise():
    nb = {
        "metadata": {"papermill": {"duration": 1}},
        "nbformat_minor": 5,
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"tags": ["parameters"], "papermill": {}, "execution": {}},
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "data": {
                            "text/plain": "<Model at 0x7f3a2b1c9d10>",
                            "application/vnd.jupyter.widget-view+json": {
                                "model_id": "abc",
                                "version_major": 2,
                            },
                        },
                    }
                ],
            }
        ],
    }
    cleaned = workbook.clean(nb)
    cell = cleaned["cells"][0]
    assert cell["metadata"] == {"tags": ["parameters"]}
    assert cell["outputs"][0]["data"]["text/plain"] == "<Model>"
    assert cell["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == ""
    assert "papermill" not in cleaned["metadata"]


def test_save_clean_is_byte_stable(tmp_path):
    nb = {"metadata": {}, "nbformat": 4, "nbformat_minor": 5, "cells": []}
    target = tmp_path / "n.ipynb"
    workbook.save_clean(json.loads(json.dumps(nb)), target)
    first = target.read_bytes()
    workbook.save_clean(json.loads(first), target)
    assert target.read_bytes() == first
    assert not list(tmp_path.glob("*.tmp"))


def test_build_site_links_every_notebook_by_level(tiny, tmp_path):
    index = workbook.build_site(tiny, tmp_path / "site", quick=True)
    html = index.read_text()
    assert html.index("Start here") < html.index("Beginner") < html.index("Advanced")
    assert 'href="notebooks/beginner/b.html"' in html
    assert "Advanced &lt;A&gt;" in html  # titles are escaped
    assert (tmp_path / "site/notebooks/advanced/a.html").exists()


def test_curriculum_covers_three_levels():
    assert {lesson.level for lesson in CURRICULUM} == set(LEVELS)
    assert len({(lesson.level, lesson.slug) for lesson in CURRICULUM}) == len(CURRICULUM)


def test_workbook_map_marks_missing_lessons(tiny):
    table = workbook_map(tiny)
    assert list(table["level"].unique()) == list(LEVELS)
    assert set(table["lesson notebook"]) == {"coming"}


def test_find_root_error_names_the_fix(tmp_path):
    with pytest.raises(MLLError, match="run this from inside the mlliteracy checkout"):
        find_root(tmp_path)


def test_lesson_rooms_come_from_the_helpers_a_notebook_calls(tmp_path):
    from mlliteracy.workbook.curriculum import lesson_rooms

    nb = tmp_path / "lesson.ipynb"
    nb.write_text(
        '{"cells": [{"source": "mll.autopsy(m)\\nmll.expect(1, at_least=0)\\nmll.nope()"}]}'
    )
    assert lesson_rooms(nb) == ("_core", "anatomy")
    assert lesson_rooms(tmp_path / "missing.ipynb") == ()
    root = find_root(None)
    assert (
        "anatomy"
        in workbook_map(root).set_index("lesson").loc["Model architecture autopsy", "rooms"]
    )
