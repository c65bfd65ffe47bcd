import pandas as pd
import pytest

import mlliteracy as mll


def _table(ours, theirs):
    rows = [
        {"method": "ours", "flagged": ours[0], "precision": ours[1], "recall": ours[2]},
        {"method": "cleanlab", "flagged": theirs[0], "precision": theirs[1], "recall": theirs[2]},
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("ours", "theirs", "outcome", "words"),
    [
        ((152, 0.95, 0.82), (179, 0.90, 0.91), "trade-off", "**cleanlab's default** finds more"),
        ((179, 0.90, 0.91), (152, 0.95, 0.82), "trade-off", "**our rule** finds more"),
        ((152, 0.90, 0.80), (160, 0.95, 0.85), "cleanlab better", "at least as good"),
        ((160, 0.95, 0.85), (152, 0.90, 0.80), "ours better", "**our rule** is at least"),
        ((152, 0.95, 0.82), (152, 0.95, 0.82), "same", "same flips"),
    ],
)
def test_explain_label_issues_outcomes(ours, theirs, outcome, words):
    verdict = mll.explain_label_issues(_table(ours, theirs))
    assert verdict.outcome == outcome and words in verdict.text


def test_compare_label_issues_on_planted_flips():
    case = mll.broken_pipeline(seed=0)
    noise = mll.label_noise_estimate(case.X_train, case.y_train, folds=3, seed=0)
    table = mll.compare_label_issues(noise, case.y_train, case.planted["flipped"])
    assert table.columns.tolist() == [
        "method", "flagged", "real_flips_found", "precision", "recall",
    ]  # fmt: skip
    assert len(table) == 3 and table["flagged"].iloc[0] == len(noise.flagged)
    # cleanlab's confident_learning filter is the same rule as ours, on the same probabilities
    assert table["flagged"].iloc[2] == table["flagged"].iloc[0]
    assert (table["precision"] > 0.8).all() and (table["recall"] > 0.6).all()


def test_compare_label_issues_rejects_bad_input():
    case = mll.broken_pipeline(seed=0)
    with pytest.raises(mll.MLLError, match="report"):
        mll.compare_label_issues("noise", case.y_train, [])
    noise = mll.label_noise_estimate(case.X_train, case.y_train, folds=2, seed=0)
    with pytest.raises(mll.MLLError, match="labels"):
        mll.compare_label_issues(noise, case.y_train[:10], [])
    with pytest.raises(mll.MLLError, match="table"):
        mll.explain_label_issues(pd.DataFrame())
