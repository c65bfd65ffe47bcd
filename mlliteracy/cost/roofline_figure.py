"""The roofline as a picture: both measured roofs (fp32 and, when measured, int8) and the points
placed under them, numbered so that no label covers another.

Example:
    >>> mll.plot_roofline(roof, mll.layer_points(report, roof))
"""

from __future__ import annotations

from typing import Any

from .._core.figures import FigurePNG
from .roofline import Roof


def plot_roofline(
    roof: Roof, points: Any = None, label: str = "name", title: str = "Roofline"
) -> FigurePNG:
    """Draw both roofs and place points (columns ``intensity`` and optionally ``achieved_gflops``).

    Points without ``achieved_gflops`` are drawn at their attainable height (a ceiling, hollow).
    With ``roof.int8_peak_gflops`` the int8 roof is drawn too (dashed, orange), and points whose
    ``int8`` column is true are drawn in its colour: an int8 kernel is measured against int8
    arithmetic, not against the fp32 roof. Points are numbered (points that fall on the same
    spot share one label) and the numbers are named beside the plot, so no label covers another.

    Example:
        >>> mll.plot_roofline(roof, mll.layer_points(report, roof))
    """
    import numpy as np
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_axes((0.09, 0.12, 0.58, 0.78))
    n_points = 0
    lo, hi = roof.ridge / 100, roof.ridge * 100
    if points is not None and len(points):
        ai = points["intensity"].astype(float)
        lo, hi = min(lo, ai.min() / 2), max(hi, ai.max() * 2)
    xs = np.logspace(np.log10(lo), np.log10(hi), 200)
    ax.plot(xs, np.minimum(roof.peak_gflops, xs * roof.bandwidth_gbs), color="black", lw=2,
            label="fp32 roof")  # fmt: skip
    ax.axvline(roof.ridge, color="grey", ls=":", lw=1)
    ax.text(roof.ridge, roof.peak_gflops * 1.1, f" ridge {roof.ridge:.1f}", fontsize=8)
    int8_roof = roof.int8_peak_gflops
    if int8_roof:
        ax.plot(xs, np.minimum(int8_roof, xs * roof.bandwidth_gbs), color="C1", lw=1.5, ls="--",
                label="int8 roof (G ops/s)")  # fmt: skip
    if points is not None and len(points):
        n_points = len(points)
        measured = "achieved_gflops" in points.columns
        ys = np.asarray(points["achieved_gflops"] if measured else [roof.attainable(v) for v in ai])
        is8 = (
            np.asarray(points["int8"], bool)
            if "int8" in points.columns
            else np.zeros(n_points, bool)
        )
        colors = np.where(is8, "C1", "C0")
        ax.scatter(ai, ys, s=30, zorder=3, facecolors=colors if measured else "none",
                   edgecolors=colors)  # fmt: skip
        if label in points.columns and n_points <= 20:
            _number_points(fig, ax, np.asarray(ai), ys, [str(t) for t in points[label]])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP / byte)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(f"{title} (peak {roof.peak_gflops:.0f} GFLOP/s, {roof.bandwidth_gbs:.0f} GB/s)",
                 fontsize=10)  # fmt: skip
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=7)
    return FigurePNG(fig, title, {"roof": roof, "n_points": n_points})


def _number_points(fig: Any, ax: Any, xs: Any, ys: Any, names: list[str]) -> None:
    """Label each point with a number, one label per spot (points closer than about a marker
    share it), and list number -> name to the right of the axes."""
    import numpy as np

    logs = np.column_stack([np.log10(xs), np.log10(np.maximum(ys, 1e-12))])
    spots: list[list[int]] = []
    for i, here in enumerate(logs):
        near = next((s for s in spots if np.abs(logs[s[0]] - here).max() < 0.04), None)
        if near is None:
            spots.append([i])
        else:
            near.append(i)
    for k, spot in enumerate(spots):
        text = ",".join(str(i + 1) for i in spot)
        up = k % 2 == 0  # alternate above/below so labels of close spots part ways
        ax.annotate(text, (xs[spot[0]], ys[spot[0]]), fontsize=7, xytext=(5, 4 if up else -10),
                    textcoords="offset points")  # fmt: skip
    key = "\n".join(f"{i + 1:>2}  {name}" for i, name in enumerate(names))
    fig.text(0.70, 0.90, key, fontsize=7.5, va="top", family="monospace")
