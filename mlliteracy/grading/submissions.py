"""Which files are submissions, and which of them are notebooks at all.

Example:
    >>> files = collect(["submissions/"])
    >>> nb, reason = validate(files[0])
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def collect(paths: Sequence[str | Path]) -> list[Path]:
    """Files to grade: each file given, and every file inside each folder given (sorted)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and ".ipynb_checkpoints" not in f.parts
                and not f.name.startswith(".")
            )
        else:
            found.append(p)
    return list(dict.fromkeys(found))


def is_own_output(path: Path, own: list[Path]) -> bool:
    """The gradebook, its temporary files and the feedback folder are never submissions."""
    resolved = path.resolve()
    gradebook = own[0]
    if resolved == gradebook or (
        resolved.parent == gradebook.parent and resolved.name.startswith(f".{gradebook.name}.")
    ):
        return True
    return any(folder in resolved.parents for folder in own[1:])


def sha256_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def validate(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(notebook, "") or (None, reason) for files that are not notebooks."""
    import nbformat

    if not path.is_file():
        return None, "not a file"
    if path.suffix != ".ipynb":
        return None, f"not a notebook: expected a .ipynb file, got {path.suffix or 'no suffix'!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, f"unreadable: {type(err).__name__}"
    if not text.strip():
        return None, "empty file"
    try:
        data = json.loads(text)
    except ValueError as err:
        return None, f"invalid JSON: {str(err).splitlines()[0][:120]}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. MissingIDFieldWarning on older notebooks
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
    except Exception as err:  # nbformat raises several types for bad documents
        return None, f"not a valid notebook: {str(err).splitlines()[0][:120]}"
    return data, ""
