"""Find, execute, clean and render the workbook's notebooks (the harness behind make/tests).

Example:
    >>> nbs = find_notebooks(root, "notebooks")
    >>> execute(nbs[0], quick=True)
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.files import write_atomic

KINDS = ("notebooks", "solutions", "exercises")
PARAMETERS_TAG = "parameters"
#: Cell metadata keys that change on every run and must never be committed.
VOLATILE_CELL_METADATA = ("execution", "papermill", "collapsed", "scrolled")
VOLATILE_NOTEBOOK_METADATA = ("papermill", "widgets")


def set_seed(seed: int = 0) -> int:
    """Seed Python, NumPy and (when installed) PyTorch; return the seed for printing."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return seed
    torch.manual_seed(seed)
    return seed


def find_notebooks(root: str | Path, kind: str = "notebooks") -> list[Path]:
    """Every notebook under ``root/kind`` in teaching order (start-here first, then by level)."""
    if kind not in KINDS:
        raise MLLError(f"kind={kind!r} is not one of {', '.join(KINDS)}")
    base = Path(root) / kind
    found = [
        p
        for p in base.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and not p.name.startswith("_")
    ]

    def order(path: Path) -> tuple[int, str]:
        rel = path.relative_to(base)
        level = rel.parts[0] if len(rel.parts) > 1 else ""
        ranks = ("", *_LEVEL_ORDER)
        rank = ranks.index(level) if level in ranks else len(ranks)
        return rank, rel.as_posix()

    return sorted(found, key=order)


_LEVEL_ORDER = ("beginner", "intermediate", "advanced")


def title_of(path: str | Path) -> str:
    """The first Markdown heading of a notebook (its title)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return Path(path).stem


def level_of(path: str | Path) -> str:
    """``beginner`` / ``intermediate`` / ``advanced`` from the path, else ``start``."""
    for part in Path(path).parts:
        if part in _LEVEL_ORDER:
            return part
    return "start"


def has_parameters_cell(nb: dict[str, Any]) -> bool:
    return any(PARAMETERS_TAG in c.get("metadata", {}).get("tags", []) for c in nb.get("cells", []))


def execute(
    path: str | Path,
    output: str | Path | None = None,
    *,
    quick: bool = False,
    timeout: int = 600,
    parameters: dict[str, Any] | None = None,
    cwd: str | Path | None = None,
):
    """Run a notebook with papermill in its own folder and return the executed notebook.

    Args:
        path: the notebook.
        output: where to write the executed copy (a temporary file when omitted).
        quick: inject ``QUICK = True`` so heavy work shrinks; otherwise nothing is injected.
        timeout: seconds per cell.
        parameters: more papermill parameters.
        cwd: the folder to run in (default: the notebook's; a lesson's reference runs in the
            lesson's folder).
    """
    import tempfile

    import papermill as pm

    path = Path(path).resolve()
    params = dict(parameters or {})
    if quick:
        params["QUICK"] = True
    tmp = None
    if output is None:
        fd, tmp = tempfile.mkstemp(suffix=".ipynb")
        os.close(fd)
        output = tmp
    try:
        return pm.execute_notebook(
            str(path),
            str(output),
            parameters=params,
            cwd=str(Path(cwd).resolve() if cwd is not None else path.parent),
            kernel_name="python3",
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
        )
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


_ADDRESS = re.compile(r" at 0x[0-9a-f]{6,16}")


def clean(nb: dict[str, Any]) -> dict[str, Any]:
    """Drop volatile metadata and memory addresses; keep outputs, tags and execution counts."""
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        for key in VOLATILE_CELL_METADATA:
            meta.pop(key, None)
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = _sub_lines(out["text"])
            data = out.get("data", {})
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in data:
                    data[mime] = _sub_lines(data[mime])
            # widget views carry random model ids that change every run
            if "application/vnd.jupyter.widget-view+json" in data:
                data["application/vnd.jupyter.widget-view+json"]["model_id"] = ""
    return nb


def _sub_lines(text: str | list[str]) -> str | list[str]:
    if isinstance(text, list):
        return [_ADDRESS.sub("", line) for line in text]
    return _ADDRESS.sub("", text)


def save_clean(nb: dict[str, Any], path: str | Path) -> None:
    """Write a notebook atomically in the canonical layout (1-space indent, sorted keys)."""
    path = Path(path)
    text = json.dumps(clean(nb), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text)


def refresh(path: str | Path, timeout: int = 900) -> None:
    """Re-execute a lesson in full mode and save it in place with its outputs, cleaned."""
    nb = execute(path, quick=False, timeout=timeout)
    save_clean(json.loads(json.dumps(nb)), path)


@dataclass(frozen=True)
class SitePage:
    level: str
    title: str
    html: str
    source: str


def build_site(
    root: str | Path,
    out: str | Path,
    *,
    quick: bool = False,
    kinds: tuple[str, ...] = ("notebooks",),
) -> Path:
    """Execute every notebook headless and write HTML pages plus ``index.html`` to ``out``."""
    import nbformat
    from nbconvert import HTMLExporter

    root, out = Path(root).resolve(), Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    pages: list[SitePage] = []
    for kind in kinds:
        for path in find_notebooks(root, kind):
            rel = path.relative_to(root)
            print(f"executing {rel.as_posix()}", flush=True)
            nb = execute(path, quick=quick)
            body, _ = exporter.from_notebook_node(nbformat.from_dict(clean(dict(nb))))
            target = out / rel.with_suffix(".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
            pages.append(
                SitePage(
                    level_of(rel),
                    title_of(path),
                    target.relative_to(out).as_posix(),
                    rel.as_posix(),
                )
            )
    sections = []
    for level in ("start", *_LEVEL_ORDER):
        items = [p for p in pages if p.level == level]
        if not items:
            continue
        links = "".join(
            f'<li><a href="{_html.esc(p.html)}">{_html.esc(p.title)}</a> '
            f"<small>({_html.esc(p.source)})</small></li>"
            for p in items
        )
        heading = "Start here" if level == "start" else level.capitalize()
        sections.append(f"<h2>{_html.esc(heading)}</h2><ul>{links}</ul>")
    index = (
        "<!doctype html><html><head><meta charset='utf-8'><title>mlliteracy workbook</title>"
        "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto}</style></head><body>"
        "<h1>mlliteracy workbook</h1>"
        "<p>Every page below was executed headless from the notebooks in this checkout.</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    return out / "index.html"
