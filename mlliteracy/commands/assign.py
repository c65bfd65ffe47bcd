"""Generate exercises/ from solutions/ and lessons from reference/ (answers become placeholders,
keys hashed).

With --check nothing is written: exit 1 and list the notebooks that are out of date and the
solutions whose keys are unfair (points that no hidden probe or person grades).
"""

from __future__ import annotations

import argparse

from ..grading.assign import assign_exercises


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", help="workbook checkout (default: .)")
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")


def run(args: argparse.Namespace) -> int:

    report = assign_exercises(args.root, check=args.check)
    for problem in report.unfair:
        print(f"unfair key: {problem}")
    if args.check:
        for rel in report.stale:
            print(f"stale: {rel}")
        if report.stale:
            print(f"{len(report.stale)} notebook(s) out of date: run `mlliteracy assign`")
        if report.unfair:
            print(f"{len(report.unfair)} key problem(s): fix the solutions' answer keys")
        if report.stale or report.unfair:
            return 1
        print("exercises and lessons are up to date")
        return 0
    for rel in report.written:
        print(f"wrote {rel}")
    for rel in report.removed:
        print(f"removed {rel} (its solution is gone)")
    print(f"{len(report.written)} written, {len(report.removed)} removed")
    if any(rel.startswith("notebooks/") for rel in report.written):
        print("lessons changed: run `make notebooks NB=...` to re-execute their new cells")
    return 0
