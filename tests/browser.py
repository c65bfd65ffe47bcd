"""A real browser for the tests: Debian's chromium driven by Python playwright, JupyterLab on
127.0.0.1. Never ``playwright install`` (it downloads a browser; this project uses the system one).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def ensure_chromium() -> Path | None:
    """Debian's chromium, installed with apt when missing and we are root; None if impossible."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "update", "-qq"], check=True, env=env, timeout=600, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"],
        check=True,
        env=env,
        timeout=900,
        stdout=subprocess.DEVNULL,
    )
    return CHROMIUM if CHROMIUM.exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(root_dir: Path, token: str = "mll-browser-test"):
    """Start JupyterLab on 127.0.0.1 serving ``root_dir``; yield its base URL; stop it."""
    port = free_port()
    settings = root_dir / "lab-settings"
    # render every cell (no windowing, so the test sees them all) and never fetch news
    for plugin, values in {
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }.items():
        package, name = plugin.rsplit("/", 1)
        target = settings / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--allow-root",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={root_dir / 'lab-workspaces'}",
    ]
    log = open(root_dir / "jupyterlab.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start; see jupyterlab.log") from None
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _menu(page, menu: str, item: str) -> None:
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def accept_kernel_dialog(page) -> None:
    """JupyterLab may ask which kernel to start; take the notebook's own (preselected) one."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and "Select Kernel" in dialog.inner_text():
        dialog.get_by_role("button", name="Select").click()
        page.wait_for_timeout(500)


def wait_for_kernel(page, timeout_s: float = 120) -> None:
    """Wait until the notebook's kernel has started and is idle."""
    status = page.locator(".jp-StatusBar-Widget").filter(has_text="| Idle")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        accept_kernel_dialog(page)
        if status.count():
            return
        page.wait_for_timeout(500)
    raise TimeoutError(f"the kernel did not become idle within {timeout_s} s")


def run_all_cells(page, timeout_s: float = 300) -> int:
    """Clear every output, run all cells through JupyterLab's menus, wait until each has run.

    Returns the number of code cells executed. Clearing first means nothing seen afterwards can
    come from the committed outputs.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wait_for_kernel(page)
    outputs = page.locator(".jp-CodeCell .jp-OutputArea-output")
    for attempt in range(3):
        accept_kernel_dialog(page)
        page.locator(".jp-NotebookPanel .jp-Cell").first.click()  # focus the notebook
        _menu(page, "Edit", "Clear Outputs of All Cells")
        try:
            page.wait_for_function(
                "() => !document.querySelector('.jp-CodeCell .jp-OutputArea-output')",
                timeout=30_000,
            )
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt")
    _menu(page, "Run", "Run All Cells")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        texts = [p.strip() for p in prompts.all_inner_texts()]
        done = [p for p in texts if p.strip("[]: ").isdigit()]
        idle = page.locator(".jp-StatusBar-Widget").filter(has_text="| Idle").count()
        if texts and len(done) == len(texts) and idle and outputs.count():
            return len(done)
        page.wait_for_timeout(500)
    raise TimeoutError(f"cells still running after {timeout_s} s")
