"""Which files are submissions, and which of them are notebooks at all.

Example:
    >>> files = collect(["submissions/"])
    >>> nb, reason = validate(files[0])
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_SHOWN = 20_000  # characters of one answer cell shown to a reviewer


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


@dataclass(frozen=True)
class AnswerCell:
    """A cell of a learner's notebook that holds an answer: its source and text outputs."""

    source: str
    output: str


def cell_source(cell: Mapping[str, Any]) -> str:
    """A cell's source (or an output's text) as one string."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def check_call(qid: str) -> re.Pattern[str]:
    """Matches ``check("<qid>"`` (either quote), the call that checks question ``qid``."""
    return re.compile(rf"""check\(\s*(['"]){re.escape(qid)}\1""")


def _outputs(cell: Mapping[str, Any]) -> str:
    parts = []
    for out in cell.get("outputs", []) or []:
        if out.get("output_type") == "stream":
            parts.append(cell_source({"source": out.get("text", "")}))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
        elif "text/plain" in (out.get("data") or {}):
            parts.append(cell_source({"source": out["data"]["text/plain"]}))
    return "\n".join(p.rstrip("\n") for p in parts)


def _cut(text: str) -> str:
    more = len(text) - MAX_SHOWN
    return text if more <= 0 else f"{text[:MAX_SHOWN]}\n[... {more} more characters not shown]"


def answer_cells(nb: Mapping[str, Any], qid: str, variable: str) -> tuple[AnswerCell, ...]:
    """The code cells calling ``check("<qid>"``, or else those assigning ``variable``.

    Read from the notebook's JSON (source and committed text outputs); nothing is executed.
    """
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    found = [c for c in code if check_call(qid).search(cell_source(c))]
    if not found:
        assigns = re.compile(rf"^\s*{re.escape(variable)}\s*(:[^=\n]*)?=(?!=)", re.M)
        found = [c for c in code if assigns.search(cell_source(c))]
    return tuple(AnswerCell(_cut(cell_source(c)), _cut(_outputs(c))) for c in found)
