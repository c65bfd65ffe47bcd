"""Cost against lift and the pilot's success metric: hand-computed totals, every verdict."""

import math

import numpy as np
import pytest

import mlliteracy as mll

Y = np.array([0, 1, 2] * 100)


def _pred(wrong, seed=0):
    out = Y.copy()
    idx = np.random.default_rng(seed).choice(len(Y), size=wrong, replace=False)
    out[idx] = (out[idx] + 1) % 3
    return out


CURRENT = _pred(100)
BIG_LIFT = mll.paired_bootstrap(Y, _pred(40, 1), CURRENT)  # +20 points, clearly above 0
NO_LIFT = mll.paired_bootstrap(Y, _pred(98, 2), CURRENT)  # +0.7 points, interval spans 0


def test_hand_computed_totals_and_cost_per_point():
    opt = mll.Option("retrain", lift=BIG_LIFT, compute_hours=2.0, compute_price=1.5,
                     storage_gb=10, engineering_days=3, serving_usd_per_month=20.0)  # fmt: skip
    cb = mll.cost_benefit([opt], day_rate_usd=800, storage_usd_per_gb_month=0.025, months=12)
    row = cb.frame.iloc[0]
    # 2 h x $1.5 + 3 days x $800 + 12 x (10 GB x 0.025 + 20)
    assert row.total_usd == pytest.approx(3.0 + 2400 + 12 * 20.25)
    assert row.usd_per_point == pytest.approx(row.total_usd / BIG_LIFT.difference_points)
    v = cb.verdict()
    assert v.outcome == "best value" and "retrain" in v.text


def test_cheapest_point_of_lift_wins_and_unshown_lift_is_named():
    cheap = mll.Option("small", lift=BIG_LIFT, engineering_days=1)
    dear = mll.Option("large", lift=BIG_LIFT, engineering_days=10)
    flat = mll.Option("flat", lift=NO_LIFT, engineering_days=0.5)
    guess = mll.Option("fine-tune", compute_hours=5, compute_price=1.0)
    cb = mll.cost_benefit([dear, flat, cheap, guess], 800, 0.023)
    v = cb.verdict()
    assert v.outcome == "best value" and v.text.startswith("**small**")
    assert "flat, fine-tune" in v.text
    assert math.isnan(cb.frame.set_index("option").loc["fine-tune", "lift_points"])
    assert "<table" in cb._repr_html_() and "-" in cb._repr_html_()


def test_no_lift_shown():
    cb = mll.cost_benefit([mll.Option("flat", lift=NO_LIFT)], 800, 0.023)
    assert cb.verdict().outcome == "no lift shown"


def test_option_and_cost_benefit_bad_input():
    with pytest.raises(mll.MLLError, match="compute_price"):
        mll.Option("x", compute_hours=1.0)
    with pytest.raises(mll.MLLError, match="lift"):
        mll.Option("x", lift=0.5)
    with pytest.raises(mll.MLLError, match="options"):
        mll.cost_benefit([], 800, 0.023)
    with pytest.raises(mll.MLLError, match="months"):
        mll.cost_benefit([mll.Option("x")], 800, 0.023, months=0)


def _pilot(saving, diff):
    return mll.pilot_check("p", 1.0, 1.0 - saving, diff, target_saving=0.4, max_loss_points=2.0)


def test_pilot_met_and_missed_on_cost():
    same = mll.paired_bootstrap(Y, CURRENT, CURRENT)
    assert _pilot(0.6, same).verdict().outcome == "met"
    assert _pilot(0.6, same).saving == pytest.approx(0.6)
    assert _pilot(0.3, same).verdict().outcome == "missed: cost"


def test_pilot_missed_on_accuracy_and_not_confirmed():
    much_worse = mll.paired_bootstrap(Y, _pred(160, 3), CURRENT)  # -20 points
    assert _pilot(0.6, much_worse).verdict().outcome == "missed: accuracy"
    noisy = mll.paired_bootstrap(Y, _pred(100, 4), CURRENT)  # spans -2
    assert noisy.low_points < -2 < noisy.high_points
    v = _pilot(0.6, noisy).verdict()
    assert v.outcome == "not confirmed" and "items would decide" in v.text


def test_pilot_bad_input():
    same = mll.paired_bootstrap(Y, CURRENT, CURRENT)
    with pytest.raises(mll.MLLError, match="target_saving"):
        mll.pilot_check("p", 1.0, 0.5, same, target_saving=40)
    with pytest.raises(mll.MLLError, match="accuracy"):
        mll.pilot_check("p", 1.0, 0.5, 0.01)
