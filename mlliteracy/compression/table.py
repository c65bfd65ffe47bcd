"""The trade-off table's vocabulary: which objectives are cheaper when smaller, which are timings,
and the checks every reader of a table uses (tradeoffs, pareto, memo).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

from .._core.errors import MLLError

if TYPE_CHECKING:
    import pandas as pd

#: objective -> True when smaller is cheaper (throughput: larger is better).
OBJECTIVES = {
    "latency_p50_ms": True,
    "latency_p95_ms": True,
    "size_bytes": True,
    "flops": True,
    "params": True,
    "nonzero_params": True,
    "peak_mem_increase_mb": True,
    "throughput_per_s": False,
    "drop_points": True,
}
#: Objectives whose values are timings: they change from run to run and machine to machine.
TIMED = ("latency_p50_ms", "latency_p95_ms", "throughput_per_s", "peak_mem_increase_mb")


def fmt_number(value: Any) -> str:
    """A table value for a sentence: integers with thousands separators, else 4 significant
    digits."""
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{float(value):.4g}"


def limit_text(column: str, bound: float) -> str:
    """One budget line as text: ``size_bytes <= 25,000,000`` (``>=`` for throughput)."""
    return f"{column} {'<=' if OBJECTIVES[column] else '>='} {fmt_number(bound)}"


def machine_text(machine: dict[str, Any]) -> str:
    """The facts timings depend on, as one phrase for a memo."""
    return (
        f"{machine.get('threads')} thread(s), {machine.get('cpu_capability')}, "
        f"VNNI {'yes' if machine.get('vnni') else 'no'}, "
        f"native bf16 {'yes' if machine.get('bf16') else 'no'}"
    )


def table_frame(table: Any) -> pd.DataFrame:
    """The DataFrame of a trade-off table (or the frame itself), checked for its key columns."""
    import pandas as pd

    frame = getattr(table, "frame", table)
    if not isinstance(frame, pd.DataFrame):
        raise MLLError(
            f"table={type(table).__name__} is not a trade-off table; pass mll.measure_variants(...)"
        )
    for col in ("accuracy", "drop_points"):
        check_column(frame, col)
    return frame


def check_column(frame: Any, col: str) -> None:
    """A one-line error naming the columns when ``col`` is missing."""
    if col not in frame.columns:
        raise MLLError(f"column {col!r} is missing; the table has {list(frame.columns)}")
