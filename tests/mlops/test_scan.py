"""The scan's rules read content, not names: a planted empty or fake file earns nothing."""

from __future__ import annotations

import shutil
import subprocess

import pytest

import mlliteracy as mll

GATE = "MIN = 0.9\n\ndef release(acc):\n    if acc < MIN:\n        raise SystemExit('gate')\n"
DRIFT = "import numpy as np\n\ndef psi(a, b):\n    return float(np.abs(a - b).sum())\n"
CARD = "Digits CNN. " + "It classifies 8x8 handwritten digits into ten classes. " * 4
PANDERA = "import pandera.pandas as pa\n"
SCHEMA = PANDERA + "RAW = pa.DataFrameSchema({})\n"
MODEL = PANDERA + "class Raw(pa.DataFrameModel):\n    x: int\n"
POETRY = '[[package]]\nname = "numpy"\nversion = "2.0.0"\n'
TEST_CLASS = "class TestY:\n    def test_a(self): ...\n"
WORKFLOW = "on: [push]\njobs:\n  test:\n    steps:\n      - run: python -m pytest -q\n"


def _scan(tmp_path, files: dict[str, str]) -> mll.ProjectScan:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return mll.scan_project(tmp_path)


@pytest.mark.parametrize(
    ("check", "fake", "real"),
    [
        ("tests", {"tests/test_x.py": ""}, {"tests/test_x.py": "def test_x():\n    assert 1\n"}),
        ("tests", {"test_y.py": "import os\n"}, {"test_y.py": TEST_CLASS}),
        ("schema", {"schema.py": ""}, {"schema.py": SCHEMA}),
        ("schema", {"schema.py": PANDERA},
         {"schema.py": MODEL}),
        ("schema", {"schema.json": "{}"}, {"schema.json": '{"fields": {"p00": "int 0..16"}}'}),
        ("pinned_deps", {"requirements.lock": ""}, {"requirements.lock": "numpy==2.0.0\n"}),
        ("pinned_deps", {"poetry.lock": "# empty\n"}, {"poetry.lock": POETRY}),
        ("ci", {".github/workflows/ci.yml": ""}, {".github/workflows/ci.yml": WORKFLOW}),
        ("ci", {".ci/run": "#!/bin/sh\n# todo\n"}, {".ci/run": "#!/bin/sh\nmake test\n"}),
        ("model_card", {"MODEL_CARD.md": "# Model card\n"}, {"MODEL_CARD.md": CARD}),
    ],
)  # fmt: skip
def test_an_empty_file_with_the_right_name_earns_nothing(tmp_path, check, fake, real):
    assert not _scan(tmp_path / "fake", fake).checks[check]
    assert _scan(tmp_path / "real", real).checks[check]


def test_a_person_reading_the_accuracy_is_no_quality_gate(tmp_path):
    test = "import train\n\ndef test_runs():\n    train.main()\n"
    reads = "def main():\n    acc = 0.95\n    print('ACCURACY', acc)  # eyeball it, re-run if low\n"
    scan = _scan(tmp_path / "eyeball", {"train.py": reads, "tests/test_train.py": test})
    assert not scan.checks["quality_gate"] and "infrastructure_4" not in scan.evidence
    tracked = _scan(
        tmp_path / "tracked", {"train.py": "import mlflow\nmlflow.log_metric('acc', 1)\n"}
    )
    assert tracked.checks["tracking"] and "infrastructure_4" not in tracked.evidence
    unrun = _scan(tmp_path / "unrun", {"train.py": GATE})  # a gate nothing executes
    assert not unrun.checks["quality_gate"] and "never run" in unrun.details["quality_gate"]
    gated = _scan(tmp_path / "gated", {"train.py": GATE, "tests/test_train.py": test})
    assert gated.checks["quality_gate"] and gated.evidence["infrastructure_4"][0] == 0.5
    flag = (
        "def main(acc):\n    passed = acc >= 0.9\n    if not passed:\n        raise SystemExit(1)\n"
    )
    assert _scan(tmp_path / "flag", {"train.py": flag, "tests/test_train.py": test}).checks[
        "quality_gate"
    ]
    asserted = "def test_gate():\n    accuracy = 0.95\n    assert accuracy >= 0.9\n"
    assert _scan(tmp_path / "assert", {"tests/test_gate.py": asserted}).checks["quality_gate"]


def test_monitoring_needs_an_executed_drift_check(tmp_path):
    config = {"monitoring.json": '{"alert": {"psi_above": 0.25}}'}
    doc = _scan(tmp_path / "doc", config)
    assert not doc.checks["monitoring"] and "configuration only" in doc.details["monitoring"]
    assert "monitoring_2" not in doc.evidence and "monitoring_7" not in doc.evidence
    unrun = _scan(tmp_path / "unrun", {**config, "drift.py": DRIFT})
    assert not unrun.checks["monitoring"] and "never run" in unrun.details["monitoring"]
    test = "import drift\n\ndef test_quiet():\n    assert drift.psi(1, 1) == 0\n"
    tested = _scan(tmp_path / "tested", {"drift.py": DRIFT, "tests/test_drift.py": test})
    assert tested.checks["monitoring"] and tested.evidence["monitoring_7"][0] == 0.5
    cron = WORKFLOW.replace("python -m pytest -q", "python drift.py today.csv")
    by_ci = _scan(tmp_path / "ci", {"drift.py": DRIFT, ".github/workflows/watch.yml": cron})
    assert by_ci.details["monitoring"] == "drift.py"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_model_1_needs_a_repository_with_a_commit(tmp_path):
    files = {"MODEL_CARD.md": CARD, ".github/workflows/ci.yml": WORKFLOW}
    card_and_ci = _scan(tmp_path, files)
    assert card_and_ci.checks["model_card"] and card_and_ci.checks["ci"]
    assert "model_1" not in card_and_ci.evidence  # a card and CI are not version control
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")  # planted, no commit
    planted = mll.scan_project(tmp_path)
    assert (
        not planted.checks["version_control"] and "no commit" in planted.details["version_control"]
    )
    shutil.rmtree(tmp_path / ".git")
    git = [
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    assert not mll.scan_project(tmp_path).checks["version_control"]  # init alone: no commit
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], cwd=tmp_path, check=True)
    committed = mll.scan_project(tmp_path)
    assert committed.checks["version_control"] and committed.evidence["model_1"][0] == 1.0


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_repository_is_found_from_a_relative_path(tmp_path, monkeypatch):
    folder = mll.redesign_pipeline(tmp_path / "deep" / "pipeline")
    monkeypatch.chdir(folder.path / "tests")
    assert mll.scan_project("..").checks["version_control"]
