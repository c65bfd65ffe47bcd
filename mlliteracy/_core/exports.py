"""The facade's list of public names, read from ``mlliteracy/__init__.pyi`` (the one source)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

STUB = Path(__file__).resolve().parents[1] / "__init__.pyi"


@functools.lru_cache(maxsize=1)
def exported_names() -> dict[str, str]:
    """Public name -> module that defines it, relative to the package (e.g. ``latency.timing``)."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        for alias in node.names
    }
