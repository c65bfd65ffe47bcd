"""Static pictures of the lesson's measurements (PNG, so a committed notebook shows them):
stage shares per pipeline variant, p50/p95 per concurrency level, and a batch-size sweep.

Example:
    >>> mll.plot_stage_shares({"naive": timer_a, "optimized": timer_b})
    >>> mll.plot_load(pd.concat([naive_load, fast_load]))
    >>> mll.plot_batch_sweep(sweep)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core.errors import MLLError
from .._core.figures import FigurePNG
from .timing import StageTimer


def stage_shares(timers: Mapping[str, StageTimer]):
    """DataFrame: one row per variant, one column per stage, each the share of that variant's
    total recorded time (rows sum to 1)."""
    import pandas as pd

    if not isinstance(timers, Mapping) or not timers:
        raise MLLError("timers must be a dict of name -> mll.StageTimer, e.g. {'naive': timer}")
    rows = {}
    for name, timer in timers.items():
        if not isinstance(timer, StageTimer) or not timer.records:
            raise MLLError(f"timers[{name!r}] has no records: run requests through it first")
        totals = {stage: sum(ms) for stage, ms in timer.records.items()}
        whole = sum(totals.values()) or 1.0
        rows[name] = {stage: t / whole for stage, t in totals.items()}
    return pd.DataFrame.from_dict(rows, orient="index").fillna(0.0)


def plot_stage_shares(timers: Mapping[str, StageTimer]) -> FigurePNG:
    """Stacked horizontal bars: the share of each stage in each variant's time.

    Returns:
        A :class:`~mlliteracy._core.figures.FigurePNG`; ``facts["largest"]`` names each
        variant's largest stage.
    """
    from matplotlib.figure import Figure

    shares = stage_shares(timers)
    fig = Figure(figsize=(7.5, 0.5 * len(shares) + 1.6))
    ax = fig.subplots()
    left = [0.0] * len(shares)
    names = list(shares.index)[::-1]  # first variant on top
    for stage in shares.columns:
        values = [float(shares.loc[n, stage]) for n in names]
        ax.barh(names, values, left=left, label=stage)
        for i, v in enumerate(values):
            if v >= 0.08:
                ax.text(left[i] + v / 2, i, f"{v:.0%}", ha="center", va="center", fontsize=8)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the variant's time")
    ax.legend(ncol=len(shares.columns), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    title = "where each variant's time goes"
    ax.set_title(title)
    fig.tight_layout()
    largest = {str(n): str(shares.loc[n].idxmax()) for n in shares.index}
    return FigurePNG(fig, title, {"largest": largest})


def plot_load(table: Any) -> FigurePNG:
    """p50 and p95 latency against concurrency, one line pair per server (log scales).

    Args:
        table: one or more :func:`~mlliteracy.latency.loadtest.load_test` tables, concatenated.
    """
    from matplotlib.figure import Figure

    cols = {"server", "concurrency", "p50_ms", "p95_ms"}
    if not hasattr(table, "columns") or not cols <= set(table.columns) or table.empty:
        raise MLLError("table must be mll.load_test's DataFrame (several may be concatenated)")
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    servers = list(dict.fromkeys(table["server"]))
    for i, name in enumerate(servers):
        rows = table[table["server"] == name].sort_values("concurrency")
        color = f"C{i}"
        ax.plot(rows.concurrency, rows.p50_ms, "o-", color=color, label=f"{name} p50")
        ax.plot(rows.concurrency, rows.p95_ms, "s--", color=color, label=f"{name} p95")
    _integer_ticks(ax, table["concurrency"])
    ax.set_yscale("log")
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("latency (ms)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    title = "latency vs concurrency"
    ax.set_title(title)
    fig.tight_layout()
    levels = {str(s): sorted(int(c) for c in table.concurrency[table.server == s]) for s in servers}
    return FigurePNG(fig, title, {"servers": servers, "levels": levels})


def plot_batch_sweep(sweep: Any) -> FigurePNG:
    """Throughput and ms per batch (p50) against batch size, from :func:`batch_sweep`'s table."""
    from matplotlib.figure import Figure

    cols = {"batch_size", "p50_ms", "throughput_per_s"}
    if not hasattr(sweep, "columns") or not cols <= set(sweep.columns) or sweep.empty:
        raise MLLError("sweep must be the DataFrame returned by mll.batch_sweep")
    rows = sweep.sort_values("batch_size")
    fig = Figure(figsize=(8.4, 3.2))
    left, right = fig.subplots(1, 2)
    left.plot(rows.batch_size, rows.throughput_per_s, "o-")
    left.set_ylabel("requests per second")
    right.plot(rows.batch_size, rows.p50_ms, "o-", color="C1")
    right.set_ylabel("ms per batch (p50)")
    right.set_yscale("log")
    for ax in (left, right):
        _integer_ticks(ax, rows["batch_size"])
        ax.set_xlabel("batch size")
        ax.grid(alpha=0.3, which="both")
    left.set_ylim(bottom=0)
    title = "batch size: throughput and latency"
    fig.suptitle(title)
    fig.tight_layout()
    return FigurePNG(fig, title, {"batch_sizes": [int(b) for b in rows.batch_size]})


def _integer_ticks(ax: Any, values: Any) -> None:
    """A log2 x axis labelled with the measured values themselves (1, 4, 16), not powers."""
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted({int(v) for v in values}))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
