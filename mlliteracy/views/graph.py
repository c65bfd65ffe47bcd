"""Seeing a model's graph: ONNX export, the Netron viewer in a notebook, a static layer tree.

Example:
    >>> path = mll.export_onnx(model, x, "digits.onnx")
    >>> view = mll.netron(path)      # interactive, needs the kernel running
    >>> mll.layer_tree(model, x)     # static, survives HTML export and GitHub
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from ..anatomy.onnx import export_onnx

_RUNNING: set[NetronView] = set()


@dataclass(eq=False)
class NetronView:
    """A running Netron server showing one model file; displays as an IFrame in Jupyter."""

    file_name: str
    host: str
    port: int
    height: int = 600
    _tmpdir: str | None = None

    @property
    def url(self) -> str:
        """Where the browser finds the viewer (through jupyter-server-proxy under JupyterHub)."""
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
        if prefix:
            return f"{prefix.rstrip('/')}/proxy/{self.port}/"
        return f"http://{self.host}:{self.port}/"

    @property
    def local_url(self) -> str:
        """The server's own address on this machine."""
        return f"http://{self.host}:{self.port}/"

    @property
    def running(self) -> bool:
        import netron

        return bool(netron.status((self.host, self.port)))

    def stop(self) -> None:
        """Stop the server (and delete the temporary ONNX file, if it made one)."""
        import netron

        netron.stop((self.host, self.port))
        _RUNNING.discard(self)
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"NetronView({self.file_name!r}, {state}, port={self.port})"

    def _repr_html_(self) -> str:
        if not self.running:
            return f"<p>Netron view of {_html.esc(self.file_name)} is stopped.</p>"
        return (
            f'<iframe src="{_html.esc(self.url)}" width="100%" height="{int(self.height)}" '
            'style="border:1px solid #ccc"></iframe>'
            f"<p><small>Netron graph of {_html.esc(self.file_name)} (live while the kernel runs; "
            "stop it with <code>.stop()</code>).</small></p>"
        )


def netron(
    model_or_path: Any, example_input: Any = None, *, height: int = 600, dynamic_batch: bool = True
) -> NetronView:
    """Serve a model in the Netron viewer on 127.0.0.1 (a free port), quietly.

    Args:
        model_or_path: a model file (``.onnx``, ``.safetensors``, ...) or a ``torch.nn.Module``
            (exported to a temporary ONNX file, which needs ``example_input``).
        example_input: an input batch, only for a module.
        height: IFrame height in pixels.
        dynamic_batch: for a module, keep the batch size dynamic in the export; ``False``
            fixes the shapes, so shape arithmetic folds away and the graph is easier to read.

    Returns:
        A :class:`NetronView`; it shows as an IFrame, ``.stop()`` ends it (and so does exit).

    Example:
        >>> view = mll.netron(mll.load_digits_cnn(), torch.zeros(1, 1, 8, 8))
        >>> view.stop()
    """
    import netron as _netron

    tmpdir = None
    if isinstance(model_or_path, (str, Path)):
        path = Path(model_or_path)
        if not path.is_file():
            raise MLLError(f"model_or_path={str(path)!r} is not a file; pass an existing .onnx")
    else:
        if example_input is None:
            raise MLLError("example_input=None: a module needs an input batch to export to ONNX")
        tmpdir = tempfile.mkdtemp(prefix="mll-netron-")
        name = f"{type(model_or_path).__name__}.onnx"
        path = export_onnx(
            model_or_path, example_input, Path(tmpdir) / name, dynamic_batch=dynamic_batch
        )
    root = logging.getLogger()
    guard = logging.NullHandler()  # netron calls basicConfig when root has no handler
    root.addHandler(guard)
    log = logging.getLogger("netron.server")
    old_level = log.level
    log.setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            host, port = _netron.start(str(path), address=("127.0.0.1", 0), browse=False)
    finally:
        root.removeHandler(guard)
        log.setLevel(old_level)
    view = NetronView(path.name, host, int(port), height, tmpdir)
    _RUNNING.add(view)
    return view


@atexit.register
def _stop_all() -> None:
    for view in list(_RUNNING):
        with contextlib.suppress(Exception):
            view.stop()


@dataclass(frozen=True)
class LayerTree:
    """A static, indented view of a model's modules with output shapes and parameters."""

    model_name: str
    rows: tuple[tuple[int, str, str, str, int], ...]
    """(depth, qualified name, type, output shape, parameters incl. children) per module."""
    total_params: int

    def to_frame(self):
        import pandas as pd

        cols = ["depth", "name", "type", "output shape", "params"]
        return pd.DataFrame(list(self.rows), columns=cols)

    def __repr__(self) -> str:
        lines = [f"{self.model_name}  ({self.total_params:,} params)"]
        for depth, name, kind, shape, params in self.rows:
            label = name.rsplit(".", 1)[-1]
            extra = "  ".join(x for x in (shape, f"{params:,} params" if params else "") if x)
            lines.append(f"{'  ' * depth}{'└ '}{label}: {kind}  {extra}".rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = [
            (
                "&nbsp;" * 4 * (depth - 1) + _html.esc(name.rsplit(".", 1)[-1]),
                kind,
                shape,
                f"{params:,}" if params else "",
            )
            for depth, name, kind, shape, params in self.rows
        ]
        caption = (
            f"{self.model_name}: {self.total_params:,} parameters (a block row sums its layers)"
        )
        return _html.table(
            ["layer", "type", "output shape", "params"], rows, caption=caption, raw_columns=[0]
        )


def layer_tree(model: Any, example_input: Any = None, *, max_depth: int = 3) -> LayerTree:
    """The module hierarchy as a table: name, type, output shape (with an input) and params.

    Args:
        model: a ``torch.nn.Module``.
        example_input: an input batch; when given, output shapes are recorded.
        max_depth: deepest nesting level shown (deeper modules fold into their parent).

    Returns:
        A :class:`LayerTree` (HTML table in Jupyter, text tree in a terminal).

    Example:
        >>> mll.layer_tree(mll.load_digits_cnn(), torch.zeros(1, 1, 8, 8))
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise MLLError(f"model={type(model).__name__} is not a torch.nn.Module; pass a network")
    if not isinstance(max_depth, int) or max_depth < 1:
        raise MLLError(f"max_depth={max_depth!r} is not valid; pass a positive integer")
    shapes: dict[str, str] = {}
    if example_input is not None:
        shapes = _output_shapes(model, example_input)
    rows = []
    for name, module in model.named_modules():
        depth = name.count(".") + 1 if name else 0
        if depth == 0 or depth > max_depth:
            continue
        params = sum(p.numel() for p in module.parameters())  # a block counts its layers
        rows.append((depth, name, type(module).__name__, shapes.get(name, ""), int(params)))
    total = sum(p.numel() for p in model.parameters())
    return LayerTree(type(model).__name__, tuple(rows), int(total))


def _output_shapes(model: Any, example_input: Any) -> dict[str, str]:
    import torch

    shapes: dict[str, str] = {}

    def hook(name):
        def record(_module, _inputs, output):
            if torch.is_tensor(output):
                shapes[name] = "x".join(str(d) for d in output.shape)

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if n]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(example_input)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return shapes
