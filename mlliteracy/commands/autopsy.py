"""Autopsy of a model: a zoo name, torchvision:NAME, or a .onnx / .safetensors / .pt / .pth file.

Files are checked before anything is loaded: pickles are scanned and refused when they import
anything outside a small allowlist, safetensors headers are validated, ONNX is checked.
Unsafe or broken input exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from pathlib import Path

from .._core import files
from .._core.errors import MLLError
from ..anatomy.targets import autopsy_target


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        help="zoo name (resnet18, minilm, torchvision:NAME, ...) or a "
        "model file (.onnx, .safetensors, .pt, .pth)",
    )
    parser.add_argument(
        "--input-shape",
        metavar="SHAPE",
        default=None,
        help="input sizes, e.g. 1,3,224,224 (default: the model's example input)",
    )
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
    parser.add_argument(
        "--report",
        metavar="OUT.md",
        default=None,
        help="write the one-page Markdown report to this file",
    )


def write_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    target = Path(path)
    if target.is_dir():
        raise MLLError(f"--report {target} is a directory; pass a file name such as report.md")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise MLLError(f"--report folder {folder} does not exist; create it first")
    return files.write_atomic(target, text)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

    noise = io.StringIO()  # libraries that print must not break the one-JSON-object contract
    try:
        with contextlib.redirect_stdout(noise):
            result = autopsy_target(args.target, args.input_shape)
            data = result.to_json()
            text = result.report() if (args.report or not args.json) else ""
    except MLLError:
        raise
    except Exception as err:  # never a traceback: one line with what failed
        first = (str(err).strip().splitlines() or [""])[0][:200]
        raise MLLError(f"could not analyse {args.target}: {type(err).__name__}: {first}") from err
    if args.report:
        write_atomic(args.report, text)
    if args.json:
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        sys.stdout.write(text)
        if args.report:
            sys.stdout.write(f"\nreport written to {args.report}\n")
    return 0
