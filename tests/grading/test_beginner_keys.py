"""Fair feedback and graded probes in the beginner exercises.

Borderline answers go through ``score_question`` with the solution's compiled key, hidden
criteria included: the criteria (instant feedback, no points since #18) judge substance only,
visible and hidden checks agree, and the lesson's wording is accepted. Graded points come from
the key's probes (the learner's code rerun on other inputs): every scored question has probes
or a review note, and the probes live in the solution only.
"""

from __future__ import annotations

import math
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import mlliteracy as mll
from mlliteracy.grading.assign import read_key
from mlliteracy.grading.key import PLAIN_KINDS
from tests.grading import keys

ROOT = Path(__file__).resolve().parents[2]
BEGINNER = ("knowledge_check", "autopsy_report", "model_card", "training_run")
FORMAT_KINDS = ("type", "length", "min_words")


_solution = partial(keys.solution, "beginner")
_key = partial(keys.key, "beginner")
score = partial(keys.score, "beginner")
full, fails = keys.full, keys.fails


# ------------------------------------------------------------------ 1. substance, not format
@pytest.mark.parametrize("name", BEGINNER)
def test_graded_questions_carry_no_format_only_criteria(name):
    plain = read_key(_solution(name))
    for qid, q in plain["questions"].items():
        kinds = [k for c in q["criteria"] for k in PLAIN_KINDS if k in c]
        assert not set(kinds) & set(FORMAT_KINDS), f"{qid} earns points for format: {kinds}"


@pytest.mark.parametrize(
    ("name", "qid", "answer"),
    [
        ("knowledge_check", "q2_query_params", 5),
        ("knowledge_check", "q1_kinds", {"hidden_size": "weight", "batch_size": "weight"}),
        ("autopsy_report", "q1_params", 1),
        ("autopsy_report", "q2_torchvision_gflops", 0.77),  # the FLOPs convention
        ("autopsy_report", "q3_heaviest_blocks", {"distilbert_params": "transformer"}),
        ("model_card", "q3_worst_digit", 3),
        ("model_card", "q6_card_markdown", "A model card."),
        ("training_run", "q1_best_epochs", {"by val loss": 1, "by val accuracy": 1}),
    ],
)
def test_an_answer_of_the_right_type_but_wrong_fails_its_checks(name, qid, answer):
    assert fails(score(name, qid, answer, worst_accuracy=0.8846))


# ------------------------------------------------------------------ 2. knowledge check
KINDS = {
    "encoder.layer.0.attention.self.query.weight": "weight",
    "hidden_size": "architecture",
    "num_hidden_layers": "architecture",
    "learning_rate": "hyperparameter",
    "embeddings.word_embeddings.weight": "weight",
    "batch_size": "hyperparameter",
    "num_attention_heads": "architecture",
    "encoder.layer.5.output.LayerNorm.bias": "weight",
}
LESSON_WORDING = {"weight": "weights", "hyperparameter": "hyperparameters"}


@pytest.mark.parametrize(
    "architectural",
    ["architecture", "architectural", "architectural parameter", "Architectural parameters"],
)
def test_q1_accepts_the_lessons_wording_and_plurals(architectural):
    answer = {
        k: architectural if v == "architecture" else LESSON_WORDING[v] for k, v in KINDS.items()
    }
    assert full(score("knowledge_check", "q1_kinds", answer))
    assert full(score("knowledge_check", "q1_kinds", KINDS))


def test_q1_hint_explains_the_buffer_instead_of_denying_it():
    hints = [
        c.get("hint2", "") for c in _key("knowledge_check")["questions"]["q1_kinds"]["criteria"]
    ]
    assert any("position_ids" in h for h in hints)
    assert not any("with a shape was learned" in h for h in hints)


def test_q3_counts_parameters_not_buffers_on_every_criterion():
    file_total, position_ids = 22_713_728, 512  # every tensor in the file; its one buffer
    wrong = score("knowledge_check", "q3_total_params", file_total)
    assert fails(wrong) and not any(c.passed for c in wrong.criteria)
    assert full(score("knowledge_check", "q3_total_params", file_total - position_ids))
    hints = " ".join(
        c.get("hint", "") + c.get("hint2", "")
        for c in _key("knowledge_check")["questions"]["q3_total_params"]["criteria"]
    )
    assert "every tensor's shape in the file" not in hints


def test_q3_key_matches_pytorchs_parameter_count():
    model = mll.load_model("minilm").model
    total = sum(p.numel() for p in model.parameters())
    assert full(score("knowledge_check", "q3_total_params", total))


def test_new_numeric_questions_match_what_torch_computes():
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    shape = (30522, 384)  # MiniLM's word-embedding table
    nbytes = {
        dt: math.prod(shape) * torch.empty((), dtype=getattr(torch, dt)).element_size()
        for dt in ("float32", "float16", "int8")
    }
    assert full(score("knowledge_check", "q5_tensor_bytes", nbytes))
    with FlopCounterMode(display=False) as counter:
        torch.nn.Linear(384, 384)(torch.zeros(1, 128, 384))
    flops = counter.get_total_flops()
    answer = {"MACs": flops // 2, "FLOPs": flops}
    assert full(score("knowledge_check", "q7_flops_macs", answer))
    swapped = {"MACs": flops, "FLOPs": 2 * flops}  # FLOPs taken for MACs
    assert fails(score("knowledge_check", "q7_flops_macs", swapped))


def test_token_question_matches_the_models_tokenizer():
    tokenizer = mll.load_model("minilm").tokenizer
    ids = tokenizer("Unbelievably, tokenizers split words.")["input_ids"]
    pieces = tokenizer.convert_ids_to_tokens(ids)
    answer = {"tokens": len(ids), "subword pieces": sum(p.startswith("##") for p in pieces)}
    assert full(score("knowledge_check", "q6_tokens", answer))
    padded = {**answer, "tokens": 128}
    assert score("knowledge_check", "q6_tokens", padded).passed == 1


def test_pipeline_order_and_labelled_data_accept_either_spelling():
    order = ["ingestion", "preprocessing", "training", "evaluation", "deployment"]
    assert full(score("knowledge_check", "q10_pipeline", order))
    assert fails(score("knowledge_check", "q10_pipeline", order[::-1]))
    sets = read_key(_solution("knowledge_check"))["questions"]["q9_data_kinds"]["criteria"]
    american = {c["path"]: c["one_of"][1] for c in sets}  # "labeled" / "unlabeled"
    assert full(score("knowledge_check", "q9_data_kinds", american))


def test_every_hint_states_a_method_not_a_value():
    for name in BEGINNER:
        plain = read_key(_solution(name))
        for qid, q in plain["questions"].items():
            for c in q["criteria"]:
                expected = c.get("equals", c.get("one_of"))
                values = expected if isinstance(expected, list) else [expected]
                numbers = [v for v in values if isinstance(v, (int, float)) and abs(v) >= 10]
                for hint in (c.get("hint", ""), c.get("hint2", "")):
                    digits = re.sub(r"[,_ ]", "", hint)
                    assert not any(str(int(v)) in digits for v in numbers), (name, qid, hint)


# ------------------------------------------------------------------ 3. autopsy report
@pytest.mark.parametrize("value", [0.39, 0.386, 0.3858, "0.39"])
def test_autopsy_q2_accepts_torchvisions_table_on_every_criterion(value):
    assert full(score("autopsy_report", "q2_torchvision_gflops", value))


def test_autopsy_q7_states_one_embedding_convention_and_checks_it_consistently():
    params, tables, embeddings_ln = 66_362_880, 23_834_112, 1_536
    d, n_layer, n_ctx = 768, 6, 128

    def kaplan(n: int) -> int:
        return mll.kaplan_flops(n, n_layer=n_layer, n_ctx=n_ctx, d_attn=d)

    for n in (params - tables - embeddings_ln, params - tables):  # with or without the LN
        assert full(score("autopsy_report", "q7_kaplan", kaplan(n)))
    for n in (params, params - 30522 * d):  # embeddings counted; position table counted
        assert fails(score("autopsy_report", "q7_kaplan", kaplan(n)))


def test_autopsy_q4_by_hand_count_matches_the_autopsy():
    rep = mll.autopsy(mll.load_model("distilbert"))
    rows = rep.to_frame().set_index("name")
    lin = rows.loc[["transformer.layer.0.ffn.lin1", "transformer.layer.0.ffn.lin2"]]
    d, h, tokens = 768, 3072, 128
    by_hand = {"params": 2 * d * h + h + d, "flops": 2 * tokens * 2 * d * h}
    assert by_hand == {"params": int(lin["params"].sum()), "flops": int(lin["flops"].sum())}
    assert full(score("autopsy_report", "q4_ffn_by_hand", by_hand))
    macs = {**by_hand, "flops": by_hand["flops"] // 2}
    assert score("autopsy_report", "q4_ffn_by_hand", macs).passed == 1


# ------------------------------------------------------------------ 4. model card
COUNTS = {"completeness": 1.0, "error": 0, "warning": 0, "info": 1}
FILLERS = ["TODO", "lorem ipsum", "n/a", "See above.", "tbd"]


def _start_card() -> Any:
    report = type("R", (), {"params": 38282, "flops": 675072, "family": "CNN"})()
    return mll.ModelCard.from_autopsy(report, name="digits-cnn")


def _filler_card(text: str) -> Any:
    keys = [k for k, _ in mll.ModelCard.SECTIONS if k != "model_details"]
    return _start_card().with_sections(**dict.fromkeys(keys, text)).with_metadata(license="mit")


@pytest.mark.parametrize("qid", ["q5_card_sections", "q7_datasheet"])
def test_model_card_typed_validator_counts_fail_the_checks(qid):
    result = score("model_card", qid, COUNTS, n_val=270, worst_accuracy=0.8846)
    assert fails(result)


@pytest.mark.parametrize("text", FILLERS)
def test_model_card_filler_neither_validates_nor_scores(text):
    card = _filler_card(text)
    assert card.validate().completeness < 1.0
    result = score(
        "model_card", "q5_card_sections", dict(card.sections), n_val=270, worst_accuracy=0.8846
    )
    assert fails(result)
    sheet = mll.Datasheet(
        "digits-validation",
        sections={k: text for k, _ in mll.Datasheet.SECTIONS},
        metadata={"license": "tbd", "unknowns": [text]},
    )
    assert sheet.validate().completeness < 1.0
    parts = {"sections": dict(sheet.sections), "metadata": dict(sheet.metadata)}
    assert fails(score("model_card", "q7_datasheet", parts, n_val=270))


def test_model_card_sections_in_other_words_score_full_marks():
    card = _start_card().with_sections(
        intended_use="A classroom demo of image classification; never use it on real mail.",
        factors="Accuracy changes with the digit class and with each writer's style.",
        metrics="We report accuracy, overall and for each digit.",
        evaluation_data="The 270 images of the validation split.",
        training_data="The training split of the same digits (1,257 images).",
        quantitative_analyses="Digit 8 is the weakest slice, at 88.46% accuracy.",
        ethical_considerations="The writers' consent was never recorded.",
        caveats="Only 13 writers: other handwriting will score lower accuracy.",
    )
    answer = dict(card.sections)
    result = score("model_card", "q5_card_sections", answer, n_val=270, worst_accuracy=0.8846)
    assert full(result) and result.review
    other_size = score("model_card", "q5_card_sections", answer, n_val=300, worst_accuracy=0.8846)
    assert other_size.passed == len(other_size.criteria) - 1  # quotes the learner's own n_val


def test_model_card_template_questions_match_the_validator_today():
    import huggingface_hub as hf

    text = str(hf.ModelCard.from_template(hf.ModelCardData(license="mit")))
    template = mll.ModelCard.from_markdown(text)
    found = template.validate()
    assert full(
        score(
            "model_card", "q1_template_check", {"completeness": found.completeness, **found.counts}
        )
    )
    flagged = {f.section for f in found.findings}
    gaps = {
        "placeholders": sorted({f.section for f in found.findings if "placeholder" in f.message}),
        "counted as filled": next(k for k, _ in template.SECTIONS if k not in flagged),
    }
    assert full(score("model_card", "q2_template_gaps", gaps))


def test_model_card_minilm_questions_come_from_what_the_lesson_does_not_print():
    lesson = (ROOT / "notebooks" / "beginner" / "04_model_card_datasheet.ipynb").read_text()
    upstream = mll.read_model_card("minilm")
    recipe = upstream.extra["Hyper parameters"]
    assert "100k steps" in recipe and "100k steps" not in lesson  # not printed by the lesson
    steps = int(re.search(r"(\d+)k steps", recipe).group(1)) * 1000
    batch = int(re.search(r"batch size of (\d+)", recipe).group(1))
    listed = int(mll.read_data_config("minilm", upstream)["lines"].sum())
    answer = {"pairs seen": steps * batch, "share of listed pairs": steps * batch / listed}
    assert full(score("model_card", "q8_pairs_seen", answer))


# ------------------------------------------------------------------ 5. training run
def _history(name: str) -> Any:
    """RUN_A / RUN_B exactly as the exercise defines them (the committed cells)."""
    import pandas as pd

    cell = next(
        "".join(c["source"])
        for c in _solution("training_run")["cells"]
        if "".join(c["source"]).startswith(f"{name} = pd.DataFrame(")
    )
    scope: dict[str, Any] = {"pd": pd}
    exec(cell.rsplit("\n", 1)[0], scope)  # the literal, not the display line
    return scope[name]


def _early_stop(losses: list[float], patience: int, *, ties_improve: bool = False):
    best, wait = 0, 0
    for i in range(1, len(losses)):
        better = losses[i] <= losses[best] if ties_improve else losses[i] < losses[best]
        best, wait = (i, 0) if better else (best, wait + 1)
        if wait == patience:
            return i + 1, best + 1
    return len(losses), best + 1


def _probes(run_a: Any) -> dict[str, tuple[list[float], int]]:
    val_a = run_a["val_loss"].tolist()
    curve_c = [1.0, 0.8, 0.8, 0.7, 0.75, 0.72, 0.71, 0.65, 0.66, 0.67, 0.68, 0.6]
    probes = {f"A, patience {p}": (val_a, p) for p in (1, 3, 5, 10)}
    probes |= {"C, patience 2": (curve_c, 2), "C, patience 4": (curve_c, 4)}
    return probes | {"D, patience 2": ([0.9, 0.7, 0.7, 0.7], 2)}


def test_training_run_best_epochs_are_exact_and_one_based():
    run_a = _history("RUN_A")
    best = {
        "by val loss": int(run_a["val_loss"].idxmin()),
        "by val accuracy": int(run_a["val_accuracy"].idxmax()),
    }
    assert best["by val loss"] != best["by val accuracy"]
    assert full(score("training_run", "q1_best_epochs", best))
    zero_based = {k: v - 1 for k, v in best.items()}
    assert fails(score("training_run", "q1_best_epochs", zero_based))


def test_training_run_overfitting_rule_tells_a_from_b():
    evidence = {}
    for name in "AB":
        run = _history(f"RUN_{name}")
        gap = float(run["train_accuracy"].iloc[-1] - run["val_accuracy"].iloc[-1])
        evidence[f"{name} gap"] = gap
        evidence[f"{name} overfits"] = (
            gap > 0.05 and run["val_loss"].iloc[-1] > run["val_loss"].min()
        )
    assert evidence["A overfits"] and not evidence["B overfits"]
    assert full(score("training_run", "q2_overfitting", evidence))
    loss_only = {**evidence, "B overfits": True}  # B's loss also ends above its minimum
    assert score("training_run", "q2_overfitting", loss_only).passed == 3


def test_training_run_hidden_early_stop_checks_catch_what_visible_ones_miss():
    probes = _probes(_history("RUN_A"))
    right = {name: _early_stop(losses, p) for name, (losses, p) in probes.items()}
    assert full(score("training_run", "q3_early_stop", right))
    lenient = {
        name: _early_stop(losses, p, ties_improve=True) for name, (losses, p) in probes.items()
    }
    result = score("training_run", "q3_early_stop", lenient)
    visible = [c for c in result.criteria if not c.hidden]
    assert all(c.passed for c in visible) and not all(c.passed for c in result.criteria)
    off_by_one = {name: [s - 1, b - 1] for name, (s, b) in right.items()}
    assert fails(score("training_run", "q3_early_stop", off_by_one))


def test_training_run_cost_of_stopping_early():
    run_a = _history("RUN_A")
    stop, best = _early_stop(run_a["val_loss"].tolist(), 3)
    answer = {
        "epochs saved": len(run_a) - stop,
        "kept val accuracy": float(run_a.loc[best, "val_accuracy"]),
        "last val accuracy": float(run_a["val_accuracy"].iloc[-1]),
    }
    assert full(score("training_run", "q4_early_cost", answer))


@pytest.mark.parametrize(
    ("name", "qid"),
    [
        ("knowledge_check", "q12_pm_note"),
        ("autopsy_report", "q9_pm_report"),
        ("model_card", "q5_card_sections"),
        ("model_card", "q7_datasheet"),
        ("model_card", "q9_reviewer_note"),
        ("training_run", "q5_recommendation"),
    ],
)
def test_prose_is_also_read_by_a_person(name, qid):
    assert _key(name)["questions"][qid].get("review")


# ------------------------------------------------------------------ 6. graded by probes
@pytest.mark.parametrize("name", BEGINNER)
def test_every_scored_question_is_probed_or_reviewed(name):
    key = _key(name)
    scored = {qid: q for qid, q in key["questions"].items() if q["points"] > 0}
    probed = [qid for qid, q in scored.items() if q.get("probes")]
    assert probed, f"{name} has no probe-graded question"
    for qid, q in scored.items():
        assert q.get("probes") or q.get("review"), f"{name} {qid}: points without probes"
        assert len(q.get("probes", [])) != 1, f"{name} {qid}: give two probes, not one"
    auto = sum(q["points"] for qid, q in scored.items() if qid in probed)
    assert auto > sum(q["points"] for q in scored.values()) / 2  # most points on probes


@pytest.mark.parametrize("name", BEGINNER)
def test_probes_never_reach_the_exercise(name):
    assert not keys.leaked_probes("beginner", name)
