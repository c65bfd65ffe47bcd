"""Where does the time and memory go? cProfile, torch.profiler (+ a Perfetto trace) and RSS.

Example:
    >>> mll.cprofile_table(pipe.predict, ["what a day"], top=5)
    >>> ops = mll.torch_op_table(pipe.predict, ["what a day"], trace_path="trace.json")
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from ..models.minilm import release_encoders

_CPROFILE_COLUMNS = ["function", "calls", "total_ms", "cumulative_ms", "where"]


def _check_fn(fn: Any) -> None:
    if not callable(fn):
        raise MLLError(f"fn={fn!r} is not callable: pass the function to profile")


def cprofile_table(fn: Callable[..., Any], *args: Any, top: int = 15, sort: str = "cumulative"):
    """Run ``fn(*args)`` under cProfile; the ``top`` functions as a DataFrame.

    Args:
        fn, args: what to run (once).
        top: rows to keep.
        sort: ``"cumulative"`` (time inside, callees included) or ``"total"`` (own time).

    Returns:
        DataFrame: function, calls, total_ms (own time), cumulative_ms, where (file:line).

    Example:
        >>> mll.cprofile_table(naive.predict, ["so slow"], top=10)
    """
    import cProfile
    import pstats

    import pandas as pd

    _check_fn(fn)
    if sort not in ("cumulative", "total"):
        raise MLLError(f"sort={sort!r} is not known: use 'cumulative' or 'total'")
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        fn(*args)
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        where = f"{Path(filename).name}:{line}" if filename != "~" else "built-in"
        rows.append((func, ncalls, tottime * 1000.0, cumtime * 1000.0, where))
    df = pd.DataFrame(rows, columns=_CPROFILE_COLUMNS)
    key = "cumulative_ms" if sort == "cumulative" else "total_ms"
    return df.sort_values(key, ascending=False, kind="stable").head(top).reset_index(drop=True)


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: the profiler's C++ side prints start/stop lines
    there, which would land in a notebook cell's output."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def torch_op_table(
    fn: Callable[..., Any],
    *args: Any,
    top: int = 10,
    trace_path: str | Path | None = None,
):
    """Run ``fn(*args)`` under ``torch.profiler``; the top operators by own CPU time.

    Args:
        fn, args: what to run (once, after one untimed warm-up call).
        top: rows to keep.
        trace_path: if given, also write a Chrome trace JSON (open it in https://ui.perfetto.dev).

    Returns:
        DataFrame: operator, calls, self_cpu_ms, cpu_total_ms, share (of all self time).

    Example:
        >>> mll.torch_op_table(fast.predict, ["ok"], trace_path=tmp / "trace.json")
    """
    import pandas as pd
    from torch.profiler import ProfilerActivity, profile

    _check_fn(fn)
    fn(*args)
    with _stderr_silenced(), profile(activities=[ProfilerActivity.CPU]) as prof:
        fn(*args)
    if trace_path is not None:
        path = Path(trace_path)
        if not path.parent.exists():
            raise MLLError(f"trace_path={str(path)!r}: folder does not exist; create it first")
        prof.export_chrome_trace(str(path))
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    rows = [
        (
            e.key,
            e.count,
            e.self_cpu_time_total / 1000.0,
            e.cpu_time_total / 1000.0,
            e.self_cpu_time_total / total,
        )
        for e in events
    ]
    df = pd.DataFrame(rows, columns=["operator", "calls", "self_cpu_ms", "cpu_total_ms", "share"])
    return (
        df.sort_values("self_cpu_ms", ascending=False, kind="stable")
        .head(top)
        .reset_index(drop=True)
    )


def tensor_bytes(obj: Any) -> int:
    """Bytes held by the tensors in ``obj``: a tensor, an ``nn.Module`` (parameters + buffers),
    a numpy array, or a dict / list / tuple of those.

    Example:
        >>> mll.tensor_bytes(model) / 2**20   # MiB of weights
    """
    if hasattr(obj, "parameters") and hasattr(obj, "buffers"):
        seen: set[int] = set()
        total = 0
        for t in [*obj.parameters(), *obj.buffers()]:
            if id(t) not in seen:  # tied weights count once
                seen.add(id(t))
                total += t.numel() * t.element_size()
        return total
    if hasattr(obj, "element_size") and hasattr(obj, "numel"):
        return int(obj.numel() * obj.element_size())
    if hasattr(obj, "nbytes") and hasattr(obj, "dtype"):
        return int(obj.nbytes)
    if isinstance(obj, dict):
        return sum(tensor_bytes(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(tensor_bytes(v) for v in obj)
    return 0


@dataclass(frozen=True)
class MemoryStats:
    """Resident memory of this process around one call."""

    rss_before_mb: float
    """RSS just before the call."""
    peak_rss_mb: float
    """Highest RSS sampled during the call (sampled every few ms, so a lower bound)."""
    rss_after_mb: float
    """RSS just after the call."""
    result_tensor_mb: float
    """Tensor bytes held by what the call returned (see :func:`tensor_bytes`)."""

    @property
    def peak_increase_mb(self) -> float:
        return self.peak_rss_mb - self.rss_before_mb

    def __repr__(self) -> str:
        return (
            f"MemoryStats(before={self.rss_before_mb:.1f} MB, peak={self.peak_rss_mb:.1f} MB "
            f"(+{self.peak_increase_mb:.1f}), after={self.rss_after_mb:.1f} MB, "
            f"result tensors={self.result_tensor_mb:.2f} MB)"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("RSS before", f"{self.rss_before_mb:.1f} MB"),
            ("peak RSS", f"{self.peak_rss_mb:.1f} MB (+{self.peak_increase_mb:.1f})"),
            ("RSS after", f"{self.rss_after_mb:.1f} MB"),
            ("tensors returned", f"{self.result_tensor_mb:.2f} MB"),
        ]
        return _html.table(["memory", "value"], rows)


def measure_memory(fn: Callable[..., Any], *args: Any, interval_s: float = 0.002) -> MemoryStats:
    """Peak resident memory (psutil) while ``fn(*args)`` runs, sampled from a thread.

    Example:
        >>> mll.measure_memory(naive.predict, ["hello"]).peak_increase_mb
    """
    import psutil

    _check_fn(fn)
    proc = psutil.Process()
    mb = 1024.0 * 1024.0
    before = proc.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(interval_s)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        result = fn(*args)
    finally:
        done.set()
        watcher.join()
    after = proc.memory_info().rss
    peak_rss = max(peak[0], after)
    return MemoryStats(before / mb, peak_rss / mb, after / mb, tensor_bytes(result) / mb)


@dataclass(frozen=True)
class MemoryRelease:
    """Resident memory of this process before and after :func:`release_memory`."""

    rss_before_mb: float
    rss_after_mb: float
    trimmed: bool
    """Whether glibc's ``malloc_trim`` ran (Linux only) to hand freed heap pages back."""

    def __repr__(self) -> str:
        how = "gc + malloc_trim" if self.trimmed else "gc"
        return (
            f"MemoryRelease({how}: {self.rss_before_mb:,.0f} MB -> {self.rss_after_mb:,.0f} MB, "
            f"{self.rss_before_mb - self.rss_after_mb:+,.0f} MB freed)"
        )


def release_memory(models: bool = True) -> MemoryRelease:
    """Collect garbage and hand freed heap memory back to the OS, then report the RSS change.

    Deleting a model frees its tensors inside the process, but the C allocator may keep the
    pages for reuse, so the process (and a container's memory limit) still counts them. On
    Linux with glibc, ``malloc_trim(0)`` returns them; elsewhere only ``gc.collect`` runs.

    Args:
        models: also drop the MiniLM encoder and tokenizer this package keeps loaded for
            reuse (they load again when next needed).

    Example:
        >>> del steps
        >>> mll.release_memory()
    """
    import ctypes
    import ctypes.util
    import gc

    import psutil

    proc, mb = psutil.Process(), 1024.0 * 1024.0
    before = proc.memory_info().rss
    if models:
        release_encoders()
    gc.collect()
    trimmed = False
    name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    if name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).malloc_trim(0)
            trimmed = True
    return MemoryRelease(before / mb, proc.memory_info().rss / mb, trimmed)
