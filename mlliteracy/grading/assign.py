"""Generate learner notebooks from answered sources: exercises and lessons.

* ``solutions/`` -> ``exercises/``: instructor solutions become the exercises learners submit;
* ``reference/`` -> ``notebooks/``: a lesson's answered reference becomes the lesson a learner
  opens, its activities unanswered. Lessons keep their metadata and the committed outputs of
  every code cell whose source is unchanged (``make notebooks`` re-executes the rest).

In a solution notebook's cells:

* ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` becomes a prompt comment plus ``name = ...``
  for every variable the region assigns (so later cells still run);
* ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` is removed (instructor-only code);
* ``### BEGIN ANSWER KEY`` ... ``### END ANSWER KEY`` holds ``KEY = {...}`` (a Python literal);
  it becomes ``KEY = "mll-key-v1:..."``: hashes, no expected values, no hidden criteria.

Outputs and execution counts are stripped (exercises), cell tags kept; the output is byte-stable.

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
from .checks import contradictions
from .key import compile_key, fairness, seal

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
BEGIN_KEY, END_KEY = "### BEGIN ANSWER KEY", "### END ANSWER KEY"
PROMPT_CODE = "# YOUR ANSWER: replace the ... below"
PROMPT_MARKDOWN = "_Your answer here._"
KEY_COMMENT = "# answer key: hashed by `mlliteracy assign`, it reveals no expected value"
METADATA_KEY = "mll"
KEPT_CELL_METADATA = ("tags",)
REFERENCE_DIR, LESSONS_DIR = "reference", "notebooks"


@dataclass(frozen=True)
class AssignReport:
    """What ``assign`` did (or, with ``check=True``, would do)."""

    written: tuple[str, ...]
    """Exercises written (relative paths)."""
    stale: tuple[str, ...]
    """Exercises missing, out of date or without a solution (relative paths)."""
    removed: tuple[str, ...] = ()
    """Generated exercises deleted because their solution is gone."""
    lessons: tuple[str, ...] = ()
    """Lessons generated from ``reference/`` (whether written or already current)."""
    unfair: tuple[str, ...] = ()
    """Problems with the solutions' keys (:func:`mlliteracy.grading.key.fairness`)."""

    def __repr__(self) -> str:
        lines = [f"written: {len(self.written)}, stale: {len(self.stale)}"]
        if self.lessons:
            lines[0] += f", lessons from reference/: {len(self.lessons)}"
        lines += [f"  stale {p}" for p in self.stale]
        lines += [f"  unfair key: {p}" for p in self.unfair]
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


def _placeholder(lines: list[str], where: str, templates: bool = False) -> list[str]:
    """``name = ...`` for each name the region assigns; with ``templates``, an assigned dict
    literal keeps its (constant) keys and loses its values: the learner fills in each entry."""
    pad = _indent(lines)
    code = "\n".join(ln[len(pad) :] for ln in lines)
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        raise MLLError(f"{where}: the solution region does not parse ({err.msg})") from err
    body: list[str] = []
    names: list[str] = []
    for node in tree.body:
        if templates and _dict_template(node):
            target, value = node.targets[0].id, node.value
            names.append(target)
            entries = [f"    {json.dumps(k.value)}: ...," for k in value.keys]
            body += [f"{target} = {{", *entries, "}"]
            continue
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id not in names:
                    names.append(n.id)
                    body.append(f"{n.id} = ...")
    return [pad + PROMPT_CODE, *(pad + b for b in body or ["..."])]


def _dict_template(node: ast.stmt) -> bool:
    """``name = {"key": value, ...}`` with constant string keys."""
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Dict)
        and bool(node.value.keys)
        and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.value.keys)
    )


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


def generate_exercise(
    solution: dict[str, Any], where: str = "solution", *, templates: bool = False
) -> dict[str, Any]:
    """The learner version of a solution notebook (a new dict; the input is not changed).

    ``templates``: a solution region that assigns a dict literal becomes that dict with ``...``
    values (lessons use it so the learner sees which entries to fill in).
    """
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
                    out_lines += _placeholder(sol_lines, here, templates)
                else:
                    out_lines.append(PROMPT_MARKDOWN)
        text = "\n".join(out_lines)
        if kind == "code" and BEGIN_KEY in text:
            text = _seal_region(text, here, lint_note=templates)
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


def generate_lesson(
    reference: dict[str, Any], current: dict[str, Any] | None, where: str = "reference"
) -> dict[str, Any]:
    """The learner's lesson from its answered reference, keeping the lesson's committed state.

    Activities become ``name = ...`` prompts and the plain key a sealed one, as for exercises.
    The notebook metadata and the outputs of each code cell whose id and source are unchanged
    come from ``current`` (the committed lesson), so regenerating an unchanged lesson is a no-op.
    """
    nb = generate_exercise(reference, where, templates=True)
    previous = {c.get("id"): c for c in (current or {}).get("cells", []) if "id" in c}
    for cell in nb["cells"]:
        old = previous.get(cell.get("id"))
        if cell["cell_type"] == "code" and old is not None and _src(old) == cell["source"]:
            cell["outputs"] = old.get("outputs", [])
            cell["execution_count"] = old.get("execution_count")
    meta = (current or reference).get("metadata", {})
    nb["metadata"] = {k: v for k, v in meta.items() if k in ("kernelspec", "language_info")}
    return nb


def _seal_region(text: str, where: str, lint_note: bool = False) -> str:
    """The key region as one sealed line (``lint_note``: tell ruff the long line is meant)."""
    out: list[str] = []
    for inside, lines in _split(text, BEGIN_KEY, END_KEY, where):
        if inside:
            pad = _indent(lines)
            sealed = seal(compile_key(_literal_key([ln[len(pad) :] for ln in lines], where)))
            tail = "  # noqa: E501" if lint_note else ""
            out += [pad + KEY_COMMENT, f'{pad}KEY = "{sealed}"{tail}']
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
    written, stale, removed, unfair = [], [], [], []
    expected = set()
    for path in sorted(src_dir.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        name = exercise_name(path, src_dir)
        target = out_dir / path.relative_to(src_dir)
        expected.add(target)
        solution = _read_notebook(path)
        spec = read_key(solution, str(path))
        unfair += fairness(compile_key(spec)) + contradictions(spec) if spec is not None else []
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
    lessons = _assign_lessons(root, check, written, stale)
    if check:
        return AssignReport((), tuple(stale), (), lessons, tuple(unfair))
    return AssignReport(tuple(written), (), tuple(removed), lessons, tuple(unfair))


def _read_notebook(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise MLLError(f"{path}: not a readable notebook ({err}); fix the JSON") from err


def _assign_lessons(
    root: Path, check: bool, written: list[str], stale: list[str]
) -> tuple[str, ...]:
    """``reference/X.ipynb`` -> ``notebooks/X.ipynb`` for every lesson that has a reference."""
    src_dir = root / REFERENCE_DIR
    done = []
    for path in sorted(src_dir.rglob("*.ipynb")) if src_dir.is_dir() else []:
        if ".ipynb_checkpoints" in path.parts:
            continue
        target = root / LESSONS_DIR / path.relative_to(src_dir)
        current = _read_notebook(target) if target.exists() else None
        name = path.relative_to(src_dir).with_suffix("").as_posix()
        text = dumps(generate_lesson(_read_notebook(path), current, name))
        rel = target.relative_to(root).as_posix()
        done.append(rel)
        if current is not None and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(rel)
        if not check:
            write_atomic(target, text)
            written.append(rel)
    return tuple(done)
