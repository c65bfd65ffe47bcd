"""Answer keys and instant feedback: hashing hides answers, checks judge the right way."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.errors import MLLError
from mlliteracy.grading.checks import contradictions, score_question, to_plain
from mlliteracy.grading.key import canon, compile_key, fairness, public, seal, unseal

KEY = {
    "name": "unit",
    "questions": {
        "q_kind": {
            "points": 3,
            "answer": "kind",
            "criteria": [
                {"name": "right kind", "equals": "hyperparameter", "hint": "H1", "hint2": "H2"},
                {"name": "secret", "equals": "hyperparameter", "hidden": True, "hint": "HID"},
            ],
            "probes": [{"name": "PROBE-NAME", "expr": "kind_of('PROBE-INPUT')"}],
        },
        "q_num": {
            "points": 2,
            "answer": "num",
            "criteria": [
                {"name": "a number", "type": "number"},
                {"name": "close", "equals": 0.516, "sig": 2},
            ],
            "probes": [{"rerun": {"x": "2"}, "sig": 2}],
        },
        "q_order": {
            "points": 1,
            "answer": "order",
            "criteria": [
                {"name": "data first", "path": 0, "one_of": ["data", "labels"]},
                {"name": "data before model", "before": ["data", "model"]},
            ],
            "probes": [{"expr": "order_of()"}],
        },
        "q_text": {
            "points": 2,
            "answer": "text",
            "review": "read it",
            "criteria": [
                {"name": "learned", "mentions": ["learned", "before training"]},
                {"name": "cites", "cites_variable": "total"},
                {"name": "long enough", "min_words": 5},
            ],
        },
    },
}


@pytest.fixture(autouse=True)
def registered():
    return mll.use_key(KEY)


def _decoded(sealed: str) -> str:
    return base64.b64decode(sealed.split(":", 1)[1]).decode()


def test_sealed_key_reveals_no_expected_value_and_no_hidden_check():
    text = _decoded(seal(compile_key(KEY)))
    secrets = ("hyperparameter", "0.516", "0.52", "labels", "before training", "HID")
    for secret in (*secrets, "PROBE", "probes", "rerun", "kind_of"):
        assert secret not in text
    assert "right kind" in text and "H1" in text  # names and hints are for learners
    assert unseal(seal(compile_key(KEY)))["questions"]["q_kind"]["hidden"] == 1


def test_compiling_is_deterministic_and_idempotent():
    once = compile_key(KEY)
    assert seal(once) == seal(compile_key(KEY))
    assert compile_key(once) == once
    assert len(public(once)["questions"]["q_kind"]["criteria"]) == 1


def test_key_info_lists_questions_and_points(registered):
    assert registered.max_score == 8
    assert [q[0] for q in registered.questions] == ["q_kind", "q_num", "q_order", "q_text"]
    assert "8 points" in repr(registered)


@pytest.mark.parametrize("answer", ["hyperparameter", "  Hyperparameter ", "HYPERPARAMETER."])
def test_equals_ignores_case_and_spacing(answer):
    result = mll.check("q_kind", answer)
    assert result.passed == 2 == len(result.criteria)


def test_notebook_checks_are_feedback_and_earn_no_points():
    result = mll.check("q_kind", "hyperparameter")
    assert result.score == 0 and not result.probed
    assert "worth 3 points when graded (on inputs you do not see)" in repr(result)
    assert "worth 1 point when" in repr(mll.check("q_order", ["data"]))


def test_failure_gives_hint_then_stronger_hint_never_the_answer():
    first = mll.check("q_kind", "weight")
    assert first.passed == 0 and first.hints == ("H1",)
    second = mll.check("q_kind", "architecture")
    assert second.hints == ("H1", "H2")
    for shown in (repr(second), second._repr_html_()):
        assert "hyperparameter" not in shown.lower() and "HID" not in shown
        assert "secret" not in shown  # hidden checks are not named
    assert mll.check("q_kind", "hyperparameter").passed == 2
    assert mll.check("q_kind", "weight").hints == ("H1",)  # counter reset after a pass


def test_placeholder_scores_zero_without_crashing():
    result = mll.check("q_num", ...)
    assert not result.answered and result.score == 0 and result.hints == ()
    assert "not answered yet" in repr(result)


@pytest.mark.parametrize(
    ("value", "close"),
    [(0.516, True), (0.5161, True), (np.float32(0.52), True), ("0.52", True), (0.53, False)],
)
def test_numbers_match_to_significant_digits(value, close):
    assert mll.check("q_num", value).criteria[1].passed is close


def test_a_wrong_answer_of_the_right_type_earns_nothing():
    result = mll.check("q_num", 0.9)
    assert [c.passed for c in result.criteria] == [True, False]  # "a number" still shown
    assert result.score == 0


def test_graded_points_need_probes_or_a_person():
    unfair = {
        "name": "unit",
        "questions": {"q": {"points": 2, "answer": "x", "criteria": [{"equals": 3}]}},
    }
    (problem,) = fairness(compile_key(unfair))
    assert "'q': points=2 but no probes: graded points come from hidden probes" in problem
    for fix in ({"points": 0}, {"review": "a person scores it"}, {"probes": [{"expr": "f(2)"}]}):
        fixed = {**unfair, "questions": {"q": {**unfair["questions"]["q"], **fix}}}
        assert fairness(compile_key(fixed)) == []
    assert fairness(compile_key({**unfair, "graded": False})) == []  # lessons: no points


@pytest.mark.parametrize(
    ("probe", "words"),
    [
        ("f(2)", "must be a list of dicts"),
        ([{"name": "p"}], "give 'expr'"),
        ([{"expr": "f(2"}], "'f(2' is not a Python expression"),
        ([{"rerun": {"1x": "2"}}], "must map variable names"),
        ([{"rerun": {"x": "import os"}}], "is not a Python expression"),
        ([{"expr": "x", "sig": 0}], "sig=0"),
        ([{"expr": "x", "values": [1]}], "unknown field(s) ['values']"),
    ],
)
def test_bad_probes_name_the_problem(probe, words):
    key = {"name": "u", "questions": {"q": {"points": 1, "answer": "x", "criteria": [{"equals": 3}],
                                            "probes": probe}}}  # fmt: skip
    with pytest.raises(MLLError) as info:
        compile_key(key)
    assert words in str(info.value)


def test_integers_match_whatever_their_type():
    assert canon(147840) == canon(147840.0) == canon(np.int64(147840).item())
    assert canon(147840) != canon(147841)


def test_order_checks_compare_positions():
    assert mll.check("q_order", ["data", "model", "tune"]).passed == 2
    assert mll.check("q_order", ["model", "data"]).passed == 0
    assert mll.check("q_order", ["labels", "model"]).passed == 1  # first ok, data missing
    assert mll.check("q_order", "data").criteria[0].passed is False


@pytest.mark.parametrize(
    ("text", "total", "cites"),
    [
        ("The model learned 22.7 million weights.", 22713216, True),
        ("The model learned 23 million weights in all.", 22713216, True),
        ("The model learned 21 million weights in all.", 22713216, False),
        ("The model learned 22,713,216 weights in all.", 22713216, True),
        ("It learned and costs $0.70 per 1,000 requests.", 0.7, True),
        ("It learned, 52% of it in the embedding table.", 0.516, True),
        ("It learned, 52% of it in the embedding table.", ..., False),
        # a negative value is quoted with its sign (an int8 file more accurate than fp32)
        ("It learned, and its accuracy drop is -2.5 points.", -2.5, True),
        ("It learned, and its accuracy drop is 2.5 points.", -2.5, False),
        ("It learned, and its accuracy drop is -2.5 points.", 2.5, False),
        ("It learned 0.489-0.633 of it.", 0.633, True),  # a range's dash is no sign
    ],
)
def test_text_must_quote_the_learners_own_number(text, total, cites):
    result = mll.check("q_text", text, variables={"total": total})
    assert result.criteria[1].passed is cites
    assert result.criteria[0].passed and result.review == "read it"


def test_check_reads_cited_variables_from_the_notebook(monkeypatch):
    import __main__

    monkeypatch.setattr(__main__, "total", 12, raising=False)
    assert mll.check("q_text", "weights are set before training: 12 of them").passed == 3


def test_text_mentions_are_whole_words():
    result = mll.check("q_text", "unlearned stuff is what we have here", variables={"total": 1})
    assert not result.criteria[0].passed


def test_to_plain_makes_json_values():
    plain = to_plain({"a": np.arange(3), "b": {1, 2}, "c": ..., "d": object(), 1: (1.5,)})
    assert plain == {
        "a": [0, 1, 2],
        "b": [1, 2],
        "c": {"__placeholder__": True},
        "d": {"__unsupported__": "object"},
        "1": [1.5],
    }
    json.dumps(plain, allow_nan=False)
    assert to_plain(float("nan")) == "nan"


def test_html_is_escaped():
    key = {
        "name": "x",
        "questions": {
            "q": {
                "points": 0,
                "answer": "a",
                "criteria": [{"name": "<script>alert(1)</script>", "equals": 1}],
            }
        },
    }
    mll.use_key(key)
    html = mll.check("q", 2)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_score_question_with_all_hints_lists_each_failed_criterion():
    q = compile_key(KEY)["questions"]["q_text"]
    result = score_question("unit", "q_text", q, "no", {"total": 3}, all_hints=True)
    assert result.score == 0 and len(result.criteria) == 3


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ([], "not a dict"),
        ({"name": "", "questions": {"q": {}}}, "name="),
        ({"name": "n", "questions": {"1bad": {}}}, "question id='1bad'"),
        (
            {"name": "n", "questions": {"q": {"points": -1, "answer": "a", "criteria": [{}]}}},
            "points=-1",
        ),
        (
            {"name": "n", "questions": {"q": {"points": 0, "answer": "a b", "criteria": [{}]}}},
            "answer='a b'",
        ),
        (
            {
                "name": "n",
                "questions": {
                    "q": {"points": 0, "answer": "a", "criteria": [{"equals": 1, "type": "number"}]}
                },
            },
            "exactly one of",
        ),
        (
            {
                "name": "n",
                "questions": {"q": {"points": 0, "answer": "a", "criteria": [{"type": "matrix"}]}},
            },
            "type='matrix'",
        ),
    ],
)
def test_bad_keys_name_the_problem(key, words):
    with pytest.raises(MLLError, match=None) as info:
        compile_key(key)
    assert words in str(info.value)


def test_unknown_question_says_what_is_known():
    with pytest.raises(MLLError, match="question='nope' is not in the answer key"):
        mll.check("nope", 1)


def test_damaged_sealed_key_is_a_clear_error():
    with pytest.raises(MLLError, match="not a sealed key"):
        mll.use_key("hello")


def test_lesson_key_is_ungraded_and_a_template_counts_as_unanswered():
    key = {
        "name": "lesson/x",
        "graded": False,
        "questions": {
            "kinds": {
                "answer": "kinds",
                "criteria": [
                    {"name": "lr", "path": "lr", "equals": "hyperparameter", "hint": "who sets it"}
                ],
            },
            "timing": {"answer": "ms", "criteria": [{"name": "plausible", "between": [0, 100]}]},
        },
    }
    info = mll.use_key(seal(compile_key(key)))
    assert "activities with instant feedback (not graded)" in repr(info)
    blank = mll.check("kinds", {"lr": ...})
    assert not blank.answered and "points" not in repr(blank) and not blank.hints
    assert repr(mll.check("kinds", {"lr": "hyperparameter"})).startswith("kinds: 1/1 checks passed")
    assert [mll.check("timing", v).passed for v in (5.0, 101, "5", True)] == [1, 0, 0, 0]


def test_between_needs_low_and_high():
    bad = {
        "name": "x",
        "questions": {"q": {"points": 0, "answer": "a", "criteria": [{"between": [2, 1]}]}},
    }
    with pytest.raises(MLLError, match=r"between=\[2, 1\] must be \[low, high\]"):
        compile_key(bad)


def test_zero_points_is_feedback_and_a_review_note_means_a_person_scores():
    question = {"points": 0, "answer": "a", "criteria": [{"name": "says x", "mentions": "x"}]}
    plain = compile_key({"name": "x", "questions": {"q": question}})["questions"]["q"]
    assert "feedback only, no points" in repr(score_question("x", "q", plain, "x", {}))
    with pytest.raises(MLLError, match="points=-1"):
        compile_key({"name": "x", "questions": {"q": {**question, "points": -1, "review": "r"}}})
    key = compile_key({"name": "x", "questions": {"q": {**question, "review": "read it"}}})
    result = score_question("x", "q", key["questions"]["q"], "it says x", {})
    assert result.passed == 1 and result.score == 0 and result.review
    assert "no automatic points: an instructor reads and scores" in repr(result)
    assert "no automatic points" in result._repr_html_()


def test_a_visible_check_more_lenient_than_a_hidden_one_is_reported():
    lenient = {"name": "u", "questions": {"q": {"points": 0, "answer": "x", "borderline": [0.9],
        "criteria": [{"name": "a share", "between": [0, 1]},
                     {"name": "exact", "equals": 0.516, "sig": 3, "hidden": True}]}}}  # fmt: skip
    (problem,) = contradictions(lenient)
    assert "'q': 0.9 passes every visible check but fails the hidden check 'exact'" in problem
    sig = {"name": "u", "questions": {"q": {"points": 0, "answer": "x",
        "criteria": [{"name": "close", "equals": 0.516, "sig": 2},
                     {"name": "closer", "equals": 0.5161, "sig": 4, "hidden": True}]}}}  # fmt: skip
    assert "0.516 passes every visible check" in contradictions(sig)[0]  # its own value fails
    assert contradictions(KEY) == []  # the hidden check repeats the visible one: fair
    assert "borderline" not in json.dumps(compile_key(lenient))  # never sealed
