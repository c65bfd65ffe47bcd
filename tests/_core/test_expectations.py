"""mll.expect: one readable line when a machine-dependent value holds, a clear failure when not."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.expect import LOG_ENV


def test_near_within_tolerance_prints_one_line():
    result = mll.expect(0.9741, near=0.98, tol=0.02, what="test accuracy", why="seeded training")
    assert result.ok
    assert repr(result) == (
        "expect ok: test accuracy = 0.9741, within 0.02 of 0.98 (seeded training)"
    )
    assert "\n" not in repr(result)
    assert "<b>0.9741</b>" in result._repr_html_()


def test_near_outside_tolerance_raises_an_assertion_naming_the_rule():
    with pytest.raises(
        mll.ExpectationError, match=r"test accuracy = 0.94, not within 0.02 of 0.98"
    ):
        mll.expect(0.94, near=0.98, tol=0.02, what="test accuracy")
    assert issubclass(mll.ExpectationError, AssertionError)  # a failing notebook cell


def test_the_edge_of_the_tolerance_passes():
    assert mll.expect(0.96, near=0.98, tol=0.02).ok
    assert mll.expect(7, near=5, tol=2).ok


def test_bounds():
    assert mll.expect(np.float32(0.971), at_least=0.97).ok
    assert mll.expect(3, at_least=1, at_most=3).rule == "at least 1 and at most 3"
    with pytest.raises(mll.ExpectationError, match="at most 3"):
        mll.expect(4, at_most=3)


def test_equals_compares_plain_values_and_one_of_accepts_alternatives():
    assert mll.expect((1, 2), equals=[1, 2]).ok
    assert mll.expect(np.array([1, 2]), equals=[1, 2]).ok
    assert mll.expect("b", one_of=("a", "b")).ok
    with pytest.raises(mll.ExpectationError, match="one of"):
        mll.expect("c", one_of=("a", "b"), what="chosen")
    with pytest.raises(mll.ExpectationError, match="expected"):
        mll.expect(["x"], equals=["y"])


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"near": 1.0}, {"near": 1.0, "tol": -1}, {"near": 1, "tol": 1, "at_least": 0}],
)
def test_malformed_rules_are_user_errors(kwargs):
    with pytest.raises(mll.MLLError, match="expect"):
        mll.expect(1.0, **kwargs)


def test_non_numbers_and_nan_are_named():
    with pytest.raises(mll.MLLError, match="not a number"):
        mll.expect("0.9", near=0.9, tol=0.1)
    with pytest.raises(mll.MLLError, match="NaN"):
        mll.expect(float("nan"), at_least=0)


def test_log_records_every_expectation(tmp_path, monkeypatch):
    log = tmp_path / "expect.jsonl"
    monkeypatch.setenv(LOG_ENV, str(log))
    mll.expect(0.5, near=0.5, tol=0.1, what="a")
    with pytest.raises(mll.ExpectationError):
        mll.expect(0.9, near=0.5, tol=0.1, what="b")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(d["what"], d["value"], d["ok"]) for d in lines] == [
        ("a", 0.5, True),
        ("b", 0.9, False),
    ]


def test_verdict_renders_as_markdown():
    v = mll.Verdict("Batching **paid**.", "pays")
    assert repr(v) == "Batching **paid**." == v._repr_markdown_()
    assert v.outcome == "pays"


def test_quick_mode_shows_the_value_without_holding_it():
    result = mll.expect(0.4, near=0.98, tol=0.02, what="accuracy", quick=True)
    assert result.ok and "QUICK mode" in repr(result) and "in full mode" in result.rule


def test_a_passing_equality_does_not_repeat_the_value():
    assert repr(mll.expect(["a", "b"], equals=["a", "b"], what="labels")) == (
        "expect ok: labels = ['a', 'b'], as expected"
    )
