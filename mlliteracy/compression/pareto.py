"""The Pareto front of a trade-off table, its plot, and variants placed on a roofline.

Example:
    >>> mll.pareto_front(table.frame, "size_bytes")
    >>> mll.plot_pareto(table, "latency_p50_ms")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._core.figures import FigurePNG
from .table import OBJECTIVES, check_column, table_frame

if TYPE_CHECKING:
    import pandas as pd

    from .tradeoffs import TradeoffTable


def pareto_front(frame: Any, x: str = "latency_p50_ms") -> list[str]:
    """Names of rows no other row beats on both ``x`` (lower) and accuracy (higher)."""
    check_column(frame, x)
    lower = OBJECTIVES.get(x, True)
    front = []
    for name, row in frame.iterrows():
        cost = row[x] if lower else -row[x]
        dominated = False
        for other, o in frame.iterrows():
            if other == name:
                continue
            o_cost = o[x] if lower else -o[x]
            no_worse = o_cost <= cost and o["accuracy"] >= row["accuracy"]
            better = o_cost < cost or o["accuracy"] > row["accuracy"]
            if no_worse and better:
                dominated = True
                break
        if not dominated:
            front.append(name)
    return sorted(front, key=lambda n: (frame.loc[n, x] if lower else -frame.loc[n, x], n))


def plot_pareto(table: TradeoffTable, x: str = "latency_p50_ms") -> FigurePNG:
    """Scatter accuracy against ``x``; the Pareto front is joined and filled, the rest hollow.

    Example:
        >>> mll.plot_pareto(table, "size_bytes")
    """
    from matplotlib.figure import Figure

    frame = table_frame(table)
    front = pareto_front(frame, x)
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    others = [n for n in frame.index if n not in front]
    ax.scatter(frame.loc[others, x], frame.loc[others, "accuracy"], s=36,
               facecolors="none", edgecolors="grey", label="dominated")  # fmt: skip
    ax.plot(frame.loc[front, x], frame.loc[front, "accuracy"], "-o", color="C1",
            label="Pareto front")  # fmt: skip
    # labels of neighbours (by cost) step down in turn, so equal-accuracy points stay readable
    for i, name in enumerate(frame.sort_values(x).index):
        ax.annotate(str(name), (frame.loc[name, x], frame.loc[name, "accuracy"]), fontsize=7,
                    xytext=(4, 4 - 10 * (i % 4)), textcoords="offset points")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel(f"{x} (log scale)")
    ax.set_ylabel("test accuracy")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"accuracy vs {x}")
    return FigurePNG(fig, f"accuracy vs {x}", {"x": x, "front": list(front)})


def variant_points(table: TradeoffTable) -> pd.DataFrame:
    """Place each variant on a roofline: intensity and achieved GFLOP/s at the throughput batch.

    Intensity = FLOPs of one batch / (the saved weights, read once, + the batch's input and
    output bytes); achieved = FLOPs per example x measured examples per second; ``int8`` marks
    the variants whose runtime is int8 (they belong under the int8 roof).

    Example:
        >>> mll.plot_roofline(roof, mll.variant_points(table))
    """
    import pandas as pd

    frame = table_frame(table)
    batch = getattr(table, "batch", 64)
    io_bytes = (64 + 10) * 4 * batch  # float32 pixels in, logits out
    rows = [
        {
            "name": name,
            "intensity": r["flops"] * batch / (r["size_bytes"] + io_bytes),
            "achieved_gflops": r["flops"] * r["throughput_per_s"] / 1e9,
            "int8": "int8" in str(r.get("runtime", "")),
        }
        for name, r in frame.iterrows()
    ]
    return pd.DataFrame(rows)
