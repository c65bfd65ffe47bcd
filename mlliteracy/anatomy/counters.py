"""Other counters beside ours: PyTorch's ``FlopCounterMode`` and torchinfo, and where each differs.

Two kinds of difference look alike in a table and mean opposite things:

* a **convention**: MACs (1 per multiply-accumulate, torchvision's "GFLOPS" column, thop,
  torchinfo's "Mult-Adds") are FLOPs / 2; nothing is missing;
* **missed work**: a counter that never sees a kernel counts it as 0. PyTorch's raw counter has
  no formula for the CPU attention kernel; torchinfo hooks modules, so matrix products that run
  inside a module's ``forward`` (attention's QK^T and AV) count 0, and its Mult-Adds of a layer
  are its weights times the batch size, whatever the number of tokens per example.

torchinfo is optional here: without it, its row says so instead of failing.

Example:
    >>> zm = mll.load_model("bert-base")
    >>> mll.compare_counters(zm.model, zm.example_input)
    >>> mll.torchinfo_gaps(zm.model, zm.example_input)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from .._core.errors import MLLError
from .flops import call_model, trace_model

if TYPE_CHECKING:
    import pandas as pd

#: The install command shown when torchinfo is missing.
TORCHINFO_INSTALL = "pip install torchinfo"
#: What the gap column says for each counter that misses work.
MISSED_BY = {
    "torch FlopCounterMode, raw": "kernels without a formula (CPU attention) count 0",
    "torchinfo summary, Mult-Adds": (
        "module hooks: weights x batch size per layer (tokens ignored), matmuls outside "
        "layers (attention) count 0"
    ),
}
COUNTER_COLUMNS = ("reported", "unit", "as FLOPs", "missed FLOPs", "differs by")


def torchinfo_stats(model: torch.nn.Module, inputs: Any) -> Any:
    """torchinfo's ``summary`` of one forward pass (quiet, no table printed), or None.

    Args:
        model: an ``nn.Module`` on the CPU.
        inputs: a tensor, a tuple of positional tensors or a dict of keyword tensors.

    Returns:
        torchinfo's ``ModelStatistics`` (``total_mult_adds``, ``summary_list``), or None
        when torchinfo is not installed.

    Example:
        >>> torchinfo_stats(model, torch.zeros(1, 3, 224, 224)).total_mult_adds
    """
    try:
        from torchinfo import summary
    except ImportError:
        return None
    if not isinstance(model, torch.nn.Module):
        raise MLLError(f"model={type(model).__name__} is not a torch.nn.Module; pass a network")
    if isinstance(inputs, dict):
        data: Any = inputs
    else:
        data = list(inputs) if isinstance(inputs, tuple) else [inputs]
    try:
        return summary(model, input_data=data, verbose=0, depth=100, mode="eval")
    except Exception as err:
        raise MLLError(
            f"torchinfo could not run {type(model).__name__} on this input "
            f"({str(err).splitlines()[0][:120] if str(err) else type(err).__name__}); "
            "check the input shapes"
        ) from err


def compare_counters(model: torch.nn.Module, inputs: Any) -> pd.DataFrame:
    """Count one forward pass with mlliteracy, PyTorch's ``FlopCounterMode`` and torchinfo.

    Each row says whether it differs from mlliteracy's count by a convention only (MACs are
    FLOPs / 2, nothing missing) or because it misses work, and how much.

    Args:
        model: an ``nn.Module``.
        inputs: a tensor, tuple of tensors, or dict of keyword tensors.

    Returns:
        A DataFrame indexed by counter: ``reported`` (the number the tool prints), ``unit``,
        ``as FLOPs`` (converted, 1 MAC = 2 FLOPs), ``missed FLOPs`` and ``differs by``.

    Example:
        >>> zm = mll.load_model("bert-base")
        >>> mll.compare_counters(zm.model, zm.example_input)
    """
    import pandas as pd
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad():
        ours = trace_model(model, inputs).total_flops
        with FlopCounterMode(display=False) as raw:
            call_model(model, inputs)
    info = torchinfo_stats(model, inputs)
    counted: list[tuple[str, int | None, str]] = [
        ("mlliteracy (dispatch-level, every kernel)", ours, "FLOPs"),
        ("torch FlopCounterMode, raw", raw.get_total_flops(), "FLOPs"),
        ("MACs (torchvision's 'GFLOPS' column, thop)", ours // 2, "MACs"),
        ("torchinfo summary, Mult-Adds", info.total_mult_adds if info else None, "MACs"),
    ]
    rows = [(name, *_compare(name, reported, unit, ours)) for name, reported, unit in counted]
    frame = pd.DataFrame(rows, columns=["counter", *COUNTER_COLUMNS]).set_index("counter")
    return frame.astype({c: "Int64" for c in ("reported", "as FLOPs", "missed FLOPs")})


def _compare(name: str, reported: int | None, unit: str, ours: int) -> tuple[Any, ...]:
    if reported is None:
        return (
            None,
            unit,
            None,
            None,
            f"not counted: torchinfo is not installed ({TORCHINFO_INSTALL})",
        )
    as_flops = 2 * reported if unit == "MACs" else reported
    missed = ours - as_flops
    if name.startswith("mlliteracy"):
        why = "reference: 2 FLOPs per multiply-accumulate"
    elif missed == 0:
        why = "convention only: MACs = FLOPs / 2, nothing missing" if unit == "MACs" else "nothing"
    else:
        share = f"{missed / ours:.1%} of the work" if ours else "work"
        verb = "misses" if missed > 0 else "adds"
        why = f"{verb} {share}: {MISSED_BY.get(name, 'kernels it does not see')}"
    return reported, unit, as_flops, missed, why


def torchinfo_gaps(model: torch.nn.Module, inputs: Any) -> pd.DataFrame:
    """Where torchinfo's Mult-Adds and mlliteracy's MACs differ, per kind of layer.

    torchinfo counts each leaf module from its weights and output shape; mlliteracy counts the
    kernels that really ran, booked on the innermost module running them (so attention's
    matrix products land on the attention module, which owns no weights of its own).

    Args:
        model: an ``nn.Module`` on the CPU.
        inputs: a tensor, tuple of tensors, or dict of keyword tensors.

    Returns:
        A DataFrame indexed by module type: ``modules``, ``torchinfo Mult-Adds``,
        ``mlliteracy MACs``, ``torchinfo / mlliteracy``; a last row holds the totals.

    Example:
        >>> zm = mll.load_model("minilm")
        >>> mll.torchinfo_gaps(zm.model, zm.example_input)
    """
    import pandas as pd

    info = torchinfo_stats(model, inputs)
    if info is None:
        raise MLLError(f"torchinfo is not installed; {TORCHINFO_INSTALL} to compare with it")
    with torch.no_grad():
        trace = trace_model(model, inputs)
    by_type: dict[str, list[int]] = {}
    theirs: dict[int, int] = {}
    for layer in info.summary_list:
        if layer.is_leaf_layer:  # what torchinfo's total adds up (a reused layer, per call)
            theirs[id(layer.module)] = theirs.get(id(layer.module), 0) + layer.macs
    for name, module in model.named_modules():
        mine = trace.modules[name].flops // 2
        other = theirs.get(id(module), 0)
        if name and (mine or other):
            row = by_type.setdefault(type(module).__name__, [0, 0, 0])
            row[0] += 1
            row[1] += other
            row[2] += mine
    root = trace.modules[""].flops // 2
    if root:
        by_type.setdefault(f"(code of {type(model).__name__} itself)", [1, 0, 0])[2] += root
    rows = sorted(by_type.items(), key=lambda kv: -max(kv[1][1], kv[1][2]))
    total = [sum(r[i] for _, r in rows) for i in range(3)]
    frame = pd.DataFrame(
        [[n, *r] for n, r in rows] + [["total", *total]],
        columns=["module type", "modules", "torchinfo Mult-Adds", "mlliteracy MACs"],
    ).set_index("module type")
    ratio = frame["torchinfo Mult-Adds"] / frame["mlliteracy MACs"].where(
        frame["mlliteracy MACs"] > 0
    )
    frame["torchinfo / mlliteracy"] = ratio.round(4)
    return frame
