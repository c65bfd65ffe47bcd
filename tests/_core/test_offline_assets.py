"""The package's YAML assets (``_core/offline``): each parses, fills, and fails in one line."""

from __future__ import annotations

import pytest

from mlliteracy._core import offline
from mlliteracy._core.errors import MLLError
from mlliteracy._core.offline import fill, load_asset
from mlliteracy.audit import regulation
from mlliteracy.data import datasheets

NAMES = (
    "regulation.yaml",
    "demo_system.yaml",
    "datasheets.yaml",
    "ml_test_score.yaml",
    "bias_templates.yaml",
)


@pytest.mark.parametrize("name", NAMES)
def test_every_asset_is_a_mapping_and_names_its_source(name):
    assert isinstance(load_asset(name), dict)
    assert offline.asset_path(name).read_text(encoding="utf-8").startswith("# ")


def test_each_call_gets_its_own_copy():
    first = load_asset("bias_templates.yaml")
    first["terms"].append("changed")
    assert "changed" not in load_asset("bias_templates.yaml")["terms"]


def test_fill_formats_fields_and_keeps_whole_field_values():
    template = {"a": "{n:,} rows", "b": ["{x}", "x = {x}"], "c": 3}
    assert fill(template, {"n": 1234, "x": 5}, "t.yaml") == {"a": "1,234 rows", "b": [5, "x = 5"],
                                                             "c": 3}  # fmt: skip
    with pytest.raises(MLLError, match=r"mlliteracy/assets/t\.yaml is malformed .*'nope'"):
        fill("{nope}", {}, "t.yaml")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (None, r"regulation\.yaml cannot be read \(FileNotFoundError\); restore it"),
        ("frameworks: [\n  - name: x\n  bad", r"regulation\.yaml is not valid YAML \(line \d+: "),
        ("- just\n- a list\n", r"regulation\.yaml holds list, not a mapping; restore it"),
        ("phrases: {}\n", r"regulation\.yaml is malformed \(KeyError: 'not_measured'\); restore"),
    ],
    ids=["missing", "not-yaml", "not-a-mapping", "lacks-a-key"],
)
def test_broken_asset_is_one_line_naming_the_file_and_the_fix(monkeypatch, tmp_path, text, match):
    if text is not None:
        (tmp_path / "regulation.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(offline, "asset_path", lambda name: tmp_path / name)
    with pytest.raises(MLLError, match=match) as caught:
        regulation.regulatory_map({})
    assert "\n" not in str(caught.value)
    assert "reinstall the package" in str(caught.value)


def test_a_clause_with_an_unknown_status_is_refused(monkeypatch, tmp_path):
    text = offline.asset_path("regulation.yaml").read_text(encoding="utf-8")
    (tmp_path / "regulation.yaml").write_text(text.replace("status: gap", "status: maybe", 1))
    monkeypatch.setattr(offline, "asset_path", lambda name: tmp_path / name)
    with pytest.raises(MLLError, match=r"regulation\.yaml is malformed .*IV\(6\): 'maybe'"):
        regulation.regulatory_map({})


def test_a_datasheet_missing_from_the_asset_is_refused(monkeypatch, tmp_path):
    (tmp_path / "datasheets.yaml").write_text("digits: {}\n", encoding="utf-8")
    monkeypatch.setattr(offline, "asset_path", lambda name: tmp_path / name)
    with pytest.raises(MLLError, match=r"datasheets\.yaml is malformed \(KeyError: 'summary'\)"):
        datasheets.digits_datasheet(3, [1, 1, 1], {"raw_sha256": "00", "seed": 0})
