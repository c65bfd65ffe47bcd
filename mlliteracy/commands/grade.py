"""Grade submitted notebooks into a CSV gradebook, each in its own kernel with limits.

Re-running the same command resumes: submissions already graded with the same content and key
are kept unless --force. Rows: submission, status (graded, timeout, out_of_memory, crashed,
invalid_notebook), score, max_score, one column per question, needs_review, reason.
With --sandbox each kernel runs with no network, a read-only filesystem and the instructor's
home, solutions, gradebook and feedback hidden (Linux: bubblewrap or util-linux unshare).
With --scheduler tcp://HOST:PORT each submission runs as a task on a Dask cluster's workers
(started from the same workbook environment); scoring and the gradebook stay here.
"""

from __future__ import annotations

import argparse

from ..grading.grade import grade_submissions
from ..grading.gradebook import summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="notebooks or folders")
    parser.add_argument(
        "--out", default="gradebook.csv", help="gradebook CSV (default: gradebook.csv)"
    )
    parser.add_argument(
        "--feedback", metavar="DIR", help="write one HTML feedback page per learner"
    )
    parser.add_argument("--jobs", type=int, default=1, help="submissions in parallel (default: 1)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per submission (300)")
    parser.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (60)")
    parser.add_argument("--memory-mb", type=float, default=2048, help="kernel memory limit (2048)")
    parser.add_argument("--force", action="store_true", help="re-grade unchanged submissions")
    parser.add_argument("--root", default=".", help="checkout with solutions/ (default: .)")
    parser.add_argument("--solution", help="grade against this solution notebook instead")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="no network, read-only filesystem, the instructor's files hidden",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on a Dask cluster: its scheduler's tcp://host:port (--jobs is ignored)",
    )


def run(args: argparse.Namespace) -> int:

    report = grade_submissions(
        args.submissions,
        args.out,
        root=args.root,
        solution=args.solution,
        feedback=args.feedback,
        jobs=args.jobs,
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        memory_mb=args.memory_mb,
        force=args.force,
        progress=not args.quiet,
        sandbox=args.sandbox,
        scheduler=args.scheduler,
    )
    print(f"{args.out}: {len(report.rows)} rows ({report.graded} run now, {report.skipped} kept)")
    print(summary(list(report.rows)))
    return 0
