"""JupyterLab in a real browser: the autopsy lesson runs, its widget responds, Netron shows a graph;
the review page (`mlliteracy review`) scores a flagged answer.

Screenshots for humans land in ``build/browser/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlliteracy.grading.gradebook import feedback_page, read_gradebook, write_gradebook
from mlliteracy.grading.submissions import sha256_of
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
    # a workspace of its own, reset, so tabs from another test are never restored beside it
    workspace = notebook.stem.replace("_", "-")
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{notebook.as_posix()}?reset&token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    return page


def _assert_no_errors(page):
    text = page.locator(".jp-NotebookPanel").inner_text()
    assert "Error displaying widget" not in text
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.inner_text()[:500]


def test_start_here_runs_in_the_browser(browser, lab):
    start = Path("notebooks/00_start_here.ipynb")
    page = _open(browser, lab, start)
    executed = run_all_cells(page, timeout_s=180)
    cells = json.loads((ROOT / start).read_text(encoding="utf-8"))["cells"]
    assert executed == sum(c["cell_type"] == "code" for c in cells)
    _assert_no_errors(page)
    text = page.locator(".jp-NotebookPanel").inner_text()
    assert "ready: the workbook can run on this machine" in text
    assert "doctor_line: 0/1 checks passed" in text and "not answered yet" in text

    # a learner answers an activity in its cell and runs it: the check reacts at once
    inputs = page.locator(".jp-CodeCell .jp-InputArea").all_inner_texts()
    index = next(i for i, t in enumerate(inputs) if "my_line = ..." in t)
    cell = page.locator(".jp-CodeCell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text('my_line = "cpu features"\nmll.check("doctor_line", my_line)')
    page.keyboard.press("Control+Enter")
    answered = cell.locator(".jp-OutputArea-output", has_text="doctor_line: 1/1 checks passed")
    answered.wait_for(timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "00_start_here.png"), full_page=True)
    page.close()


def _rerun_cell_containing(page, text: str) -> None:
    cell = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=text))
    cell.first.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")  # command mode, then run this one cell in place
    page.keyboard.press("Control+Enter")


def test_autopsy_lesson_widget_and_netron_work_in_the_browser(browser, lab):
    assert (ROOT / AUTOPSY).exists(), f"{AUTOPSY} is missing"
    page = _open(browser, lab, AUTOPSY)
    run_all_cells(page, timeout_s=420)
    _assert_no_errors(page)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # the weight explorer renders, and picking another tensor redraws the plot
    select = page.locator(".widget-dropdown select").first
    select.scroll_into_view_if_needed()
    image = page.locator(".widget-image").first
    before = image.get_attribute("src")
    assert before and before.startswith(("blob:", "data:"))
    options = select.locator("option").all_inner_texts()
    assert len(options) > 1
    select.select_option(label=options[1])
    page.wait_for_function(
        "([el, old]) => el.getAttribute('src') !== old",
        arg=[image.element_handle(), before],
        timeout=120_000,
    )
    page.screenshot(path=str(SHOTS / "02_model_autopsy_weights.png"))

    # the lesson stops Netron in its last cell; start the view again, as a learner would
    _rerun_cell_containing(page, "mll.netron(")
    iframe = page.locator(".jp-OutputArea-output iframe").first
    iframe.wait_for(timeout=60_000)
    assert "127.0.0.1" in iframe.get_attribute("src")
    graph = page.frame_locator(".jp-OutputArea-output iframe").first
    # Netron asks once for cookie consent (its offline check of the country fails); accept as a
    # learner would, then the model loads
    accept = graph.get_by_text("Accept", exact=True)
    accept.wait_for(timeout=60_000)
    accept.click()
    nodes = graph.locator("svg g.node")
    nodes.first.wait_for(timeout=180_000)  # generous: on a loaded CI machine Netron is slow
    assert nodes.count() > 3
    iframe.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "02_model_autopsy_netron.png"))
    page.close()


def _review_page(course: Path):
    """Start `mlliteracy review` on the course's gradebook; return (process, URL it printed)."""
    cmd = [sys.executable, "-m", "mlliteracy.cli", "review", "gradebook.csv", "--feedback", "fb"]
    proc = subprocess.Popen(cmd, cwd=course, stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("open http://127.0.0.1:"):
            return proc, line.split()[1]
    raise RuntimeError(f"mlliteracy review printed no URL (exit {proc.wait()})")


def test_review_page_scores_one_answer_into_gradebook_and_feedback(browser, tmp_path):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    solution = ROOT / "tests" / "golden" / "assign" / "solutions" / "demo.ipynb.json"
    (course / "solutions" / "demo.ipynb").write_bytes(solution.read_bytes())
    (course / "subs").mkdir()
    (course / "fb").mkdir()
    rows = []
    for name in ("alice", "bob"):
        nb = json.loads(solution.read_text())
        cell = next(c for c in nb["cells"] if 'check("q_text"' in "".join(c["source"]))
        cell["source"] = (
            f'note = "<script>alert(1)</script> thanks, {name}"\nmll.check("q_text", note)'
        )
        sub = course / "subs" / f"{name}.ipynb"
        sub.write_text(json.dumps(nb))
        row = {"submission": f"subs/{name}.ipynb", "status": "graded", "score": 3, "max_score": 3}
        row |= {"q_sum": 2, "q_text": 1, "needs_review": "q_text", "reason": "", "exercise": "demo"}
        rows.append(row | {"sha256": sha256_of(sub), "key_sha256": "k"})
        page_html = feedback_page(row["submission"], rows[-1], [], [])
        (course / "fb" / f"subs_{name}.ipynb.html").write_text(page_html)
    write_gradebook(course / "gradebook.csv", rows)

    dialogs: list[str] = []
    proc, url = _review_page(course)
    try:
        page = browser.new_page(viewport={"width": 1200, "height": 1100})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        assert page.locator("#progress").inner_text() == "0 of 2 flagged answers reviewed"
        assert page.locator("#answer-title").inner_text() == "subs/alice.ipynb: q_text"
        assert page.locator("#rubric").inner_text() == "Is it polite?"
        assert "<script>alert(1)</script> thanks, alice" in page.locator("pre.answer").inner_text()
        page.fill("#points", "0.5")
        page.fill("#comment", "Polite, but say why the total is <b>42</b>.")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "review.png"), full_page=True)
        page.click("#save")
        page.wait_for_selector("text=saved: subs/alice.ipynb q_text")
        assert page.locator("#answer-title").inner_text() == "subs/bob.ipynb: q_text"
        assert page.locator("#progress").inner_text() == "1 of 2 flagged answers reviewed"
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    alice, bob = read_gradebook(course / "gradebook.csv")
    assert (alice["q_text"], alice["score"], alice["needs_review"]) == ("0.5", "2.5", "")
    assert (bob["q_text"], bob["needs_review"]) == ("1", "q_text")
    page.goto((course / "fb" / "subs_alice.ipynb.html").as_uri())
    section = page.locator("section.mll-review").inner_text()
    assert (
        "Reviewed by your instructor" in section and "Your score after review: 2.5 / 3" in section
    )
    assert "Polite, but say why the total is <b>42</b>." in section  # shown as text, not markup

    # closing and reopening continues at the first answer not reviewed yet
    proc, url = _review_page(course)
    try:
        page.goto(url)
        assert page.locator("#answer-title").inner_text() == "subs/bob.ipynb: q_text"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert dialogs == []  # the learner's <script> never ran
    page.close()
