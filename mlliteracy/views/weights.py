"""Looking at weights: exact statistics and an interactive explorer (ipywidgets + matplotlib).

Example:
    >>> mll.weight_stats(torch.tensor([0.0, 0.0, 3.0, 4.0]))["l2_norm"]
    5.0
    >>> mll.weight_explorer(model, reference=untrained_model)
"""

from __future__ import annotations

import base64
import io
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError

#: |w| below this counts as "near zero" (the share that pruning could remove almost for free).
NEAR_ZERO = 1e-3


def weight_stats(tensor: Any, *, near_zero: float = NEAR_ZERO) -> dict[str, float]:
    """Summary statistics of one weight tensor, computed in float64.

    Args:
        tensor: a tensor or array of any shape.
        near_zero: threshold for ``near_zero_share`` (share of ``|w| < near_zero``).

    Returns:
        ``count``, ``mean``, ``std`` (population), ``min``, ``max``, ``l2_norm``,
        ``sparsity`` (share of exact zeros) and ``near_zero_share``.

    Example:
        >>> mll.weight_stats([0.0, 0.0, 3.0, 4.0])["sparsity"]
        0.5
    """
    import numpy as np

    try:
        if hasattr(tensor, "detach"):
            tensor = tensor.detach().cpu().numpy()
        w = np.asarray(tensor, dtype=np.float64).ravel()
    except (TypeError, ValueError) as err:
        raise MLLError(
            f"tensor={type(tensor).__name__} is not numeric; pass a tensor or array"
        ) from err
    if w.size == 0:
        raise MLLError("tensor has no elements; pass a non-empty weight tensor")
    if not near_zero > 0:
        raise MLLError(f"near_zero={near_zero!r} is not valid; pass a small positive float")
    return {
        "count": int(w.size),
        "mean": float(w.mean()),
        "std": float(w.std()),
        "min": float(w.min()),
        "max": float(w.max()),
        "l2_norm": float(np.sqrt(np.sum(w * w))),
        "sparsity": float(np.mean(w == 0)),
        "near_zero_share": float(np.mean(np.abs(w) < near_zero)),
    }


def weight_table(model: Any, reference: Any = None):
    """One row per parameter tensor: shape and :func:`weight_stats` (and the reference's)."""
    import pandas as pd

    params = _parameters(model)
    ref = _parameters(reference) if reference is not None else {}
    rows = []
    for name, p in params.items():
        row = {"parameter": name, "shape": "x".join(map(str, p.shape))}
        row.update(weight_stats(p))
        if name in ref:
            row["reference std"] = weight_stats(ref[name])["std"]
            row["reference l2_norm"] = weight_stats(ref[name])["l2_norm"]
        rows.append(row)
    return pd.DataFrame(rows).set_index("parameter")


class WeightExplorer:
    """A dropdown of parameter tensors; picking one redraws heatmap, histogram and stats.

    It displays as ONE output whose bundle holds the widget view and, as its ``text/html``
    fallback, a static snapshot (stats of every tensor and a picture of the first one).
    JupyterLab shows the live widget when the kernel runs it; where no widget can live (an
    HTML export, a notebook opened without its kernel) the snapshot shows instead, so a stale
    copy never sits under a widget that moved on.
    """

    def __init__(self, model: Any, reference: Any = None) -> None:
        import ipywidgets as w

        self.params = _parameters(model)
        if not self.params:
            raise MLLError(f"model={type(model).__name__} has no parameters to explore")
        self.reference = _parameters(reference) if reference is not None else {}
        names = list(self.params)
        self.dropdown = w.Dropdown(options=names, value=names[0], description="tensor")
        self.image = w.Image(format="png")
        self.stats = w.HTML()
        self.widget = w.VBox([self.dropdown, self.image, self.stats])
        self.dropdown.observe(lambda change: self._draw(change["new"]), names="value")
        self._draw(names[0])

    def select(self, name: str) -> None:
        """Show the tensor ``name`` (same as picking it in the dropdown)."""
        if name not in self.params:
            raise MLLError(f"name={name!r} is not a parameter; pick one of {list(self.params)}")
        self.dropdown.value = name

    def _draw(self, name: str) -> None:
        self.image.value = render_png(self.params[name], self.reference.get(name), name)
        self.stats.value = self._stats_html(name)

    def _stats_html(self, name: str) -> str:
        mine = weight_stats(self.params[name])
        cols = ["statistic", "trained"]
        other = self.reference.get(name)
        theirs = weight_stats(other) if other is not None else None
        if theirs is not None:
            cols.append("fresh init (reference)")
        rows = [
            [k, _fmt(v)] + ([_fmt(theirs[k])] if theirs is not None else [])
            for k, v in mine.items()
        ]
        return _html.table(cols, rows, caption=f"{name}  {tuple(self.params[name].shape)}")

    def snapshot_html(self) -> str:
        """Static view: the first tensor's picture and a stats table of every tensor."""
        first = next(iter(self.params))
        png = render_png(self.params[first], self.reference.get(first), first)
        rows = []
        for n, p in self.params.items():
            st = weight_stats(p)
            keys = ("mean", "std", "l2_norm", "sparsity", "near_zero_share")
            rows.append((n, "x".join(map(str, p.shape)), *(_fmt(st[k]) for k in keys)))
        header = ["parameter", "shape", "mean", "std", "L2 norm", "sparsity", "|w| < 1e-3"]
        return (
            f'<img alt="weights of {_html.esc(first)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}" style="max-width:100%"/>'
            + _html.table(header, rows, caption="every parameter tensor (static snapshot)")
        )

    def __repr__(self) -> str:
        return f"WeightExplorer({len(self.params)} tensors, showing {self.dropdown.value!r})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """The widget view plus the static snapshot as its ``text/html`` fallback."""
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/plain"] = repr(self)  # the VBox's own repr is long and cut with an ellipsis
        bundle["text/html"] = self.snapshot_html()
        return bundle


def weight_explorer(model: Any, reference: Any = None) -> WeightExplorer:
    """An interactive explorer of a model's weights, optionally beside a reference model.

    Args:
        model: a ``torch.nn.Module`` (usually trained).
        reference: the same architecture freshly initialised, to see what training changed.

    Returns:
        A :class:`WeightExplorer`; display it, or call ``.select(name)``.

    Example:
        >>> mll.weight_explorer(mll.load_digits_cnn(), mll.load_digits_cnn(pretrained=False))
    """
    return WeightExplorer(model, reference)


def render_png(weights: Any, reference: Any = None, title: str = "") -> bytes:
    """Heatmap(s) of a tensor's 2-D view and an overlaid histogram, as PNG bytes."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    mats = [("trained", _as_2d(weights))]
    if reference is not None:
        mats.append(("fresh init", _as_2d(reference)))
    vmax = max(float(np.abs(m).max()) for _, m in mats) or 1.0
    fig = Figure(figsize=(3.4 * (len(mats) + 1), 3.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(mats) + 1)
    for ax, (label, m) in zip(axes, mats, strict=False):
        im = ax.imshow(m, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto",
                       interpolation="nearest")  # fmt: skip
        ax.set_title(f"{label} {m.shape[0]}x{m.shape[1]}", fontsize=9)
    fig.colorbar(im, ax=axes[: len(mats)].tolist(), shrink=0.8)
    hist = axes[-1]
    bins = np.linspace(-vmax, vmax, 41)
    for label, m in mats:
        hist.hist(m.ravel(), bins=bins, alpha=0.6, label=label)
    hist.set_title("histogram", fontsize=9)
    hist.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
    return buf.getvalue()


def _as_2d(tensor: Any):
    import numpy as np

    a = tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)
    a = a.astype(np.float64)
    if a.ndim <= 1:
        return a.reshape(1, -1)
    return a.reshape(a.shape[0], -1)


def _parameters(model: Any) -> dict[str, Any]:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise MLLError(f"model={type(model).__name__} is not a torch.nn.Module; pass a network")
    return {n: p.detach() for n, p in model.named_parameters()}


def _fmt(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4g}"
