"""The risk measurements can fail: each one reaches both outcomes on a constructed case (PII
categories, perturbations that change tokens, an effect-size threshold for bias, a threshold
chosen on one split and reported on another with intervals)."""

from __future__ import annotations

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.errors import MLLError
from mlliteracy.risks.hallucination import curve_from_scores, wilson
from mlliteracy.risks.robustness import DEFAULT_KINDS, perturb

# ------------------------------------------------------------------ PII categories


def test_pii_categories_separate_direct_identifiers_from_handles_and_links():
    texts = ["mail ann@example.com", "@jetblue thanks", "see http://t.co/x1", "@a and @b", "hi"]
    rep = mll.scan_pii(texts)
    assert rep.texts_with_category == {"direct": 1, "pseudonymous": 2, "link": 1}
    assert rep.category_share("direct") == 0.2 and rep.category_share("pseudonymous") == 0.4
    frame = rep.category_frame()
    assert list(frame.category) == ["direct", "pseudonymous", "link"]
    assert frame.loc[0, "kinds"] == "email, phone, card"
    assert rep.explain().outcome == "direct"
    assert rep.to_dict()["texts_with_category"]["link"] == 1
    with pytest.raises(MLLError, match="category='names'"):
        rep.category_share("names")


@pytest.mark.parametrize(
    ("texts", "outcome"),
    [(["@bob hi", "fine"], "pseudonymous"), (["http://t.co/x"], "links"), (["fine"], "none")],
)
def test_pii_explain_reaches_every_outcome(texts, outcome):
    verdict = mll.scan_pii(texts).explain("logged questions")
    assert verdict.outcome == outcome and "logged questions" in verdict.text


def test_a_restricted_scan_has_only_its_categories():
    rep = mll.scan_pii(["@bob mail ann@example.com"], kinds=("handle",))
    assert rep.texts_with_category == {"pseudonymous": 1}
    assert list(rep.category_frame().category) == ["pseudonymous"]


# ------------------------------------------------------------------ perturbations


def _keyword(texts):
    return ["negative" if "delayed" in t.lower() else "positive" for t in texts]


def _phone_word(texts):
    return ["negative" if "phone" in t else "positive" for t in texts]


def test_letter_drop_flips_a_keyword_classifier():
    rep = mll.perturbation_test(_keyword, ["delayed"] * 6, kinds=("letter_drop",), seed=0)
    assert rep.rows == (("letter_drop", 6, 6, 1.0),)
    assert rep.examples[0][3:] == ("negative", "positive")


def test_filler_can_flip_and_the_control_cannot():
    texts = ["flight on time", "nice crew", "bag arrived", "quick boarding"] * 3
    rep = mll.perturbation_test(_phone_word, texts, kinds=("identity", "filler"), seed=0)
    assert rep.flip_rates["identity"] == 0.0 and rep.flip_rates["filler"] > 0
    assert rep.tokens_changed == {}  # a plain function has no tokenizer to ask


def test_new_perturbations_keep_their_promise():
    rng = np.random.default_rng(0)
    text = "Wonderful crew and friendly pilots"
    dropped = perturb(text, "letter_drop", rng)
    assert len(dropped) == len(text) - 1 and dropped.split()[0][0] == "W"
    assert perturb(text, "filler", rng).startswith(text)
    assert "case" not in DEFAULT_KINDS and "whitespace" not in DEFAULT_KINDS


def test_case_and_whitespace_change_no_minilm_token_but_the_defaults_do():
    from mlliteracy.risks.robustness import _tokens_of

    class _Fake(mll.SentimentClassifier):  # only its type matters to _tokens_of
        def __init__(self):
            pass

    tokens = _tokens_of(_Fake())
    texts = ["The Flight was GREAT, thank you!", "Worst service ever.  My bag is lost."]
    for kind in ("case", "whitespace"):
        rng = np.random.default_rng(1)
        assert tokens([perturb(t, kind, rng) for t in texts]) == tokens(texts), kind
    for kind in DEFAULT_KINDS:
        rng = np.random.default_rng(1)
        assert tokens([perturb(t, kind, rng) for t in texts]) != tokens(texts), kind


# ------------------------------------------------------------------ bias effect size

TERMS = ("gay", "straight", "Muslim", "Christian")
TEMPLATES = ("I am a {term} person.", "The {term} agent was rude.", "I love my {term} friends.")


def _shifted(shift):
    base = {"I am": 0.2, "The ": 0.8, "I lo": 0.1}
    return lambda texts: [base[t[:4]] + (shift if "Muslim" in t else 0.0) for t in texts]


def test_a_tiny_consistent_gap_excludes_zero_but_is_not_flagged():
    rep = mll.identity_bias(_shifted(0.01), terms=TERMS, templates=TEMPLATES, n_boot=200)
    assert rep.ci_excludes_zero == ("Muslim",) and rep.flagged == ()
    assert "1 more exclude 0" in repr(rep)


def test_a_large_gap_is_flagged_and_min_gap_zero_restores_the_ci_rule():
    big = mll.identity_bias(_shifted(0.2), terms=TERMS, templates=TEMPLATES, n_boot=200)
    assert big.flagged == ("Muslim",)
    tiny = mll.identity_bias(
        _shifted(0.01), terms=TERMS, templates=TEMPLATES, n_boot=200, min_gap=0.0
    )
    assert tiny.flagged == ("Muslim",) and tiny.to_dict()["min_gap"] == 0.0
    with pytest.raises(MLLError, match="min_gap=2"):
        mll.identity_bias(_shifted(0.0), terms=TERMS, templates=TEMPLATES, min_gap=2)


# ------------------------------------------------------------------ threshold on one split


def _curve(n_in=40, n_out=20, seed=0):
    rng = np.random.default_rng(seed)
    in_sims = rng.uniform(0.3, 1.0, size=(n_in, 3))
    expected = list(in_sims.argmax(axis=1))
    expected[:4] = [(e + 1) % 3 for e in expected[:4]]  # four in-scope questions go wrong
    out_sims = rng.uniform(0.0, 0.8, size=(n_out, 3))
    return curve_from_scores(in_sims, expected, out_sims)


def test_split_is_disjoint_seeded_and_keeps_the_thresholds():
    curve = _curve()
    a, b = curve.split(0.5, seed=0)
    assert (a.n_in, a.n_out, b.n_in, b.n_out) == (20, 10, 20, 10)
    assert a.thresholds == b.thresholds == curve.thresholds
    assert sorted(a.in_scores + b.in_scores) == sorted(curve.in_scores)
    assert curve.split(0.5, seed=0) == (a, b) and curve.split(0.5, seed=1) != (a, b)
    with pytest.raises(MLLError, match="share=1"):
        curve.split(1)


def test_report_gives_counts_and_wilson_intervals():
    curve = _curve()
    frame = curve.report(0.65).set_index("rate")
    row = frame.loc["hallucination_rate"]
    assert row["n"] == 20 and row["value"] == pytest.approx(row["count"] / 20, abs=1e-4)
    assert row["ci_low"] <= row["value"] <= row["ci_high"]
    assert wilson(0, 10) == (0.0, 0.2775) and wilson(5, 10) == (0.2366, 0.7634)


def test_explain_reaches_within_uncertain_and_over():
    ins = np.array([[0.9, 0.1]] * 200)
    outs = np.array([[0.2, 0.1]] * 200)
    many = curve_from_scores(ins, [0] * 200, outs, thresholds=[0.5])
    assert many.explain(0.5).outcome == "within"
    few = curve_from_scores(ins[:10], [0] * 10, outs[:10], thresholds=[0.5])
    assert few.explain(0.5).outcome == "uncertain" and "0 of 10" in few.explain(0.5).text
    bad = curve_from_scores(ins[:10], [1] * 10, outs[:10], thresholds=[0.5])
    assert bad.explain(0.5).outcome == "over"


# ------------------------------------------------------------------ register rows


def test_register_rates_direct_identifiers_handles_and_usefulness_apart():
    figures = {
        "pii": {"direct_pii_share": 0.0012, "handle_share": 0.70},
        "hallucination": {"not_answered_correctly": 0.614},
    }
    reg = mll.risk_register(figures).set_index("measured")
    assert reg.loc["direct_pii_share = 0.0012", "rating"] == 12  # likelihood 3 x severity 4
    assert reg.loc["handle_share = 0.7", "rating"] == 10  # 5 x 2
    assert reg.loc["not_answered_correctly = 0.614", "level"] == "medium"  # 5 x 2
    clean = mll.risk_register({"pii": {"direct_pii_share": 0.0, "handle_share": 0.0}})
    assert set(clean.loc[clean.category == "data privacy", "level"].dropna()) >= {"low"}
