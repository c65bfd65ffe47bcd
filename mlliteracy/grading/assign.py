"""Generate learner exercises from instructor solutions (``solutions/`` -> ``exercises/``).

In a solution notebook's cells:

* ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` becomes a prompt comment plus ``name = ...``
  for every variable the region assigns (so later cells still run);
* ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` is removed (instructor-only code);
* ``### BEGIN ANSWER KEY`` ... ``### END ANSWER KEY`` holds ``KEY = {...}`` (a Python literal);
  it becomes ``KEY = "mll-key-v1:..."``: hashes, no expected values, no hidden criteria.

Outputs and execution counts are stripped, cell tags kept; the output is byte-stable.

Example:
    >>> report = assign_exercises(".")          # write exercises/
    >>> assign_exercises(".", check=True).stale  # what is out of date
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.files import write_atomic
from .key import compile_key, seal

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
BEGIN_KEY, END_KEY = "### BEGIN ANSWER KEY", "### END ANSWER KEY"
PROMPT_CODE = "# YOUR ANSWER: replace the ... below"
PROMPT_MARKDOWN = "_Your answer here._"
KEY_COMMENT = "# answer key: hashed by `mlliteracy assign`, it reveals no expected value"
METADATA_KEY = "mll"
KEPT_CELL_METADATA = ("tags",)


@dataclass(frozen=True)
class AssignReport:
    """What ``assign`` did (or, with ``check=True``, would do)."""

    written: tuple[str, ...]
    """Exercises written (relative paths)."""
    stale: tuple[str, ...]
    """Exercises missing, out of date or without a solution (relative paths)."""
    removed: tuple[str, ...] = ()
    """Generated exercises deleted because their solution is gone."""

    def __repr__(self) -> str:
        lines = [f"written: {len(self.written)}, stale: {len(self.stale)}"]
        lines += [f"  stale {p}" for p in self.stale]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [(p, "written") for p in self.written] + [(p, "stale") for p in self.stale]
        return _html.table(["exercise", "state"], rows, caption="mlliteracy assign")


def _split(source: str, begin: str, end: str, where: str) -> list[tuple[bool, list[str]]]:
    """Split lines into (inside_region, lines) chunks; markers themselves are dropped."""
    chunks: list[tuple[bool, list[str]]] = [(False, [])]
    inside = False
    for line in source.splitlines():
        marker = line.strip()
        if marker == begin:
            if inside:
                raise MLLError(f"{where}: nested {begin!r}; close it with {end!r} first")
            inside = True
            chunks.append((True, []))
        elif marker == end:
            if not inside:
                raise MLLError(f"{where}: {end!r} without {begin!r}; add the opening marker")
            inside = False
            chunks.append((False, []))
        else:
            chunks[-1][1].append(line)
    if inside:
        raise MLLError(f"{where}: {begin!r} is never closed; add {end!r}")
    return [(i, lines) for i, lines in chunks if i or lines]


def _indent(lines: list[str]) -> str:
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return ""
    return min((ln[: len(ln) - len(ln.lstrip())] for ln in body), key=len)


def _placeholder(lines: list[str], where: str) -> list[str]:
    pad = _indent(lines)
    code = "\n".join(ln[len(pad) :] for ln in lines)
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        raise MLLError(f"{where}: the solution region does not parse ({err.msg})") from err
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id not in names:
                    names.append(n.id)
    body = [f"{name} = ..." for name in names] or ["..."]
    return [pad + PROMPT_CODE, *(pad + b for b in body)]


def read_key(solution: dict[str, Any], where: str = "solution") -> dict[str, Any] | None:
    """The plain answer key (``KEY = {...}`` literal) of a solution notebook, or ``None``."""
    found = None
    for i, cell in enumerate(solution.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for inside, lines in _split(_src(cell), BEGIN_KEY, END_KEY, f"{where} cell {i}"):
            if inside:
                found = _literal_key(lines, f"{where} cell {i}")
    return found


def _literal_key(lines: list[str], where: str) -> dict[str, Any]:
    try:
        tree = ast.parse("\n".join(lines))
        stmt = tree.body[0]
        if len(tree.body) != 1 or not isinstance(stmt, ast.Assign):
            raise ValueError("expected one assignment")
        return ast.literal_eval(stmt.value)
    except (SyntaxError, ValueError, IndexError) as err:
        raise MLLError(
            f"{where}: the answer key must be one `KEY = {{...}}` Python literal ({err})"
        ) from err


def _src(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def generate_exercise(solution: dict[str, Any], where: str = "solution") -> dict[str, Any]:
    """The learner version of a solution notebook (a new dict; the input is not changed)."""
    cells = []
    for i, cell in enumerate(solution.get("cells", [])):
        here = f"{where} cell {i}"
        src = _src(cell)
        kind = cell.get("cell_type")
        out_lines: list[str] = []
        for hidden, lines in _split(src, BEGIN_HIDDEN, END_HIDDEN, here):
            if hidden:
                continue
            for in_sol, sol_lines in _split("\n".join(lines), BEGIN_SOLUTION, END_SOLUTION, here):
                if not in_sol:
                    out_lines += sol_lines
                elif kind == "code":
                    out_lines += _placeholder(sol_lines, here)
                else:
                    out_lines.append(PROMPT_MARKDOWN)
        text = "\n".join(out_lines)
        if kind == "code" and BEGIN_KEY in text:
            text = _seal_region(text, here)
        if (BEGIN_HIDDEN in src or BEGIN_KEY in src) and not text.strip():
            continue
        new = {
            "cell_type": kind,
            "metadata": {
                k: cell["metadata"][k] for k in KEPT_CELL_METADATA if k in cell.get("metadata", {})
            },
            "source": text,
        }
        if "id" in cell:
            new["id"] = cell["id"]
        if kind == "code":
            new["execution_count"] = None
            new["outputs"] = []
        if kind == "raw" or "attachments" in cell:
            new.update({k: cell[k] for k in ("attachments",) if k in cell})
        cells.append(new)
    source_meta = solution.get("metadata", {})
    meta: dict[str, Any] = {"language_info": {"name": "python"}}
    if "kernelspec" in source_meta:
        meta["kernelspec"] = dict(source_meta["kernelspec"])
    meta[METADATA_KEY] = {"exercise": where}
    return {
        "cells": cells,
        "metadata": meta,
        "nbformat": solution.get("nbformat", 4),
        "nbformat_minor": solution.get("nbformat_minor", 5),
    }


def _seal_region(text: str, where: str) -> str:
    out: list[str] = []
    for inside, lines in _split(text, BEGIN_KEY, END_KEY, where):
        if inside:
            pad = _indent(lines)
            sealed = seal(compile_key(_literal_key([ln[len(pad) :] for ln in lines], where)))
            out += [pad + KEY_COMMENT, f'{pad}KEY = "{sealed}"']
        else:
            out += lines
    return "\n".join(out)


def dumps(nb: dict[str, Any]) -> str:
    """The canonical bytes of a generated notebook (sorted keys, 1-space indent)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def exercise_name(solution_path: Path, solutions_dir: Path) -> str:
    """``solutions/beginner/knowledge_check.ipynb`` -> ``beginner/knowledge_check``."""
    return solution_path.relative_to(solutions_dir).with_suffix("").as_posix()


def assign_exercises(
    root: str | Path = ".",
    *,
    check: bool = False,
    solutions: str = "solutions",
    exercises: str = "exercises",
) -> AssignReport:
    """Regenerate every exercise from its solution, or only report what is stale.

    Args:
        root: the workbook checkout.
        check: report stale exercises without writing anything.
        solutions: folder of instructor notebooks, relative to ``root``.
        exercises: folder of generated notebooks, relative to ``root``.

    Returns:
        An :class:`AssignReport`.

    Example:
        >>> assign_exercises(".", check=True).stale
        ()
    """
    root = Path(root)
    src_dir, out_dir = root / solutions, root / exercises
    if not src_dir.is_dir():
        raise MLLError(f"solutions folder {src_dir} does not exist; pass --root to the checkout")
    written, stale, removed = [], [], []
    expected = set()
    for path in sorted(src_dir.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        name = exercise_name(path, src_dir)
        target = out_dir / path.relative_to(src_dir)
        expected.add(target)
        try:
            solution = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise MLLError(f"{path}: not a readable notebook ({err}); fix the JSON") from err
        text = dumps(generate_exercise(solution, name))
        current = target.read_text(encoding="utf-8") if target.exists() else None
        rel = target.relative_to(root).as_posix()
        if current == text:
            continue
        stale.append(rel)
        if not check:
            write_atomic(target, text)
            written.append(rel)
    for path in sorted(out_dir.rglob("*.ipynb")) if out_dir.is_dir() else []:
        if path in expected or ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        stale.append(rel)
        if not check:
            path.unlink()
            removed.append(rel)
    if check:
        return AssignReport((), tuple(stale))
    return AssignReport(tuple(written), (), tuple(removed))
