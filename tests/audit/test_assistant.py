"""The demo FAQ assistant, its evaluation set and the threshold curve (real MiniLM, embedded once
per module: the knowledge base plus the 109 evaluation questions)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.errors import MLLError


@pytest.fixture(scope="module")
def bot():
    return mll.FAQAssistant(threshold=0.55)


@pytest.fixture(scope="module")
def curve(bot):
    return mll.threshold_curve(bot, thresholds=np.linspace(-1.0, 1.01, 81))


def _rigged_head(favour: str) -> mll.SentimentClassifier:
    classes = ("negative", "neutral", "positive")
    bias = np.array([1.0 if c == favour else 0.0 for c in classes], np.float32)
    return mll.SentimentClassifier(classes, np.zeros((3, 384), np.float32), bias)


def test_eval_set_covers_every_entry_with_new_wording():
    ev, faq = mll.load_faq_eval(), mll.load_faq()
    assert len(ev.in_scope) == 70 and len(ev.out_of_scope) == 39
    assert ev.to_dict()["out_of_scope_kinds"] == {"faq.json": 15, "near-miss": 14, "general": 10}
    per_entry = {e.id: 0 for e in faq.entries}
    for _, entry in ev.in_scope:
        per_entry[entry] += 1
    assert set(per_entry.values()) == {2}
    kb = {q.lower() for q in faq.questions}
    assert not kb & {q.lower() for q, _ in ev.in_scope}
    assert len(set(ev.questions)) == len(ev.questions) == 109
    assert list(ev.to_frame().columns) == ["question", "expected_id", "kind"]


def test_kb_question_is_answered_with_its_own_entry(bot):
    reply = bot.ask("How do I reset my password?")
    assert reply.entry_id == "faq-023" and not reply.handed_over
    assert reply.score == pytest.approx(1.0, abs=1e-4) and reply.answer.startswith("On the app")
    assert reply.sentiment is None and reply.urgent is False
    assert json.loads(json.dumps(reply.to_dict()))["entry_id"] == "faq-023"


def test_curve_rates_are_consistent_and_monotonic(curve):
    df = curve.to_frame()
    assert (np.diff(df.answer_rate) <= 0).all() and (np.diff(df.hallucination_rate) <= 0).all()
    assert np.allclose(df.correct_rate + df.wrong_rate, df.answer_rate, atol=2e-4)
    assert np.allclose(df.abstention_rate, 1 - df.answer_rate, atol=2e-4)
    assert curve.n_in == 70 and curve.n_out == 39 and 0.5 < curve.top1_accuracy < 1.0


def test_extreme_thresholds_answer_everything_or_nothing(bot, curve):
    assert curve.at(-1.0)["answer_rate"] == 1.0 and curve.at(-1.0)["hallucination_rate"] == 1.0
    assert curve.at(1.01)["answer_rate"] == 0.0 and curve.at(1.01)["hallucination_rate"] == 0.0
    assert curve.at(-1.0)["correct_rate"] == curve.top1_accuracy
    questions = ["What is the capital of Australia?", "How do I reset my password?"]
    assert not any(r.handed_over for r in bot.with_threshold(-1.0).ask_many(questions))
    assert all(r.handed_over for r in bot.with_threshold(1.01).ask_many(questions))


def test_best_threshold_respects_its_rule(curve):
    t = curve.best(max_wrong=0.05, max_hallucination=0.10)
    at = curve.at(t)
    assert at["wrong_rate"] <= 0.05 and at["hallucination_rate"] <= 0.10
    better = [r for r in curve.rows if r[3] <= 0.05 and r[4] <= 0.10 and r[2] > at["correct_rate"]]
    assert better == []
    assert curve.best(max_wrong=1.0, max_hallucination=1.0) <= t
    assert curve.best(max_wrong=0.0, max_hallucination=0.0) >= t
    with pytest.raises(MLLError, match="max_wrong"):
        curve.best(max_wrong=5)


def test_hands_over_out_of_scope_at_the_chosen_threshold(bot, curve):
    chosen = bot.with_threshold(curve.best())
    general = [q for q, k in zip(*_oos(), strict=True) if k == "general"]
    replies = chosen.ask_many([*general, "What is the capital of Australia?"])
    assert all(r.handed_over and r.answer is None and r.entry_id is None for r in replies)


def _oos():
    ev = mll.load_faq_eval()
    return ev.out_of_scope, ev.out_of_scope_kind


def test_log_has_one_json_line_per_request(bot, tmp_path):
    log = tmp_path / "logs" / "requests.jsonl"
    logged = mll.FAQAssistant(threshold=0.55, log_path=log, triage=_rigged_head("negative"))
    questions = ["How do I reset my password?", "What is the capital of Australia?"]
    logged.ask_many(questions)
    logged.with_threshold(0.9).ask("Do you sell my data?")
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [x["request_id"] for x in lines] == [1, 2, 3]
    assert lines[0]["question_sha256"] == hashlib.sha256(questions[0].encode()).hexdigest()
    assert lines[1]["handed_over"] is True and lines[1]["entry_id"] is None
    assert lines[2]["models"]["threshold"] == 0.9 and lines[0]["models"]["threshold"] == 0.55
    assert all(x["urgent"] and x["sentiment"] == "negative" for x in lines)
    versions = lines[0]["models"]
    assert versions["kb_sha256"] == mll.load_faq().notes["file_sha256"]
    assert len(versions["encoder_sha256"]) == 64 and len(versions["triage_sha256"]) == 64
    assert set(lines[0]) == {
        "request_id",
        "question_sha256",
        "question",
        "entry_id",
        "score",
        "handed_over",
        "sentiment",
        "urgent",
        "models",
    }  # no wall clock


def test_log_numbering_continues_and_redaction_hides_pii(tmp_path):
    log = tmp_path / "requests.jsonl"
    log.write_text('{"request_id": 1}\n{"request_id": 2}\n')
    bot = mll.FAQAssistant(log_path=log, redact_log=True, triage=_rigged_head("positive"))
    reply = bot.ask("My email is ann@example.com, please reset my password")
    assert reply.urgent is False and reply.sentiment == "positive"
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["request_id"] == 3 and "ann@example.com" not in log.read_text()
    assert last["question"] == "My email is [EMAIL], please reset my password"


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(MLLError, match="threshold"):
        mll.FAQAssistant(threshold="high")
    with pytest.raises(MLLError, match="triage"):
        mll.FAQAssistant(triage="yes")
    with pytest.raises(MLLError, match="FAQAssistant"):
        mll.threshold_curve("bot")
    with pytest.raises(MLLError, match="match"):
        mll.FAQAssistant(match="answer")


def test_measurements_accept_a_sentiment_head():
    head = mll.SentimentClassifier(
        ("negative", "neutral", "positive"),
        np.zeros((3, 384), np.float32),
        np.array([0.5, 0.0, 0.0], np.float32),
        notes={"seed": 0, "n_train": 20},
    )
    terms, templates = ("gay", "straight"), ("I am a {term} person.", "I love {term} people.")
    bias = mll.identity_bias(head, terms=terms, templates=templates, n_boot=100)
    assert bias.target == "P(negative)" and bias.flagged == () and bias.max_gap == 0.0
    rob = mll.perturbation_test(head, ["great flight", "lost my bag"], kinds=("identity", "typo"))
    assert rob.flip_rates == {"identity": 0.0, "typo": 0.0}
    mi = mll.sentiment_membership(head, n=10, seed=0)  # a constant head cannot leak
    assert (mi.n_members, mi.n_nonmembers) == (10, 10) and mi.label.startswith("sentiment head")
    with pytest.raises(MLLError, match="train_sentiment"):
        mll.sentiment_membership(_rigged_head("negative"))
    with pytest.raises(MLLError, match="target"):
        mll.identity_bias(head, target="angry")
