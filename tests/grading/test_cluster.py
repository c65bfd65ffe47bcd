"""Grading on a Dask cluster gives the same rows as grading here: statuses, limits, scores."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mlliteracy._core.errors import MLLError
from mlliteracy.grading.assign import generate_exercise
from mlliteracy.grading.grade import grade_submissions

GOLDEN = Path(__file__).parents[1] / "golden" / "assign" / "solutions" / "demo.ipynb.json"
LIMITS = {"timeout": 90, "cell_timeout": 6, "memory_mb": 400, "progress": False}


def _with_cell(nb: dict, source: str, at: int) -> dict:
    nb = copy.deepcopy(nb)
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": source}
    nb["cells"].insert(at, {**cell, "execution_count": None, "id": f"x{at}"})
    return nb


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cluster")
    solution = folder / "demo.ipynb"
    solution.write_bytes(GOLDEN.read_bytes())
    subs = folder / "subs"
    subs.mkdir()
    sol = json.loads(GOLDEN.read_text())
    memorised = generate_exercise(sol, "demo")
    for cell in memorised["cells"]:
        cell["source"] = cell["source"].replace("total = ...", "total = 42")
    bomb = "blocks = []\nwhile True:\n    blocks.append(b'x' * 20_000_000)"
    notebooks = {
        "good": sol,
        "memorised": memorised,
        "loop": _with_cell(sol, "while True:\n    pass", 2),
        "exit": _with_cell(sol, "import os\nos._exit(3)", 2),
        "bomb": _with_cell(sol, bomb, 2),
    }
    for name, nb in notebooks.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (subs / "broken.ipynb").write_text("{not json")
    return solution, subs


@pytest.mark.notebook  # starts kernels and a local Dask cluster
def test_a_local_cluster_grades_the_same_rows_as_local_grading(batch, tmp_path):
    from distributed import LocalCluster

    solution, subs = batch
    here = grade_submissions([subs], tmp_path / "here.csv", solution=solution, jobs=2, **LIMITS)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        there = grade_submissions(
            [subs], tmp_path / "there.csv", solution=solution, scheduler=cluster.scheduler_address,
            **LIMITS,
        )  # fmt: skip
        again = grade_submissions(
            [subs], tmp_path / "there.csv", solution=solution, scheduler=cluster.scheduler_address,
            **LIMITS,
        )  # fmt: skip
    rows = {Path(r["submission"]).stem: r for r in there.rows}
    assert {k: r["status"] for k, r in rows.items()} == {
        "good": "graded",
        "memorised": "graded",
        "loop": "timeout",
        "exit": "crashed",
        "bomb": "out_of_memory",
        "broken": "invalid_notebook",
    }
    assert (rows["good"]["q_sum"], rows["memorised"]["q_sum"]) == ("2", "0")
    assert list(there.rows) == list(here.rows)  # the same CSV, row for row
    assert (again.skipped, again.graded) == (5, 1)  # resume: only the invalid file is re-checked


def test_an_unreachable_scheduler_is_a_one_line_error(batch, tmp_path):
    solution, subs = batch
    with pytest.raises(MLLError, match=r"scheduler='tcp://127.0.0.1:9' did not answer"):
        grade_submissions(
            [subs / "good.ipynb"], tmp_path / "g.csv", solution=solution,
            scheduler="tcp://127.0.0.1:9", **LIMITS,
        )  # fmt: skip
