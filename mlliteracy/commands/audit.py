"""Audit the demo assistant and write a verifiable evidence bundle.

  mlliteracy audit --out DIR [--quick] [--seed N]

Writes DIR/report.md, DIR/report.html and DIR/evidence.json (every cited file with its SHA-256;
check it later with `mlliteracy manifest verify DIR/evidence.json`). Progress goes to stderr.
DIR must be new, empty or a previous audit: anything else is refused (exit 2).
"""

from __future__ import annotations

import argparse

from ..audit.bundle import run_audit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the bundle")
    parser.add_argument("--quick", action="store_true", help="smaller samples (every step runs)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every sampled step")


def run(args: argparse.Namespace) -> int:

    result = run_audit(args.out, quick=args.quick, progress=True, seed=args.seed)
    print(repr(result))
    print(f"verify with: mlliteracy manifest verify {result.evidence.as_posix()}")
    return 0
