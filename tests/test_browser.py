"""JupyterLab in a real browser: the autopsy lesson runs, its widget responds, Netron shows a graph.

Screenshots for humans land in ``build/browser/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser import CHROMIUM_FLAGS, ensure_chromium, jupyterlab, run_all_cells

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "browser"
AUTOPSY = Path("notebooks/beginner/02_model_autopsy.ipynb")


@pytest.fixture(scope="module")
def browser():
    chromium = ensure_chromium()
    if chromium is None:
        pytest.skip("Debian chromium is missing and cannot be installed (needs root + apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    # a copy, so running cells in the browser can never overwrite the committed notebooks
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    with jupyterlab(root) as server:
        yield server


def _open(browser, lab, notebook: Path):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/{notebook.as_posix()}?token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    return page


def _assert_no_errors(page):
    text = page.locator(".jp-NotebookPanel").inner_text()
    assert "Error displaying widget" not in text
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()[:500]


def test_start_here_runs_in_the_browser(browser, lab):
    page = _open(browser, lab, Path("notebooks/00_start_here.ipynb"))
    executed = run_all_cells(page, timeout_s=180)
    assert executed == 7
    _assert_no_errors(page)
    assert (
        "ready: the workbook can run on this machine"
        in page.locator(".jp-NotebookPanel").inner_text()
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "00_start_here.png"), full_page=True)
    page.close()
