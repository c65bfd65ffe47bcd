"""ML Test Score, the project scan, the shadow-IT case, the redesigned pipeline, the plan."""

from __future__ import annotations

import shutil

import pytest

import mlliteracy as mll
from mlliteracy.mlops.migration import PHASE_NAMES, PHASES
from mlliteracy.mlops.testscore import BANDS, RUBRIC, SECTIONS, TEST_IDS, band


def test_rubric_has_28_tests_seven_per_section():
    frame = mll.score_rubric()
    assert len(frame) == 28 == len(set(TEST_IDS))
    assert frame.groupby("section").size().to_dict() == dict.fromkeys(SECTIONS, 7)
    assert all(t.startswith(sec + "_") for t, sec, _ in RUBRIC)


def test_final_score_is_the_minimum_of_the_sections():
    evidence = {f"data_{i}": 1 for i in range(1, 8)}
    evidence |= {"model_1": 1, "model_2": 0.5, "infrastructure_1": 1, "infrastructure_2": 1}
    evidence |= {"monitoring_1": (0.5, "by hand")}
    score = mll.ml_test_score(evidence)
    assert score.sections == {"data": 7, "model": 1.5, "infrastructure": 2, "monitoring": 0.5}
    assert score.final == 0.5 and score.weakest == "monitoring"
    assert score.evidence["monitoring_1"] == "by hand"
    assert "serious holes" in score.band
    assert "ML Test Score" in score._repr_html_() and "final=0.5" in repr(score)


def test_bands_follow_the_paper():
    assert band(0) == BANDS[0][1] and "research project" in band(0)
    assert band(0.5) == band(1.0) != band(1.5)
    assert "exceptional" in band(5.5) and "mission-critical" in band(5.0)


@pytest.mark.parametrize(
    "evidence",
    [{"data_1": 0.7}, {"data_1": True}, {"data_9": 1}, {"data_1": (2, "x")}, "data_1", [1]],
)
def test_bad_evidence_is_refused_with_a_fix(evidence):
    with pytest.raises(mll.MLLError, match="evidence"):
        mll.ml_test_score(evidence)


def test_merge_evidence_keeps_the_higher_score():
    merged = mll.merge_evidence({"data_1": (0.5, "a"), "data_7": 1}, {"data_1": (1, "b")})
    assert merged == {"data_1": (1.0, "b"), "data_7": (1.0, "")}


def test_shadow_it_case_scores_zero_everywhere(tmp_path):
    case = mll.shadow_it_case(tmp_path / "shadow_it")
    assert case.files == (
        "README.txt", "digits_export_FINAL (copy).csv", "requirements.txt", "train_final_v3.py",
    )  # fmt: skip
    assert "Bob's laptop" in case.read("README.txt")
    script = case.read("train_final_v3.py")
    assert "pickle.dump" in script and "manual_seed" not in script
    lines = case.read("digits_export_FINAL (copy).csv").splitlines()
    assert len(lines) == 1 + 400 + 3 + 2  # header, rows, rows pasted twice, empty rows
    scan = mll.scan_project(case.path)
    assert scan.passed == [] and len(scan.failed) == 11
    assert "unpinned" in scan.details["pinned_deps"]
    score = mll.ml_test_score(scan)
    assert score.final == 0 and sum(score.points.values()) == 0
    assert "research project" in score.band
    again = mll.shadow_it_case(tmp_path / "shadow_it")  # a second copy replaces the first
    assert again.sha256 == case.sha256
    with pytest.raises(mll.MLLError, match="not empty"):
        mll.shadow_it_case(tmp_path / "shadow_it", overwrite=False)


def test_redesigned_pipeline_scores_higher(tmp_path):
    folder = mll.redesign_pipeline(tmp_path / "pipeline")
    wanted = {"train.py", "schema.py", "tests/test_pipeline.py", "data/digits.csv"}
    assert wanted <= set(folder.files)
    assert "schema.json" not in folder.files and "requirements.txt" not in folder.files
    assert ".gitignore" in folder.files and "monitor.py" in folder.files
    scan = mll.scan_project(folder.path)
    assert scan.failed == ([] if shutil.which("git") else ["version_control"])
    assert scan.details["schema"] == "schema.py"
    assert scan.details["pinned_deps"] == "requirements.lock"  # requirements.in is its input
    assert scan.details["monitoring"] == "monitor.py, tests/test_monitor.py"
    assert scan.details["quality_gate"] == "tests/test_pipeline.py, train.py"
    score = mll.ml_test_score(scan)
    model = 1 if shutil.which("git") else 0  # model_1 needs the repository
    assert score.sections == {"data": 2, "model": model, "infrastructure": 3.5, "monitoring": 1.5}
    assert score.final == model
    manual = mll.merge_evidence(scan, {"model_6": (0.5, "per-class accuracy table")})
    assert mll.ml_test_score(manual).final == model + 0.5
    zipped = mll.scan_project(mll.redesign_pipeline(tmp_path / "zip", git=False).path)
    assert zipped.failed == ["version_control"] and "model_1" not in zipped.evidence


def test_the_redesign_falls_back_cleanly_without_git(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.warns(UserWarning, match="git is not on PATH"):
        folder = mll.redesign_pipeline(tmp_path / "pipeline")
    assert not (folder.path / ".git").exists() and "train.py" in folder.files


def test_scan_reads_files_it_is_given(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy==2.0.0\ntorch==2.6.0  # cpu\n-e .\n")
    (tmp_path / "train.py").write_text("import torch\ntorch.manual_seed(0)\nimport mlflow\n")
    (tmp_path / ".git").mkdir()  # an empty .git is no repository
    scan = mll.scan_project(tmp_path)
    assert scan.passed == ["pinned_deps", "seeds", "tracking"]
    assert scan.evidence["infrastructure_1"][0] == 0.5
    assert "model_1" not in scan.evidence
    assert "found" in scan._repr_html_() and "passed=3" in repr(scan)
    with pytest.raises(mll.MLLError, match="not a folder"):
        mll.scan_project(tmp_path / "requirements.txt")


@pytest.mark.parametrize(
    ("line", "pinned"),
    [
        ("numpy==2.0.0", True), ("torch==2.6.0 ; python_version > '3.9'", True),
        ("numpy==2.0.0 --hash=sha256:00ff", True), ("pkg===1.0", True),
        ("numpy", False), ("numpy>=2", False), ("numpy==2.*", False),
        ("numpy; python_version == '3.11'", False), ("git+https://example.org/x.git", False),
    ],
)  # fmt: skip
def test_a_requirement_pins_only_with_an_exact_version(tmp_path, line, pinned):
    (tmp_path / "requirements.txt").write_text(f"{line}\n")
    scan = mll.scan_project(tmp_path)
    assert ("pinned_deps" in scan.passed) is pinned, scan.details["pinned_deps"]


def test_migration_plan_scores_are_computed_and_rise(tmp_path):
    score = mll.ml_test_score(mll.scan_project(mll.shadow_it_case(tmp_path / "s").path))
    plan = mll.migration_plan(score)
    frame = plan.frame
    assert tuple(frame["phase"]) == PHASE_NAMES
    after = list(frame["score after"])
    assert after == [0, 0.5, 1, 2]
    assert list(frame["cost"]) == [1800.0, 3000.0, 7200.0, 6000.0]
    assert frame.loc[0, "ROI"] == round((4000 - 1800) / 1800, 2)
    assert list(frame["incidents / year before"]) == [8, 7, 6, 3]  # the baseline, then what is left
    assert all(default for _, default in plan.assumptions.values())
    mine = mll.migration_plan(score, day_rate=1000, incidents_avoided=0)
    assert mine.assumptions["day_rate"] == (1000, False)
    assert list(mine.frame["ROI"]) == [-1.0] * 4
    html = mine._repr_html_()
    assert "illustrative default" in html and "your input" in html and "incident log" in html
    with pytest.raises(mll.MLLError, match="effort_days"):
        mll.migration_plan(score, effort_days=[1, 2])
    with pytest.raises(mll.MLLError, match="incidents_per_year"):
        mll.migration_plan(score, incidents_per_year=2)  # the defaults avoid 7 of 2


def test_migration_phases_follow_googles_levels_0_1_2():
    levels = [int(level.split("level ")[1][0]) for _, _, level, _ in PHASES]
    assert levels == sorted(levels) == [0, 0, 1, 2]
    raised = {name: set(tests) for name, _, _, tests in PHASES}
    # continuous training and monitoring (level 1) before the CI/CD of the pipeline (level 2)
    assert "monitoring_7" in raised["2 continuous training + monitoring"]
    assert {"infrastructure_2", "infrastructure_3"} <= raised["3 CI/CD of the pipeline"]
    assert "infrastructure_4" not in raised["1 traceability"]  # tracking is no quality gate


@pytest.mark.parametrize(
    ("inputs", "outcome"),
    [({}, "pays back"), ({"incident_cost": 500, "incidents_per_year": 2,
                          "incidents_avoided": (0, 0, 1, 1)}, "does not pay back")],
)  # fmt: skip
def test_the_plan_verdict_states_its_baseline_incident_rate(inputs, outcome):
    plan = mll.migration_plan(mll.ml_test_score({}), **inputs)
    verdict = plan.explain()
    assert verdict.outcome == outcome
    baseline = inputs.get("incidents_per_year", 8)
    assert f"{baseline:g} incidents a year today" in verdict.text
    assert "incident log" in verdict.text and "assumption" in verdict.text
    assert ("illustrative default" in verdict.text) is ("incidents_per_year" not in inputs)
