"""Review flagged answers by hand: points and a comment per (submission, question).

The sidecar ``gradebook.review.json`` (atomic writes) is the source of truth, keyed by
submission, question and content hash: a changed submission is reviewed again. Opening a
:class:`ReviewBook` applies every valid record to the gradebook (points, score, ``needs_review``)
and the feedback page ("Reviewed by your instructor"); applying twice changes nothing.

Example:
    >>> book = ReviewBook("gradebook.csv", feedback="feedback/")
    >>> book.save(book.items[0].submission, book.items[0].question, 2, "clear and complete")
"""

from __future__ import annotations

import csv
import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError, first_line
from .._core.files import write_atomic, write_json_atomic
from .assign import read_key
from .gradebook import FIRST_COLUMNS, LAST_COLUMNS, read_gradebook, write_gradebook
from .submissions import AnswerCell, answer_cells, cell_source, check_call, sha256_of

SIDECAR_FORMAT = "mll-review-v1"
SIDECAR_SUFFIX = ".review.json"
BEGIN_SECTION, END_SECTION = "<!-- mll-review -->", "<!-- /mll-review -->"
SECTION_TITLE = "Reviewed by your instructor"
MAX_COMMENT = 5000
FIX_GRADEBOOK = "pass the CSV written by `mlliteracy grade --out`"
_H1 = re.compile(r"<h1>Feedback: (.*?)</h1>", re.S)


@dataclass(frozen=True)
class ReviewRecord:
    """One answer scored by hand."""

    submission: str
    """The gradebook's ``submission``."""
    sha256: str
    """The submission's content hash when it was reviewed (a changed file is reviewed again)."""
    question: str
    """The question id."""
    points: float
    """Points given, from 0 to ``max_points``."""
    max_points: float
    """The question's points in the key when it was reviewed."""
    comment: str = ""
    """The reviewer's comment, shown to the learner on their feedback page."""

    def __repr__(self) -> str:
        return f"{self.submission} {self.question}: {self.points:g}/{self.max_points:g}"


@dataclass(frozen=True)
class ReviewItem:
    """One flagged answer to review, with what the reviewer needs to score it."""

    submission: str
    sha256: str
    exercise: str
    question: str
    max_points: float
    """The question's points in the key: the most a reviewer can give."""
    auto_points: str
    """The points the grader gave automatically (the gradebook's value before review)."""
    rubric: str
    """The key's ``review`` note: what to look for."""
    prompt: str
    """The markdown cell before the question's check cell in the solution."""
    solution: str
    """The source of the solution's cell that checks the question (the model answer)."""
    answer: tuple[AnswerCell, ...]
    """The learner's cells that check (or else assign) the answer; never executed here."""
    note: str
    """A warning for the reviewer (file missing or changed since grading), else ``""``."""
    record: ReviewRecord | None
    """The review saved for this answer, if any."""

    @property
    def reviewed(self) -> bool:
        return self.record is not None

    def __repr__(self) -> str:
        done = f"reviewed {self.record.points:g}" if self.record else "to review"
        return f"{self.submission} {self.question} (max {self.max_points:g}): {done}"


def sidecar_path(gradebook: str | Path) -> Path:
    """``gradebook.csv`` -> ``gradebook.review.json`` (same folder)."""
    path = Path(gradebook)
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_records(path: str | Path) -> list[ReviewRecord]:
    """The records of a sidecar (none when it does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != SIDECAR_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {SIDECAR_FORMAT!r}")
        return [ReviewRecord(**r) for r in data["reviews"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        raise MLLError(
            f"review file={str(path)!r} is unreadable ({first_line(err)}); "
            "restore it from a backup or move it away to start the review again"
        ) from err


def write_records(path: str | Path, records: Sequence[ReviewRecord]) -> None:
    """Write the sidecar atomically, records sorted by submission and question."""
    rows = sorted((asdict(r) for r in records), key=lambda r: (r["submission"], r["question"]))
    write_json_atomic(path, {"format": SIDECAR_FORMAT, "reviews": rows})


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


@dataclass(frozen=True)
class _Question:
    points: float
    answer: str
    rubric: str
    prompt: str
    solution: str


def _questions(nb: Mapping[str, Any], where: str) -> dict[str, _Question]:
    spec = read_key(dict(nb), where)
    if spec is None:
        raise MLLError(f"solution={where!r} has no ### BEGIN ANSWER KEY region; pass --solution")
    cells = nb.get("cells", [])
    out = {}
    for qid, q in spec.get("questions", {}).items():
        at = next((i for i, c in enumerate(cells) if check_call(qid).search(cell_source(c))), None)
        before = cells[:at] if at is not None else []
        prompt = next(
            (cell_source(c) for c in reversed(before) if c.get("cell_type") == "markdown"), ""
        )
        solution = cell_source(cells[at]) if at is not None else ""
        out[qid] = _Question(
            float(q.get("points", 0)), str(q.get("answer", "")), str(q.get("review", "")),
            prompt, solution,
        )  # fmt: skip
    return out


class ReviewBook:
    """The review of one gradebook: flagged answers, saved records, and applying them.

    Args:
        gradebook: the CSV written by ``mlliteracy grade``.
        feedback: the folder of feedback pages (``--feedback`` of the grade run), if any.
        root: the checkout whose ``solutions/<exercise>.ipynb`` hold the keys.
        solution: one solution notebook for every row instead (``grade --solution``).

    Opening it applies the sidecar's valid records to the gradebook and feedback pages.
    """

    def __init__(
        self,
        gradebook: str | Path,
        *,
        feedback: str | Path | None = None,
        root: str | Path = ".",
        solution: str | Path | None = None,
    ):
        self.path = Path(gradebook)
        self.sidecar = sidecar_path(self.path)
        self.feedback = Path(feedback) if feedback else None
        if self.feedback is not None and not self.feedback.is_dir():
            raise MLLError(f"feedback={str(feedback)!r} is not a folder; pass the --feedback DIR")
        self.root, self.solution = Path(root), solution
        self._keys: dict[str, dict[str, _Question]] = {}
        self._pages: dict[str, Path] | None = None
        self._notebooks: dict[str, tuple[Path | None, dict[str, Any], str]] = {}
        self.rows = self._read()
        self.records = read_records(self.sidecar)
        for exercise in dict.fromkeys(r["exercise"] for r in self.rows if r.get("needs_review")):
            self.key(exercise)  # every flagged row's key, read up front: errors before the page
        self.apply()

    # ------------------------------------------------------------------ reading
    def _read(self) -> list[dict[str, str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            why = f"is missing or unreadable ({first_line(err)})"
            raise MLLError(f"gradebook={str(self.path)!r} {why}; {FIX_GRADEBOOK}") from err
        header = next(csv.reader(text.splitlines()), [])
        missing = [c for c in (*FIRST_COLUMNS, *LAST_COLUMNS) if c not in header]
        if missing:
            why = f"lacks the column(s) {missing}"
            raise MLLError(f"gradebook={str(self.path)!r} {why}; {FIX_GRADEBOOK}")
        return read_gradebook(self.path)

    def key(self, exercise: str) -> dict[str, _Question]:
        """The questions of an exercise's key (points, answer variable, rubric, prompt)."""
        if exercise not in self._keys:
            if self.solution is not None:
                path = Path(self.solution)
            elif re.fullmatch(r"[\w./-]+", exercise) and ".." not in exercise:
                path = self.root / "solutions" / f"{exercise}.ipynb"
            else:
                raise MLLError(f"exercise={exercise!r} is not a valid name; pass --solution")
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise MLLError(
                    f"no readable solution notebook at {str(path)!r} ({first_line(err)}); "
                    "pass --root (the checkout with solutions/) or --solution"
                ) from err
            self._keys[exercise] = _questions(nb, str(path))
        return self._keys[exercise]

    def _valid(self, record: ReviewRecord, row: Mapping[str, str] | None) -> bool:
        if row is None or row.get("sha256") != record.sha256 or row.get("status") != "graded":
            return False
        q = self.key(row.get("exercise", "")).get(record.question)
        return q is not None and record.points <= q.points and record.question in row

    def valid_records(self) -> dict[tuple[str, str], ReviewRecord]:
        """Records that still apply: same content hash, question still in the key."""
        rows = {r["submission"]: r for r in self.rows}
        ok = [r for r in self.records if self._valid(r, rows.get(r.submission))]
        return {(r.submission, r.question): r for r in ok}

    @property
    def items(self) -> list[ReviewItem]:
        """Every flagged or reviewed answer, in gradebook order then question order."""
        valid = self.valid_records()
        out = []
        for row in self.rows:
            sub = row["submission"]
            flagged = (row.get("needs_review") or "").split()
            done = [q for (s, q) in valid if s == sub]
            qids = [q for q in row if q in set(flagged) | set(done)]
            if qids:
                out += [self._item(row, qid, valid.get((sub, qid))) for qid in qids]
        return out

    def first_unreviewed(self) -> int | None:
        """Index in :attr:`items` of the first answer not reviewed yet (``None``: all done)."""
        return next((i for i, item in enumerate(self.items) if not item.reviewed), None)

    def _notebook(self, submission: str) -> tuple[Path | None, dict[str, Any], str]:
        """(path, notebook, content hash) of a submission, read once; never executed."""
        if submission not in self._notebooks:
            path = Path(submission)
            found: tuple[Path | None, dict[str, Any], str] = (None, {}, "")
            for p in [path] if path.is_absolute() else [path, self.path.parent / path]:
                try:
                    found = (p, json.loads(p.read_text(encoding="utf-8")), sha256_of(p))
                    break
                except (OSError, ValueError, UnicodeDecodeError):
                    continue
            self._notebooks[submission] = found
        return self._notebooks[submission]

    def _item(self, row: Mapping[str, str], qid: str, record: ReviewRecord | None) -> ReviewItem:
        q = self.key(row.get("exercise", ""))[qid]
        path, nb, sha = self._notebook(row["submission"])
        note = ""
        if path is None:
            note = "the submission notebook was not found (run review where you ran grade)"
        elif sha != row.get("sha256"):
            note = "the file changed since it was graded: re-grade it before reviewing"
        return ReviewItem(
            row["submission"], row.get("sha256", ""), row.get("exercise", ""), qid, q.points,
            row.get(qid, ""), q.rubric, q.prompt, q.solution,
            answer_cells(nb, qid, q.answer), note, record,
        )  # fmt: skip

    # ------------------------------------------------------------------ saving
    def save(self, submission: str, question: str, points: Any, comment: str = "") -> ReviewRecord:
        """Record points and a comment for one flagged answer, then apply it everywhere.

        Raises:
            MLLError: the answer is not flagged, or ``points`` is not a number in [0, max].
        """
        item = next(
            (i for i in self.items if (i.submission, i.question) == (submission, question)), None
        )
        if item is None:
            raise MLLError(
                f"question={question!r} of submission={submission!r} is not flagged for review; "
                "pick one from the list of flagged answers"
            )
        try:
            value = float(points)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or not 0 <= value <= item.max_points:
            raise MLLError(
                f"points={points!r} for {question} of {submission} is out of range; "
                f"give a number from 0 to {item.max_points:g}"
            )
        comment = str(comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise MLLError(
                f"comment of {len(comment)} characters is too long; keep it under {MAX_COMMENT}"
            )
        record = ReviewRecord(
            submission, item.sha256, question, round(value, 2), item.max_points, comment
        )
        keep = [r for r in self.records if (r.submission, r.question) != (submission, question)]
        self.records = [*keep, record]
        write_records(self.sidecar, self.records)
        self.apply(only=submission)
        return record

    def apply(self, only: str | None = None) -> int:
        """Apply every valid record to the gradebook and feedback pages; returns how many apply.

        Idempotent: the question's column becomes the reviewed points, the score moves by the
        difference, the question leaves ``needs_review``. ``only``: one submission's page.
        """
        valid = self.valid_records()
        changed, self._pages = False, None
        for row in self.rows:
            if only is not None and row["submission"] != only:
                continue
            mine = [r for (s, _), r in valid.items() if s == row["submission"]]
            for r in mine:
                old = _float(row.get(r.question))
                flagged = (row.get("needs_review") or "").split()
                new_flags = " ".join(q for q in flagged if q != r.question)
                if old != r.points or new_flags != row.get("needs_review", ""):
                    score = round(_float(row.get("score")) - old + r.points, 2)
                    row.update({r.question: f"{r.points:g}", "score": f"{score:g}"})
                    row["needs_review"] = new_flags
                    changed = True
            if self.feedback is not None:
                self._update_page(row, mine)
        if changed:
            write_gradebook(self.path, self.rows)
        return len(valid)

    # ------------------------------------------------------------------ feedback pages
    def _page(self, submission: str) -> Path | None:
        if self._pages is None:
            self._pages = {}
            for page in sorted(self.feedback.glob("*.html")) if self.feedback else []:
                found = _H1.search(page.read_text(encoding="utf-8", errors="replace")[:4000])
                if found:
                    self._pages[html.unescape(found.group(1))] = page
        return self._pages.get(submission)

    def _update_page(self, row: Mapping[str, str], records: Sequence[ReviewRecord]) -> None:
        page = self._page(row["submission"])
        if page is None:
            return
        text = page.read_text(encoding="utf-8")
        new = with_review_section(text, review_section(row, records))
        if new != text:
            write_atomic(page, new)

    def _table(self) -> tuple[str, list[tuple[str, ...]]]:
        items = self.items
        head = f"review of {self.path}: {sum(i.reviewed for i in items)} of {len(items)} "
        rows = [(i.submission, i.question, f"{i.max_points:g}", _status(i)) for i in items]
        return head + "flagged answers reviewed", rows

    def __repr__(self) -> str:
        head, rows = self._table()
        return f"{head}\n\n{_html.text_table(['submission', 'question', 'max', 'review'], rows)}"

    def _repr_html_(self) -> str:
        head, rows = self._table()
        return _html.table(["submission", "question", "max", "review"], rows, caption=head)


def _status(item: ReviewItem) -> str:
    return f"{item.record.points:g} points" if item.record else "to review"


def review_section(row: Mapping[str, str], records: Sequence[ReviewRecord]) -> str:
    """The feedback page's "Reviewed by your instructor" section (``""`` without records)."""
    if not records:
        return ""
    table = _html.table(
        ["question", "points", "comment"],
        [(r.question, f"{r.points:g} / {r.max_points:g}", r.comment) for r in records],
    )
    return (
        f"{BEGIN_SECTION}<section class='mll-review'><h2>{_html.esc(SECTION_TITLE)}</h2>"
        f"<p>Your score after review: <b>{_html.esc(row.get('score'))}</b> / "
        f"{_html.esc(row.get('max_score'))} (the scores above are the automatic ones).</p>"
        f"{table}</section>{END_SECTION}"
    )


def with_review_section(page: str, section: str) -> str:
    """``page`` with its review section replaced by ``section`` (inserted before ``</body>``)."""
    start, end = page.find(BEGIN_SECTION), page.find(END_SECTION)
    if start >= 0 and end > start:
        page = page[:start] + page[end + len(END_SECTION) :]
    at = page.rfind("</body>")
    return page + section if at < 0 else page[:at] + section + page[at:]


def apply_reviews(
    gradebook: str | Path,
    *,
    feedback: str | Path | None = None,
    root: str | Path = ".",
    solution: str | Path | None = None,
) -> int:
    """Re-apply a gradebook's saved reviews (e.g. after ``mlliteracy grade``); returns how many.

    Example:
        >>> apply_reviews("gradebook.csv", feedback="feedback/")
    """
    if not sidecar_path(gradebook).exists():
        return 0
    return len(ReviewBook(gradebook, feedback=feedback, root=root, solution=solution).records)
