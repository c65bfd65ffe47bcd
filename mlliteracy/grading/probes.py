"""Hidden probes: the graded checks a learner never sees, run in their kernel after their cells.

A probe (declared in the instructor's key, see :func:`mlliteracy.grading.key.compile_probes`)
asks the learner's own code a question it was not written for: call their function on other
arguments (``"expr": "conv_params(7, 13, 5)"``), or run the cells that answer a question again
with an input replaced (``"rerun": {"bert": "mll.load_model('bert-tiny')"}``), so a memorised
number does not pass. The grader runs the same probes on the solution, on the same machine,
and compares the two plain values outside the kernel (:func:`passes`).

A replaced variable keeps its probe value: top-level assignments to it in the rerun cells
(``numbers = [10, 12, 20]`` beside the answer) are skipped.

Which cells "answer a question": the code cells after the previous ``mll.check``/``mll.use_key``
cell, up to the cell that calls ``mll.check("<question>", ...)``, keeping only the cells that
hold the solution's answer (matched by cell id) or that the learner added; the exercise's own
set-up cells (loading a model, say) are not run again, so the replaced input survives.

Example:
    >>> blocks = answer_blocks(learner_nb, solution_nb)
    >>> blocks["q1_params"]
    ['rep = mll.autopsy(bert)\\nparams = rep.params\\nmll.check("q1_params", params)']
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from .checks import to_plain
from .key import canon

BEGIN_SOLUTION = "### BEGIN SOLUTION"
_CHECK = re.compile(r"""\bmll\.check\(\s*["'](\w+)["']""")
_USE_KEY = re.compile(r"\bmll\.use_key\(")
RESULTS = "__mll_probe_values"


def _src(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _blocks(cells: list[dict[str, Any]], keep) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    since: list[dict[str, Any]] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        src = _src(cell)
        questions = _CHECK.findall(src)
        if questions:
            block = [c for c in since if keep(c)] + [cell]
            for qid in questions:
                out.setdefault(qid, block)
            since = []
        elif _USE_KEY.search(src):
            since = []
        else:
            since.append(cell)
    return out


def answer_blocks(notebook: dict[str, Any], solution: dict[str, Any]) -> dict[str, list[str]]:
    """Per question id, the sources of the cells a ``rerun`` probe runs again, in order.

    Args:
        notebook: the learner's notebook (or the solution itself, for the expected values).
        solution: the instructor's solution notebook (its cell ids tell set-up from answers).
    """
    sol_cells = solution.get("cells", [])
    known = {c.get("id") for c in sol_cells if c.get("id")}
    answers = {c.get("id") for c in sol_cells if c.get("id") and BEGIN_SOLUTION in _src(c)}

    def keep(cell: dict[str, Any]) -> bool:
        ident = cell.get("id")
        return not ident or ident not in known or ident in answers

    cells = notebook.get("cells", [])
    blocks = _blocks(cells, keep)
    by_id = {c.get("id"): c for c in cells if c.get("id")}
    for qid, sol_block in _blocks(sol_cells, keep).items():  # check call removed: use the ids
        if qid not in blocks:
            found = [by_id[c["id"]] for c in sol_block if c.get("id") in by_id]
            if found:
                blocks[qid] = found
    return {qid: [_src(c) for c in block] for qid, block in blocks.items()}


def setup_source() -> str:
    """The first cell the grader adds after the learner's cells: the probe runner."""
    plain = inspect.getsource(to_plain)
    return "\n".join(
        [
            "def __mll_probe_setup():",
            "    from typing import Any",
            *("    " + line for line in plain.splitlines()),
            "    import ast",
            "    def pinned(stmt, names):",
            "        targets = getattr(stmt, 'targets', None) or [getattr(stmt, 'target', None)]",
            "        return isinstance(stmt, (ast.Assign, ast.AnnAssign)) and all(",
            "            isinstance(t, ast.Name) and t.id in names for t in targets)",
            "    def run(g, spec, cells):",
            "        if 'rerun' in spec:",
            "            ns = dict(g)",
            "            ns.update({k: eval(e, g) for k, e in spec['rerun'].items()})",
            "            shell = g.get('get_ipython', lambda: None)()",
            "            for src in cells:",
            "                code = shell.transform_cell(src) if shell is not None else src",
            "                tree = ast.parse(code)",
            "                tree.body = [s for s in tree.body if not pinned(s, spec['rerun'])]",
            "                exec(compile(tree, '<probe>', 'exec'), ns)",
            "        else:",
            "            ns = g",
            "        if 'expr' in spec:",
            "            return eval(spec['expr'], ns)",
            "        return ns.get(spec['answer'])",
            "    def probe(g, spec, cells):",
            "        try:",
            "            return to_plain(run(g, spec, cells))",
            "        except BaseException:",
            "            return None",
            "    return probe",
            "__mll_probe = __mll_probe_setup()",
            f"{RESULTS} = {{}}",
        ]
    )


def probe_source(index: int, spec: dict[str, Any], cells: list[str]) -> str:
    """One grader cell: run probe ``index`` and keep its plain value (``None`` on any error)."""
    return f"{RESULTS}[{index}] = __mll_probe(globals(), {spec!r}, {cells!r})"


def plan(key_questions: dict[str, Any], blocks: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Every probe of a compiled key, in order, with the cells it reruns (the worker's input)."""
    out = []
    for qid, q in key_questions.items():
        for spec in q.get("probes", []):
            runner = {k: v for k, v in spec.items() if k in ("expr", "rerun")}
            runner["answer"] = spec.get("answer", q["answer"])
            cells = blocks.get(qid, []) if "rerun" in spec else []
            out.append({"question": qid, "spec": runner, "cells": cells})
    return out


def _at(value: Any, path: Any) -> Any:
    for step in path if isinstance(path, list) else ([] if path is None else [path]):
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def passes(spec: dict[str, Any], value: Any, expected: Any) -> bool:
    """Does the learner's probe value match the solution's (``path`` and ``sig`` applied)?"""
    got, want = _at(value, spec.get("path")), _at(expected, spec.get("path"))
    if got is None or want is None:
        return False
    return canon(got, spec.get("sig")) == canon(want, spec.get("sig"))
