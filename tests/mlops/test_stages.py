"""Tools per stage: the reference rows carry the measured trigger values; the freshness SLA."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import mlliteracy as mll
from mlliteracy.mlops.stages import STAGES


def test_the_rows_carry_the_measured_values(tmp_path):
    tools = mll.stage_tools(psi_threshold=0.912, window=80, k=2, m=4, min_accuracy=0.85)
    assert tuple(tools.frame["stage"]) == STAGES
    sla = dict(zip(tools.frame["stage"], tools.frame["SLA / trigger"], strict=True))
    assert "PSI > 0.912" in sla["monitoring"] and "80 rows" in sla["monitoring"]
    assert (
        sla["retraining trigger"].startswith("2 of the last 4")
        and "< 0.85" in sla["retraining trigger"]
    )
    assert "DVC" in tools.frame["tool"][0] and "dvc repro" in tools.frame["tool"][0]
    assert list(tools.orchestrators["orchestrator"]) == [
        "Prefect", "Apache Airflow", "Kubeflow Pipelines",
    ]  # fmt: skip
    assert "SLA / trigger" in tools._repr_html_()


@pytest.mark.parametrize(
    ("today", "outcome"),
    [(dt.date(2024, 1, 20), "fresh"), (dt.date(2024, 3, 1), "stale")],
)
def test_the_freshness_sla_is_checked_against_the_manifest_date(tmp_path, today, outcome):
    manifest = tmp_path / "data_hashes.json"
    manifest.write_text(json.dumps({"collected": "2024-01-01", "files": {}}))
    tools = mll.stage_tools(psi_threshold=1, window=80, manifest=manifest, today=today)
    verdict = tools.freshness()
    assert verdict.outcome == outcome and "no older than 30 days" in verdict.text
    assert ("breaks" in verdict.text) is (outcome == "stale")


def test_the_redesign_manifest_dates_its_data(tmp_path):
    folder = mll.redesign_pipeline(tmp_path / "p", git=False)
    tools = mll.stage_tools(
        psi_threshold=1, window=80, manifest=folder.path / "data" / "data_hashes.json",
        today=dt.date(2026, 1, 1),
    )  # fmt: skip
    assert tools.data_date == dt.date(1998, 6, 30)
    assert tools.freshness().outcome == "stale" and "27 years" in tools.freshness().text


def test_no_date_and_bad_input(tmp_path):
    manifest = tmp_path / "m.json"
    manifest.write_text("{}")
    assert mll.stage_tools(psi_threshold=1, window=80, manifest=manifest).freshness().outcome == (
        "unknown"
    )
    for bad in ({"psi_threshold": 0}, {"window": 0}, {"k": 6}, {"min_accuracy": 2}):
        args = {"psi_threshold": 1.0, "window": 80, **bad}
        with pytest.raises(mll.MLLError, match=next(iter(bad)).split("_")[0]):
            mll.stage_tools(**args)
    manifest.write_text('{"collected": "last spring"}')
    with pytest.raises(mll.MLLError, match="YYYY-MM-DD"):
        mll.stage_tools(psi_threshold=1, window=80, manifest=manifest)
