"""Execute every lesson notebook headless (papermill) and write HTML plus an index.

Also ``--refresh``: re-execute lessons in place so their committed outputs are current.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..workbook.curriculum import find_root
from ..workbook.harness import build_site, find_notebooks, refresh


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", help="workbook checkout (default: .)")
    parser.add_argument("--out", default="build/site", help="output folder (default: build/site)")
    parser.add_argument("--quick", action="store_true", help="run with QUICK = True")
    parser.add_argument("--solutions", action="store_true", help="also render solutions/")
    parser.add_argument(
        "--refresh",
        nargs="*",
        metavar="NOTEBOOK",
        help="re-execute lessons in place (all of notebooks/ when no path is given)",
    )


def run(args: argparse.Namespace) -> int:

    root = find_root(args.root)
    if args.refresh is not None:
        paths = [Path(p) for p in args.refresh] or find_notebooks(root, "notebooks")
        for path in paths:
            print(f"refreshing {path}", flush=True)
            refresh(path)
        return 0
    kinds = ("notebooks", "solutions") if args.solutions else ("notebooks",)
    index = build_site(root, Path(args.out), quick=args.quick, kinds=kinds)
    print(f"wrote {index}")
    return 0
