"""Matplotlib figures as PNG for Jupyter, without pyplot's global state (one place for all)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def png_bytes(figure: Any, dpi: int = 90) -> bytes:
    """Render ``figure`` to PNG bytes, tightly cropped and free of metadata (stable diffs)."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


@dataclass(frozen=True, eq=False)
class FigurePNG:
    """The package's one figure result: Jupyter shows it as a PNG; ``.figure`` is the Figure.

    ``facts`` holds what the figure shows in numbers or names (the Pareto front, how many
    points), so a test or a sentence can use them without reading pixels.
    """

    figure: Any
    title: str
    facts: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = "".join(f", {k}={v!r}" for k, v in self.facts.items())
        return f"FigurePNG({self.title!r}{shown})"

    def _repr_png_(self) -> bytes:
        return png_bytes(self.figure)
