"""Per-learner feedback pages: score per question, passed/failed checks, hints.

Hidden checks appear only as "hidden check" and probes as "graded check" with pass/fail: no
check source, no input, no expected value. The points are the probes'.

Example:
    >>> html = feedback_page("alice.ipynb", row, results, errors=[])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._core import html as _html
from .checks import CheckResult

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
