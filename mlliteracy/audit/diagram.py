"""Drawing a :class:`~mlliteracy.audit.system.SystemSpec` as SVG, without Graphviz.

Layout: one horizontal band per trust zone, in declaration order, with a dashed red line at each
trust boundary; inside a band, columns follow the flows (breadth-first from the first component)
unless a component names its place with ``at=(column, row)``. Arrow labels are drawn last, on a
white halo, so no box hides them. The output is deterministic (no ids, no random placement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._core import html as _html

#: kinds of component and the fill colour of their box
KINDS = {
    "actor": "#fed37f",
    "service": "#9fb1fc",
    "model": "#c8e6c9",
    "store": "#fffc87",
    "external": "#e0e0e0",
}
_COL_W, _BOX_W, _BOX_H, _ROW_H, _BAND_PAD, _LEFT = 235, 150, 40, 72, 26, 110


@dataclass(frozen=True)
class SVG:
    """An SVG drawing; shows itself in Jupyter and in exported HTML."""

    text: str

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SVG({len(self.text):,} characters; display it in a notebook to see it)"

    def _repr_svg_(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.text


def _ranks(spec: Any) -> dict[str, int]:
    """Column of each component: breadth-first distance from the first component; components
    nobody reaches sit at the column of the first thing they feed."""
    rank = {spec.components[0].id: 0} if spec.components else {}
    frontier = list(rank)
    while frontier:
        cur = frontier.pop(0)
        for f in spec.flows:
            if f.source == cur and f.target not in rank:
                rank[f.target] = rank[cur] + 1
                frontier.append(f.target)
    for c in spec.components:
        if c.id not in rank:
            fed = [rank[f.target] for f in spec.flows if f.source == c.id and f.target in rank]
            rank[c.id] = min(fed, default=0)
    return rank


def _layout(spec: Any) -> tuple[dict[str, tuple[float, float]], list[tuple], int, int]:
    rank = _ranks(spec)
    pos: dict[str, tuple[float, float]] = {}
    bands = []
    y = 10.0
    ncols = 1
    for zone in spec.zones:
        members = [c for c in spec.components if c.zone == zone.id]
        slots: dict[int, int] = {}
        taken = {tuple(c.at) for c in members if c.at is not None}
        for c in members:
            if c.at is not None:
                col, row = c.at
            else:
                col, row = rank[c.id], 0
                while (col, row) in taken:
                    row += 1
                taken.add((col, row))
            pos[c.id] = (col, row)
            slots[col] = max(slots.get(col, 0), row + 1)
            ncols = max(ncols, col + 1)
        rows = max(slots.values(), default=1)
        height = rows * _ROW_H + _BAND_PAD
        for c in members:
            col, row = pos[c.id]
            pos[c.id] = (_LEFT + col * _COL_W, y + _BAND_PAD / 2 + 6 + row * _ROW_H)
        bands.append((zone, y, height))
        y += height
    width = _LEFT + ncols * _COL_W
    return pos, bands, int(width), int(y + 10)


def _border_point(cx: float, cy: float, dx: float, dy: float) -> tuple[float, float]:
    """Where the ray from a box centre in direction (dx, dy) leaves the box."""
    sx = (_BOX_W / 2) / abs(dx) if dx else float("inf")
    sy = (_BOX_H / 2) / abs(dy) if dy else float("inf")
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s


def draw(spec: Any) -> str:
    pos, bands, width, height = _layout(spec)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
        'font-family="sans-serif" font-size="10">',
        f"<title>{_html.esc(spec.name)}: system diagram</title>",
        '<defs><marker id="mll-flow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#444"/></marker></defs>',
    ]
    for i, (zone, y, h) in enumerate(bands):
        parts.append(
            f'<g class="zone"><rect x="4" y="{y:.0f}" width="{width - 8}" height="{h:.0f}" '
            f'fill="{"#f7f7f7" if i % 2 else "#ffffff"}" stroke="none"/>'
            f'<text x="10" y="{y + 16:.0f}" font-weight="bold" fill="#555">'
            f"{_html.esc(_cut(zone.label, 18))}</text></g>"
        )
        if i:
            prev = bands[i - 1][0]
            faint = "" if spec._is_boundary(prev.id, zone.id) else ' opacity="0.3"'
            title = f"trust boundary: {prev.label} | {zone.label}"
            parts.append(
                f'<line class="boundary" x1="4" y1="{y:.0f}" x2="{width - 4}" y2="{y:.0f}" '
                f'stroke="#cf222e" stroke-width="2" stroke-dasharray="8 5"'
                f"{faint}><title>{_html.esc(title)}</title></line>"
            )
    pairs = {(f.source, f.target) for f in spec.flows}
    labels: list[str] = []
    for f in spec.flows:
        (x1, y1), (x2, y2) = pos[f.source], pos[f.target]
        c1 = (x1 + _BOX_W / 2, y1 + _BOX_H / 2)
        c2 = (x2 + _BOX_W / 2, y2 + _BOX_H / 2)
        dx, dy = c2[0] - c1[0], c2[1] - c1[1]
        if not dx and not dy:
            continue
        sx, sy = _border_point(*c1, dx, dy)
        tx, ty = _border_point(*c2, -dx, -dy)
        mx, my, anchor = (sx + tx) / 2, (sy + ty) / 2 - 3, "middle"
        if (f.target, f.source) in pairs:  # a reply flow: shift both apart, sideways
            norm = (dx * dx + dy * dy) ** 0.5
            ox, oy = -dy / norm * 5, dx / norm * 5
            sx, sy, tx, ty = sx + ox, sy + oy, tx + ox, ty + oy
            mx, my, anchor = mx + ox * 2, my + oy * 2, "start" if ox > 0 else "end"
        parts.append(
            f'<g class="flow"><title>{_html.esc(f"{f.source} -> {f.target}: {f.label}")}'
            f"{_html.esc(f' ({f.data})' if f.data else '')}</title>"
            f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{tx:.0f}" y2="{ty:.0f}" stroke="#444" '
            f'marker-end="url(#mll-flow)"/></g>'
        )
        labels.append(
            f'<text x="{mx:.0f}" y="{my:.0f}" text-anchor="{anchor}" font-size="9" '
            f'fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">'
            f"{_html.esc(_cut(f.label, 28))}</text>"
        )
    for c in spec.components:
        x, y = pos[c.id]
        rx = 14 if c.kind == "actor" else 3
        dash = ' stroke-dasharray="3 2"' if c.kind == "external" else ""
        subs = _wrap(list(c.models) or [c.kind], 30)
        top = 17 if len(subs) == 1 else 14
        parts.append(
            f'<g class="component"><title>{_html.esc(f"{c.kind}: {c.id} ({c.zone})")}</title>'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{_BOX_W}" height="{_BOX_H}" rx="{rx}" '
            f'fill="{KINDS.get(c.kind, "#fff")}" stroke="#333"{dash}/>'
            f'<text x="{x + _BOX_W / 2:.0f}" y="{y + top:.0f}" text-anchor="middle">'
            f"{_html.esc(_cut(c.label, 26))}</text>"
        )
        for i, line in enumerate(subs):
            parts.append(
                f'<text x="{x + _BOX_W / 2:.0f}" y="{y + top + 13 + 9 * i:.0f}" '
                f'text-anchor="middle" font-size="8.5" fill="#444">{_html.esc(line)}</text>'
            )
        parts.append("</g>")
    parts.extend(labels)  # on top of the boxes, so no label hides behind one
    parts.append("</svg>")
    return "".join(parts)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrap(items: list[str], limit: int) -> list[str]:
    """Comma-joined items on at most two lines of ``limit`` characters (the box's room)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= limit:
            lines[-1] += f", {item}"
        else:
            lines.append(item)
    if len(lines) > 2:
        lines = [lines[0], ", ".join(lines[1:])]
    return [_cut(line, limit) for line in lines]
