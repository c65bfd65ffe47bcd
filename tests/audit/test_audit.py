"""System spec, diagram, provenance trace, risk register and regulatory map (no MiniLM needed)."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

import mlliteracy as mll
from mlliteracy._core import offline
from mlliteracy._core.errors import MLLError
from mlliteracy._core.offline import asset_path
from mlliteracy.audit.register import likelihood
from mlliteracy.audit.system import DEMO_ASSET


@pytest.fixture(scope="module")
def spec():
    return mll.demo_system()


def test_demo_spec_is_valid_and_round_trips(spec):
    assert spec.validate().ok
    assert mll.SystemSpec.from_dict(spec.to_dict()) == spec
    assert "components:" in spec.to_yaml()


def test_demo_asset_is_what_to_yaml_writes(spec):
    text = asset_path(DEMO_ASSET).read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    assert body == spec.to_yaml()
    assert mll.SystemSpec.from_dict(yaml.safe_load(spec.to_yaml())) == spec
    assert repr(spec) == (
        "SystemSpec('FAQ assistant (HearthLink)': 10 components, 11 flows, 3 zones, "
        "2 trust boundaries)"
    )


def test_broken_demo_asset_names_the_file(monkeypatch, tmp_path):
    (tmp_path / DEMO_ASSET).write_text("name: x\nzones: []\n", encoding="utf-8")
    monkeypatch.setattr(offline, "asset_path", lambda name: tmp_path / name)
    with pytest.raises(MLLError, match=r"demo_system\.yaml is malformed \(KeyError: 'boundaries'"):
        mll.demo_system()


def test_flow_to_undeclared_component_is_caught(spec):
    bad = dataclasses.replace(spec, flows=(*spec.flows, mll.Flow("gateway", "crm", "export")))
    check = bad.validate()
    assert not check.ok
    assert any("'crm' is not a declared component" in i.message for i in check.issues)
    with pytest.raises(MLLError, match="crm"):
        bad.diagram()


def test_crossing_without_declared_boundary_is_caught(spec):
    bad = dataclasses.replace(spec, boundaries=(("internet", "service"),))
    messages = [i.message for i in bad.validate().issues]
    assert sum("no declared trust boundary" in m for m in messages) == 3  # 2 weights + tweets


def test_boundary_components_of_demo(spec):
    assert len(spec.crossing_flows()) == 5
    assert spec.boundary_components() == [
        "customer", "gateway", "retriever", "triage", "weights", "tweets",
    ]  # fmt: skip


def test_diagram_has_one_box_per_component_and_dashed_boundaries(spec):
    svg = spec.diagram().text
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('<g class="component">') == len(spec.components) == 10
    assert svg.count('<g class="flow">') == len(spec.flows)
    assert svg.count('class="boundary"') == 2 and "stroke-dasharray" in svg
    assert spec.diagram().text == svg  # deterministic
    assert "<" not in re.sub(r"<[^>]*>", "", svg)  # labels escaped
    # every model a component holds is written out in full (two lines in the box if need be)
    assert "…" not in svg and ">logistic head</text>" in svg


def test_provenance_trace_flags_unknown_consent():
    trace = mll.provenance_trace()
    assert trace.fine_tuning["consent"] == "unknown"
    high = [f.message for f in trace.findings if f.severity == "high"]
    assert any("consent" in m for m in high) and any("licence" in m for m in high)
    base = trace.base_model
    assert base["card_license"] == "apache-2.0"
    assert base["weights_matches_wheel_record"] is True
    assert len(base["files"]) == 13 and len(trace.training_sources) == 24
    assert trace.preprocessing[0]["step"] == "decode_mac_roman"
    assert set(trace.sources) == {"upstream/minilm_README.md", "upstream/minilm_data_config.json"}
    assert "/" not in repr(trace).split("\n")[0]


def _rating(register, word):
    row = register[register["risk"].str.contains(word)].iloc[0]
    return row["rating"], row["level"]


def test_register_ratings_move_with_the_measurement():
    low = mll.risk_register({"membership": {"membership_auc": 0.51}})
    high = mll.risk_register({"membership": {"membership_auc": 0.93}})
    assert _rating(low, "membership") == (3, "low")
    assert _rating(high, "membership") == (15, "high")
    assert likelihood("hallucination_rate", 0.0) < likelihood("hallucination_rate", 0.3)


def test_register_says_not_measured_and_checks_input():
    reg = mll.risk_register({})
    assert list(reg.columns)[:3] == ["risk", "category", "measured"]
    assert (reg["level"] == "not measured").all() and len(reg) == 10
    with pytest.raises(MLLError, match="unknown sections"):
        mll.risk_register({"vibes": {}})
    with pytest.raises(MLLError, match="must be a number"):
        mll.risk_register({"pii": {"direct_pii_share": "lots"}})


def test_mapping_covers_annex_iv_articles_and_nist():
    full = {s: {"x": 1} for s in ("hallucination", "bias", "pii", "membership", "robustness",
                                  "supply_chain")}  # fmt: skip
    m = mll.regulatory_map(full)
    refs = list(m["ref"])
    assert refs[:9] == [f"IV({i})" for i in range(1, 10)]
    assert {"Art. 10", "Art. 12", "Art. 13", "Art. 15"} <= set(refs)
    assert {"GOVERN", "MAP", "MEASURE", "MANAGE"} <= set(refs)
    gaps = set(m.loc[m["status"] == "gap", "ref"])
    assert {"IV(7)", "IV(8)"} <= gaps
    assert (m.loc[m["status"] != "evidence", "missing"].str.len() > 0).all()
    bare = mll.regulatory_map({}, has_log=False)
    assert bare.set_index("ref").loc["Art. 15", "status"] == "gap"
    assert bare.set_index("ref").loc["Art. 12", "status"] == "gap"
