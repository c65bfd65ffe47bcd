"""grade --sandbox: a hostile batch reads, writes and connects nowhere, and still grades."""

from __future__ import annotations

import copy
import json
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from mlliteracy import cli
from mlliteracy._core.errors import MLLError
from mlliteracy.grading import grade as grade_module
from mlliteracy.grading import sandbox
from mlliteracy.grading.assign import read_key
from mlliteracy.grading.grade import grade_submissions

REPO = Path(__file__).parents[2]
GOLDEN = REPO / "tests" / "golden" / "assign" / "solutions" / "demo.ipynb.json"
LIMITS = {"jobs": 2, "timeout": 90, "cell_timeout": 20, "memory_mb": 600, "progress": False}

READ = """
import glob, os
def _read(path):
    try:
        return open(path).read()
    except OSError as err:
        return "blocked: " + type(err).__name__
keys = glob.glob(os.path.join({repo!r}, "solutions", "**", "*.ipynb"), recursive=True)
box = {{"home": _read({secret!r}), "solution": _read({solution!r}), "repo_keys": len(keys)}}
"""
WRITE = """
import os
box = {{}}
for path in {targets!r}:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").write("escaped")
        box[path] = "written (inside the sandbox)"
    except OSError as err:
        box[path] = "blocked: " + type(err).__name__
"""
CONNECT = """
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
    box = {{"net": "connected"}}
except OSError as err:
    box = {{"net": "blocked: " + type(err).__name__}}
"""


def _cell(source: str) -> dict:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": source}
    return {**cell, "execution_count": None, "id": f"sandbox-{uuid.uuid4().hex[:8]}"}


def _solution() -> dict:
    """The demo solution plus a 0-point question whose answer ``box`` records what happened."""
    nb = json.loads(GOLDEN.read_text())
    key = read_key(nb)
    key["questions"]["q_box"] = {
        "points": 0,
        "answer": "box",
        "review": "what the sandbox let through",
        "criteria": [{"name": "a record", "type": "dict"}],
    }
    for cell in nb["cells"]:
        if "### BEGIN ANSWER KEY" in cell["source"]:
            cell["source"] = (
                "import mlliteracy as mll\n\n### BEGIN ANSWER KEY\n"
                f"KEY = {key!r}\n### END ANSWER KEY\nmll.use_key(KEY)"
            )
    nb["cells"].append(_cell("box = {}"))
    return nb


def _with(nb: dict, source: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"].append(_cell(source))
    return nb


@pytest.fixture
def secret():
    """A file in the instructor's real home (the sandbox hides the home)."""
    path = Path.home() / f".mll-sandbox-secret-{uuid.uuid4().hex}"
    path.write_text("the instructor's secret")
    yield path
    path.unlink()


@pytest.fixture
def listener():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        yield server


def _accepted(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
    except BlockingIOError:
        return False
    return True


@pytest.mark.notebook  # starts kernels
@pytest.mark.parametrize("mechanism", sandbox.MECHANISMS)
def test_sandboxed_batch_reads_writes_and_connects_nowhere(
    tmp_path, monkeypatch, secret, listener, mechanism
):
    if not shutil.which(mechanism):
        pytest.skip(f"{mechanism} is not installed")
    monkeypatch.setattr(sandbox, "MECHANISMS", (mechanism,))
    key_dir, subs = tmp_path / "key", tmp_path / "subs"
    key_dir.mkdir()
    subs.mkdir()
    solution = key_dir / "demo.ipynb"
    sol = _solution()
    solution.write_text(json.dumps(sol))
    outside = [tmp_path / "escape.txt", REPO / f"mll-escape-{uuid.uuid4().hex}.txt"]
    outside.append(Path.home() / f".mll-escape-{uuid.uuid4().hex}")
    port = listener.getsockname()[1]
    (subs / "good.ipynb").write_text(json.dumps(sol))
    read = READ.format(repo=str(REPO), secret=str(secret), solution=str(solution))
    (subs / "read.ipynb").write_text(json.dumps(_with(sol, read)))
    write = WRITE.format(targets=list(map(str, outside)))
    (subs / "write.ipynb").write_text(json.dumps(_with(sol, write)))
    (subs / "connect.ipynb").write_text(json.dumps(_with(sol, CONNECT.format(port=port))))
    bomb = "blocks = []\nwhile True:\n    blocks.append(b'x' * 20_000_000)"
    (subs / "bomb.ipynb").write_text(json.dumps(_with(sol, bomb)))  # the watchdog sees it
    seen: dict = {}
    score = grade_module.score_answers

    def spy(key, answers, *args, **kwargs):  # the answers exported by each worker
        seen.update(answers.get("box") or {})
        return score(key, answers, *args, **kwargs)

    monkeypatch.setattr(grade_module, "score_answers", spy)
    out = tmp_path / "gradebook.csv"
    report = grade_submissions([subs], out, solution=solution, sandbox=True, **LIMITS)
    rows = {Path(r["submission"]).name: r for r in report.rows}
    status = {name: r["status"] for name, r in rows.items()}
    assert status.pop("bomb.ipynb") == "out_of_memory"
    assert status == dict.fromkeys(
        ["connect.ipynb", "good.ipynb", "read.ipynb", "write.ipynb"], "graded"
    )
    plain = grade_submissions(
        [subs / "good.ipynb"], tmp_path / "plain.csv", solution=solution, **LIMITS
    )
    same = ("status", "score", "max_score", "q_sum", "q_text", "reason")
    assert {k: rows["good.ipynb"][k] for k in same} == {k: plain.rows[0][k] for k in same}
    assert seen["home"] == seen["solution"] == "blocked: FileNotFoundError", seen
    assert seen["repo_keys"] == 0 and any((REPO / "solutions").rglob("*.ipynb"))
    # the checkout is read-only; a checkout under a folder the sandbox makes private and empty
    # (/tmp or $HOME, as in a CI clone) is not there at all: the write lands in that private
    # copy, and the real path stays untouched (asserted below)
    repo, private = REPO.resolve(), (Path("/tmp").resolve(), Path.home().resolve())
    hidden = any(p == repo or p in repo.parents for p in private)
    escaped = "written (inside the sandbox)" if hidden else "blocked: OSError"
    assert seen[str(outside[1])] == escaped
    assert seen["net"] == "blocked: ConnectionRefusedError", seen
    assert not any(p.exists() for p in outside)
    assert not _accepted(listener)


def test_unavailable_sandbox_is_one_line_exit_2_before_grading(tmp_path, monkeypatch, capsys):
    solution = tmp_path / "demo.ipynb"
    solution.write_bytes(GOLDEN.read_bytes())
    sub = tmp_path / "subs" / "a.ipynb"
    sub.parent.mkdir()
    sub.write_bytes(GOLDEN.read_bytes())
    out = tmp_path / "gradebook.csv"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # neither bwrap nor unshare found
    args = ["grade", str(sub), "--solution", str(solution), "--out", str(out), "--sandbox"]
    assert cli.main([*args, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "bwrap is not on PATH" in err and "unshare is not on PATH" in err
    assert "apt install bubblewrap" in err
    assert not out.exists()  # nothing was graded


def test_a_failing_probe_names_the_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "probe", lambda box: f"{box.mechanism} said no")
    with pytest.raises(MLLError, match="bwrap: bwrap said no; unshare: unshare said no"):
        sandbox.sandbox_plan(root=tmp_path, solution=None, out=tmp_path / "g.csv", feedback=None)


def test_plan_covers_secrets_and_mounts_back_what_the_worker_needs(tmp_path):
    home, course = tmp_path / "home", tmp_path / "home" / "course"
    for folder in ["venv", "mlliteracy", "solutions", "venv/secret"]:
        (course / folder).mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    secrets = [course / "solutions", course / "venv" / "secret", tmp_path / "elsewhere", "/etc"]
    needed = [course / "venv", course / "mlliteracy", course / "venv" / "lib"]
    mounts, writable = sandbox.plan_mounts(map(str, secrets), map(str, needed), str(home))
    paths = [p for _, p in mounts]
    assert ("tmpfs", str(home)) in mounts and ("tmpfs", "/tmp") in mounts
    assert str(tmp_path / "elsewhere") not in paths  # already hidden by the private /tmp
    assert ("ro", str(course / "venv")) in mounts and ("ro", str(course / "mlliteracy")) in mounts
    # a secret inside a mounted-back folder is covered after it; one under a cover is not re-done
    assert paths.index(str(course / "venv" / "secret")) > paths.index(str(course / "venv"))
    assert str(course / "solutions") not in paths and "/etc" not in paths
    assert set(writable) == {str(home), "/tmp"}


def test_plan_hides_a_file_in_a_system_folder_file_by_file(tmp_path):
    mounts, _ = sandbox.plan_mounts(["/etc/hostname", str(tmp_path / "none")], [], "/")
    assert ("null", "/etc/hostname") in mounts and ("tmpfs", "/") not in mounts
    assert not any(p == str(tmp_path / "none") for _, p in mounts)  # missing paths are skipped


def test_bwrap_command_mounts_in_plan_order():
    box = sandbox.Sandbox("bwrap", (("tmpfs", "/h"), ("ro", "/h/venv"), ("null", "/k")), ("/h",))
    cmd = box.wrap(["python", "x.py"], "/w")
    assert cmd[0] == "bwrap" and cmd[-3:] == ["--", "python", "x.py"]
    text = " ".join(cmd)
    assert "--unshare-all" in text and "--cap-drop ALL" in text
    assert text.index("--tmpfs /h") < text.index("--ro-bind /h/venv /h/venv")
    assert "--ro-bind /dev/null /k" in text and "--bind /w /w" in text
    assert "--remount-ro /h" not in text  # the private home stays writable
    assert f"--size {sandbox.TMPFS_MB * 2**20} --tmpfs /h" in text  # tmpfs pages are not RSS
    assert "--ro-bind-try /proc/sys /proc/sys" in text
    assert "/h" in repr(box) and "<table" in box._repr_html_()


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs util-linux unshare (Linux)")
def test_unshare_worker_has_no_capabilities_and_only_its_own_processes(tmp_path):
    mounts, writable = sandbox.plan_mounts([], sandbox.needed_paths(), str(Path.home()))
    box = sandbox.Sandbox("unshare", tuple(mounts), tuple(writable))
    code = "import os; print(open('/proc/self/status').read().count('0000000000000000'), "
    code += "len([p for p in os.listdir('/proc') if p.isdigit()]), os.getcwd())"
    cmd = box.wrap([sys.executable, "-c", code], tmp_path)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    caps, procs, cwd = done.stdout.split()
    assert int(caps) >= 5 and int(procs) <= 2 and cwd == str(tmp_path.resolve())
