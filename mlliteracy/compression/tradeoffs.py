"""Every variant measured side by side, the Pareto front, and a recommendation under a constraint.

Example:
    >>> table = mll.measure_variants([base, int8, pruned, student], mll.load_digits())
    >>> choice = mll.recommend(table, max_drop_points=5, objective="size_bytes")
    >>> choice.memo(price=mll.ILLUSTRATIVE_PRICES["cpu-2vcpu"])
"""

from __future__ import annotations

import numbers
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.runtime import cpu_flags
from ..latency.profilers import measure_memory
from ..latency.timing import measure_latency, percentile
from ..training import hardware
from .memo import build_memo
from .pareto import pareto_front, plot_pareto
from .quantize import Variant
from .table import (
    OBJECTIVES,
    TIMED,
    check_column,
    fmt_number,
    limit_text,
    machine_text,
    table_frame,
)

if TYPE_CHECKING:
    import pandas as pd

#: Columns a trade-off frame holds, in display order.
COLUMNS = (
    "variant", "technique", "runtime", "accuracy", "drop_points", "latency_p50_ms",
    "latency_p95_ms", "throughput_per_s", "size_bytes", "params", "nonzero_params", "flops",
    "peak_mem_increase_mb",
)  # fmt: skip

#: Timing rounds in :func:`measure_variants`; each round measures every variant once.
ROUNDS = 3


@dataclass(frozen=True)
class TradeoffTable:
    """One row per variant (see :data:`COLUMNS`), all measured in one run on one machine."""

    frame: Any
    """The pandas DataFrame, indexed by variant name."""
    baseline: str
    """The variant the accuracy drop is measured against."""
    machine: dict[str, Any]
    """Threads, CPU capability, VNNI and bf16 support: what the timings depend on."""
    batch: int
    """Batch size of the throughput column (latency is batch 1)."""

    def pareto(self, x: str = "latency_p50_ms") -> list[str]:
        """Variants on the Pareto front of (``x`` smaller, accuracy higher), sorted by ``x``."""
        return pareto_front(self.frame, x)

    def plot(self, x: str = "latency_p50_ms") -> Any:
        """Accuracy vs ``x`` with the Pareto front highlighted (a ``FigurePNG``)."""
        return plot_pareto(self, x)

    def deterministic(self) -> pd.DataFrame:
        """Only the columns that do not depend on timing (safe to compare between runs)."""
        keep = [c for c in self.frame.columns if c not in TIMED]
        return self.frame[keep]

    def __repr__(self) -> str:
        return (
            f"TradeoffTable({len(self.frame)} variants, baseline={self.baseline!r}, "
            f"threads={self.machine.get('threads')}, batch={self.batch})"
        )

    def _repr_html_(self) -> str:
        f = self.frame
        rows = []
        for name, r in f.iterrows():
            rows.append((
                name, r["technique"], f"{r['accuracy']:.4f}", f"{r['drop_points']:+.2f}",
                f"{r['latency_p50_ms']:.3f}", f"{r['latency_p95_ms']:.3f}",
                f"{r['throughput_per_s']:,.0f}", f"{int(r['size_bytes']):,}",
                f"{int(r['params']):,}", f"{int(r['nonzero_params']):,}", f"{int(r['flops']):,}",
                f"{r['peak_mem_increase_mb']:.1f}",
            ))  # fmt: skip
        header = ["variant", "technique", "accuracy", "drop (points)", "p50 ms (b=1)",
                  "p95 ms (b=1)", f"items/s (b={self.batch})", "size on disk (B)", "params",
                  "non-zero", "FLOPs", "peak mem +MB"]  # fmt: skip
        caption = f"trade-offs vs {self.baseline!r}, {machine_text(self.machine)}"
        return _html.table(header, rows, caption=caption)


def machine_facts() -> dict[str, Any]:
    """CPU features the measurements depend on (the flags ``mll.doctor`` reads).

    ``threads`` is 1: :func:`measure_variants` times every variant on one thread;
    ``cpu_count`` is what the machine has.

    Example:
        >>> mll.machine_facts()["vnni"]
    """

    flags = cpu_flags()
    facts = hardware()
    facts["threads"] = 1
    facts["avx512"] = "avx512f" in flags
    facts["vnni"] = bool(flags & {"avx512_vnni", "avx_vnni"})
    facts["bf16"] = bool(flags & {"avx512_bf16", "amx_bf16"})
    return facts


def measure_variants(
    variants: Sequence[Any],
    dataset: Any,
    *,
    baseline: str | None = None,
    repeats: int = 50,
    batch: int = 64,
) -> TradeoffTable:
    """Measure every variant the same way, one after the other, on one thread.

    Accuracy on ``dataset.X_test``; latency p50/p95 of single examples (batch 1); throughput
    at ``batch``; size of the file each variant saves; params, non-zero params and FLOPs;
    peak RSS increase while predicting the test set (sampled, so a lower bound).

    Args:
        variants: :class:`~mlliteracy.compression.quantize.Variant` objects with distinct names.
        dataset: ``mll.load_digits()``.
        baseline: name of the reference variant (default: the first).
        repeats: timed single-example calls per variant, split over interleaved rounds
            (throughput uses a fifth as many batch calls).
        batch: batch size for the throughput column.

    Example:
        >>> table = mll.measure_variants([base, int8], mll.load_digits(), repeats=30)
    """
    import pandas as pd

    variants = list(variants)
    if not variants or not all(isinstance(v, Variant) for v in variants):
        raise MLLError(
            "variants must be a non-empty list of mll Variant objects (mll.torch_variant)"
        )
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise MLLError(f"variant names must be distinct, got {names}; rename with name=...")
    baseline = names[0] if baseline is None else baseline
    if baseline not in names:
        raise MLLError(f"baseline={baseline!r} is not a variant; pass one of {names}")
    for arg, value in (("repeats", repeats), ("batch", batch)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise MLLError(f"{arg}={value!r} is not valid; pass a positive integer")
    X, y = dataset.X_test, dataset.y_test
    singles = [X[i : i + 1] for i in range(min(len(X), 32))]
    big = X[:batch]
    lat_ms: dict[str, list[float]] = {v.name: [] for v in variants}
    thr_ms: dict[str, list[float]] = {v.name: [] for v in variants}
    per_round = max(1, repeats // ROUNDS)
    for _ in range(ROUNDS):  # interleaved, so a change in the machine's load hits every variant
        for v in variants:
            lat = measure_latency(v.predict, singles, warmup=3, repeats=per_round, threads=1)
            lat_ms[v.name].extend(lat.samples_ms)
            thr = measure_latency(v.predict, [big], warmup=1, repeats=max(2, per_round // 5),
                                  threads=1, items_per_call=len(big))  # fmt: skip
            thr_ms[v.name].extend(thr.samples_ms)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for v in variants:
            mem = measure_memory(v.predict, X)
            rows.append({
                "variant": v.name, "technique": v.technique, "runtime": v.runtime,
                "accuracy": v.accuracy(X, y),
                "latency_p50_ms": percentile(lat_ms[v.name], 50),
                "latency_p95_ms": percentile(lat_ms[v.name], 95),
                "throughput_per_s": len(big) / (percentile(thr_ms[v.name], 50) / 1000.0),
                "size_bytes": v.save(Path(tmp)).stat().st_size, "params": v.params,
                "nonzero_params": v.nonzero_params, "flops": v.flops,
                "peak_mem_increase_mb": mem.peak_increase_mb,
            })  # fmt: skip
    frame = pd.DataFrame(rows).set_index("variant")
    base_acc = frame.loc[baseline, "accuracy"]
    frame.insert(3, "drop_points", ((base_acc - frame["accuracy"]) * 100).round(4))
    machine = {**machine_facts(), "n_test": len(y)}
    return TradeoffTable(frame, baseline, machine, len(big))


@dataclass(frozen=True)
class Recommendation:
    """The cheapest variant that keeps the accuracy drop within the limit, and why."""

    chosen: str
    """Name of the recommended variant."""
    objective: str
    """The column minimised (or maximised for throughput)."""
    max_drop_points: float
    """The constraint: accuracy may fall by at most this many percentage points."""
    frame: Any = None
    """The trade-off frame the choice was made from."""
    baseline: str | None = None
    machine: Any = None
    rejected: tuple[tuple[str, str], ...] = ()
    """(variant, reason) for every variant not chosen."""
    limits: tuple[tuple[str, float], ...] = ()
    """The budget: (column, bound) pairs every candidate met (a maximum, a minimum for
    throughput)."""

    @property
    def row(self) -> Any:
        return self.frame.loc[self.chosen]

    def memo(self, price: Any = None) -> Memo:
        """A Markdown memo: the choice, the rejected options and why, $ per 1000 requests.

        Args:
            price: an ``mll.Price`` or an hourly price in USD; ``None`` leaves the $ out.
        """
        return Memo(build_memo(self, price))

    def __repr__(self) -> str:
        return (
            f"Recommendation(chosen={self.chosen!r}, objective={self.objective!r}, "
            f"max_drop_points={self.max_drop_points:g})"
        )

    def _repr_html_(self) -> str:
        row = self.row
        rows = [
            ("chosen", self.chosen),
            ("objective", f"smallest {self.objective}" if OBJECTIVES[self.objective]
             else f"largest {self.objective}"),
            ("constraint", f"accuracy drop <= {self.max_drop_points:g} points"),
            *[("budget", limit_text(col, bound)) for col, bound in self.limits],
            ("its drop", f"{row['drop_points']:.2f} points"),
            (self.objective, row[self.objective]),
        ]  # fmt: skip
        rows += [(f"rejected: {n}", why) for n, why in self.rejected]
        return _html.table(["", "value"], rows, caption="recommendation")


@dataclass(frozen=True)
class Memo:
    """Markdown text; renders as Markdown in Jupyter, ``str(memo)`` gives the text."""

    text: str

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def recommend(
    table: Any,
    max_drop_points: float = 5.0,
    objective: str = "latency_p50_ms",
    limits: Mapping[str, float] | None = None,
) -> Recommendation:
    """Pick the cheapest variant whose accuracy drop is at most ``max_drop_points``.

    Ties on the objective go to the more accurate variant, then to the name. A variant that
    violates the constraint or the budget is never chosen; if none satisfies them, an
    ``MLLError`` says so.

    Args:
        table: a :class:`TradeoffTable` (or its DataFrame, indexed by variant).
        max_drop_points: allowed accuracy loss vs the baseline, in percentage points.
        objective: a column of :data:`OBJECTIVES`; timings change between runs, sizes and
            FLOPs do not.
        limits: a budget, column -> bound, e.g. ``{"size_bytes": 25e6, "latency_p95_ms": 20}``:
            a maximum for every column of :data:`OBJECTIVES` except throughput (a minimum).

    Example:
        >>> mll.recommend(table, max_drop_points=5, objective="size_bytes").chosen
    """
    frame = table_frame(table)
    if objective not in OBJECTIVES:
        raise MLLError(f"objective={objective!r} is not known; pass one of {sorted(OBJECTIVES)}")
    check_column(frame, objective)
    ok = isinstance(max_drop_points, numbers.Real) and not isinstance(max_drop_points, bool)
    if not ok or not max_drop_points >= 0:
        raise MLLError(f"max_drop_points={max_drop_points!r} is not valid; pass e.g. 5.0")
    limit = float(max_drop_points)
    budget = _check_limits(frame, limits)
    over = {name: _over_budget(frame.loc[name], budget) for name in frame.index}
    in_budget = [name for name in frame.index if not over[name]]
    eligible = frame.loc[in_budget]
    eligible = eligible[eligible["drop_points"] <= limit + 1e-9]
    if eligible.empty:
        best = frame.loc[in_budget, "drop_points"].min() if in_budget else None
        if best is None:
            raise MLLError(f"no variant fits the budget {_budget_text(budget)}; relax it or "
                           "measure smaller variants")  # fmt: skip
        raise MLLError(
            f"no variant keeps the accuracy drop within max_drop_points={limit:g} (the smallest "
            f"drop is {best:.2f}); relax the limit or fine-tune a variant"
        )
    lower = OBJECTIVES[objective]
    ranked = sorted(
        eligible.index,
        key=lambda n: (
            eligible.loc[n, objective] if lower else -eligible.loc[n, objective],
            -eligible.loc[n, "accuracy"],
            str(n),
        ),
    )
    chosen = ranked[0]
    best_value = frame.loc[chosen, objective]
    rejected = []
    for name in frame.index:
        if name == chosen:
            continue
        drop = frame.loc[name, "drop_points"]
        if drop > limit + 1e-9:
            rejected.append((name, f"drops {drop:.2f} points (> {limit:g})"))
        elif over[name]:
            rejected.append((name, f"over the budget: {'; '.join(over[name])}"))
        elif frame.loc[name, objective] == best_value:
            acc, best_acc = frame.loc[name, "accuracy"], frame.loc[chosen, "accuracy"]
            why = (f"accuracy {acc:.2%} is lower than {best_acc:.2%}" if acc < best_acc
                   else "the tie goes to the name first in alphabetical order")  # fmt: skip
            rejected.append((name, f"ties on {objective} {fmt_number(best_value)}; {why}"))
        else:
            value = frame.loc[name, objective]
            word = "larger" if lower else "smaller"
            rejected.append((name, f"within the limit but {objective} {fmt_number(value)} is "
                             f"{word} than {fmt_number(best_value)}"))  # fmt: skip
    return Recommendation(
        chosen, objective, limit, frame, getattr(table, "baseline", None),
        getattr(table, "machine", None), tuple(rejected), budget,
    )  # fmt: skip


def _budget_text(budget: tuple[tuple[str, float], ...]) -> str:
    return ", ".join(limit_text(col, bound) for col, bound in budget)


def _check_limits(frame: Any, limits: Any) -> tuple[tuple[str, float], ...]:
    if limits is None:
        return ()
    if not isinstance(limits, Mapping):
        raise MLLError(f"limits={limits!r:.60} is not a dict; pass e.g. {{'size_bytes': 25e6}}")
    out = []
    for col, bound in limits.items():
        if col not in OBJECTIVES:
            raise MLLError(f"limits key {col!r} is not known; use columns of {sorted(OBJECTIVES)}")
        check_column(frame, col)
        if isinstance(bound, bool) or not isinstance(bound, numbers.Real) or not bound >= 0:
            raise MLLError(f"limits[{col!r}]={bound!r} is not valid; pass a number >= 0")
        out.append((col, float(bound)))
    return tuple(out)


def _over_budget(row: Any, budget: tuple[tuple[str, float], ...]) -> list[str]:
    """The budget lines ``row`` breaks, as 'size_bytes 90,405,072 > 25,000,000'."""
    out = []
    for col, bound in budget:
        value = row[col]
        lower = OBJECTIVES[col]
        if (value > bound) if lower else (value < bound):
            out.append(f"{col} {fmt_number(value)} {'>' if lower else '<'} {fmt_number(bound)}")
    return out
