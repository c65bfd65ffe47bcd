"""What a grading run writes: the gradebook CSV and one HTML feedback page per learner.

The CSV has one row per submission, written atomically, read back to resume. Feedback pages
show the score per question, passed/failed checks and hints; hidden checks appear only as
"hidden check" and probes as "graded check" with pass/fail: no check source, no input, no
expected value.

Example:
    >>> rows = read_gradebook("gradebook.csv")
    >>> print(summary(rows))
    >>> html = feedback_page("alice.ipynb", row, results, errors=[])
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.files import write_atomic
from .checks import CheckResult

STATUSES = ("graded", "timeout", "out_of_memory", "crashed", "invalid_notebook")
FIRST_COLUMNS = ("submission", "status", "score", "max_score")
LAST_COLUMNS = ("needs_review", "reason", "exercise", "sha256", "key_sha256")


def columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Fixed columns first and last, one column per question in between (first-seen order)."""
    fixed = set(FIRST_COLUMNS + LAST_COLUMNS)
    questions: list[str] = []
    for row in rows:
        questions += [k for k in row if k not in fixed and k not in questions]
    return [*FIRST_COLUMNS, *questions, *LAST_COLUMNS]


def read_gradebook(path: str | Path) -> list[dict[str, str]]:
    """Rows of an existing gradebook (empty when the file does not exist or is unreadable)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return []
    try:
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    except csv.Error:
        return []


def write_gradebook(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write all rows to ``path`` atomically (temporary file, then ``os.replace``)."""
    rows = list(rows)
    path = Path(path)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns(rows), restval="", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    write_atomic(path, buf.getvalue())


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def question_columns(rows: list[Mapping[str, Any]]) -> list[str]:
    fixed = set(FIRST_COLUMNS + LAST_COLUMNS)
    return [c for c in columns(rows) if c not in fixed]


def summary(rows: list[Mapping[str, Any]]) -> str:
    """Plain-text summary: submissions per status, score distribution, hardest questions."""
    status_rows = [(s, sum(r.get("status") == s for r in rows)) for s in STATUSES]
    parts = [_html.text_table(["status", "submissions"], [r for r in status_rows if r[1]])]
    scores = [_float(r.get("score")) for r in rows]
    scores = [s for s in scores if s is not None]
    if scores:
        stats = [
            ("n", len(scores)),
            ("mean", f"{statistics.mean(scores):.2f}"),
            ("median", f"{statistics.median(scores):g}"),
            ("min", f"{min(scores):g}"),
            ("max", f"{max(scores):g}"),
        ]
        parts.append(_html.text_table(["score", "value"], stats))
    hard = hardest(rows)
    if hard:
        parts.append(_html.text_table(["question", "mean share of points"], hard))
    return "\n\n".join(parts)


def hardest(rows: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Questions by mean score over graded rows, hardest first (share of the best score)."""
    graded = [r for r in rows if r.get("status") in ("graded", "timeout")]
    out = []
    for q in question_columns(rows):
        values = [_float(r.get(q)) for r in graded if _float(r.get(q)) is not None]
        best = max(values, default=0.0)
        if values and best > 0:
            out.append((q, statistics.mean(values) / best))
    return [(q, f"{share:.2f}") for q, share in sorted(out, key=lambda t: (t[1], t[0]))]


@dataclass(frozen=True)
class GradeReport:
    """The outcome of a grading run."""

    path: str
    """The gradebook CSV."""
    rows: tuple[dict[str, str], ...]
    """Every row of the gradebook after the run, as text, exactly as in the CSV."""
    graded: int
    """Submissions run in this invocation."""
    skipped: int
    """Unchanged submissions kept from an earlier run (resume)."""

    def __repr__(self) -> str:
        head = f"gradebook {self.path}: {len(self.rows)} rows"
        return f"{head} ({self.graded} run now, {self.skipped} kept)\n\n{summary(list(self.rows))}"

    def _repr_html_(self) -> str:
        cols = columns(self.rows)[:-2]
        body = [[r.get(c, "") for c in cols] for r in self.rows]
        return _html.table(cols, body, caption=f"gradebook: {len(self.rows)} submissions")

    def to_frame(self):
        """The gradebook as a pandas DataFrame."""
        import pandas as pd

        frame = pd.DataFrame(list(self.rows), columns=columns(self.rows))
        for col in ["score", "max_score", *question_columns(list(self.rows))]:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
        return frame


STYLE = (
    "body{font-family:sans-serif;max-width:50em;margin:2em auto}"
    "table.mll{border-collapse:collapse;margin:.5em 0}"
    "table.mll td,table.mll th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
)


def feedback_page(
    submission: str,
    row: Mapping[str, Any],
    results: Sequence[CheckResult],
    errors: Sequence[str] = (),
) -> str:
    """A self-contained HTML page for one learner (every value escaped)."""
    status = str(row.get("status", ""))
    head = [
        f"<h1>Feedback: {_html.esc(submission)}</h1>",
        f"<p>status: {_html.badge(status == 'graded', status)}; "
        f"score: <b>{_html.esc(row.get('score'))}</b> / {_html.esc(row.get('max_score'))}</p>",
    ]
    if row.get("reason"):
        head.append(f"<p>{_html.esc(row.get('reason'))}</p>")
    overview = _html.table(
        ["question", "score", "points", "checks passed"],
        [
            (r.question, f"{r.score:g}", f"{r.points:g}", f"{r.passed}/{len(r.criteria)}")
            for r in results
        ],
        caption="scores",
    )
    sections = [_question(r) for r in results]
    if errors:
        items = "".join(f"<li>{_html.esc(e)}</li>" for e in errors[:20])
        sections.append(f"<h2>Errors raised by your notebook</h2><ul>{items}</ul>")
    body = "".join(head) + (overview if results else "") + "".join(sections)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{_html.esc(submission)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _question(result: CheckResult) -> str:
    rows = [
        (
            _html.badge(c.passed, "pass" if c.passed else "fail"),
            c.label,
            "" if c.passed else c.message,
        )
        for c in result.criteria
    ]
    out = [f"<h2>{_html.esc(result.question)}</h2>"]
    if not result.answered:
        out.append("<p>Not answered (still the ... placeholder, or the variable is missing).</p>")
    out.append(_html.table(["", "check", "note"], rows, raw_columns=[0]))
    out += [f"<p>hint: {_html.esc(h)}</p>" for h in result.hints]
    if result.review:
        out.append("<p>An instructor reviews this answer by hand as well.</p>")
    return "".join(out)
