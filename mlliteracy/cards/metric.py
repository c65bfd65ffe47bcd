"""One measured number tied to the data it was measured on: the rows of a card's metrics table."""

from __future__ import annotations

from dataclasses import dataclass

#: Columns of a card's metrics table, in order.
METRIC_HEADER = ("metric", "value", "dataset", "split", "slice", "n")


@dataclass(frozen=True)
class Metric:
    """One measured number, always tied to the data it was measured on."""

    name: str
    """What was measured, e.g. ``"accuracy"``."""
    value: float
    dataset: str = ""
    """Dataset the metric was computed on (empty means unknown: a finding)."""
    split: str = ""
    """Split of that dataset, e.g. ``"test"`` (empty means unknown: a finding)."""
    slice: str = ""
    """Subgroup, e.g. ``"label=3"``; empty for the whole split."""
    n: int | None = None
    """Number of examples behind the value."""
