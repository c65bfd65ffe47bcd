"""Check this machine for the workbook: versions, threads, CPU features, GPU, Netron, hub.

Exit 0 when the workbook can run, 1 with the reason when it cannot.
"""

from __future__ import annotations

import argparse
import json

from ..workbook.doctor import doctor


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:

    report = doctor()
    if args.json:
        checks = [c.__dict__ for c in report.checks]
        print(json.dumps({"ok": report.ok, "verdict": report.verdict(), "checks": checks}))
    else:
        print(repr(report))
    return 0 if report.ok else 1
