"""mlliteracy: helpers for the ML system literacy workbook.

``import mlliteracy as mll`` is cheap: every helper is re-exported lazily, so torch and friends
load only when a notebook first uses something that needs them. The names and the modules that
define them are listed once, in ``__init__.pyi`` (read here, and by type checkers).
"""

from __future__ import annotations

import importlib
from typing import Any

from ._core.exports import VERSION, exported_names

__version__ = VERSION


_EXPORTS: dict[str, str] = dict(exported_names())
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
