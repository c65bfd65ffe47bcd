"""The facade's public names, read from ``mlliteracy/__init__.pyi`` (one source); the version."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

STUB = Path(__file__).resolve().parents[1] / "__init__.pyi"

#: The package version, in one place (the facade re-exports it as ``mlliteracy.__version__``).
VERSION = "0.1.0"


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
