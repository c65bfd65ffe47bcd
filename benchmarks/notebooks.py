"""How long and how much memory each notebook of the workbook needs, in full mode (not QUICK).

For every lesson (notebooks/) and solution (solutions/): wall time, peak memory of the kernel's
process tree (PSS and RSS, sampled every 0.1 s with psutil), and time to the first code cell's
result. Also the cost of `import mlliteracy`. Goals (mybinder.org-sized): <= 120 s and <= 2 GB (PSS,
see TreeMemory) per notebook, <= 15 minutes for the whole workbook, import <= 0.3 s without torch.

    python benchmarks/notebooks.py [--only PATTERN] [--write-docs]

Prints one JSON object as the last line. ``--write-docs`` also rewrites the measured table in
docs/workshop.md between its BEGIN/END markers.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlliteracy.workbook.harness import execute, find_notebooks  # noqa: E402

GOAL_S, GOAL_MB, GOAL_TOTAL_S, GOAL_IMPORT_S = 120, 2048, 15 * 60, 0.3
DOCS = ROOT / "docs" / "workshop.md"
BEGIN, END = "<!-- BEGIN notebooks benchmark -->", "<!-- END notebooks benchmark -->"


class TreeMemory:
    """Peak memory of this process's children (the kernel and anything it starts).

    Two sums: RSS counts a shared library once per process that maps it, so a kernel plus a
    server process that both import torch count its ~0.5 GB twice; PSS splits shared pages
    between the processes sharing them, which is closer to what a container's memory limit
    (mybinder.org, JupyterHub) charges. The goal is judged on PSS; both are reported.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak_rss, self.peak_pss = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss = pss = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    info = child.memory_full_info()
                    rss += info.rss
                    pss += getattr(info, "pss", info.rss)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _first_cell_s(nb) -> float | None:
    start = nb.metadata.get("papermill", {}).get("start_time")
    for cell in nb.cells:
        end = cell.metadata.get("papermill", {}).get("end_time")
        if cell.cell_type == "code" and cell.source.strip() and end and start:
            return (
                dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
            ).total_seconds()
    return None


def measure_notebook(path: Path) -> dict:
    t0 = time.perf_counter()
    error = None
    with TreeMemory() as mem:
        try:
            nb = execute(path, quick=False, timeout=900)
        except Exception as err:  # report it, keep measuring the others
            nb, error = None, f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
    wall = time.perf_counter() - t0
    row = {
        "notebook": path.relative_to(ROOT).as_posix(),
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(mem.peak_rss / 2**20),
        "peak_pss_mb": round(mem.peak_pss / 2**20),
        "first_cell_s": round(_first_cell_s(nb), 2) if nb is not None else None,
        "error": error,
    }
    row["within_goals"] = error is None and wall <= GOAL_S and row["peak_pss_mb"] <= GOAL_MB
    return row


def measure_import(repeats: int = 5) -> dict:
    code = (
        "import time, sys; t = time.perf_counter(); import mlliteracy; "
        "print(time.perf_counter() - t, 'torch' in sys.modules)"
    )
    times, torch_loaded = [], False
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout.split()
        times.append(float(out[0]))
        torch_loaded |= out[1] == "True"
    return {"import_s": round(statistics.median(times), 4), "import_loads_torch": torch_loaded}


def markdown_table(result: dict) -> str:
    lines = [
        "| notebook | wall time (s) | peak PSS (MB) | peak RSS sum (MB) | first cell (s) "
        "| within goals |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in result["notebooks"]:
        ok = "yes" if r["within_goals"] else ("error: " + r["error"] if r["error"] else "no")
        lines.append(
            f"| `{r['notebook']}` | {r['wall_s']} | {r['peak_pss_mb']} | {r['peak_rss_mb']} | "
            f"{r['first_cell_s']} | {ok} |"
        )
    lines.append("")
    lines.append(
        f"Whole workbook: {result['total_s']} s (goal <= {GOAL_TOTAL_S} s). "
        f"`import mlliteracy`: {result['import_s']} s, loads torch: "
        f"{result['import_loads_torch']}. Measured on {result['machine']} with "
        f"{result['threads']} threads, full mode (QUICK = False), one notebook at a time."
    )
    return "\n".join(lines)


def write_docs(result: dict) -> None:
    text = DOCS.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{markdown_table(result)}\n{END}{tail}"
    tmp = DOCS.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, DOCS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default="", help="measure only notebooks whose path contains this"
    )
    parser.add_argument("--write-docs", action="store_true", help="update docs/workshop.md")
    args = parser.parse_args()
    paths = [p for kind in ("notebooks", "solutions") for p in find_notebooks(ROOT, kind)]
    paths = [p for p in paths if args.only in p.relative_to(ROOT).as_posix()]
    rows = []
    for path in paths:
        row = measure_notebook(path)
        print(json.dumps(row), file=sys.stderr, flush=True)
        rows.append(row)
    import torch

    result = {
        "notebooks": rows,
        "total_s": round(sum(r["wall_s"] for r in rows), 1),
        **measure_import(),
        "threads": torch.get_num_threads(),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "goals": {
            "notebook_s": GOAL_S,
            "notebook_mb": GOAL_MB,
            "total_s": GOAL_TOTAL_S,
            "import_s": GOAL_IMPORT_S,
        },
    }
    result["all_within_goals"] = (
        all(r["within_goals"] for r in rows)
        and result["total_s"] <= GOAL_TOTAL_S
        and result["import_s"] <= GOAL_IMPORT_S
        and not result["import_loads_torch"]
    )
    if args.write_docs:
        write_docs(result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
