"""mlliteracy: helpers for the ML system literacy workbook.

``import mlliteracy as mll`` is cheap: every helper is re-exported lazily, so torch and friends
load only when a notebook first uses something that needs them. The names and the modules that
define them are listed once, in ``__init__.pyi`` (read here, and by type checkers).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

from ._core.version import VERSION

__version__ = VERSION


def _read_stub() -> dict[str, str]:
    """Public name -> module that defines it (relative to this package), from ``__init__.pyi``."""
    tree = ast.parse((Path(__file__).with_name("__init__.pyi")).read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        for alias in node.names
    }


_EXPORTS: dict[str, str] = _read_stub()
__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mlliteracy' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # cache: the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return __all__
