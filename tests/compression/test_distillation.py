"""Distillation: a tiny student learns digits, deterministically."""

from __future__ import annotations

import pytest

import mlliteracy as mll


@pytest.fixture(scope="module")
def data():
    return mll.load_digits()


def test_student_is_tiny():
    assert sum(p.numel() for p in mll.student_cnn().parameters()) == 2314


def test_distilled_student_learns_and_is_deterministic(data):
    teacher = mll.load_digits_cnn()
    a = mll.distill(teacher, data, epochs=8, seed=0)
    b = mll.distill(teacher, data, epochs=8, seed=0)
    assert a.test_accuracy == b.test_accuracy
    assert a.test_accuracy > 0.85  # chance is 0.10
    assert a.teacher_test_accuracy > a.test_accuracy - 0.2
    hard = mll.distill(None, data, alpha=0.0, epochs=8, seed=0)
    assert hard.test_accuracy > 0.85 and hard.label == "hard labels only"


def test_distill_rejects_bad_arguments(data):
    with pytest.raises(mll.MLLError, match="alpha"):
        mll.distill(None, data)  # a teacher is needed for soft targets
    with pytest.raises(mll.MLLError, match="temperature"):
        mll.distill(mll.load_digits_cnn(), data, temperature=0)
    with pytest.raises(mll.MLLError, match="dataset"):
        mll.distill(mll.load_digits_cnn(), [1, 2])


def _run(acc: float, alpha: float) -> mll.DistillRun:
    return mll.DistillRun(None, acc, acc, 2314, 4.0, alpha, 30, 0, 0.98 if alpha else None)


@pytest.mark.parametrize(
    ("kd", "hard", "outcome", "word"),
    [
        (0.9815, 0.9667, "helped", "helped"),
        (0.9667, 0.9741, "hurt", "hard labels"),
        (0.9704, 0.9667, "no difference", "no real difference"),
    ],
)
def test_compare_with_the_control_follows_the_numbers(kd, hard, outcome, word):
    verdict = _run(kd, 0.7).compare(_run(hard, 0.0), n_test=270)
    assert verdict.outcome == outcome
    assert word in verdict.text
    assert f"{100 * (kd - hard):+.2f} points" in verdict.text
    assert "one is 0.37 points" in verdict.text


def test_compare_needs_a_distill_run():
    with pytest.raises(mll.MLLError, match="control"):
        _run(0.9, 0.7).compare(0.9)
