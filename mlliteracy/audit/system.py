"""A declared system spec: components, models, data stores, flows and trust zones, as data.

The spec is plain data (``to_dict`` / ``from_dict`` / ``to_yaml``), so it can be reviewed and
versioned like code. :meth:`SystemSpec.validate` checks it; :meth:`SystemSpec.diagram` draws it
as SVG without Graphviz: one horizontal band per trust zone (dashed lines are the trust
boundaries), one box per component, labelled arrows for the flows.

Example:
    >>> spec = mll.demo_system()
    >>> spec.validate()
    >>> spec.diagram()
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.offline import asset_error, load_asset
from .diagram import KINDS, SVG, draw

if TYPE_CHECKING:
    import pandas as pd

#: the asset that declares :func:`demo_system`
DEMO_ASSET = "demo_system.yaml"


@dataclass(frozen=True)
class Component:
    """A box in the diagram: a person, a service, a model, a data store or a third party."""

    id: str
    label: str
    kind: str
    """One of :data:`KINDS`."""
    zone: str
    """The trust zone it runs in."""
    models: tuple[str, ...] = ()
    """Models it runs (ids, free text)."""
    note: str = ""
    at: tuple[int, int] | None = None
    """Optional place in the drawing: (column, row within its zone); automatic when None."""


@dataclass(frozen=True)
class Flow:
    """Data moving from one component to another."""

    source: str
    target: str
    label: str
    data: str = ""
    """What the data holds (e.g. "question text: may contain personal data")."""


@dataclass(frozen=True)
class Zone:
    """A trust zone; the line between two zones is a trust boundary."""

    id: str
    label: str


@dataclass(frozen=True)
class SpecIssue:
    """One problem :meth:`SystemSpec.validate` found."""

    what: str
    message: str


@dataclass(frozen=True)
class SpecCheck:
    """Result of :meth:`SystemSpec.validate`."""

    issues: tuple[SpecIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues

    def __repr__(self) -> str:
        if self.ok:
            return "SpecCheck(ok: every flow, zone and boundary is declared)"
        lines = [f"  {i.what}: {i.message}" for i in self.issues]
        return "\n".join([f"SpecCheck({len(self.issues)} issues)", *lines])

    def _repr_html_(self) -> str:
        head = _html.badge(self.ok, "valid" if self.ok else f"{len(self.issues)} issues")
        rows = [(i.what, i.message) for i in self.issues]
        return f"<p>system spec: {head}</p>" + (
            _html.table(["what", "issue"], rows) if rows else ""
        )


@dataclass(frozen=True)
class SystemSpec:
    """A declared system: what runs where, what talks to what, and where trust changes."""

    name: str
    components: tuple[Component, ...]
    flows: tuple[Flow, ...]
    zones: tuple[Zone, ...]
    boundaries: tuple[tuple[str, str], ...]
    """Pairs of zone ids whose border is a declared trust boundary."""

    # ---- data in and out ----
    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON/YAML-safe data (lists and dicts only)."""
        return {
            "name": self.name,
            "zones": [dataclasses.asdict(z) for z in self.zones],
            "boundaries": [list(b) for b in self.boundaries],
            "components": [
                {
                    **dataclasses.asdict(c),
                    "models": list(c.models),
                    "at": list(c.at) if c.at is not None else None,
                }
                for c in self.components
            ],
            "flows": [dataclasses.asdict(f) for f in self.flows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SystemSpec:
        """Build a spec from :meth:`to_dict`'s shape; missing keys raise :class:`MLLError`."""
        try:
            return cls(
                name=str(data["name"]),
                zones=tuple(Zone(**z) for z in data["zones"]),
                boundaries=tuple((str(a), str(b)) for a, b in data["boundaries"]),
                components=tuple(
                    Component(
                        **{
                            **c,
                            "models": tuple(c.get("models", ())),
                            "at": tuple(c["at"]) if c.get("at") is not None else None,
                        }
                    )
                    for c in data["components"]
                ),
                flows=tuple(Flow(**f) for f in data["flows"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise MLLError(
                f"spec data is malformed ({err}); give name, zones, boundaries, components, flows"
            ) from err

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, width=100)

    # ---- checks and questions ----
    def validate(self) -> SpecCheck:
        """Flows join declared components; zones, kinds and boundaries exist; ids are unique."""
        issues: list[SpecIssue] = []
        zone_ids = [z.id for z in self.zones]
        ids = [c.id for c in self.components]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            issues.append(SpecIssue("component", f"id {dup!r} is declared twice"))
        for c in self.components:
            if c.kind not in KINDS:
                issues.append(
                    SpecIssue(
                        "component", f"{c.id!r} has kind {c.kind!r}; use one of {list(KINDS)}"
                    )
                )
            if c.zone not in zone_ids:
                issues.append(SpecIssue("component", f"{c.id!r} is in undeclared zone {c.zone!r}"))
        for a, b in self.boundaries:
            for z in (a, b):
                if z not in zone_ids:
                    issues.append(SpecIssue("boundary", f"({a!r}, {b!r}) names undeclared {z!r}"))
        zone_of = {c.id: c.zone for c in self.components}
        for f in self.flows:
            missing = [end for end in (f.source, f.target) if end not in zone_of]
            for end in missing:
                issues.append(
                    SpecIssue(
                        "flow",
                        f"{f.source} -> {f.target} ({f.label}): {end!r} is not a "
                        "declared component",
                    )
                )
            if missing:
                continue
            za, zb = zone_of[f.source], zone_of[f.target]
            if za != zb and not self._is_boundary(za, zb):
                issues.append(
                    SpecIssue(
                        "flow",
                        f"{f.source} -> {f.target} goes from zone {za!r} to {zb!r} "
                        "with no declared trust boundary between them",
                    )
                )
        used = {e for f in self.flows for e in (f.source, f.target)}
        for c in self.components:
            if c.id not in used:
                issues.append(SpecIssue("component", f"{c.id!r} has no flow in or out"))
        return SpecCheck(tuple(issues))

    def _is_boundary(self, a: str, b: str) -> bool:
        return (a, b) in self.boundaries or (b, a) in self.boundaries

    def crossing_flows(self) -> list[Flow]:
        """Flows whose two ends sit in different trust zones."""
        zone_of = {c.id: c.zone for c in self.components}
        return [f for f in self.flows if zone_of.get(f.source) != zone_of.get(f.target)]

    def boundary_components(self) -> list[str]:
        """Ids of components at either end of a flow that crosses a trust boundary."""
        ends = {e for f in self.crossing_flows() for e in (f.source, f.target)}
        return [c.id for c in self.components if c.id in ends]

    def to_frame(self) -> pd.DataFrame:
        """One row per component: zone, kind, models, flows in and out."""
        import pandas as pd

        rows = [
            {
                "id": c.id,
                "label": c.label,
                "kind": c.kind,
                "zone": c.zone,
                "models": ", ".join(c.models),
                "flows_in": sum(f.target == c.id for f in self.flows),
                "flows_out": sum(f.source == c.id for f in self.flows),
            }
            for c in self.components
        ]
        return pd.DataFrame(rows)

    def flows_frame(self) -> pd.DataFrame:
        """One row per flow, with whether it crosses a trust boundary."""
        import pandas as pd

        crossing = {id(f) for f in self.crossing_flows()}
        rows = [
            {**dataclasses.asdict(f), "crosses_boundary": id(f) in crossing} for f in self.flows
        ]
        return pd.DataFrame(rows)

    # ---- drawing ----
    def diagram(self) -> SVG:
        """Draw the spec: zones as bands, dashed trust boundaries, boxes, labelled arrows."""
        check = self.validate()
        broken = [i for i in check.issues if i.what == "flow" and "not a declared" in i.message]
        if broken:
            raise MLLError(f"cannot draw: {broken[0].message}; declare the component first")
        return SVG(draw(self))

    def __repr__(self) -> str:
        return (
            f"SystemSpec({self.name!r}: {len(self.components)} components, {len(self.flows)} "
            f"flows, {len(self.zones)} zones, {len(self.boundaries)} trust boundaries)"
        )

    def _repr_html_(self) -> str:
        return f"<p>{_html.esc(repr(self))}</p>" + draw(self)


def demo_system() -> SystemSpec:
    """The customer assistant audited in the advanced lesson, declared as a :class:`SystemSpec`.

    A customer's question crosses the public internet to an API gateway, which asks the FAQ
    retriever (MiniLM similarity over the knowledge base) and the sentiment triage (MiniLM +
    a logistic-regression head trained on tweets); low-confidence or urgent requests go to a
    human handover queue; every request is logged. Weights and training data come from
    third-party packages. The spec is declared in ``assets/demo_system.yaml``.

    Example:
        >>> mll.demo_system().boundary_components()
    """
    try:
        return SystemSpec.from_dict(load_asset(DEMO_ASSET))
    except MLLError as err:  # name the asset, not the spec data
        raise asset_error(DEMO_ASSET, err.__cause__ or err) from err
