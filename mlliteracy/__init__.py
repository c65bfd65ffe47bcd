"""mlliteracy: helpers for the ML system literacy workbook.

``import mlliteracy as mll`` is cheap: every helper is re-exported lazily, so
torch and friends load only when a notebook first uses something that needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (relative to this package)
_EXPORTS: dict[str, str] = {
    # foundation
    "MLLError": "errors",
    "doctor": "envcheck",
    "DoctorReport": "envcheck",
    "lessons": "curriculum",
    "workbook_map": "curriculum",
    "set_seed": "workbook",
    # data
    "Dataset": "data",
    "load_digits": "data",
}

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
