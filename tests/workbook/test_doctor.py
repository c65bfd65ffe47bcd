import json

from mlliteracy.cli import main
from mlliteracy.workbook import doctor as doc


def test_doctor_reports_what_the_workbook_needs():
    report = doc.doctor()
    names = [c.name for c in report.checks]
    for expected in [
        "python",
        "torch",
        "torchvision",
        "onnxruntime",
        "threads",
        "cpu features",
        "gpu",
        "netron",
        "hub",
        "minilm weights",
        "tweets data",
    ]:
        assert expected in names
    assert report.ok, report.verdict()
    assert "check" in repr(report) and "<table" in report._repr_html_()


def test_doctor_cli_exit_zero_and_json(capsys):
    assert main(["doctor", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert {c["name"] for c in data["checks"]} >= {"torch", "cpu features"}


def test_doctor_fails_with_reason(monkeypatch, capsys):
    broken = doc.Check("torch", doc.FAIL, "not importable", "pip install torch")
    monkeypatch.setattr(doc, "CHECKS", (*doc.CHECKS, lambda: broken))
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "not ready: torch: pip install torch" in out


def test_a_crashing_check_becomes_a_failure(monkeypatch):
    def _check_explodes():
        raise RuntimeError("boom")

    monkeypatch.setattr(doc, "CHECKS", (_check_explodes,))
    report = doc.doctor()
    assert not report.ok and report.failures[0].name == "explodes"


def test_cpu_flags_are_read_on_linux():
    flags = doc.cpu_flags()
    assert isinstance(flags, set)
