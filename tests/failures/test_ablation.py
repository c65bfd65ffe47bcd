import pytest

import mlliteracy as mll
from mlliteracy.failures.ablation import Ablation, DuplicateShare


def _scores(serving: float, model: float) -> dict:
    row = lambda test, audit, users: {"test_acc": test, "audit_acc": audit, "serve_acc": users}  # noqa: E731
    return {
        "broken": row(0.75, 0.68, 0.07),
        "group split": row(0.72, 0.65, 0.10),
        "model change": row(0.97, 0.92, model),
        "serving fix": row(0.75, 0.68, serving),
        "all fixes": row(0.95, 0.94, 0.94),
    }


def test_ablation_verdict_names_the_serving_fix_when_it_is_biggest():
    table = Ablation.from_scores(_scores(serving=0.68, model=0.37))
    verdict = table.verdict()
    assert verdict.outcome == "serving fix" and table.biggest() == ["serving fix"]
    assert "**serving fix**" in verdict.text and "+0.610" in verdict.text
    assert "**model change** is worth the most (+0.240)" in verdict.text  # on audit accuracy
    assert table.frame["users_change"].round(3).tolist() == [0.0, 0.03, 0.3, 0.61, 0.87]


def test_ablation_verdict_names_another_fix_when_it_is_biggest():
    verdict = Ablation.from_scores(_scores(serving=0.30, model=0.90)).verdict()
    assert verdict.outcome == "model change"
    assert "worth the most to users is **model change**" in verdict.text


def test_ablation_verdict_calls_a_near_tie_a_tie():
    table = Ablation.from_scores(_scores(serving=0.68, model=0.67))
    assert table.verdict().outcome == "tie" and set(table.biggest()) == {
        "serving fix", "model change",
    }  # fmt: skip
    assert "about the same" in table.verdict().text


def test_ablation_table_renders_and_rejects_bad_scores():
    table = Ablation.from_scores(_scores(serving=0.68, model=0.37))
    assert "users vs broken" in repr(table) and "<table" in table._repr_html_()
    with pytest.raises(mll.MLLError, match="broken"):
        Ablation.from_scores({"serving fix": {}, "model change": {}, "x": {}})
    bad = _scores(0.5, 0.5)
    del bad["group split"]["audit_acc"]
    with pytest.raises(mll.MLLError, match="audit_acc"):
        Ablation.from_scores(bad)


def test_ablate_fixes_runs_every_row():
    table = mll.ablate_fixes(seed=0)
    names = ["broken", *mll.FIXES, "all fixes"]
    assert table.frame["pipeline"].tolist() == names
    serving = table.frame.set_index("pipeline").loc["serving fix"]
    assert serving.serve_acc == serving.audit_acc  # serving right: users get the audit accuracy
    assert table.verdict().outcome == "serving fix"


@pytest.mark.parametrize(
    ("with_dup", "without", "outcome", "words"),
    [
        ((0.03, 0.04, 0.02), (0.0, -0.01, 0.01), "all", "whole gap disappears"),
        ((0.06, 0.07, 0.05), (0.03, 0.04, 0.03), "part", "% of the gap disappears"),
        ((0.03, -0.02, 0.05), (0.04, 0.0, 0.01), "noise", "standard error"),
        ((0.0, -0.01, 0.01), (0.02, 0.0, 0.01), "no gap", "no gap"),
    ],
)
def test_duplicate_share_verdict_outcomes(with_dup, without, outcome, words):
    verdict = DuplicateShare(with_dup, without, 0.1).verdict()
    assert verdict.outcome == outcome and words in verdict.text


def test_duplicate_share_runs_and_checks_seeds():
    share = mll.duplicate_share(seed=0, seeds=2)
    assert len(share.gaps_with) == len(share.gaps_without) == 2
    assert "dup_fraction" in share._repr_html_() and "seeds=2" in repr(share)
    with pytest.raises(mll.MLLError, match="seeds"):
        mll.duplicate_share(seeds=1)


@pytest.mark.parametrize(
    ("fixes", "word"), [(["serving"], "serving"), (3, "fixes"), ("model change x", "unknown")]
)
def test_repaired_pipeline_rejects_unknown_fixes(fixes, word):
    with pytest.raises(mll.MLLError, match=word):
        mll.repaired_pipeline(fixes)


def test_repaired_pipeline_at_the_ends_is_broken_and_fixed():
    assert mll.repaired_pipeline(()).metrics == mll.broken_pipeline().metrics
    assert mll.repaired_pipeline(mll.FIXES).name == "fixed"
    one = mll.repaired_pipeline("serving fix")
    assert one.name == "serving fix" and one.planted["fixes"] == ("serving fix",)
