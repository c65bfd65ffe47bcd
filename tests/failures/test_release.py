import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy.failures.release import ConceptDrift, SkewCheck


@pytest.fixture(scope="module")
def fixed():
    return mll.fixed_pipeline(seed=0)


def test_release_diff_lists_changes_first():
    diff = mll.release_diff(
        {"model": "1.0", "numpy": "2.1", "old": "x"}, {"model": "1.1", "numpy": "2.1", "new": 3}
    )
    assert [r[0] for r in diff.rows] == ["model", "old", "new", "numpy"]
    assert [r[3] for r in diff.rows] == ["changed", "removed", "added", "same"]
    assert diff.changed == ["model", "old", "new"]
    verdict = diff.verdict()
    assert verdict.outcome == "changed" and "3 of 4 components" in verdict.text
    assert "<table" in diff._repr_html_() and "status" in repr(diff)


def test_release_diff_with_nothing_changed_and_bad_input():
    same = mll.release_diff({"model": "1.0"}, {"model": "1.0"})
    assert same.changed == [] and same.verdict().outcome == "same"
    with pytest.raises(mll.MLLError, match="serving"):
        mll.release_diff({"model": "1.0"}, {})


def _drift(n_significant=0, n_ks=0, after=0.75):
    return ConceptDrift((4, 9), 70, 64, n_significant, n_ks, 0.06, 0.94, after)


@pytest.mark.parametrize(
    ("drift", "outcome", "words"),
    [
        (_drift(), "concept drift", "**no shift**"),
        (_drift(n_significant=3), "input drift", "The inputs moved"),
        (_drift(n_ks=2), "input drift", "2 have a KS"),
        (_drift(after=0.935), "no change", "Nothing moved"),
    ],
)
def test_concept_drift_verdict_outcomes(drift, outcome, words):
    verdict = drift.verdict()
    assert verdict.outcome == outcome and words in verdict.text


def test_concept_drift_changes_labels_not_inputs(fixed):
    drift = mll.concept_drift(fixed, seed=0)
    a, b = drift.pair
    counts = np.bincount(fixed.y_serve, minlength=10)
    assert a != b and drift.relabelled == counts[a] + counts[b]
    assert drift.n_significant == 0 and drift.acc_after < drift.acc_before - 0.1
    assert drift.verdict().outcome == "concept drift" and "<table" in drift._repr_html_()
    assert mll.concept_drift(fixed, seed=0) == drift  # seeded
    with pytest.raises(mll.MLLError, match="fixed pipeline"):
        mll.concept_drift(mll.broken_pipeline(seed=0))


@pytest.mark.parametrize(
    ("check", "outcome", "words"),
    [
        (SkewCheck(1.0, 1.0, 64, 29, 0.94, 0.90), "hidden", "max-value check passes"),
        (SkewCheck(1.0, 0.06, 64, 60, 0.94, 0.10), "visible", "max-value check fails"),
        (SkewCheck(1.0, 1.0, 64, 0, 0.94, 0.94), "none", "No feature shifted"),
    ],
)
def test_skew_check_verdict_outcomes(check, outcome, words):
    verdict = check.verdict()
    assert verdict.outcome == outcome and words in verdict.text


def test_clipped_serving_keeps_the_maximum_but_moves_the_features(fixed):
    raw = np.array([[0.0, 6.0, 12.0, 16.0]])
    assert mll.clipped_serving_features(raw).tolist() == [[0.0, 0.5, 1.0, 1.0]]
    check = mll.subtle_skew(fixed)
    assert check.max_train == check.max_serve == 1.0
    assert check.n_significant > 10 and check.verdict().outcome == "hidden"
    assert "serving code" in check._repr_html_()
