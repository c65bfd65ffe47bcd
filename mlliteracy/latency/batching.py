"""Batching: latency and throughput per batch size, a verdict on whether batching paid on this
machine, and a slider to read the sweep.

Example:
    >>> sweep = mll.batch_sweep(pipe.predict, lambda n: texts[:n], (1, 8, 32))
    >>> mll.explain_batching(sweep)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict
from .timing import measure_latency


def batch_sweep(
    fn: Callable[[Any], Any],
    make_batch: Callable[[int], Any],
    batch_sizes: Sequence[int] = (1, 2, 4, 8, 16, 32),
    warmup: int = 1,
    repeats: int = 5,
    threads: int | None = None,
):
    """Latency and throughput per batch size.

    Args:
        fn: called with one batch.
        make_batch: ``batch_size -> batch`` (e.g. the first n texts).
        batch_sizes: positive integers, measured in this order.

    Returns:
        DataFrame: batch_size, p50_ms (per batch), ms_per_item, throughput_per_s.

    Example:
        >>> mll.batch_sweep(pipe.predict, lambda n: texts[:n], (1, 8, 32))
    """
    import pandas as pd

    sizes = list(batch_sizes)
    bad = [b for b in sizes if not isinstance(b, int) or isinstance(b, bool) or b < 1]
    if not sizes or bad:
        raise MLLError(f"batch_sizes={batch_sizes!r} must be positive integers, e.g. (1, 8, 32)")
    rows = []
    for b in sizes:
        stats = measure_latency(fn, [make_batch(b)], warmup, repeats, threads, items_per_call=b)
        d = stats.to_dict()
        rows.append({"batch_size": b, **{k: d[k] for k in ("p50_ms", "p95_ms", "ms_per_item")}})
        rows[-1]["throughput_per_s"] = d["throughput_per_s"]
        rows[-1]["threads"] = d["threads"]
    return pd.DataFrame(rows)


#: a throughput change smaller than this share is called "flat" (reruns move it about as much)
BATCHING_FLAT = 0.10


def explain_batching(sweep: Any, flat: float = BATCHING_FLAT) -> Verdict:
    """Say, from a :func:`batch_sweep` table, whether batching raised throughput on this machine.

    Args:
        sweep: the DataFrame returned by :func:`batch_sweep` (at least two batch sizes).
        flat: a relative change in throughput below this counts as no change.

    Returns:
        A :class:`~mlliteracy._core.expect.Verdict` with outcome ``pays``, ``flat`` or ``hurts``.

    Example:
        >>> mll.explain_batching(mll.batch_sweep(pipe.predict, lambda n: texts[:n], (1, 16)))
    """
    cols = {"batch_size", "p50_ms", "throughput_per_s"}
    if not hasattr(sweep, "columns") or not cols <= set(sweep.columns) or len(sweep) < 2:
        raise MLLError("sweep must be the table of mll.batch_sweep with at least two batch sizes")
    rows = sweep.sort_values("batch_size").reset_index(drop=True)
    one, last = rows.iloc[0], rows.iloc[-1]
    best = rows.iloc[int(rows["throughput_per_s"].to_numpy().argmax())]
    threads = int(rows["threads"].iloc[0]) if "threads" in rows else None
    where = f"On this machine ({threads} thread{'s' * (threads != 1)})" if threads else "Here"
    t1 = float(one.throughput_per_s)
    gain, change_last = float(best.throughput_per_s) / t1 - 1, float(last.throughput_per_s) / t1 - 1
    b1, bb, bl = int(one.batch_size), int(best.batch_size), int(last.batch_size)
    if bb != b1 and gain >= flat:
        outcome = "pays"
        text = (
            f"{where}, batching **raised throughput** from {t1:.1f} requests/s at batch {b1} to "
            f"{float(best.throughput_per_s):.1f}/s at batch {bb} ({gain:+.0%}), while one call "
            f"took {float(best.p50_ms):.1f} ms instead of {float(one.p50_ms):.1f} ms: a lone "
            "user waits longer. Batching pays here because batch 1 left the hardware idle."
        )
    elif change_last <= -flat and gain < flat:
        outcome = "hurts"
        text = (
            f"{where}, batching **lowered throughput**: {t1:.1f} requests/s at batch {b1}, "
            f"{float(last.throughput_per_s):.1f}/s at batch {bl} ({change_last:+.0%}), and every "
            "call took longer. At batch 1 the cores are already busy, and a batch pads every "
            "text to its longest one, so it adds work instead of filling idle units. Batching "
            "pays when batch 1 leaves hardware idle (a GPU, many cores) and texts have similar "
            "lengths."
        )
    else:
        outcome = "flat"
        most = max(abs(gain), abs(change_last))
        text = (
            f"{where}, batching changed throughput by at most {most:.0%} between batch {b1} "
            f"and batch {bl} (from {t1:.1f} requests/s): about what a rerun moves. Nothing "
            "was gained for throughput, and each call took longer, so a lone user waits longer."
        )
    return Verdict(text, outcome)


def sweep_explorer(sweep):
    """An ipywidgets view of a :func:`batch_sweep` table: pick a batch size, read its numbers.

    Returns:
        An ``ipywidgets.VBox`` (a slider and a read-out).
    """
    import ipywidgets as widgets

    sizes = [int(b) for b in sweep["batch_size"]]
    if not sizes:
        raise MLLError("sweep is empty: pass the DataFrame returned by mll.batch_sweep")
    slider = widgets.SelectionSlider(options=sizes, value=sizes[0], description="batch size")
    out = widgets.HTML()

    def show(change: Any = None) -> None:
        row = sweep[sweep["batch_size"] == slider.value].iloc[0]
        best = sweep["throughput_per_s"].max()
        out.value = _html.table(
            ["batch size", "ms per batch", "ms per request", "requests/s", "of best throughput"],
            [
                (
                    int(row.batch_size),
                    f"{row.p50_ms:.2f}",
                    f"{row.ms_per_item:.2f}",
                    f"{row.throughput_per_s:.1f}",
                    f"{row.throughput_per_s / best:.0%}",
                )
            ],
        )

    slider.observe(show, names="value")
    show()
    return widgets.VBox([slider, out])
