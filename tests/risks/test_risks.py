"""Risk measurements on cases with a known answer: PII, membership inference, identity-term
bias, perturbation robustness and the model supply chain. No MiniLM here: classifiers are rigged
functions or scikit-learn models on synthetic data, so every expected number is known."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.errors import MLLError
from mlliteracy.risks.pii import luhn_ok, mask
from mlliteracy.risks.robustness import perturb

ROOT = Path(__file__).resolve().parents[2]

# ------------------------------------------------------------------ PII

PLANTED = [
    "write to ann.lee@example.com please",
    "call me on +44 20 7946 0958 or (555) 123-4567",
    "my card is 4111 1111 1111 1111, thanks",
    "bad number 4111 1111 1111 1112 here",
    "@jetblue see http://t.co/abc123 and www.example.org/x",
]
CLEAN = ["I love this airline", "flight 123 left at 10:30 on 2014-02-03", "price 1,299.99"]


def test_planted_pii_is_found_with_exact_counts():
    rep = mll.scan_pii(PLANTED + CLEAN)
    assert rep.counts == {"email": 1, "phone": 2, "url": 2, "handle": 1, "card": 1}
    assert rep.texts_with == {"email": 1, "phone": 1, "url": 1, "handle": 1, "card": 1}
    assert rep.n_texts == 8 and rep.n_with_any == 4 and rep.share_with_any == 0.5
    assert rep.rejected_cards == 1  # the Luhn-invalid number is not a card (nor a phone)


def test_luhn_checksum_known_values():
    assert luhn_ok("4111111111111111") and luhn_ok("79927398713")
    assert not luhn_ok("4111111111111112") and not luhn_ok("79927398710")
    only_invalid = mll.scan_pii(["pay with 4111-1111-1111-1112"])
    assert only_invalid.counts["card"] == 0 and only_invalid.rejected_cards == 1


def test_clean_text_finds_nothing():
    rep = mll.scan_pii(CLEAN)
    assert sum(rep.counts.values()) == 0 and rep.n_with_any == 0 and rep.examples == ()


def test_examples_are_masked_and_redaction_removes_everything():
    rep = mll.scan_pii(PLANTED)
    shown = repr(rep) + rep._repr_html_() + json.dumps(rep.to_dict())
    for secret in ("ann.lee@example.com", "7946 0958", "123-4567", "4111 1111 1111 1111"):
        assert secret not in shown
    assert mask("email", "ann.lee@example.com") == "a***@e***.com"
    assert mask("card", "4111 1111 1111 1111") == "**** **** **** 1111"
    red = rep.redact(PLANTED[1])
    assert red == "call me on [PHONE] or [PHONE]"
    assert mll.redact_pii(PLANTED[0]) == "write to [EMAIL] please"
    assert mll.redact_pii(PLANTED[3]) == PLANTED[3]  # rejected cards are not PII


def test_kinds_restrict_the_scan_and_bad_input_is_refused():
    rep = mll.scan_pii(PLANTED, kinds=("email",))
    assert rep.counts == {"email": 1} and rep.n_with_any == 1
    with pytest.raises(MLLError, match="kinds"):
        mll.scan_pii(PLANTED, kinds=("ssn",))
    with pytest.raises(MLLError, match="list of texts"):
        mll.scan_pii("one string")


# ------------------------------------------------------------------ membership inference


def _synthetic(seed: int, n: int = 120, dim: int = 20):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, dim))
    y = rng.integers(0, 3, size=2 * n)  # random labels: only memorising can fit them
    return X[:n], y[:n], X[n:], y[n:]


def test_memorising_model_leaks_and_regularised_one_does_not():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    Xm, ym, Xn, yn = _synthetic(0)
    memo = KNeighborsClassifier(n_neighbors=1).fit(Xm, ym)  # 1-NN: zero loss on members
    leak = mll.membership_inference(
        mll.example_losses(memo, Xm, ym), mll.example_losses(memo, Xn, yn), seed=0
    )
    assert leak.auc > 0.8 and leak.advantage > 0.5
    assert leak.member_loss < leak.nonmember_loss
    # a model with far more examples than parameters, on labels it can learn: no leak
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    y = (X @ rng.normal(size=(5, 3)) + rng.gumbel(size=(600, 3))).argmax(axis=1)
    reg = LogisticRegression(C=1.0, max_iter=1000).fit(X[:300], y[:300])
    safe = mll.membership_inference(
        mll.example_losses(reg, X[:300], y[:300]), mll.example_losses(reg, X[300:], y[300:]), seed=0
    )
    assert abs(safe.auc - 0.5) < 0.1


def test_identical_distributions_give_chance_and_separated_give_one():
    rng = np.random.default_rng(1)
    same = mll.membership_inference(rng.exponential(size=400), rng.exponential(size=400), seed=0)
    assert abs(same.auc - 0.5) < 0.06 and same.auc_ci[0] < 0.5 < same.auc_ci[1]
    assert abs(same.tpr_at_low_fpr - same.low_fpr) < 0.04  # chance: TPR = FPR
    perfect = mll.membership_inference([0.1, 0.2, 0.3], [0.5, 0.9, 1.2], n_boot=0, low_fpr=0.34)
    assert perfect.auc == 1.0 and perfect.advantage == 1.0 and perfect.auc_ci == (1.0, 1.0)
    assert perfect.tpr_at_low_fpr == 1.0


def test_tpr_at_low_fpr_finds_the_few_members_an_average_hides():
    rng = np.random.default_rng(2)
    # 20 of 200 members memorised (loss near 0); the rest look like non-members
    members = np.r_[rng.uniform(0, 1e-4, 20), rng.exponential(size=180)]
    few = mll.membership_inference(members, rng.exponential(size=200), n_boot=0, low_fpr=0.01)
    assert few.auc < 0.6  # the average barely moves
    assert few.tpr_at_low_fpr >= 0.1 > 5 * few.low_fpr  # but 20 members are found at 1% FPR
    assert "found" not in few.explain() and "finds 2" in few.explain()


def test_low_fpr_needs_room_for_one_false_positive():
    with pytest.raises(mll.MLLError, match=r"low_fpr=0.05 allows no false positive among 3 non"):
        mll.membership_inference([0.1, 0.2, 0.3], [0.5, 0.9, 1.2])


def test_auc_is_the_mann_whitney_statistic_with_ties_counted_half():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(3)
    members, non = rng.integers(0, 12, 150) / 4, rng.integers(0, 15, 170) / 4  # many ties
    u = mannwhitneyu(-members, -non).statistic  # score -loss: members should score higher
    rep = mll.membership_inference(members, non, n_boot=0)
    assert rep.auc == round(u / (len(members) * len(non)), 4)


def test_membership_is_deterministic_and_json_safe():
    rng = np.random.default_rng(2)
    a, b = rng.random(50), rng.random(60) + 0.2
    r1, r2 = mll.membership_inference(a, b, seed=3), mll.membership_inference(a, b, seed=3)
    assert r1 == r2 and json.loads(json.dumps(r1.to_dict()))["n_members"] == 50
    assert "membership AUC" in repr(r1) and "<table" in r1._repr_html_()
    with pytest.raises(MLLError, match="member_losses"):
        mll.membership_inference([1.0], [1.0, 2.0])


def test_membership_contrast_orders_models_by_overfitting():
    Xm, ym, Xn, yn = _synthetic(4, n=80)
    table = mll.membership_contrast(Xm, ym, Xn, yn, seed=0)
    assert list(table.columns) == ["model", "train_accuracy", "test_accuracy", "auc", "advantage"]
    regularised, memorising = table.iloc[0], table.iloc[2]
    assert memorising.train_accuracy == 1.0 and memorising.auc > 0.8
    assert memorising.auc > regularised.auc + 0.2


def test_example_losses_of_a_sentiment_head():
    clf = mll.SentimentClassifier(
        ("negative", "neutral", "positive"),
        np.zeros((3, 4), np.float32),
        np.log(np.array([0.5, 0.25, 0.25], np.float32)),
    )
    losses = mll.example_losses(clf, np.zeros((2, 4), np.float32), [0, 1])
    assert np.allclose(losses, [np.log(2), np.log(4)], atol=1e-5)


# ------------------------------------------------------------------ identity-term bias

TERMS = ("gay", "straight", "Muslim", "Christian")
TEMPLATES = ("I am a {term} person.", "The {term} agent was rude.", "I love my {term} friends.")


def _template_score(text: str) -> float:
    return {"I am": 0.2, "The ": 0.8, "I lo": 0.1}[text[:4]]


def test_rigged_classifier_flags_exactly_the_penalised_term():
    def rigged(texts):
        return [_template_score(t) + (0.3 if "Muslim" in t else 0.0) for t in texts]

    rep = mll.identity_bias(rigged, terms=TERMS, templates=TEMPLATES, n_boot=500, seed=0)
    assert rep.flagged == ("Muslim",)
    assert "flagged" in rep._repr_html_() and "FLAG" in repr(rep)
    row = rep.to_frame().set_index("term").loc["Muslim"]
    assert row.ci_low > 0 and row.gap == pytest.approx(0.3, abs=1e-4)
    assert rep.max_gap == pytest.approx(0.3, abs=1e-4) and rep.reference == pytest.approx(
        0.3667, abs=1e-4
    )


def test_term_blind_classifier_flags_nothing():
    def blind(texts):
        return [_template_score(t) for t in texts]

    rep = mll.identity_bias(blind, terms=TERMS, templates=TEMPLATES, n_boot=500, seed=0)
    assert rep.flagged == () and rep.max_gap == 0.0
    assert all(r[3] == r[4] == 0.0 for r in rep.rows)


def test_bias_report_is_deterministic_and_validates_input():
    def noisy(texts):
        return [(hash(t) % 97) / 97 for t in texts]  # str hash varies by process, not by call

    a = mll.identity_bias(noisy, terms=TERMS, templates=TEMPLATES, n_boot=200, seed=5)
    b = mll.identity_bias(noisy, terms=TERMS, templates=TEMPLATES, n_boot=200, seed=5)
    assert a == b and len(a.scores) == 3 and len(a.scores[0]) == 4
    assert json.loads(json.dumps(a.to_dict()))["n_templates"] == 3
    assert len(mll.IDENTITY_TERMS) >= 8 and len(mll.IDENTITY_TEMPLATES) >= 10
    with pytest.raises(MLLError, match="templates"):
        mll.identity_bias(noisy, terms=TERMS, templates=("no placeholder", "x"))
    with pytest.raises(MLLError, match="n_boot"):
        mll.identity_bias(noisy, terms=TERMS, templates=TEMPLATES, n_boot=5)
    with pytest.raises(MLLError, match="one score per text"):
        mll.identity_bias(lambda t: [0.0], terms=TERMS, templates=TEMPLATES)


# ------------------------------------------------------------------ robustness

TEXTS = [
    "The flight was great, thank you!",
    "Worst service ever. My bag is lost.",
    "Is the 9am flight to Boston on time?",
    "seats were fine i guess",
]


def _shout_detector(texts):
    return [
        "angry" if any(w.isupper() and len(w) > 2 for w in t.split()) else "calm" for t in texts
    ]


def test_identity_perturbation_flips_nothing():
    rep = mll.perturbation_test(_shout_detector, TEXTS, kinds=("identity",), seed=0)
    assert rep.rows == (("identity", 0, 0, 0.0),) and rep.examples == ()


def test_case_sensitive_classifier_flips_and_whitespace_blind_one_does_not():
    kinds = ("case", "whitespace")
    rep = mll.perturbation_test(_shout_detector, TEXTS * 5, kinds=kinds, seed=0)
    assert rep.flip_rates["case"] > 0 and rep.flip_rates["whitespace"] == 0.0
    assert rep.examples and rep.examples[0][0] == "case" and "<table" in rep._repr_html_()
    assert rep.to_frame().changed.tolist()[1] == 20  # every text got extra whitespace
    again = mll.perturbation_test(_shout_detector, TEXTS * 5, kinds=kinds, seed=0)
    assert again == rep and json.dumps(rep.to_dict())


def test_perturbations_preserve_what_they_promise():
    rng = np.random.default_rng(0)
    text = "Wonderful crew and friendly pilots"
    typo = perturb(text, "typo", rng)
    assert typo != text and sorted(typo) == sorted(text) and len(typo) == len(text)
    assert perturb(text, "whitespace", rng).split() == text.split()
    assert perturb(text, "case", rng).lower() == text.lower()
    with pytest.raises(MLLError, match="kinds"):
        mll.perturbation_test(_shout_detector, TEXTS, kinds=("emoji",))


def test_perturbations_leave_pii_redactable():
    text = "@jetblue: call +44 20 7946 0958, see http://t.co/Ab12 or mail ann.lee@example.com"
    tags = sorted(re.findall(r"\[[A-Z]+\]", mll.redact_pii(text)))
    assert tags == ["[EMAIL]", "[HANDLE]", "[PHONE]", "[URL]"]
    for seed in range(8):
        rng = np.random.default_rng(seed)
        for kind in ("typo", "case", "punctuation", "whitespace"):
            shown = mll.redact_pii(perturb(text, kind, rng))
            assert sorted(re.findall(r"\[[A-Z]+\]", shown)) == tags, (kind, shown)
            assert "7946" not in shown and "jetblue" not in shown.lower()


# ------------------------------------------------------------------ supply chain


class _SystemPayload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _onnx_file(path: Path) -> Path:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_supply_chain_verdicts(tmp_path):
    from safetensors.numpy import save_file

    marker = tmp_path / "PWNED"
    save_file({"w": np.ones((2, 3), np.float32)}, str(tmp_path / "ok.safetensors"))
    (tmp_path / "state.pkl").write_bytes(pickle.dumps(OrderedDict(a=1), protocol=2))
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(_SystemPayload(marker), protocol=2))
    _onnx_file(tmp_path / "relu.onnx")
    (tmp_path / "broken.onnx").write_bytes(b"not a protobuf at all")
    np.savez(tmp_path / "head.npz", weight=np.zeros((3, 4), np.float32))
    np.savez(tmp_path / "objects.npz", meta=np.array([{"a": 1}], dtype=object))
    (tmp_path / "config.json").write_text("{}")
    rep = mll.supply_chain_check([tmp_path])
    got = {r[0].split("/", 1)[1]: (r[1], r[4]) for r in rep.rows}
    assert got == {
        "broken.onnx": ("onnx", False),
        "config.json": ("other", None),
        "evil.pt": ("pickle", False),
        "head.npz": ("npz", True),
        "objects.npz": ("npz", False),
        "ok.safetensors": ("safetensors", True),
        "relu.onnx": ("onnx", True),
        "state.pkl": ("pickle", True),
    }
    evil = next(r for r in rep.rows if r[0].endswith("evil.pt"))
    assert "system" in evil[5] and not marker.exists()  # flagged, and nothing ran
    assert evil[3] == hashlib.sha256((tmp_path / "evil.pt").read_bytes()).hexdigest()
    assert set(rep.refused) == {
        f"{tmp_path.name}/{n}" for n in ("broken.onnx", "evil.pt", "objects.npz")
    }
    assert str(tmp_path) not in json.dumps(rep.to_dict()) + repr(rep) + rep._repr_html_()


def test_supply_chain_of_the_shipped_digits_cnn():
    rep = mll.supply_chain_check(ROOT / "mlliteracy" / "assets" / "digits_cnn")
    rows = {r[0]: r for r in rep.rows}
    st = rows["digits_cnn/model.safetensors"]
    assert st[1] == "safetensors" and st[4] is True and rep.refused == ()
    assert rows["digits_cnn/provenance.json"][4] is None
    with pytest.raises(MLLError, match="does not exist"):
        mll.supply_chain_check(["no/such/file.pt"])


# ------------------------------------------------------------------ threshold curve arithmetic


def test_threshold_curve_rates_on_a_hand_computed_case():
    from mlliteracy.risks.hallucination import curve_from_scores

    in_sims = np.array([[0.9, 0.1], [0.2, 0.6], [0.4, 0.5]])
    out_sims = np.array([[0.7, 0.2], [0.3, 0.1]])
    curve = curve_from_scores(in_sims, [0, 1, 0], out_sims, thresholds=[0.5, 0.65, 0.95])
    assert curve.at(0.5) == {
        "threshold": 0.5, "answer_rate": 1.0, "correct_rate": 0.6667, "wrong_rate": 0.3333,
        "hallucination_rate": 0.5, "abstention_rate": 0.0, "handover_rate": 0.2,
    }  # fmt: skip
    assert curve.rows[1] == (0.65, 0.3333, 0.3333, 0.0, 0.5, 0.6667, 0.6)
    assert curve.best(max_wrong=0.0, max_hallucination=1.0) == 0.65
    assert curve.best(max_wrong=0.0, max_hallucination=0.0) == 0.95
    assert curve.top1_accuracy == 0.6667
    assert curve.plot(chosen=0.65)._repr_png_()[:4] == b"\x89PNG"
    assert "<table" in curve._repr_html_() and "hallucination_rate" in repr(curve)
    assert json.loads(json.dumps(curve.to_dict()))["n_out"] == 2
