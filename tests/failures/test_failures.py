import math

import numpy as np
import pytest

import mlliteracy as mll


@pytest.fixture(scope="module")
def broken():
    return mll.broken_pipeline(seed=0)


@pytest.fixture(scope="module")
def fixed():
    return mll.fixed_pipeline(seed=0)


# ------------------------------------------------------------------ diagnostics on known arrays


def test_split_overlap_counts_exact_and_near_copies():
    rng = np.random.default_rng(0)
    train = rng.normal(size=(200, 8))
    near = train[3:5] + 1e-3
    test = np.vstack([train[:3], near, rng.normal(size=(5, 8))])
    report = mll.split_overlap({"train": train, "test": test})
    assert (report.exact, report.near, report.ok) == (3, 2, False)
    assert report.to_frame()["rows_b"].tolist() == [10]
    assert mll.split_overlap({"train": train, "test": test[5:]}).ok


def test_duplicate_groups_join_copies():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4))
    X = np.vstack([X, X[7:8], X[9:10] + 1e-4])
    groups = mll.duplicate_groups(X)
    assert groups[50] == groups[7] and groups[51] == groups[9]
    assert len(np.unique(groups)) == 50


def test_duplicate_groups_follow_a_chain_of_near_copies():
    from mlliteracy.failures.diagnostics import _near_threshold

    rng = np.random.default_rng(2)
    base = rng.normal(size=(50, 4))
    step = 0.7 * _near_threshold(base, 0.2) * np.array([1.0, 0, 0, 0])
    a = base[5]
    X = np.vstack([base, a + 2 * step, a + step])  # row 50 = b, far from a; row 51 = c, between
    limit = _near_threshold(X, 0.2)
    dist = np.linalg.norm
    assert dist(X[50] - a) > limit and dist(X[51] - a) < limit and dist(X[51] - X[50]) < limit
    groups = mll.duplicate_groups(X)
    assert groups[5] == groups[50] == groups[51] == 5  # b is found through c, whatever the order
    assert len(np.unique(groups)) == 50


def test_psi_hand_computed_and_identical():
    ref = np.array([0.0] * 50 + [1.0] * 50)
    cur = np.array([0.0] * 25 + [1.0] * 75)
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert mll.psi(ref, cur, bins=2) == pytest.approx(expected)
    sample = np.random.default_rng(0).normal(size=500)
    assert mll.psi(sample, sample) == 0.0
    assert [mll.psi_level(v) for v in (0.05, 0.1, 0.2, 0.25, 3)] == [
        "little", "moderate", "moderate", "significant", "significant",
    ]  # fmt: skip


def test_compare_distributions_finds_the_shifted_feature_only():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(400, 3))
    cur = rng.normal(size=(400, 3))
    cur[:, 1] += 1.0
    report = mll.compare_distributions(ref, cur, features=["a", "b", "c"])
    assert report.top(1)["feature"].tolist() == ["b"]
    assert report.n_significant == 1 and "KS" in report._repr_html_()
    same = mll.compare_distributions(ref, ref)
    assert same.max_psi == 0.0 and same.n_significant == 0


# ------------------------------------------------------------------ planted faults


def test_overlap_finds_every_planted_copy_and_none_after_the_fix(broken, fixed):
    report = mll.split_overlap({"train": broken.X_train, "test": broken.X_test})
    assert report.exact > 0 and report.near > 0
    assert report.exact + report.near == broken.planted["test_rows_with_copy_in_train"]
    assert mll.split_overlap({"train": fixed.X_train, "test": fixed.X_test}).ok


def test_leaky_preprocessing_is_detected(broken, fixed):
    assert not mll.fitted_on_train_only(broken.preprocess, broken.X_train, broken.y_train)
    assert mll.fitted_on_train_only(fixed.preprocess, fixed.X_train, fixed.y_train)


def test_label_noise_estimate_near_planted_rate(broken, fixed):
    report = mll.label_noise_estimate(broken.X_train, broken.y_train, seed=0)
    assert abs(report.rate - broken.planted["noise_rate"]) < 0.05
    hits = set(report.flagged) & set(broken.planted["flipped"])
    assert len(hits) / len(report.flagged) > 0.8  # flagged rows really were flipped
    assert mll.label_noise_estimate(fixed.X_train, fixed.y_train, seed=0).rate < 0.05


def test_learning_curves_show_the_overfit(broken, fixed):
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    tree = mll.learning_curves(
        DecisionTreeClassifier(random_state=0), broken.X_train, broken.y_train,
        broken.X_test, broken.y_test, fractions=(0.5, 1.0),
    )  # fmt: skip
    assert tree.overfits() and tree.final_gap > 0.15
    assert tree.frame["n_train"].tolist() == [592, 1185]
    assert tree.plot()._repr_png_().startswith(b"\x89PNG")
    lr = mll.learning_curves(
        LogisticRegression(C=0.1, max_iter=2000), fixed.X_train, fixed.y_train,
        fixed.X_test, fixed.y_test, fractions=(0.5, 1.0),
    )  # fmt: skip
    assert not lr.overfits() and lr.meet() and lr.verdict().outcome == "meet"


def _curves(train, val, name="m"):
    import pandas as pd

    from mlliteracy.failures.diagnostics import LearningCurves

    frame = pd.DataFrame({"n_train": [100, 400], "train_score": train, "val_score": val})
    frame["gap"] = frame["train_score"] - frame["val_score"]
    return LearningCurves(frame, name)


@pytest.mark.parametrize(
    ("train", "val", "outcome", "words"),
    [
        ([1.0, 0.99], [0.6, 0.73], "apart", "overfitting"),
        ([0.9, 0.93], [0.8, 0.95], "meet", "**meet**"),
        ([0.8, 0.82], [0.85, 0.95], "below", "training below validation"),
    ],
)
def test_learning_curve_verdict_outcomes(train, val, outcome, words):
    curves = _curves(train, val)
    verdict = curves.verdict()
    assert verdict.outcome == outcome and words in verdict.text
    assert curves.meet() is (outcome == "meet")
    assert "at 400 training rows" in verdict.text


def test_explain_and_plot_several_curves():
    a, b = _curves([1.0, 0.99], [0.6, 0.73], "tree"), _curves([0.9, 0.93], [0.8, 0.95], "lr")
    verdict = mll.explain_learning_curves(a, b)
    assert verdict.outcome == "apart,meet" and verdict.text.startswith("- tree:")
    figure = mll.plot_learning_curves(a, b)
    assert figure.facts["models"] == ["tree", "lr"]
    assert figure._repr_png_().startswith(b"\x89PNG")
    with pytest.raises(mll.MLLError, match="learning_curves"):
        mll.plot_learning_curves()


def test_train_serve_skew_is_detected(broken, fixed):
    assert mll.compare_distributions(broken.X_train, broken.X_serve).n_significant > 10
    assert mll.compare_distributions(fixed.X_train, fixed.X_serve).n_significant == 0
    assert broken.metrics["serve_acc"] < broken.metrics["audit_acc"] - 0.3


def test_the_fix_is_measured(broken, fixed):
    assert broken.metrics["test_acc"] > broken.metrics["audit_acc"]  # copies inflate the test
    assert fixed.metrics["serve_acc"] == fixed.metrics["audit_acc"]
    assert fixed.metrics["serve_acc"] > broken.metrics["serve_acc"] + 0.5
    assert fixed.metrics["audit_acc"] > broken.metrics["audit_acc"]
    table = mll.compare_cases(broken, fixed)
    assert table["pipeline"].tolist() == ["broken", "fixed"]


def test_case_study_is_deterministic(broken):
    again = mll.broken_pipeline(seed=0)
    assert again.metrics == broken.metrics
    assert again.planted["flipped"] == broken.planted["flipped"]
    assert len(broken.planted["flipped"]) == round(0.15 * len(broken.y_train))
    assert "serve_acc" in repr(broken) and "<table" in broken._repr_html_()


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: mll.broken_pipeline(seed=-1), "seed"),
        (lambda: mll.fixed_pipeline(noise_rate=0.9), "noise_rate"),
        (lambda: mll.split_overlap({"train": np.ones((3, 2))}), "splits"),
        (lambda: mll.psi([1, 2], [1, 2], bins=1), "bins"),
        (lambda: mll.compare_distributions(np.ones((4, 2)), np.ones((4, 3))), "features"),
        (lambda: mll.label_noise_estimate(np.ones((4, 2)), [0, 1]), "y"),
        (lambda: mll.label_noise_estimate(np.ones((4, 2)), [0, 1, 0, 1], folds=3), "folds"),
        (lambda: mll.label_noise_estimate(np.ones((4, 2)), [0, 1, 0, 1], folds=1), "folds"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(mll.MLLError, match=argument):
        call()
