"""The ``mlliteracy`` command line: one subcommand per workflow step.

Each subcommand lives in the module named in :data:`COMMANDS`, which defines
``add_arguments(parser)`` and ``run(args) -> int``. Modules keep heavy imports
inside ``run`` so that ``mlliteracy --help`` stays instant.

Exit codes: 0 success, 1 the check failed (doctor, verify, assign --check),
2 bad or unsafe input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ._core.errors import MLLError
from ._core.exports import VERSION

#: subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("mlliteracy.commands.doctor", "check this machine for the workbook"),
    "assign": ("mlliteracy.commands.assign", "generate exercises/ from solutions/"),
    "grade": ("mlliteracy.commands.grade", "grade submitted notebooks into a gradebook"),
    "review": ("mlliteracy.commands.review", "review flagged answers by hand in a local page"),
    "workbook": ("mlliteracy.commands.workbook", "execute every notebook, write HTML"),
    "autopsy": ("mlliteracy.commands.autopsy", "params, FLOPs, shapes of a model or a model file"),
    "manifest": ("mlliteracy.commands.manifest", "build or verify a manifest of artifact hashes"),
    "audit": ("mlliteracy.commands.audit", "audit the demo assistant, write an evidence bundle"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlliteracy", description="Helpers for the ML system literacy workbook."
    )
    parser.add_argument("--version", action="version", version=f"mlliteracy {VERSION}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(module)
        cmd = sub.add_parser(name, help=help_text, description=(mod.__doc__ or help_text).strip())
        mod.add_arguments(cmd)
        cmd.set_defaults(_module=mod)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except MLLError as err:
        print(f"mlliteracy {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mlliteracy {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
