"""Run one submission in its own kernel and export its answers as plain JSON.

This module is the worker that :mod:`mlliteracy.grading.grade` starts once per submission::

    python -m mlliteracy.grading.execute NOTEBOOK RESULT.json --answers a,b --cell-timeout 30 \
        [--probes PLAN.json]

Every code cell runs (errors do not stop the run; a cell past ``--cell-timeout`` is
interrupted). Then the grader's cells run: the hidden probes of ``PLAN.json``, one cell each
(:mod:`mlliteracy.grading.probes`; a probe that fails or times out gives ``None``), and one
cell that converts the named variables and the probe values with
:func:`mlliteracy.grading.checks.to_plain` and writes them as JSON. Nothing is unpickled and
no verdict is computed here: the grader scores the JSON outside the learner's kernel.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .._core.files import write_atomic
from . import probes as _probes
from .checks import to_plain

TIMEOUT_ENAME = "CellTimeoutError"
MAX_ANSWERS_BYTES = 5_000_000


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
            f"    __probes = __g.get({_probes.RESULTS!r}, {{}})",
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

    ``plan``: the hidden probes (:func:`mlliteracy.grading.probes.plan`), run after the cells.
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
            grader_cells = [_probes.setup_source()] if plan else []
            grader_cells += [
                _probes.probe_source(i, p["spec"], p["cells"]) for i, p in enumerate(plan)
            ]
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
        plan = json.loads(Path(args.probes).read_text(encoding="utf-8")) if args.probes else []
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
