"""Cascade of a cheap and an expensive model: routing, the threshold sweep, the cost formula."""

import math

import numpy as np
import pytest

import mlliteracy as mll

CLASSES = ("negative", "neutral", "positive")


class Table:
    """A model whose probabilities are looked up per text (exact, instant)."""

    def __init__(self, probs):
        self.classes = CLASSES
        self.probs = {t: np.asarray(p, float) for t, p in probs.items()}
        self.calls = []

    def predict_proba(self, texts):
        self.calls.append(list(texts))
        return np.stack([self.probs[t] for t in texts])


TEXTS = ["a", "b", "c", "d", "e"]
LABELS = [0, 1, 2, 2, 0]
# cheap: right on a (0.9), b (0.55); wrong on c (0.45), d (0.8); right on e (0.65)
CHEAP = {
    "a": [0.9, 0.05, 0.05],
    "b": [0.2, 0.55, 0.25],
    "c": [0.45, 0.35, 0.2],
    "d": [0.1, 0.8, 0.1],
    "e": [0.65, 0.3, 0.05],
}
# expensive: right on everything but a
EXPENSIVE = {
    "a": [0.1, 0.8, 0.1],
    "b": [0.1, 0.8, 0.1],
    "c": [0.1, 0.1, 0.8],
    "d": [0.1, 0.1, 0.8],
    "e": [0.8, 0.1, 0.1],
}


def _pair():
    return Table(CHEAP), Table(EXPENSIVE)


def test_threshold_zero_is_cheap_only_and_above_one_is_expensive_only():
    cheap, exp = _pair()
    pred, deferred = mll.Cascade(cheap, exp, 0.0).route(TEXTS)
    assert pred.tolist() == [0, 1, 0, 1, 0] and not deferred.any()
    assert exp.calls == []  # the expensive model never ran
    pred, deferred = mll.Cascade(cheap, exp, 1.01).route(TEXTS)
    assert pred.tolist() == [1, 1, 2, 2, 0] and deferred.all()


def test_only_deferred_texts_reach_the_expensive_model():
    cheap, exp = _pair()
    pred, deferred = mll.Cascade(cheap, exp, 0.6).route(TEXTS)
    assert exp.calls == [["b", "c"]]
    assert deferred.tolist() == [False, True, True, False, False]
    assert pred.tolist() == [0, 1, 2, 1, 0]


def test_explain_names_who_answered():
    cheap, exp = _pair()
    table = mll.Cascade(cheap, exp, 0.6).explain(TEXTS)
    assert list(table.columns) == ["text", "cheap_confidence", "answered_by", "label"]
    assert table.answered_by.tolist() == ["cheap", "expensive", "expensive", "cheap", "cheap"]
    assert table.label.tolist() == ["negative", "neutral", "positive", "neutral", "negative"]


def test_evaluate_exact_counts():
    cheap, exp = _pair()
    score = mll.Cascade(cheap, exp, 0.6).evaluate(TEXTS, [CLASSES[i] for i in LABELS])
    assert (score.n, score.accuracy, score.deferred_share) == (5, 0.8, 0.4)
    assert (score.cheap_accuracy, score.expensive_accuracy) == (0.6, 0.8)
    assert "accuracy=0.8000" in repr(score) and "<table" in score._repr_html_()


def test_curve_rows_deferral_and_cost_formula_exact():
    cheap, exp = _pair()
    curve = mll.cascade_curve(
        cheap, exp, TEXTS, LABELS, (0.9, 0.5, 0.7, 0.95), price=3.6, latencies_ms=(1.0, 10.0)
    )
    f = curve.frame
    assert f.policy.tolist() == ["cheap only"] + ["cascade"] * 4 + ["expensive only"]
    assert f.threshold.tolist()[:5] == [0.0, 0.5, 0.7, 0.9, 0.95]
    assert math.isinf(f.threshold.iloc[-1])
    assert f.deferred_share.tolist() == [0.0, 0.2, 0.6, 0.8, 1.0, 1.0]
    # the cascade at 0.9 beats both models: their mistakes fall on different texts
    assert f.accuracy.tolist() == [0.6, 0.8, 0.8, 1.0, 0.8, 0.8]
    assert np.all(np.diff(f.deferred_share) >= 0)
    # ms = cheap + deferred x expensive; $ per 1k = $/h x ms / 3600 (3.6 $/h: 0.001 $ per ms)
    assert f.ms_per_request.tolist() == pytest.approx([1.0, 3.0, 7.0, 9.0, 11.0, 10.0])
    assert f.usd_per_1k_requests.tolist() == pytest.approx(
        [0.001, 0.003, 0.007, 0.009, 0.011, 0.01]
    )
    assert list(curve.quality().columns) == ["policy", "threshold", "accuracy", "deferred_share"]


def test_best_is_the_cheapest_policy_within_the_allowed_drop():
    cheap, exp = _pair()
    curve = mll.cascade_curve(cheap, exp, TEXTS, LABELS, (0.5, 0.7, 0.9), 3.6, latencies_ms=(1, 10))
    best = curve.best(max_drop_points=0.0)
    assert (best.policy, best.threshold, best.accuracy) == ("cascade", 0.5, 0.8)
    assert best.saving_share == pytest.approx(0.7)
    assert best.requests_per_second == pytest.approx(1000 / 3)
    loose = curve.best(max_drop_points=20.0)
    assert loose.policy == "cheap only" and loose.drop_points == pytest.approx(20.0)
    png = curve.plot(best)._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_latencies_are_measured_when_not_given():
    cheap, exp = _pair()
    curve = mll.cascade_curve(cheap, exp, TEXTS, LABELS, (0.7,), 0.1, repeats=3)
    assert curve.cheap_ms > 0 and curve.expensive_ms > 0
    assert len(exp.calls) == 1 + 3 + 3  # one batch for the sweep, then warm-up + timed singles


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"thresholds": (-0.1,)}, "threshold=-0.1"),
        ({"thresholds": ()}, "thresholds=()"),
        ({"labels": [0, 1]}, "labels has 2 entries"),
        ({"labels": [0, 1, 2, 2, "happy"]}, "label 'happy'"),
        ({"price": "cheap"}, "price='cheap'"),
        ({"latencies_ms": (0, 1)}, "cheap=0"),
    ],
)
def test_bad_input_is_named(kwargs, match):
    cheap, exp = _pair()
    args = {"texts": TEXTS, "labels": LABELS, "latencies_ms": (1.0, 2.0), **kwargs}
    with pytest.raises(mll.MLLError, match=match):
        mll.cascade_curve(cheap, exp, **args)


def test_models_must_share_classes():
    cheap, exp = _pair()
    exp.classes = ("neg", "pos", "neu")
    with pytest.raises(mll.MLLError, match="disagree on classes"):
        mll.Cascade(cheap, exp, 0.5)
    with pytest.raises(mll.MLLError, match="cannot score texts"):
        mll.model_proba(object(), ["a"])


def test_tfidf_model_is_seeded_and_useful():
    a = mll.train_tfidf(n_train=300, seed=0)
    b = mll.train_tfidf(n_train=300, seed=0)
    texts, labels = mll.sample_tweets("val", n=60, seed=0)
    assert a.notes["n_train"] == 300 and a.classes == CLASSES
    assert np.array_equal(a.predict_proba(texts), b.predict_proba(texts))
    assert a.predict_proba(texts).shape == (60, 3)
    assert a.accuracy(texts, labels) > 0.4  # better than guessing among 3 classes
    again, _ = mll.sample_tweets("val", n=60, seed=0)
    assert again == texts and mll.sample_tweets("test", n=60, seed=0)[0] != texts
    with pytest.raises(mll.MLLError, match="split='dev'"):
        mll.sample_tweets("dev")


# ---------------------------------------------------------------- paired rule and verdict
# 300 items: cheap right on 60%, expensive on 66%; the cheap model is confident (0.9) exactly
# where it is right, so a cascade at 0.7 defers every cheap error to the expensive model.
Y300 = np.array([0, 1, 2] * 100)


class Fixed:
    """Probabilities given per text index: texts are "0".."299"."""

    classes = CLASSES

    def __init__(self, probs):
        self.probs = probs

    def predict_proba(self, texts):
        return self.probs[[int(t) for t in texts]]


def _probs(correct, conf_right=0.9, conf_wrong=0.4):
    p = np.full((len(Y300), 3), 0.0)
    for i, (y, ok) in enumerate(zip(Y300, correct, strict=True)):
        k = y if ok else (y + 1) % 3
        c = conf_right if ok else conf_wrong
        p[i] = (1 - c) / 2
        p[i, k] = c
    return p


def _curve(cheap_right, exp_right):
    cheap, exp = Fixed(_probs(cheap_right)), Fixed(_probs(exp_right))
    texts = [str(i) for i in range(len(Y300))]
    return mll.cascade_curve(cheap, exp, texts, Y300, (0.7,), 3.6, latencies_ms=(1.0, 10.0))


def test_verdict_cascade_when_deferring_the_unsure_keeps_accuracy():
    rng = np.random.default_rng(0)
    exp_right = rng.random(300) < 0.66
    cheap_right = exp_right & (rng.random(300) < 0.9)  # cheap errors are all unsure
    curve = _curve(cheap_right, exp_right)
    op = curve.best(3.0, confident=True)
    assert op.policy == "cascade" and op.threshold == 0.7
    d = curve.paired(op)
    assert d.difference_points == 0 and d.disagreements == 0  # deferred items match exactly
    v = curve.verdict(3.0)
    assert v.outcome == "cascade" and "threshold 0.7" in v.text
    assert curve.paired(0.0).high_points < 0  # the cheap model alone is clearly worse


def test_verdict_cheap_alone_when_the_cheap_model_is_better():
    rng = np.random.default_rng(1)
    cheap_right = rng.random(300) < 0.8
    exp_right = cheap_right & (rng.random(300) < 0.8)
    v = _curve(cheap_right, exp_right).verdict(3.0)
    assert v.outcome == "cheap alone" and "Drop the expensive path" in v.text


def test_verdict_expensive_alone_when_nothing_cheaper_is_close():
    rng = np.random.default_rng(2)
    exp_right = rng.random(300) < 0.9
    cheap_right = rng.random(300) < 0.4
    # the cheap model is sure of its mistakes too: a cascade at 0.7 keeps them
    cheap = Fixed(_probs(cheap_right, conf_right=0.9, conf_wrong=0.9))
    exp = Fixed(_probs(exp_right))
    texts = [str(i) for i in range(300)]
    curve = mll.cascade_curve(cheap, exp, texts, Y300, (0.7,), 3.6, latencies_ms=(1.0, 10.0))
    assert curve.verdict(3.0).outcome == "expensive alone"
    assert curve.best(3.0, confident=True).policy == "expensive only"


def test_confident_rule_is_stricter_than_the_point_rule():
    rng = np.random.default_rng(3)
    exp_right = rng.random(300) < 0.66
    cheap_right = rng.random(300) < 0.65
    curve = _curve(cheap_right, exp_right)
    point, confident = curve.best(3.0), curve.best(3.0, confident=True)
    assert confident.usd_per_1k_requests >= point.usd_per_1k_requests
    assert curve.predictions(math.inf).tolist() == _probs(exp_right).argmax(1).tolist()
