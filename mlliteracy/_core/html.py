"""The one place where HTML is built; every value goes through :func:`esc`."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any


def esc(value: Any) -> str:
    """Escape any value for safe inclusion in HTML text or attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
    raw_columns: Iterable[int] = (),
) -> str:
    """An HTML table; cells are escaped unless their column index is in ``raw_columns``."""
    raw = set(raw_columns)
    out = ['<table class="mll">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = (str(c) if i in raw else esc(c) for i, c in enumerate(row))
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def badge(ok: bool | None, text: str | None = None) -> str:
    """A small coloured status word (no emoji: outputs must diff cleanly)."""
    colour = {True: "#1a7f37", False: "#cf222e", None: "#9a6700"}[ok]
    word = text or {True: "ok", False: "problem", None: "note"}[ok]
    return f'<span style="color:{colour};font-weight:600">{esc(word)}</span>'


def text_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain fixed-width table for terminals, tests and golden files."""
    body = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in header]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(header)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    rows_txt = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in body]
    return "\n".join([line, rule, *rows_txt])
