"""A fair baseline for a speed-up: the headline against the naive service is against a
strawman, so recompute it against the first sensible variant and show each step's share.

Example:
    >>> table = mll.compare_variants(variants)
    >>> mll.ablation_table(table, baseline="+ load once")
    >>> mll.explain_speedup(table, baseline="+ load once")
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from .._core.errors import MLLError
from .._core.expect import Verdict

#: the first step's share of the total speed-up (on a log scale) from which it is "most"
MOST = 0.5


def _per_item(table: Any, baseline: str) -> Any:
    cols = {"variant", "ms_per_item"}
    if not hasattr(table, "columns") or not cols <= set(table.columns) or len(table) < 2:
        raise MLLError("table must be the result of mll.compare_variants with two or more rows")
    per_item = table.set_index("variant")["ms_per_item"].astype(float)
    if baseline not in per_item.index:
        raise MLLError(f"baseline={baseline!r} is not a variant: use one of {list(per_item.index)}")
    if (per_item <= 0).any():
        raise MLLError("table has a variant with ms_per_item <= 0: measure it again")
    return per_item


def ablation_table(table: Any, baseline: str = "+ load once"):
    """Each step's speed-up over the previous one, over the first variant and over ``baseline``.

    Args:
        table: the DataFrame of :func:`~mlliteracy.latency.timing.compare_variants`, in order.
        baseline: the variant a fair comparison starts from (rows before it show < 1).

    Returns:
        DataFrame: variant, ms_per_item, speedup_vs_previous, speedup_vs_first,
        speedup_vs_baseline.
    """
    import pandas as pd

    per_item = _per_item(table, baseline)
    ms = per_item.to_numpy()
    return pd.DataFrame({
        "variant": list(per_item.index),
        "ms_per_item": ms.round(3),
        "speedup_vs_previous": [1.0] + [round(a / b, 2) for a, b in pairwise(ms)],
        "speedup_vs_first": (ms[0] / ms).round(2),
        "speedup_vs_baseline": (per_item[baseline] / ms).round(2),
    })  # fmt: skip


def explain_speedup(table: Any, baseline: str = "+ load once", most: float = MOST) -> Verdict:
    """Say how much of the headline speed-up the first fix (up to ``baseline``) is, and what is
    left against that fair baseline.

    The share is measured on a log scale (speed-ups multiply): ``log(first) / log(total)``,
    where ``first`` = first variant / ``baseline`` and ``total`` = first variant / fastest.

    Returns:
        A :class:`~mlliteracy._core.expect.Verdict` with outcome ``baseline step`` (the first
        fix is at least ``most`` of the speed-up), ``spread`` or ``none`` (nothing is faster).
    """
    per_item = _per_item(table, baseline)
    first_name, best = str(per_item.index[0]), str(per_item.idxmin())
    total = float(per_item.iloc[0] / per_item[best])
    step = float(per_item.iloc[0] / per_item[baseline])
    fair = float(per_item[baseline] / per_item[best])
    if total <= 1.0:
        text = f"No variant is faster than **{first_name}** here: there is no speed-up to claim."
        return Verdict(text, "none")
    share = math.log(step) / math.log(total) if step > 1 else 0.0
    head = f"Against **{first_name}**, the fastest variant ({best}) is **{total:.1f}x** faster. "
    tail = (
        f"Against the fair baseline **{baseline}**, the service a careful engineer would write "
        f"first, the remaining fixes give **{fair:.1f}x**: that is the number to quote."
    )
    if share >= most:
        text = head + (
            f"Most of that is the step to {baseline}: it alone gives {step:.1f}x, "
            f"{share:.0%} of the speed-up on a log scale. " + tail
        )
        return Verdict(text, "baseline step")
    if step > 1:
        first = (
            f"The step to {baseline} gives {step:.1f}x, only {share:.0%} of the speed-up "
            "on a log scale"
        )
    else:
        first = f"The step to {baseline} gave no speed-up here ({step:.2f}x)"
    text = head + first + ": the later fixes matter more. " + tail
    return Verdict(text, "spread")
