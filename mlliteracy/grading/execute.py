"""Run one submission in its own kernel and export its answers as plain JSON.

This module is the worker that :mod:`mlliteracy.grading.grade` starts once per submission::

    python -m mlliteracy.grading.execute NOTEBOOK RESULT.json --answers a,b --cell-timeout 30 \
        [--probes PLAN.json]

Every code cell runs (errors do not stop the run; a cell past ``--cell-timeout`` is
interrupted). Then the grader's cells run: the hidden probes of ``PLAN.json``, one cell each
(see below; a probe that fails or times out gives ``None``), and one
cell that converts the named variables and the probe values with
:func:`mlliteracy.grading.checks.to_plain` and writes them as JSON. Nothing is unpickled and
no verdict is computed here: the grader scores the JSON outside the learner's kernel.

**Hidden probes.** The graded checks a learner never sees, run in their kernel after their cells.

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

import argparse
import inspect
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from .._core.files import write_atomic
from .checks import to_plain
from .key import canon

TIMEOUT_ENAME = "CellTimeoutError"
MAX_ANSWERS_BYTES = 5_000_000


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


def export_source(names: list[str], path: str) -> str:
    """The grader's export cell: plain JSON of ``names`` written to ``path``."""
    plain = inspect.getsource(to_plain)
    return "\n".join(
        [
            "def __mll_export(__g):",
            "    import json as __json",
            "    from typing import Any",
            *("    " + line for line in plain.splitlines()),
            "    __out = {}",
            f"    for __name in {names!r}:",
            "        try:",
            "            __out[__name] = to_plain(__g[__name]) if __name in __g else None",
            "        except Exception:",
            "            __out[__name] = None",
            f"    __probes = __g.get({RESULTS!r}, {{}})",
            "    __out = {'answers': __out, 'probes': {str(k): __probes[k] for k in __probes}}",
            f"    with open({path!r}, 'w', encoding='utf-8') as __f:",
            "        __json.dump(__out, __f, allow_nan=False)",
            "__mll_export(globals())",
        ]
    )


def run_submission(
    notebook: str | Path,
    names: list[str],
    *,
    cell_timeout: int = 60,
    workdir: str | None = None,
    plan: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Execute ``notebook`` in a fresh kernel; return status, answers, probe values, errors.

    ``plan``: the hidden probes (:func:`plan`), run after the cells.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    class _Client(NotebookClient):
        timed_out: list[int]

        async def _async_handle_timeout(self, timeout, cell=None):  # type: ignore[override]
            self.timed_out.append(int(cell.metadata.get("mll_index", -1)) if cell else -1)
            return await super()._async_handle_timeout(timeout, cell)

    nb = nbformat.read(str(notebook), as_version=4)
    workdir = workdir or tempfile.mkdtemp(prefix="mll-grade-")
    answers_path = os.path.join(workdir, ".mll-answers.json")
    client = _Client(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": f"over {cell_timeout} s"},
        startup_timeout=120,
        iopub_timeout=2,
        resources={"metadata": {"path": workdir}},
    )
    client.timed_out = []
    result: dict[str, Any] = {
        "status": "graded",
        "answers": {},
        "probes": [],
        "errors": [],
        "reason": "",
    }
    plan = plan or []
    current = -1
    try:
        with client.setup_kernel():
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                current = i
                cell.metadata["mll_index"] = i
                client.execute_cell(cell, i)
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error":
                        err = f"{out.get('ename')}: {str(out.get('evalue'))[:200]}"
                        result["errors"].append(f"cell {i}: {err}")
            learner_cells = current = len(nb.cells)
            grader_cells = [setup_source()] if plan else []
            grader_cells += [probe_source(i, p["spec"], p["cells"]) for i, p in enumerate(plan)]
            grader_cells.append(export_source(names, answers_path))
            for source in grader_cells:
                nb.cells.append(nbformat.v4.new_code_cell(source))
                current = len(nb.cells) - 1
                nb.cells[-1].metadata["mll_index"] = current
                client.execute_cell(nb.cells[-1], current)
    except DeadKernelError:
        result["status"] = "crashed"
        result["reason"] = f"the kernel died in cell {current} (os._exit, a crash or a kill)"
        return result
    learner_timeouts = [i for i in client.timed_out if i < learner_cells]
    if learner_timeouts:
        cells = ", ".join(str(i) for i in learner_timeouts)
        result["status"] = "timeout"
        result["reason"] = f"cell {cells} ran past the {cell_timeout} s cell timeout"
    exported = _read_answers(answers_path)
    if exported is None:
        result["reason"] = result["reason"] or "the answers could not be exported"
        return result
    answers, values = exported.get("answers"), exported.get("probes")
    result["answers"] = answers if isinstance(answers, dict) else {}
    values = values if isinstance(values, dict) else {}
    result["probes"] = [values.get(str(i)) for i in range(len(plan))]
    return result


def _read_answers(path: str) -> dict[str, Any] | None:
    try:
        if os.path.getsize(path) > MAX_ANSWERS_BYTES:
            return None
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlliteracy.grading.execute")
    parser.add_argument("notebook")
    parser.add_argument("result")
    parser.add_argument("--answers", default="")
    parser.add_argument("--cell-timeout", type=int, default=60)
    parser.add_argument("--probes", default="", help="JSON file: the grader's probe plan")
    args = parser.parse_args(argv)
    names = [n for n in args.answers.split(",") if n]
    try:
        workdir = str(Path(args.result).resolve().parent)  # the grader cleans it up
        plan = []
        if args.probes:  # read, then deleted before the learner's kernel starts in this folder
            plan = json.loads(Path(args.probes).read_text(encoding="utf-8"))
            Path(args.probes).unlink()
        result = run_submission(
            args.notebook, names, cell_timeout=args.cell_timeout, workdir=workdir, plan=plan
        )
    except Exception as err:  # report, never a traceback on the grader's screen
        result = {
            "status": "crashed",
            "answers": {},
            "probes": [],
            "errors": [],
            "reason": _one_line(err),
        }
    write_atomic(args.result, json.dumps(result))
    return 0


def _one_line(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".splitlines()
    return (text[0] if text else type(err).__name__)[:300]


if __name__ == "__main__":
    sys.exit(main())
