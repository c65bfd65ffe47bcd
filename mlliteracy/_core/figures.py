"""Matplotlib figures as PNG for Jupyter, without pyplot's global state (one place for all)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any


def png_bytes(figure: Any, dpi: int = 90) -> bytes:
    """Render ``figure`` to PNG bytes, tightly cropped and free of metadata (stable diffs)."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


@dataclass(frozen=True)
class FigurePNG:
    """A matplotlib figure that Jupyter shows as a PNG; ``.figure`` is the Figure itself."""

    figure: Any
    title: str

    def __repr__(self) -> str:
        return f"FigurePNG({self.title!r})"

    def _repr_png_(self) -> bytes:
        return png_bytes(self.figure)
