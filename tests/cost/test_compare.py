"""Paired bootstrap of an accuracy difference: zero width when equal, above 0 when better,
the verdicts for every outcome, and the standard error formula."""

import math

import numpy as np
import pytest

import mlliteracy as mll

Y = np.array([0, 1, 2] * 100)


def _flip(pred, k, seed=0):
    """Predictions with k items changed to a wrong label."""
    out = np.array(pred).copy()
    idx = np.random.default_rng(seed).choice(len(out), size=k, replace=False)
    out[idx] = (out[idx] + 1) % 3
    return out


def test_identical_predictions_give_a_zero_width_interval_at_zero():
    pred = _flip(Y, 90)
    d = mll.paired_bootstrap(Y, pred, pred)
    assert (d.difference_points, d.low_points, d.high_points, d.se_points) == (0, 0, 0, 0)
    assert d.disagreements == 0
    assert d.decide(1.0).outcome == "within tolerance"


def test_a_clearly_better_model_has_an_interval_above_zero():
    good, bad = _flip(Y, 30), _flip(Y, 120, seed=1)
    d = mll.paired_bootstrap(Y, good, bad, names=("good", "bad"))
    assert d.difference_points == pytest.approx(100 * (0.9 - 0.6))
    assert 0 < d.low_points < d.difference_points < d.high_points
    assert d.decide(3.0).outcome == "better" and "good is better" in d.decide(3.0).text
    reverse = mll.paired_bootstrap(Y, bad, good)
    assert reverse.high_points < 0 and reverse.decide(3.0).outcome == "worse"


def test_pairing_is_narrower_than_two_separate_errors():
    a = _flip(Y, 100)
    b = a.copy()
    b[np.flatnonzero(a == Y)[:6]] = (Y[np.flatnonzero(a == Y)[:6]] + 1) % 3  # 6 more errors
    d = mll.paired_bootstrap(Y, a, b)
    unpaired = math.hypot(mll.accuracy_se(0.667, 300), mll.accuracy_se(0.647, 300))
    assert d.se_points < unpaired / 3 and d.disagreements == 6


def test_undecided_and_within_tolerance():
    a = _flip(Y, 100)
    b = _flip(Y, 92, seed=3)  # about 2.7 points better, noisy
    d = mll.paired_bootstrap(Y, a, b, names=("a", "b"))
    assert d.low_points < -1.0 < d.high_points
    assert d.decide(1.0).outcome == "undecided"
    assert "items would resolve" in d.decide(1.0).text
    assert d.decide(50.0).outcome == "within tolerance"


def test_noise_verdict_both_ways_and_items_needed():
    d = mll.paired_bootstrap(Y, _flip(Y, 100), _flip(Y, 100, seed=5))
    hw = d.half_width_points
    assert d.noise_verdict(hw + 0.5).outcome == "above noise"
    below = d.noise_verdict(hw / 2)
    assert below.outcome == "below noise" and f"{d.items_for(hw / 2):,} items" in below.text
    assert d.items_for(hw / 2) == pytest.approx(4 * d.n, rel=0.01)


def test_same_seed_same_interval():
    a, b = _flip(Y, 100), _flip(Y, 80, seed=2)
    assert mll.paired_bootstrap(Y, a, b, seed=4) == mll.paired_bootstrap(Y, a, b, seed=4)


def test_accuracy_se_formula():
    assert mll.accuracy_se(0.66, 300) == pytest.approx(100 * math.sqrt(0.66 * 0.34 / 300))
    assert 2.7 < mll.accuracy_se(0.66, 300) < 2.8
    assert mll.accuracy_se(1.0, 10) == 0


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"pred_a": [0, 1]}, "entries"),
        ({"n_boot": 10}, "n_boot"),
        ({"seed": -1}, "seed"),
        ({"confidence": 1.0}, "confidence"),
        ({"names": "ab"}, "names"),
        ({"labels": []}, "labels"),
    ],
)
def test_bad_input_names_the_argument(kw, word):
    args = {"labels": [0, 1, 2], "pred_a": [0, 1, 2], "pred_b": [0, 1, 1], **kw}
    with pytest.raises(mll.MLLError, match=word):
        mll.paired_bootstrap(**args)


def test_bad_tolerance_and_se_input():
    d = mll.paired_bootstrap([0, 1, 2], [0, 1, 2], [0, 1, 1])
    with pytest.raises(mll.MLLError, match="tolerance_points"):
        d.decide(0)
    with pytest.raises(mll.MLLError, match="accuracy"):
        mll.accuracy_se(1.5, 10)
    with pytest.raises(mll.MLLError, match="n="):
        mll.accuracy_se(0.5, 0)
