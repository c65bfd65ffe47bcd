"""Make the Netron pictures beginner 02 shows: real Netron graphs, exported as PNG.

Usage:
    python scripts/netron_pictures.py           # writes notebooks/beginner/figures/netron_*.png
    python scripts/netron_pictures.py --out DIR

For each block of ``mll.graph_specimens()`` (a residual block, an attention block, an LSTM):
export it to ONNX with fixed shapes, serve it with Netron on 127.0.0.1, open it in Debian's
chromium driven by playwright (as ``tests/browser.py`` does; never ``playwright install``),
accept Netron's cookie notice, and save Netron's own "Export as PNG" of the whole graph,
scaled to 1x with a 64-colour palette. Netron's live view is dead in a committed notebook and
in exported HTML; these pictures are what those show.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks" / "beginner"
#: Netron writes tensor shapes between U+3008/U+3009, which Debian's fonts lack; the
#: mathematical angle brackets U+27E8/U+27E9 look the same and DejaVu has them.
GLYPHS = {"\\u3008": "\\u27E8", "\\u3009": "\\u27E9", "\u3008": "\u27e8", "\u3009": "\u27e9"}
#: Netron exports at twice the screen size; the pictures keep 1/SCALE of that.
SCALE = 2
#: Colours kept in the saved picture (a palette PNG).
COLOURS = 64
#: A whole graph is at least this long (pixels at 1x, its longer side); shorter is a picture
#: taken before Netron finished drawing.
MIN_SIDE = 150


def _patched_script(route) -> None:
    """Serve Netron's ``view.js`` with the missing angle brackets swapped for drawable ones."""
    response = route.fetch()
    text = response.text()
    for old, new in GLYPHS.items():
        text = text.replace(old, new)
    route.fulfill(response=response, body=text)


def _wait_for_layout(page, timeout_s: float = 60) -> None:
    """Wait until Netron has drawn the graph: nodes present and the drawing stopped changing."""
    import time

    nodes = page.locator("svg g.node")
    nodes.first.wait_for(timeout=timeout_s * 1000)
    deadline, last, steady = time.monotonic() + timeout_s, None, 0
    while time.monotonic() < deadline and steady < 3:
        page.wait_for_timeout(500)
        box = page.locator("#origin").bounding_box()
        now = (nodes.count(), box and (round(box["width"]), round(box["height"])))
        steady = steady + 1 if now == last else 0
        last = now


def netron_png(model_path: Path, out: Path, browser) -> Path:
    """Render ``model_path`` in Netron inside ``browser`` and save the whole graph as PNG."""
    import netron
    from PIL import Image

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        host, port = netron.start(str(model_path), address=("127.0.0.1", 0), browse=False)
    page = browser.new_page(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    try:
        page.route("**/view.js", _patched_script)
        page.goto(f"http://{host}:{port}/")
        accept = page.get_by_text("Accept", exact=True)
        accept.wait_for(timeout=60_000)  # Netron asks once (its offline country check fails)
        accept.click()
        _wait_for_layout(page)
        with page.expect_download(timeout=60_000) as download:
            page.keyboard.press("Control+Shift+E")  # Netron: File > Export as PNG
        raw = Path(tempfile.mkdtemp(prefix="mll-netron-png-")) / "graph.png"
        download.value.save_as(raw)
    finally:
        page.close()
        netron.stop((host, port))
    image = Image.open(raw).convert("RGB")
    if max(image.size) < MIN_SIDE * SCALE:
        raise RuntimeError(
            f"Netron exported a {image.size} picture of {model_path.name}: too small"
        )
    image = image.resize((image.width // SCALE, image.height // SCALE), Image.LANCZOS)
    # a graph has few colours: a palette of COLOURS keeps the text sharp at a third of the bytes
    image = image.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, format="PNG", optimize=True)
    return out


def make_pictures(out: Path) -> dict[str, Path]:
    """Export every graph specimen to ONNX and save its Netron picture under ``out``."""
    import mlliteracy as mll
    from tests.browser import CHROMIUM_FLAGS, ensure_chromium

    chromium = ensure_chromium()
    if chromium is None:
        raise SystemExit("Debian chromium is missing and cannot be installed (root + apt-get)")
    from playwright.sync_api import sync_playwright

    written = {}
    with tempfile.TemporaryDirectory(prefix="mll-specimens-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            for picture, spec in mll.graph_specimens().items():
                onnx_path = Path(tmp) / f"{picture.replace(' ', '_')}.onnx"
                mll.export_onnx(spec.module, spec.example_input, onnx_path, dynamic_batch=False)
                for attempt in range(3):
                    try:
                        written[picture] = netron_png(onnx_path, out / spec.picture, browser)
                        break
                    except RuntimeError:
                        if attempt == 2:
                            raise
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="the lesson's folder")
    args = parser.parse_args(argv)
    from PIL import Image

    for picture, path in make_pictures(args.out).items():
        width, height = Image.open(path).size
        print(f"{picture}: {path.name} ({width}x{height}, {path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
