"""Batching: latency and throughput per batch size, a verdict on whether batching paid on this
machine, a slider to read the sweep, and length bucketing (sort texts by token count before
batching, so a batch pads less).

Example:
    >>> sweep = mll.batch_sweep(pipe.predict, lambda n: texts[:n], (1, 8, 32))
    >>> mll.explain_batching(sweep)
    >>> mll.explain_buckets(mll.length_buckets(pipe.predict, texts, batch_size=16))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._core import html as _html
from .._core.checks import check_texts
from .._core.errors import MLLError
from .._core.expect import Verdict
from ..models.minilm import MAX_TOKENS, shared_tokenizer
from .timing import measure_latency, percentile


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


#: the two batch orders :func:`length_buckets` compares
ORDERS = ("arrival order", "sorted by length")


def _token_counts(texts: Sequence[str], tokenizer: Any) -> list[int]:
    ids = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
    return [len(row) for row in ids]


def length_buckets(
    fn: Callable[[Any], Any],
    texts: Sequence[str],
    batch_size: int = 16,
    tokenizer: Any = None,
    warmup: int = 1,
    repeats: int = 3,
    threads: int | None = None,
):
    """Batches in arrival order vs sorted by token count (length bucketing), in the same run.

    Every batch is padded to its longest text, so sorting first puts texts of similar length
    together and the model computes fewer padding positions. The two orders are timed in
    turns (one full pass over ``texts`` per timed call), so the machine's state affects both.

    Args:
        fn: called with one batch (a list of texts), e.g. ``pipeline.predict``.
        texts: all the texts, in arrival order.
        batch_size: texts per batch.
        tokenizer: counts tokens (default: the MiniLM tokenizer the pipelines use).
        warmup, repeats, threads: as for :func:`measure_latency`, per order.

    Returns:
        DataFrame, one row per order: batches, real_tokens, positions (rows x padded length,
        summed over batches), padding_share, p50_ms (one pass), throughput_per_s, threads.

    Example:
        >>> mll.length_buckets(pipe.predict, texts, batch_size=16)
    """
    import pandas as pd

    texts = check_texts(texts)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise MLLError(f"batch_size={batch_size!r} must be a positive integer, e.g. 16")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise MLLError(f"repeats={repeats!r} must be a positive integer, e.g. 3")
    counts = _token_counts(texts, tokenizer or shared_tokenizer())
    arrival = list(range(len(texts)))
    orders = {ORDERS[0]: arrival, ORDERS[1]: sorted(arrival, key=lambda i: counts[i])}
    batches, rows = {}, {}
    for name, idx in orders.items():
        parts = [idx[i : i + batch_size] for i in range(0, len(idx), batch_size)]
        batches[name] = [[texts[i] for i in part] for part in parts]
        positions = sum(len(part) * max(counts[i] for i in part) for part in parts)
        real = sum(counts)
        rows[name] = {"order": name, "batches": len(parts), "real_tokens": real,
                      "positions": positions, "padding_share": 1 - real / positions}  # fmt: skip

    def one_pass(order_batches: list[list[str]]) -> None:
        for batch in order_batches:
            fn(batch)

    samples: dict[str, list[float]] = {name: [] for name in orders}
    for r in range(repeats):  # the orders take turns, so drift affects both
        for name in orders:
            stats = measure_latency(one_pass, [batches[name]], warmup * (r == 0), 1, threads)
            samples[name] += stats.samples_ms
            rows[name]["threads"] = stats.threads
    for name, row in rows.items():
        p50 = percentile(samples[name], 50)
        row["p50_ms"] = round(p50, 2)
        row["throughput_per_s"] = round(1000.0 * len(texts) / p50, 2) if p50 > 0 else float("inf")
        row["padding_share"] = round(row["padding_share"], 4)
    cols = ["order", "batches", "real_tokens", "positions", "padding_share", "p50_ms"]
    return pd.DataFrame(list(rows.values()))[[*cols, "throughput_per_s", "threads"]]


def explain_buckets(table: Any, flat: float = BATCHING_FLAT) -> Verdict:
    """Say, from a :func:`length_buckets` table, how much padding sorting removed and whether
    that raised throughput on this machine.

    Args:
        table: the DataFrame returned by :func:`length_buckets`.
        flat: a relative change in throughput below this counts as no change.

    Returns:
        A :class:`~mlliteracy._core.expect.Verdict` with outcome ``pays``, ``flat`` or ``hurts``.

    Example:
        >>> mll.explain_buckets(mll.length_buckets(pipe.predict, texts, batch_size=16))
    """
    cols = {"order", "positions", "padding_share", "throughput_per_s"}
    if not hasattr(table, "columns") or not cols <= set(table.columns):
        raise MLLError("table must be the DataFrame returned by mll.length_buckets")
    by = table.set_index("order")
    if not set(ORDERS) <= set(by.index):
        raise MLLError(f"table must have one row per order {ORDERS}: pass mll.length_buckets(...)")
    a, s = by.loc[ORDERS[0]], by.loc[ORDERS[1]]
    cut = 1 - float(s.positions) / float(a.positions)
    change = float(s.throughput_per_s) / float(a.throughput_per_s) - 1
    pad = (
        f"Sorting by length cut the positions the model computes from {int(a.positions)} to "
        f"{int(s.positions)} ({cut:.0%} fewer; padding {float(a.padding_share):.0%} -> "
        f"{float(s.padding_share):.0%} of all positions). "
    )
    rates = f"{float(a.throughput_per_s):.1f} -> {float(s.throughput_per_s):.1f} texts/s"
    if change >= flat:
        text = pad + (
            f"Throughput **rose** {change:+.0%} ({rates}): on this machine the padding was real "
            "work, and bucketing removed it. A service that sorts must return the answers in "
            "the order the requests came."
        )
        return Verdict(text, "pays")
    if change <= -flat:
        text = pad + (
            f"Yet throughput **fell** {change:+.0%} ({rates}): fewer positions did not make "
            "these runs faster here. Rerun it; if it holds, the cost is elsewhere than padding "
            "(per-call overhead, the machine's other load)."
        )
        return Verdict(text, "hurts")
    text = pad + (
        f"Throughput changed by {change:+.0%} ({rates}), about what a rerun moves: here the "
        "padding saved too little work to show."
    )
    return Verdict(text, "flat")
