"""Seconds per submission of ``grade`` without a sandbox and with each sandbox mechanism.

Grades the same small batch (copies of a solution notebook, one job at a time) in alternating
rounds: no sandbox, then every mechanism that works here (bubblewrap, util-linux unshare), so
load from other work on the machine falls on all of them alike. The sandbox's fixed cost is also
timed alone: ``python -c pass`` started plainly and inside each sandbox (median of 10).

    python benchmarks/sandbox_overhead.py [--submissions 4] [--rounds 2] [--solution NB]

Prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlliteracy.grading import sandbox  # noqa: E402
from mlliteracy.grading.grade import grade_submissions  # noqa: E402

DEMO = ROOT / "tests" / "golden" / "assign" / "solutions" / "demo.ipynb.json"


def _seconds_per_submission(subs: Path, solution: Path, mode: str | None) -> float:
    saved = sandbox.MECHANISMS
    if mode:
        sandbox.MECHANISMS = (mode,)
    try:
        out = subs.parent / f"{mode or 'plain'}.csv"
        start = time.perf_counter()
        report = grade_submissions(
            [subs], out, solution=solution, sandbox=bool(mode), force=True, progress=False
        )
        elapsed = time.perf_counter() - start
    finally:
        sandbox.MECHANISMS = saved
    statuses = {r["status"] for r in report.rows}
    if statuses != {"graded"}:
        raise SystemExit(f"{mode or 'plain'}: statuses {statuses}; see {out}")
    return elapsed / len(report.rows)


def _start_seconds(mode: str | None, folder: Path, repeats: int = 10) -> float:
    """Median seconds to run ``python -c pass`` (plain, or inside the sandbox): its fixed cost."""
    cmd = [sys.executable, "-c", "pass"]
    if mode:
        mounts, writable = sandbox.plan_mounts([], sandbox.needed_paths(), str(Path.home()))
        cmd = sandbox.Sandbox(mode, tuple(mounts), tuple(writable)).wrap(cmd, folder)
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=4, help="notebooks per batch")
    parser.add_argument("--rounds", type=int, default=2, help="batches per mode, alternating")
    parser.add_argument("--solution", type=Path, default=DEMO, help="solution notebook to copy")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mll-sandbox-bench-"))
    try:
        solution, subs = folder / "solution.ipynb", folder / "subs"
        shutil.copyfile(args.solution, solution)
        subs.mkdir()
        for i in range(args.submissions):
            shutil.copyfile(args.solution, subs / f"learner{i}.ipynb")
        modes = [None] + [m for m in sandbox.MECHANISMS if shutil.which(m)]
        times: dict[str, list[float]] = {m or "plain": [] for m in modes}
        start_s = {m or "plain": _start_seconds(m, folder) for m in modes}
        for _ in range(args.rounds):
            for mode in modes:
                times[mode or "plain"].append(_seconds_per_submission(subs, solution, mode))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    median = {m: round(statistics.median(t), 3) for m, t in times.items()}
    result = {
        "solution": str(
            args.solution.relative_to(ROOT) if args.solution.is_relative_to(ROOT) else args.solution
        ),
        "submissions": args.submissions,
        "rounds": args.rounds,
        "s_per_submission": median,
        "overhead_s": {m: round(v - median["plain"], 3) for m, v in median.items() if m != "plain"},
        "python_start_s": {m: round(v, 3) for m, v in start_s.items()},
        "all_s_per_submission": {m: [round(x, 3) for x in t] for m, t in times.items()},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
