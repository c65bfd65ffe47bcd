"""The grader against a hostile batch, resuming after a kill, and its outputs."""

from __future__ import annotations

import copy
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from mlliteracy import cli
from mlliteracy.grading.assign import generate_exercise
from mlliteracy.grading.checks import CheckResult, CriterionResult
from mlliteracy.grading.grade import grade_submissions
from mlliteracy.grading.gradebook import feedback_page, read_gradebook, summary, write_gradebook
from mlliteracy.grading.submissions import collect, validate

GOLDEN = Path(__file__).parents[1] / "golden" / "assign" / "solutions" / "demo.ipynb.json"
LIMITS = {"jobs": 2, "timeout": 90, "cell_timeout": 6, "memory_mb": 400, "progress": False}

CHEAT = """
import mlliteracy as mll
import mlliteracy.grading.checks as checks
mll.check = lambda *args, **kwargs: "full marks"
checks.score_question = lambda *args, **kwargs: None
total, note = 41, "whatever"
KEY = {"name": "demo", "questions": {"q_sum": {"points": 2, "answer": "total",
       "criteria": [{"equals": 41}]}}}
mll.use_key(KEY)
"""


def _with_cell(nb: dict, source: str, at: int) -> dict:
    nb = copy.deepcopy(nb)
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": source}
    nb["cells"].insert(at, {**cell, "execution_count": None, "id": f"x{at}"})
    return nb


def _write(path: Path, nb: dict) -> Path:
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def solution(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("key")
    path = folder / "demo.ipynb"
    path.write_bytes(GOLDEN.read_bytes())
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory, solution: Path):
    subs = tmp_path_factory.mktemp("subs")
    sol = json.loads(solution.read_text())
    exercise = generate_exercise(sol, "demo")
    cheat = _with_cell(exercise, CHEAT, len(exercise["cells"]))
    cheat = _with_cell(cheat, "raise ValueError('boom')", 1)  # errors do not stop the run
    peek = "import os\nif os.path.exists('probes.json'):\n    raise RuntimeError('plan readable')"
    cheat = _with_cell(cheat, peek, 1)  # the probe plan is gone before the kernel starts
    cheat["cells"] = [c for c in cheat["cells"] if "mll.check(" not in c["source"]]
    _write(subs / "good.ipynb", sol)
    _write(subs / "loop.ipynb", _with_cell(sol, "while True:\n    pass", 2))
    _write(subs / "exit.ipynb", _with_cell(sol, "import os\nos._exit(3)", 2))
    bomb = "blocks = []\nwhile True:\n    blocks.append(b'x' * 20_000_000)"
    _write(subs / "bomb.ipynb", _with_cell(sol, bomb, 2))
    _write(subs / "cheat.ipynb", cheat)
    # the answers typed in as numbers, as a brute-force of the sealed key would recover them
    memorised = copy.deepcopy(exercise)
    for cell in memorised["cells"]:
        cell["source"] = cell["source"].replace("total = ...", "total = 42")
        cell["source"] = cell["source"].replace("note = ...", 'note = "Thanks! The total is 42."')
    _write(subs / "memorised.ipynb", memorised)
    (subs / "notes.txt").write_text("my answers are 42")
    (subs / "empty.ipynb").write_text("")
    (subs / "broken.ipynb").write_text("{not json")
    (subs / "notnb.ipynb").write_text('{"cells": 3}')
    out = subs / "gradebook.csv"  # beside the submissions: the grader must skip it
    feedback = subs.parent / f"{subs.name}-feedback"
    report = grade_submissions([subs], out, solution=solution, feedback=feedback, **LIMITS)
    return subs, out, feedback, report


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as f:
        return {Path(r["submission"]).name: r for r in csv.DictReader(f)}


@pytest.mark.notebook  # starts kernels
def test_every_submission_gets_its_row_and_status(batch):
    _, out, _, _ = batch
    rows = _rows(out)
    status = {name: row["status"] for name, row in rows.items()}
    assert status == {
        "good.ipynb": "graded",
        "cheat.ipynb": "graded",
        "memorised.ipynb": "graded",
        "loop.ipynb": "timeout",
        "exit.ipynb": "crashed",
        "bomb.ipynb": "out_of_memory",
        "notes.txt": "invalid_notebook",
        "empty.ipynb": "invalid_notebook",
        "broken.ipynb": "invalid_notebook",
        "notnb.ipynb": "invalid_notebook",
    }
    assert rows["empty.ipynb"]["reason"] == "empty file"
    assert rows["broken.ipynb"]["reason"].startswith("invalid JSON")
    assert rows["notes.txt"]["reason"].startswith("not a notebook")
    assert rows["notnb.ipynb"]["reason"].startswith("not a valid notebook")
    assert "400 MB" in rows["bomb.ipynb"]["reason"]
    assert "cell 2" in rows["exit.ipynb"]["reason"]


@pytest.mark.notebook  # starts kernels
def test_scores(batch):
    _, out, _, report = batch
    rows = _rows(out)
    assert list(rows["good.ipynb"])[:6] == [
        "submission",
        "status",
        "score",
        "max_score",
        "q_sum",
        "q_text",
    ]
    good = rows["good.ipynb"]
    # q_sum's points come from its probes; q_text is free text, scored by a person
    assert (good["score"], good["max_score"], good["q_sum"], good["q_text"]) == ("2", "3", "2", "0")
    assert good["needs_review"] == "q_text" and good["reason"] == ""
    # the memorised number passes every check in the notebook, and none of the probes
    memorised = rows["memorised.ipynb"]
    assert (memorised["q_sum"], memorised["score"], memorised["reason"]) == ("0", "0", "")
    assert "ValueError: boom" in rows["cheat.ipynb"]["reason"]
    assert "plan readable" not in rows["cheat.ipynb"]["reason"]
    assert rows["loop.ipynb"]["score"] == "2"  # the cells after the interrupted one still ran
    assert "cell 2" in rows["loop.ipynb"]["reason"]
    # the cheat's own key and patched checks count for nothing
    assert (rows["cheat.ipynb"]["q_sum"], rows["cheat.ipynb"]["score"]) == ("0", "0")
    for name in ("exit.ipynb", "bomb.ipynb"):
        assert rows[name]["score"] == "0"
    assert report.graded == 10 and report.skipped == 0
    assert len(report.to_frame()) == 10


@pytest.mark.notebook  # starts kernels
def test_feedback_pages_hide_hidden_checks(batch):
    _, _, feedback, _ = batch
    pages = sorted(p.name for p in feedback.glob("*.html"))
    assert len(pages) == 10
    cheat = next(feedback.glob("*cheat.ipynb.html")).read_text()
    # nothing about the probes: no name, no input, no expected value
    for page in [*feedback.glob("*.html"), batch[1]]:
        text = page.read_text()
        assert "PROBE-NAME" not in text and "[1, 2, 3, 4]" not in text and "-5, 5" not in text
    memorised = next(feedback.glob("*memorised.ipynb.html")).read_text()
    assert "<td>the sum of the list</td>" in memorised and "graded check: your code" in memorised
    assert "SECRET-HINT" not in cheat and ">exact<" not in cheat and "hidden check" in cheat
    assert "Add up them" not in cheat and "Add them up." in cheat
    assert "<td>the sum of the list</td>" in cheat


@pytest.mark.notebook  # starts kernels
def test_rerun_resumes_and_force_regrades(batch, solution):
    subs, out, _, _ = batch
    before = _rows(out)
    again = grade_submissions([subs], out, solution=solution, **LIMITS)
    assert again.skipped == 6 and again.graded == 4  # the 4 invalid files are re-checked
    assert _rows(out) == before
    good = subs / "good.ipynb"
    forced = grade_submissions([good], out, solution=solution, force=True, **LIMITS)
    assert forced.graded == 1 and _rows(out)["good.ipynb"] == before["good.ipynb"]
    assert len(_rows(out)) == 10  # rows of submissions not in this run are kept


@pytest.mark.notebook  # starts kernels
def test_killed_grader_resumes_without_loss(tmp_path, solution):
    subs = [tmp_path / f"learner{i}.ipynb" for i in range(2)]
    for path in subs:
        path.write_bytes(solution.read_bytes())
    out = tmp_path / "gradebook.csv"
    cmd = [sys.executable, "-m", "mlliteracy.cli", "grade", *map(str, subs), "--out", str(out)]
    cmd += ["--solution", str(solution), "--quiet"]
    scratch = tmp_path / "scratch"  # the killed grader cannot clean its work folders
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (out.exists() and len(_rows(out)) >= 1):
        time.sleep(0.1)
    tree = [*psutil.Process(proc.pid).children(recursive=True), psutil.Process(proc.pid)]
    for p in tree:
        p.kill()
    psutil.wait_procs(tree, timeout=10)
    first = _rows(out)
    assert len(first) == 1
    report = grade_submissions(subs, out, solution=solution, **LIMITS)
    rows = _rows(out)
    assert (report.skipped, report.graded) == (1, 1)
    assert [r["status"] for r in rows.values()] == ["graded"] * 2
    assert all(r["score"] == "2" for r in rows.values())
    assert {k: rows[k] for k in first} == first


@pytest.mark.notebook  # starts kernels
def test_missing_exercise_metadata_is_invalid(tmp_path):
    nb = json.loads(GOLDEN.read_text())
    path = _write(tmp_path / "anon.ipynb", nb)
    report = grade_submissions([path], tmp_path / "g.csv", root=tmp_path, progress=False)
    assert report.rows[0]["status"] == "invalid_notebook"
    assert "--solution" in report.rows[0]["reason"]


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--memory-mb", "1"], ["--timeout", "0"]])
def test_bad_limits_are_one_line_exit_2(tmp_path, capsys, args):
    assert cli.main(["grade", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_no_files_is_exit_2(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path)]) == 2
    assert "holds no files" in capsys.readouterr().err


def test_unusable_solution_is_exit_2(tmp_path, capsys):
    sub = tmp_path / "a.ipynb"
    sub.write_text("{}")
    assert cli.main(["grade", str(sub), "--solution", str(tmp_path / "none.ipynb")]) == 2
    assert "no readable solution notebook" in capsys.readouterr().err


def test_gradebook_is_written_atomically_with_fixed_columns(tmp_path):
    out = tmp_path / "book.csv"
    rows = [
        {"submission": "a", "status": "graded", "score": 1.5, "max_score": 2, "q1": 1.5},
        {"submission": "b", "status": "crashed", "score": 0, "max_score": 3, "q2": 0},
    ]
    write_gradebook(out, rows)
    assert [p.name for p in tmp_path.iterdir()] == ["book.csv"]  # no temporary file left
    header = out.read_text().splitlines()[0].split(",")
    assert header[:6] == ["submission", "status", "score", "max_score", "q1", "q2"]
    assert header[-5:] == ["needs_review", "reason", "exercise", "sha256", "key_sha256"]
    back = read_gradebook(out)
    assert [r["score"] for r in back] == ["1.5", "0"] and back[1]["q1"] == ""
    text = summary(back)
    assert "graded" in text and "crashed" in text and "q1" in text
    assert read_gradebook(tmp_path / "missing.csv") == []


def test_feedback_page_escapes_everything():
    result = CheckResult(
        "q1",
        2,
        0,
        (CriterionResult("<b>name</b>", False, "m"), CriterionResult("h", True, "", True)),
        True,
        ("<i>hint</i>",),
    )
    row = {"status": "graded", "score": 0, "max_score": 2, "reason": "<script>x</script>"}
    page = feedback_page("<evil>.ipynb", row, [result], ["cell 1: <err>"])
    for raw in ("<b>name", "<i>hint", "<script>", "<evil>", "<err>"):
        assert raw not in page
    assert "&lt;i&gt;hint&lt;/i&gt;" in page and "hidden check" in page and ">h<" not in page


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.ipynb", "", "empty file"),
        ("a.ipynb", "  \n", "empty file"),
        ("a.ipynb", "{oops", "invalid JSON"),
        ("a.ipynb", "[1, 2]", "not a valid notebook"),
        ("a.py", "print(1)", "not a notebook: expected a .ipynb file, got '.py'"),
        ("a", "x", "not a notebook: expected a .ipynb file, got 'no suffix'"),
    ],
)
def test_validate_explains_bad_files(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_text(content)
    nb, why = validate(path)
    assert nb is None and why.startswith(reason)


def test_collect_expands_folders_and_skips_hidden_files(tmp_path):
    for rel in ["b.ipynb", "a/c.ipynb", ".hidden", "a/.ipynb_checkpoints/c.ipynb"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in collect([tmp_path, tmp_path / "b.ipynb"])]
    assert found == ["a/c.ipynb", "b.ipynb"]
