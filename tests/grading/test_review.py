"""Reviewing flagged answers by hand: records applied, resumable, atomic, bounded, invalidated."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from mlliteracy import cli
from mlliteracy._core.errors import MLLError
from mlliteracy.commands.review import ReviewServer
from mlliteracy.grading.grade import grade_submissions
from mlliteracy.grading.gradebook import feedback_page, read_gradebook, write_gradebook
from mlliteracy.grading.review import (
    SECTION_TITLE,
    ReviewBook,
    ReviewRecord,
    answer_cells,
    apply_reviews,
    read_records,
    review_section,
    sidecar_path,
    with_review_section,
)
from mlliteracy.grading.submissions import sha256_of

GOLDEN = Path(__file__).parents[1] / "golden" / "assign" / "solutions" / "demo.ipynb.json"
PLANTED = "<script>alert('x')</script> thanks"


def _row(sub: Path, **extra) -> dict:
    row = {
        "submission": f"subs/{sub.name}",
        "status": "graded",
        "score": 3,
        "max_score": 3,
        "q_sum": 2,
        "q_text": 1,
        "needs_review": "q_text",
        "reason": "",
        "exercise": "demo",
        "sha256": sha256_of(sub),
        "key_sha256": "k1",
    }
    return {**row, **extra}


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A checkout with the demo solution, two submissions, a gradebook and feedback pages."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "demo.ipynb").write_bytes(GOLDEN.read_bytes())
    (tmp_path / "subs").mkdir()
    nb = json.loads(GOLDEN.read_text())
    for name in ("alice", "bob"):
        learner = json.loads(json.dumps(nb))
        cell = next(c for c in learner["cells"] if 'check("q_text"' in "".join(c["source"]))
        cell["source"] = f'note = "{PLANTED} from {name}"\nmll.check("q_text", note)'
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "<b>ok</b>\n"}]
        (tmp_path / "subs" / f"{name}.ipynb").write_text(json.dumps(learner))
    rows = [_row(tmp_path / "subs" / f"{n}.ipynb") for n in ("alice", "bob")]
    write_gradebook("gradebook.csv", rows)
    (tmp_path / "fb").mkdir()
    for row in rows:
        name = Path(row["submission"]).stem
        (tmp_path / "fb" / f"subs_{name}.ipynb.html").write_text(
            feedback_page(row["submission"], row, [], [])
        )
    return tmp_path


def _book(course: Path) -> ReviewBook:
    return ReviewBook(course / "gradebook.csv", feedback=course / "fb", root=course)


def test_items_show_rubric_prompt_and_the_learners_cell_without_running_it(course):
    book = _book(course)
    assert [(i.submission, i.question, i.max_points) for i in book.items] == [
        ("subs/alice.ipynb", "q_text", 1.0),
        ("subs/bob.ipynb", "q_text", 1.0),
    ]
    item = book.items[0]
    assert item.rubric == "Is it polite?" and "Add up `numbers`" in item.prompt
    assert PLANTED in item.answer[0].source and item.answer[0].output == "<b>ok</b>"
    assert 'mll.check("q_text", note)' in item.solution and item.note == ""
    assert not item.reviewed and book.first_unreviewed() == 0
    assert "0 of 2 flagged answers reviewed" in repr(book)


def test_a_saved_review_lands_in_gradebook_sidecar_and_feedback(course):
    book = _book(course)
    record = book.save("subs/alice.ipynb", "q_text", 0.5, "Polite, <i>but</i> terse.")
    assert record == ReviewRecord(
        "subs/alice.ipynb", book.items[0].sha256, "q_text", 0.5, 1.0, "Polite, <i>but</i> terse."
    )
    alice, bob = read_gradebook(course / "gradebook.csv")
    assert (alice["q_text"], alice["score"], alice["needs_review"]) == ("0.5", "2.5", "")
    assert (bob["q_text"], bob["score"], bob["needs_review"]) == ("1", "3", "q_text")
    assert read_records(sidecar_path(course / "gradebook.csv")) == [record]
    page = (course / "fb" / "subs_alice.ipynb.html").read_text()
    assert SECTION_TITLE in page and "2.5</b> / 3" in page
    assert "Polite, &lt;i&gt;but&lt;/i&gt; terse." in page and "<i>but" not in page
    assert page.index(SECTION_TITLE) < page.index("</body>")
    assert SECTION_TITLE not in (course / "fb" / "subs_bob.ipynb.html").read_text()


def test_applying_twice_changes_nothing(course):
    _book(course).save("subs/alice.ipynb", "q_text", 0, "no thanks said")
    before = (
        (course / "gradebook.csv").read_bytes(),
        (course / "fb").joinpath("subs_alice.ipynb.html").read_bytes(),
    )
    assert apply_reviews(course / "gradebook.csv", feedback=course / "fb", root=course) == 1
    after = (
        (course / "gradebook.csv").read_bytes(),
        (course / "fb").joinpath("subs_alice.ipynb.html").read_bytes(),
    )
    assert before == after
    assert read_gradebook(course / "gradebook.csv")[0]["score"] == "2"


def test_reopening_resumes_at_the_first_unreviewed_answer(course):
    _book(course).save("subs/alice.ipynb", "q_text", 1, "")
    again = _book(course)
    assert [i.reviewed for i in again.items] == [True, False]
    assert again.first_unreviewed() == 1
    again.save("subs/bob.ipynb", "q_text", 0.25)
    assert _book(course).first_unreviewed() is None


@pytest.mark.parametrize("points", [-0.5, 1.01, "abc", "nan", "inf", "", None])
def test_points_out_of_range_are_refused_and_nothing_is_written(course, points):
    before = (course / "gradebook.csv").read_bytes()
    with pytest.raises(MLLError, match=r"out of range; give a number from 0 to 1$"):
        _book(course).save("subs/alice.ipynb", "q_text", points, "x")
    assert (course / "gradebook.csv").read_bytes() == before
    assert not sidecar_path(course / "gradebook.csv").exists()


def test_a_question_not_flagged_is_refused(course):
    with pytest.raises(MLLError, match=r"q_sum.*is not flagged for review"):
        _book(course).save("subs/alice.ipynb", "q_sum", 1)


def test_a_failed_write_leaves_the_old_files(course, monkeypatch):
    book = _book(course)
    book.save("subs/alice.ipynb", "q_text", 1, "first")
    sidecar = sidecar_path(course / "gradebook.csv")
    before = sidecar.read_bytes(), (course / "gradebook.csv").read_bytes()

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        book.save("subs/bob.ipynb", "q_text", 0, "second")
    monkeypatch.undo()
    assert (sidecar.read_bytes(), (course / "gradebook.csv").read_bytes()) == before
    assert not [p for p in course.iterdir() if p.name.endswith(".tmp")]


def test_regrading_the_same_file_keeps_the_review(course):
    _book(course).save("subs/alice.ipynb", "q_text", 0.5, "kept")
    rows = [_row(course / "subs" / f"{n}.ipynb") for n in ("alice", "bob")]
    write_gradebook(course / "gradebook.csv", rows)  # `grade --force` rewrote every row
    row = rows[0]
    (course / "fb" / "subs_alice.ipynb.html").write_text(feedback_page(row["submission"], row, []))
    book = _book(course)  # opening re-applies the sidecar
    alice = read_gradebook(course / "gradebook.csv")[0]
    assert (alice["q_text"], alice["score"], alice["needs_review"]) == ("0.5", "2.5", "")
    assert "kept" in (course / "fb" / "subs_alice.ipynb.html").read_text()
    assert book.first_unreviewed() == 1


def test_a_changed_submission_is_reviewed_again(course):
    _book(course).save("subs/alice.ipynb", "q_text", 0.5, "old answer")
    sub = course / "subs" / "alice.ipynb"
    sub.write_text(sub.read_text().replace("from alice", "from alice, rewritten"))
    rows = [_row(course / "subs" / f"{n}.ipynb") for n in ("alice", "bob")]  # re-graded
    write_gradebook(course / "gradebook.csv", rows)
    book = _book(course)
    alice = read_gradebook(course / "gradebook.csv")[0]
    assert (alice["q_text"], alice["score"], alice["needs_review"]) == ("1", "3", "q_text")
    assert book.first_unreviewed() == 0 and not book.items[0].reviewed
    assert len(read_records(book.sidecar)) == 1  # kept, but no longer applied
    assert book.valid_records() == {}


def test_a_file_changed_since_grading_is_noted(course):
    sub = course / "subs" / "bob.ipynb"
    sub.write_text(sub.read_text() + " ")
    assert "changed since it was graded" in _book(course).items[1].note


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "is missing or unreadable"),
        (lambda p: p.write_text("a,b\n1,2\n"), "lacks the column"),
        (lambda p: p.mkdir(), "is missing or unreadable"),
    ],
)
def test_a_bad_gradebook_is_one_line_error(tmp_path, setup, message):
    path = tmp_path / "gradebook.csv"
    setup(path)
    with pytest.raises(MLLError, match=message) as err:
        ReviewBook(path)
    assert "\n" not in str(err.value) and "gradebook=" in str(err.value)


def test_an_unreadable_sidecar_or_missing_solution_is_one_line_error(course):
    sidecar_path(course / "gradebook.csv").write_text("{broken")
    with pytest.raises(MLLError, match=r"review file=.*is unreadable"):
        _book(course)
    sidecar_path(course / "gradebook.csv").unlink()
    with pytest.raises(MLLError, match="no readable solution notebook"):
        ReviewBook(course / "gradebook.csv", root=course / "elsewhere")


def test_the_command_line_reports_bad_input_in_one_line(course, capsys):
    assert cli.main(["review", "missing.csv"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mlliteracy review: error: gradebook=" in err
    assert cli.main(["review", "gradebook.csv", "--feedback", "fb", "--apply"]) == 0
    assert "0 of 2 flagged answers reviewed" in capsys.readouterr().out


def test_answer_cells_fall_back_to_the_cell_assigning_the_answer():
    nb = {
        "cells": [
            {"cell_type": "code", "source": "x = 1"},
            {"cell_type": "code", "source": "note: str = 'hi'"},
        ]
    }
    assert [c.source for c in answer_cells(nb, "q_text", "note")] == ["note: str = 'hi'"]
    assert answer_cells(nb, "q_text", "missing") == ()


def test_the_review_section_is_replaced_not_repeated():
    row = {"score": "1", "max_score": "2"}
    record = ReviewRecord("a", "s", "q", 1, 2, "good")
    page = "<html><body><p>x</p></body></html>"
    once = with_review_section(page, review_section(row, [record]))
    twice = with_review_section(once, review_section(row, [record]))
    assert once == twice and once.count(SECTION_TITLE) == 1
    assert with_review_section(once, review_section(row, [])) == page


def _request(url: str, data: dict | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, data=body, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_the_page_needs_its_token_escapes_answers_and_saves(course):
    with ReviewServer(_book(course)).start() as server:
        base = server.url.split("?")[0]
        assert _request(base)[0] == 403
        status, page = _request(server.url)
        assert status == 200 and "subs/alice.ipynb: q_text" in page
        assert PLANTED not in page and "&lt;script&gt;" in page and "<b>ok</b>" not in page
        form = {
            "token": server.token,
            "submission": "subs/alice.ipynb",
            "question": "q_text",
            "sha256": server.book.items[0].sha256,
        }
        status, page = _request(f"{base}save", {**form, "points": "7", "comment": "c"})
        assert status == 400 and "out of range; give a number from 0 to 1" in page
        status, page = _request(f"{base}save", {**form, "points": "0.75", "comment": "c"})
        assert status == 200 and "subs/bob.ipynb: q_text" in page  # redirected to the next
        assert "1 of 2 flagged answers reviewed" in page
        assert threading.active_count() >= 2
    assert read_gradebook(course / "gradebook.csv")[0]["q_text"] == "0.75"


def test_a_review_survives_a_forced_regrade_of_the_demo(tmp_path, monkeypatch):
    """Through the real grader: its gradebook and feedback page take the review, and after
    `grade --force` re-ran it, the grader puts the review back into both."""
    monkeypatch.chdir(tmp_path)
    solution = tmp_path / "demo.ipynb"
    solution.write_bytes(GOLDEN.read_bytes())
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "alice.ipynb").write_bytes(GOLDEN.read_bytes())
    limits = {"solution": solution, "feedback": "fb", "timeout": 120, "progress": False}
    grade_submissions(["subs"], "gradebook.csv", **limits)
    book = ReviewBook("gradebook.csv", feedback="fb", solution=solution)
    assert [(i.submission, i.question) for i in book.items] == [("subs/alice.ipynb", "q_text")]
    book.save("subs/alice.ipynb", "q_text", 1, "polite and exact")
    expected = read_gradebook("gradebook.csv")
    assert expected[0]["needs_review"] == "" and expected[0]["q_text"] == "1"
    grade_submissions(["subs"], "gradebook.csv", force=True, **limits)
    assert read_gradebook("gradebook.csv") == expected  # the grader re-applied the review
    assert apply_reviews("gradebook.csv", feedback="fb", solution=solution) == 1  # idempotent
    assert read_gradebook("gradebook.csv") == expected
    pages = list(Path("fb").glob("*.html"))
    assert len(pages) == 1 and "polite and exact" in pages[0].read_text()
