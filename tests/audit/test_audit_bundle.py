"""`mlliteracy audit` end to end (one quick run for the module): bundle, verify, tamper, refuse."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlliteracy._core.errors import MLLError
from mlliteracy.audit.bundle import _check_out_dir

CLI = [sys.executable, "-m", "mlliteracy.cli"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "bundle"
    done = _cli("audit", "--out", str(out), "--quick")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "mlliteracy audit: done" in done.stderr  # progress on stderr
    assert "Traceback" not in done.stderr
    return out


def test_bundle_lists_every_file_it_holds(bundle):
    evidence = json.loads((bundle / "evidence.json").read_text())
    assert evidence["format"] == "mlliteracy-manifest" and evidence["audit"]["quick"] is True
    listed = {a["path"] for a in evidence["artifacts"]}
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert on_disk - listed == {"evidence.json"}
    for name in (
        "report.md",
        "report.html",
        "system/system_spec.yaml",
        "risk_register.csv",
        "regulatory_map.csv",
        "measurements.json",
        "upstream/minilm_README.md",
    ):
        assert name in listed  # fmt: skip
    assert any("consent" in f["message"] for f in evidence["audit"]["findings"])
    assert {"IV(7)", "IV(8)"} <= set(evidence["audit"]["gaps"])


def test_report_cites_artifacts_and_embeds_the_diagram(bundle):
    md = (bundle / "report.md").read_text()
    html = (bundle / "report.html").read_text()
    assert md.startswith("# Compliance audit report") and "## Executive summary" in md
    assert "risk_register.csv" in md and "data/cleaning_log.csv" in md
    assert html.count('<g class="component">') == 10 and "</html>" in html
    for p in bundle.rglob("*"):
        if p.is_file() and p.suffix in (".md", ".html", ".json", ".csv", ".yaml", ".jsonl"):
            text = p.read_text()
            assert "/work/" not in text and "/tmp/" not in text, p.name


def test_measurements_ran_or_are_labelled(bundle):
    data = json.loads((bundle / "measurements.json").read_text())
    assert set(data["figures"]) | set(data["not_measured"]) >= {"hallucination", "pii"}
    if "hallucination" in data["figures"]:
        assert 0.0 <= data["figures"]["hallucination"]["hallucination_rate"] <= 1.0
        assert (bundle / "logs/request_log_sample.jsonl").read_text().count("\n") == 10


def test_verify_passes_then_catches_tampering(bundle, tmp_path):
    ok = _cli("manifest", "verify", str(bundle / "evidence.json"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    with (copy / "risk_register.csv").open("a") as fh:
        fh.write("a row nobody measured\n")
    bad = _cli("manifest", "verify", str(copy / "evidence.json"))
    assert bad.returncode == 1
    assert "changed: risk_register.csv" in bad.stdout


def test_previous_audit_may_be_replaced(bundle):
    _check_out_dir(bundle)  # no error: it holds an audit's evidence.json


def test_refuses_a_non_empty_foreign_folder(tmp_path):
    (tmp_path / "thesis.docx").write_text("precious")
    done = _cli("audit", "--out", str(tmp_path), "--quick")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not empty" in done.stderr
    assert (tmp_path / "thesis.docx").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]
    with pytest.raises(MLLError, match="is a file"):
        _check_out_dir(tmp_path / "thesis.docx")


def test_every_risk_is_measured(bundle):
    """No section may fall back to "not measured": a broken or moved module must fail loudly."""
    data = json.loads((bundle / "measurements.json").read_text())
    sections = {"hallucination", "bias", "pii", "membership", "robustness", "supply_chain"}
    assert set(data["figures"]) >= sections and not data["not_measured"]
