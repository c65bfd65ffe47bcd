"""Build or verify a manifest of artifacts (paths, SHA-256, sizes, origin, licence).

  mlliteracy manifest build PATH... -o manifest.json [--source S] [--license L] [--creator C]
  mlliteracy manifest verify manifest.json

verify exits 0 when every artifact matches, 1 listing each changed, missing or added file,
and 2 on a malformed manifest.
"""

from __future__ import annotations

import argparse
import sys

from ..provenance.manifest import build_manifest, verify_manifest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = sub.add_parser("build", help="hash files and folders into a manifest JSON")
    build.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to list")
    build.add_argument("-o", "--out", required=True, help="manifest file to write (atomically)")
    for opt in ("source", "license", "creator"):
        build.add_argument(f"--{opt}", default=None, help=f"{opt} recorded for every artifact")
    verify = sub.add_parser("verify", help="re-hash every artifact listed in a manifest")
    verify.add_argument("manifest", help="manifest JSON (or an evidence bundle with artifacts)")


def run(args: argparse.Namespace) -> int:

    if args.action == "build":
        defaults = {k: getattr(args, k) for k in ("source", "license", "creator")}
        manifest = build_manifest(args.paths, out=args.out, defaults=defaults)
        print(f"{manifest!r} written to {args.out}")
        return 0
    check = verify_manifest(args.manifest)
    if check.ok:
        print(f"ok: {check.checked} artifacts match {args.manifest}")
        return 0
    for line in check.lines():
        print(line)
    print(f"FAILED: {len(check.lines())} problems in {args.manifest}", file=sys.stderr)
    return 1
