"""Submissions per minute of ``grade --scheduler`` on a local Dask cluster of 1 and of 2 workers.

The same batch (copies of a solution notebook) is graded through a 1-worker and a 2-worker
``distributed.LocalCluster`` (one thread per worker: one submission at a time each), in
alternating rounds so that other load on the machine falls on both alike; the probes' expected
values (one solution run per grading run) are part of the time, as they are for an instructor.
On a 2-core machine the two workers share the cores with the kernels they start, so expect
well under 2x; on a course's machines each worker brings its own cores.

    python benchmarks/grading_scale.py [--submissions 6] [--rounds 2] [--solution NB]

Prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlliteracy.grading.grade import grade_submissions  # noqa: E402

DEMO = ROOT / "tests" / "golden" / "assign" / "solutions" / "demo.ipynb.json"


def _per_minute(cluster, subs: Path, solution: Path, n: int) -> float:
    out = subs.parent / f"w{len(cluster.workers)}.csv"
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    report = grade_submissions(
        [subs], out, solution=solution, scheduler=cluster.scheduler_address, progress=False
    )
    elapsed = time.perf_counter() - start
    assert report.graded == n and all(r["status"] == "graded" for r in report.rows)
    return 60 * n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--solution", default=str(DEMO))
    args = parser.parse_args()
    from distributed import LocalCluster

    work = Path(tempfile.mkdtemp(prefix="mll-bench-"))
    try:
        solution = work / "solution.ipynb"
        shutil.copyfile(args.solution, solution)
        subs = work / "subs"
        subs.mkdir()
        for i in range(args.submissions):
            shutil.copyfile(args.solution, subs / f"learner{i}.ipynb")
        rates: dict[int, list[float]] = {1: [], 2: []}
        opts = {"threads_per_worker": 1, "processes": True, "dashboard_address": None}
        with LocalCluster(n_workers=1, **opts) as one, LocalCluster(n_workers=2, **opts) as two:
            for _ in range(args.rounds):
                for cluster in (one, two):
                    rate = _per_minute(cluster, subs, solution, args.submissions)
                    rates[len(cluster.workers)].append(rate)
        result = {
            "benchmark": "grading_scale",
            "submissions": args.submissions,
            "rounds": args.rounds,
            "cpu_count": os.cpu_count(),
            "per_minute_1_worker": round(statistics.median(rates[1]), 2),
            "per_minute_2_workers": round(statistics.median(rates[2]), 2),
            "speedup_2_vs_1": round(statistics.median(rates[2]) / statistics.median(rates[1]), 2),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
