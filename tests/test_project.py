"""The contracts of the checkout itself: entry points, CI, and `make lab` really serving."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_starts_with_make_lab_and_make_test():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands[:2] == ["make lab", "make test"]


def test_ci_runs_make_test_and_fails_on_failure():
    script = (ROOT / ".ci/run").read_text()
    assert "set -euo pipefail" in script and "make test" in script


def test_makefile_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ["lab", "test", "workbook", "notebooks", "bench", "lint", "format"]:
        assert re.search(rf"^{target}:", makefile, re.M), target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_serves_jupyterlab():
    port = _free_port()
    args = f"LAB_ARGS=--no-browser --ip 127.0.0.1 --port {port} --IdentityProvider.token="
    proc = subprocess.Popen(
        ["make", "-s", "lab", args],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=5) as resp:
                    status = resp.status
            except OSError:
                time.sleep(1)
        assert status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
