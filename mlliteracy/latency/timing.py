"""Latency measurement: stage timers, percentiles, variant comparisons and batch-size sweeps.

Everything here measures wall-clock time with :func:`time.perf_counter`, after a warm-up,
with the thread count recorded (and the GPU synchronised when one is used).

Example:
    >>> stats = mll.measure_latency(lambda x: sum(x), [[1, 2, 3]], warmup=2, repeats=50)
    >>> stats.p50_ms >= 0
    True
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .profilers import release_memory

#: percentiles reported by :class:`LatencyStats`
PERCENTILES = (50, 90, 95, 99)


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation (``numpy.percentile``'s default).

    Args:
        samples: at least one number.
        q: between 0 and 100.

    Example:
        >>> percentile([1, 2, 3, 4], 50)
        2.5
    """
    if len(samples) == 0:
        raise MLLError("samples is empty: pass at least one measurement")
    if not 0 <= q <= 100:
        raise MLLError(f"q={q!r} is outside 0..100: pass a percentile such as 50 or 99")
    import numpy as np

    return float(np.percentile(np.asarray(samples, dtype=np.float64), q))


@dataclass(frozen=True)
class LatencyStats:
    """Latency of one function, in milliseconds per call."""

    name: str
    """What was measured."""
    samples_ms: tuple[float, ...]
    """Every timed call, in order (warm-up calls excluded)."""
    threads: int
    """``torch.get_num_threads()`` during the measurement (1 when torch is not loaded)."""
    device: str = "cpu"
    """Where the work ran; on ``cuda`` the timer waits for the GPU before reading the clock."""
    items_per_call: int = 1
    """Requests (or examples) handled by one call; used for throughput."""
    warmup: int = 0
    """Untimed calls made first."""

    @property
    def repeats(self) -> int:
        return len(self.samples_ms)

    @property
    def mean_ms(self) -> float:
        return sum(self.samples_ms) / len(self.samples_ms)

    @property
    def std_ms(self) -> float:
        """Population standard deviation."""
        m = self.mean_ms
        return (sum((s - m) ** 2 for s in self.samples_ms) / len(self.samples_ms)) ** 0.5

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p90_ms(self) -> float:
        return percentile(self.samples_ms, 90)

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples_ms, 99)

    @property
    def ms_per_item(self) -> float:
        """Median milliseconds per request (p50 divided by ``items_per_call``)."""
        return self.p50_ms / self.items_per_call

    @property
    def throughput(self) -> float:
        """Items per second at the median latency."""
        return 1000.0 * self.items_per_call / self.p50_ms if self.p50_ms > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        """Summary numbers (no raw samples), rounded for tables and JSON."""
        return {
            "name": self.name,
            "p50_ms": round(self.p50_ms, 3),
            "p90_ms": round(self.p90_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "mean_ms": round(self.mean_ms, 3),
            "std_ms": round(self.std_ms, 3),
            "items_per_call": self.items_per_call,
            "ms_per_item": round(self.ms_per_item, 3),
            "throughput_per_s": round(self.throughput, 2),
            "repeats": self.repeats,
            "threads": self.threads,
            "device": self.device,
        }

    def __repr__(self) -> str:
        return (
            f"LatencyStats({self.name!r}: p50={self.p50_ms:.2f} ms, p90={self.p90_ms:.2f}, "
            f"p95={self.p95_ms:.2f}, p99={self.p99_ms:.2f}, mean={self.mean_ms:.2f}"
            f"±{self.std_ms:.2f} ms, {self.throughput:.1f}/s, n={self.repeats}, "
            f"threads={self.threads}, device={self.device})"
        )

    def _repr_html_(self) -> str:
        d = self.to_dict()
        rows = [(k, d[k]) for k in d if k != "name"]
        return _html.table(["statistic", "value"], rows, caption=f"latency of {self.name}")


def _torch_threads() -> int:
    import sys

    torch = sys.modules.get("torch")
    return int(torch.get_num_threads()) if torch is not None else 1


@contextlib.contextmanager
def _threads(n: int | None) -> Iterator[int]:
    """Temporarily set torch's intra-op thread count; yields the count in effect."""
    if n is None:
        yield _torch_threads()
        return
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise MLLError(f"threads={n!r} is not a positive integer: pass e.g. threads=1 or None")
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)


def _sync(device: str) -> Callable[[], None]:
    if device.startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    return lambda: None


def measure_latency(
    fn: Callable[[Any], Any],
    inputs: Sequence[Any],
    warmup: int = 3,
    repeats: int = 20,
    threads: int | None = None,
    device: str = "cpu",
    name: str | None = None,
    items_per_call: int = 1,
) -> LatencyStats:
    """Call ``fn(x)`` for ``x`` cycling through ``inputs``; time each call after a warm-up.

    Args:
        fn: the function under test, called with one element of ``inputs``.
        inputs: one or more arguments (cycled), e.g. single requests or batches.
        warmup: untimed calls first (caches, lazy init, allocator).
        repeats: timed calls.
        threads: torch intra-op threads during the run (``None`` keeps the current setting).
        device: ``"cpu"`` or ``"cuda[:n]"``; on CUDA the GPU is synchronised around each call.
        name: label for tables (defaults to the function's name).
        items_per_call: requests per call, for throughput (e.g. the batch size).

    Returns:
        A :class:`LatencyStats`.

    Example:
        >>> mll.measure_latency(pipe.predict, [["great day"]], repeats=30).p50_ms
    """
    if not callable(fn):
        raise MLLError(f"fn={fn!r} is not callable: pass a function such as pipeline.predict")
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence) or not inputs:
        raise MLLError("inputs must be a non-empty list of arguments, e.g. [['a text']]")
    for arg, value, low in (("warmup", warmup, 0), ("repeats", repeats, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise MLLError(f"{arg}={value!r} must be an integer >= {low}")
    if not isinstance(device, str) or not (device == "cpu" or device.startswith("cuda")):
        raise MLLError(f"device={device!r} is not supported: use 'cpu' or 'cuda'")
    if not isinstance(items_per_call, int) or items_per_call < 1:
        raise MLLError(f"items_per_call={items_per_call!r} must be a positive integer")
    sync = _sync(device)
    samples: list[float] = []
    with _threads(threads) as n_threads:
        for i in range(warmup):
            fn(inputs[i % len(inputs)])
        sync()
        for i in range(repeats):
            x = inputs[i % len(inputs)]
            start = time.perf_counter()
            fn(x)
            sync()
            samples.append((time.perf_counter() - start) * 1000.0)
    label = name or getattr(fn, "__qualname__", None) or type(fn).__name__
    return LatencyStats(label, tuple(samples), n_threads, device, items_per_call, warmup)


@dataclass
class StageTimer:
    """Time named stages (preprocess, forward, postprocess) as a context manager or decorator.

    Example:
        >>> timer = mll.StageTimer()
        >>> with timer.stage("preprocess"):
        ...     tokens = tokenizer(text)
        >>> timer.summary()
    """

    device: str = "cpu"
    """On ``cuda`` the GPU is synchronised before each stage's clock is read."""
    records: dict[str, list[float]] = field(default_factory=dict)
    """Stage name -> milliseconds of each call, in the order stages were first seen."""

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the ``with`` block under ``name`` (the time is recorded even if it raises)."""
        if not isinstance(name, str) or not name:
            raise MLLError(f"stage name {name!r} must be a non-empty string, e.g. 'forward'")
        sync = _sync(self.device)
        sync()
        start = time.perf_counter()
        try:
            yield
        finally:
            sync()
            self.records.setdefault(name, []).append((time.perf_counter() - start) * 1000.0)

    def wrap(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: every call of the function is timed as stage ``name``."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def timed(*args: Any, **kwargs: Any) -> Any:
                with self.stage(name):
                    return fn(*args, **kwargs)

            return timed

        return decorate

    def reset(self) -> None:
        self.records.clear()

    def summary(self):
        """DataFrame: stage, calls, total_ms, mean_ms, p50_ms, share of the total time."""
        import pandas as pd

        total = sum(sum(v) for v in self.records.values()) or 1.0
        rows = [
            {
                "stage": k,
                "calls": len(v),
                "total_ms": sum(v),
                "mean_ms": sum(v) / len(v),
                "p50_ms": percentile(v, 50),
                "share": sum(v) / total,
            }
            for k, v in self.records.items()
        ]
        return pd.DataFrame(
            rows, columns=["stage", "calls", "total_ms", "mean_ms", "p50_ms", "share"]
        )

    def __repr__(self) -> str:
        calls = ", ".join(f"{k}={len(v)}" for k, v in self.records.items())
        return f"StageTimer({calls or 'no stages yet'})"

    def _repr_html_(self) -> str:
        df = self.summary()
        rows = [
            (r.stage, r.calls, f"{r.total_ms:.2f}", f"{r.mean_ms:.2f}", f"{r.share:.0%}")
            for r in df.itertuples()
        ]
        return _html.table(["stage", "calls", "total ms", "mean ms", "share"], rows)


def compare_variants(
    variants: Mapping[str, tuple[Callable[[Any], Any], Sequence[Any], int]],
    warmup: int = 2,
    repeats: int = 10,
    threads: int | None = None,
):
    """Measure several variants side by side in one run; each row's speed-up over the previous.

    Args:
        variants: ordered ``name -> (fn, inputs, items_per_call)``; later entries should be
            the earlier ones plus one fix, so each speed-up shows what that fix bought.
        warmup, repeats, threads: as for :func:`measure_latency`.

    Returns:
        DataFrame with one row per variant: p50/p95 per call, ms per request, throughput,
        ``speedup_vs_previous`` and ``speedup_vs_first`` (both on ms per request).

    Example:
        >>> mll.compare_variants({"naive": (naive.predict, reqs, 1),
        ...                       "fast": (fast.predict, reqs, 1)})
    """
    import pandas as pd

    if not isinstance(variants, Mapping) or not variants:
        raise MLLError("variants must be a non-empty dict: name -> (fn, inputs, items_per_call)")
    rows, per_item = [], []
    for name, spec in variants.items():
        if not (isinstance(spec, tuple) and len(spec) == 3):
            raise MLLError(f"variants[{name!r}] must be (fn, inputs, items_per_call), got {spec!r}")
        fn, inputs, items = spec
        stats = measure_latency(
            fn, inputs, warmup, repeats, threads, name=name, items_per_call=items
        )
        rows.append(stats.to_dict())
        per_item.append(max(stats.ms_per_item, 1e-9))
        release_memory(models=False)  # each variant starts on a trimmed heap, untimed
    df = pd.DataFrame(rows)
    df["speedup_vs_previous"] = [1.0] + [round(a / b, 2) for a, b in pairwise(per_item)]
    df["speedup_vs_first"] = [round(per_item[0] / b, 2) for b in per_item]
    cols = ["name", "items_per_call", "p50_ms", "p95_ms", "ms_per_item", "throughput_per_s"]
    cols += ["speedup_vs_previous", "speedup_vs_first", "repeats", "threads"]
    return df[cols].rename(columns={"name": "variant"})
