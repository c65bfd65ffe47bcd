"""The gradebook CSV: one row per submission, written atomically, read back to resume.

Example:
    >>> rows = read_gradebook("gradebook.csv")
    >>> print(summary(rows))
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.files import write_atomic

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
