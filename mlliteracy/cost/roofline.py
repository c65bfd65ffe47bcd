"""Roofline model (Williams, Waterman & Patterson 2009): is a kernel limited by compute or memory?

attainable FLOP/s = min(peak FLOP/s, arithmetic intensity * memory bandwidth), where the
arithmetic intensity (AI) is FLOPs per byte moved to and from memory.

Example:
    >>> roof = mll.measure_roof()
    >>> roof.attainable(mll.gemm_intensity(1, 384, 384))   # batch-1 Linear: memory-bound
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from ..latency.timing import measure_latency

if TYPE_CHECKING:
    import pandas as pd

#: Bytes per element of the dtypes the helpers know.
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


def _count(name: str, value: Any, low: int = 1) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise MLLError(f"{name}={value!r} must be an integer >= {low}")
    return value


def _pos(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise MLLError(f"{name}={value!r} must be a number > 0")
    return float(value)


def gemm_flops(m: int, k: int, n: int) -> int:
    """FLOPs of an (m x k) @ (k x n) matrix product: 2 * m * n * k (one multiply + one add)."""
    return 2 * _count("m", m) * _count("n", n) * _count("k", k)


def gemm_intensity(m: int, k: int, n: int, dtype: str = "float32") -> float:
    """Arithmetic intensity of (m x k) @ (k x n): 2mnk / bytes of the three matrices.

    Each matrix is counted once (read A and B, write C): the best case with perfect caching.

    Example:
        >>> mll.gemm_intensity(1, 384, 384)     # batch-1 Linear(384, 384): about 0.5 FLOP/byte
    """
    if dtype not in DTYPE_BYTES:
        raise MLLError(f"dtype={dtype!r} is not known: use one of {sorted(DTYPE_BYTES)}")
    flops = gemm_flops(m, k, n)
    return flops / (DTYPE_BYTES[dtype] * (m * k + k * n + m * n))


def attainable_gflops(intensity: float, peak_gflops: float, bandwidth_gbs: float) -> float:
    """min(peak, intensity * bandwidth), in GFLOP/s (intensity in FLOP/byte, bandwidth in GB/s)."""
    ai = _pos("intensity", intensity)
    return min(_pos("peak_gflops", peak_gflops), ai * _pos("bandwidth_gbs", bandwidth_gbs))


@dataclass(frozen=True)
class Roof:
    """The two roofs of this machine, as measured."""

    peak_gflops: float
    """Best fp32 GEMM throughput seen (GFLOP/s)."""
    bandwidth_gbs: float
    """Best memory bandwidth seen (GB/s, bytes read + written per second)."""
    threads: int
    """torch intra-op threads during the measurement."""
    gemm_size: int
    """Side of the square matrices used for the peak."""
    array_mb: float
    """Size of each array streamed for the bandwidth (MB), larger than the caches."""
    int8_peak_gflops: float | None = None
    """Best int8 GEMM throughput of ONNX Runtime's ``MatMulInteger`` (G int8 ops/s, 2 per
    multiply-add), the roof int8 variants are measured against; ``None`` when not measured."""

    @property
    def ridge(self) -> float:
        """Intensity (FLOP/byte) where the memory roof meets the compute roof."""
        return self.peak_gflops / self.bandwidth_gbs

    def attainable(self, intensity: float) -> float:
        """Attainable GFLOP/s at this intensity."""
        return attainable_gflops(intensity, self.peak_gflops, self.bandwidth_gbs)

    def bound(self, intensity: float) -> str:
        """``"memory"`` left of the ridge, ``"compute"`` right of it."""
        return "memory" if _pos("intensity", intensity) < self.ridge else "compute"

    def to_dict(self) -> dict[str, Any]:
        return {
            "peak_gflops": round(self.peak_gflops, 2),
            "bandwidth_gbs": round(self.bandwidth_gbs, 2),
            "ridge_flop_per_byte": round(self.ridge, 2),
            "threads": self.threads,
            "gemm_size": self.gemm_size,
            "array_mb": self.array_mb,
            **({} if self.int8_peak_gflops is None
               else {"int8_peak_gflops": round(self.int8_peak_gflops, 2)}),
        }  # fmt: skip

    def __repr__(self) -> str:
        int8 = "" if self.int8_peak_gflops is None else f", int8 peak={self.int8_peak_gflops:.1f}"
        return (
            f"Roof(peak={self.peak_gflops:.1f} GFLOP/s, bandwidth={self.bandwidth_gbs:.1f} GB/s, "
            f"ridge={self.ridge:.1f} FLOP/byte{int8}, threads={self.threads})"
        )

    def _repr_html_(self) -> str:
        rows = list(self.to_dict().items())
        return _html.table(("", "value"), rows, caption="roofline of this machine (measured)")


def _best_seconds(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    """Best-of-``repeats`` fp32 GEMM throughput of ``size x size`` matrices, in GFLOP/s."""
    import torch

    _count("size", size, 8)
    _count("repeats", repeats)
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(size, size, generator=gen)
    b = torch.rand(size, size, generator=gen)
    out = torch.empty(size, size)
    with torch.inference_mode():
        seconds = _best_seconds(lambda: torch.mm(a, b, out=out), repeats)
    return gemm_flops(size, size, size) / seconds / 1e9


def measure_bandwidth_gbs(array_mb: float = 128.0, repeats: int = 5) -> float:
    """Best memory bandwidth of a copy (2 arrays) and a triad a = b + s*c (3 arrays), GB/s."""
    import torch

    n = int(_pos("array_mb", array_mb) * 1e6 // 4)
    _count("repeats", repeats)
    if n < 1024:
        raise MLLError(f"array_mb={array_mb!r} is too small: pass at least 0.01 (MB)")
    a, b, c = torch.zeros(n), torch.ones(n), torch.full((n,), 2.0)
    nbytes = 4 * n
    copy = _best_seconds(lambda: a.copy_(b), repeats)
    triad = _best_seconds(lambda: torch.add(b, c, alpha=3.0, out=a), repeats)
    return max(2 * nbytes / copy, 3 * nbytes / triad) / 1e9


def measure_int8_peak_gflops(size: int = 1024, repeats: int = 5) -> float:
    """Best-of-``repeats`` int8 GEMM throughput (uint8 x int8 -> int32, ONNX Runtime's
    ``MatMulInteger``, the kernel family its dynamic int8 models run), in G ops/s.

    Runs on as many threads as torch uses now, so it matches :func:`measure_peak_gflops`.
    """
    import numpy as np
    import onnxruntime as ort
    import torch
    from onnx import TensorProto, helper

    _count("size", size, 8)
    _count("repeats", repeats)
    shape = [size, size]
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"])],
        "int8_gemm",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, shape),
         helper.make_tensor_value_info("b", TensorProto.INT8, shape)],
        [helper.make_tensor_value_info("y", TensorProto.INT32, shape)],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = torch.get_num_threads()
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    session = ort.InferenceSession(
        model.SerializeToString(), opts, providers=["CPUExecutionProvider"]
    )
    rng = np.random.default_rng(0)
    feeds = {
        "a": rng.integers(0, 256, shape, dtype=np.uint8),
        "b": rng.integers(-127, 128, shape, dtype=np.int8),
    }
    seconds = _best_seconds(lambda: session.run(None, feeds), repeats)
    return gemm_flops(size, size, size) / seconds / 1e9


def measure_roof(
    gemm_size: int = 2048, array_mb: float = 128.0, repeats: int = 5, int8: bool = False
) -> Roof:
    """Measure this machine's peak fp32 GEMM FLOP/s and memory bandwidth (best of ``repeats``).

    Args:
        gemm_size: side of the square matrices multiplied for the peak.
        array_mb: MB per streamed array; keep it well above the last-level cache.
        repeats: timed runs of each; the best is kept (noise only slows a run down).
        int8: also measure the int8 GEMM roof (:func:`measure_int8_peak_gflops`).

    Returns:
        A :class:`Roof`; the thread count is recorded because both roofs depend on it.

    Example:
        >>> mll.measure_roof(gemm_size=1024, array_mb=64)
    """
    import torch

    peak = measure_peak_gflops(gemm_size, repeats)
    bandwidth = measure_bandwidth_gbs(array_mb, repeats)
    int8_peak = measure_int8_peak_gflops(gemm_size, repeats) if int8 else None
    threads = torch.get_num_threads()
    return Roof(peak, bandwidth, threads, gemm_size, float(array_mb), int8_peak)


# ------------------------------------------------------------------ placing work on the roof


def layer_points(report: Any, roof: Roof, min_share: float = 0.0) -> pd.DataFrame:
    """One row per layer of an autopsy report: FLOPs, bytes, intensity, attainable GFLOP/s, bound.

    Args:
        report: an ``AutopsyReport`` (``mll.autopsy(...)``) with per-layer flops and intensity.
        roof: this machine's :class:`Roof`.
        min_share: drop layers with less than this share of the model's FLOPs.

    Example:
        >>> mll.layer_points(mll.autopsy(mll.load_model("minilm")), roof)
    """
    import pandas as pd

    layers = getattr(report, "layers", None)
    if layers is None:
        raise MLLError("report has no .layers: pass the result of mll.autopsy(model, input)")
    rows = []
    for row in layers:
        if row.flops <= 0 or row.intensity <= 0 or row.share < min_share:
            continue
        rows.append(
            {
                "name": row.name,
                "type": row.type,
                "flops": int(row.flops),
                "bytes": round(row.flops / row.intensity),
                "intensity": float(row.intensity),
                "attainable_gflops": roof.attainable(row.intensity),
                "bound": roof.bound(row.intensity),
            }
        )
    return pd.DataFrame(rows)


def encoder_flops(
    layers: int, d_model: int, d_ff: int, seq: int, batch: int = 1, pooler: bool = True
) -> int:
    """FLOPs of a BERT-style encoder forward pass, counted by hand (2 per multiply-accumulate).

    Per layer: Q, K, V, output projections (4 x 2*S*d*d), scores and weighted sum
    (2 x 2*S*S*d) and the feed-forward pair (2 x 2*S*d*d_ff); plus an optional pooler (2*d*d).
    For all-MiniLM-L6-v2 at 128 tokens this gives 2,869,198,848, as the autopsy does.
    """
    for name, value in (("layers", layers), ("d_model", d_model), ("d_ff", d_ff), ("seq", seq)):
        _count(name, value)
    _count("batch", batch)
    s, d = seq, d_model
    per_layer = 4 * 2 * s * d * d + 2 * 2 * s * s * d + 2 * 2 * s * d * d_ff
    return batch * (layers * per_layer + (2 * d * d if pooler else 0))


def batch_points(
    fn: Callable[[Any], Any],
    inputs_for: Callable[[int], Any],
    flops_per_item: int,
    batch_sizes: Sequence[int] = (1, 8, 32),
    weight_bytes: int = 0,
    activation_bytes_per_item: int = 0,
    repeats: int = 5,
    name: str = "model",
    statistic: str = "median",
) -> pd.DataFrame:
    """Time ``fn`` at several batch sizes; achieved GFLOP/s and intensity at each.

    Intensity per batch = FLOPs / (weights read once + activations of every item): weights
    are shared by the batch, so larger batches do more work per byte.

    Args:
        fn: runs one batch, e.g. ``lambda x: model(**x)`` (call it under ``torch.inference_mode``).
        inputs_for: batch size -> the input of one call.
        flops_per_item: forward FLOPs of one item (from ``mll.autopsy``).
        batch_sizes: the sizes to try.
        weight_bytes: parameter bytes (``report.size_bytes["fp32"]``).
        activation_bytes_per_item: activation bytes of one item (``report.activation_bytes``).
        repeats: timed calls per size.
        statistic: ``"median"`` (typical call) or ``"best"`` (fastest call, as the peak uses).

    Example:
        >>> mll.batch_points(run, make_batch, rep.flops, (1, 32), rep.size_bytes["fp32"])
    """
    import pandas as pd

    _count("flops_per_item", flops_per_item)
    if statistic not in ("median", "best"):
        raise MLLError(f"statistic={statistic!r} is not known: use 'median' or 'best'")
    if not batch_sizes:
        raise MLLError("batch_sizes is empty: pass e.g. (1, 8, 32)")
    rows = []
    for bs in batch_sizes:
        _count("batch size", bs)
        stats = measure_latency(fn, [inputs_for(bs)], warmup=1, repeats=repeats, items_per_call=bs)
        flops = flops_per_item * bs
        ms = stats.p50_ms if statistic == "median" else min(stats.samples_ms)
        moved = weight_bytes + activation_bytes_per_item * bs
        rows.append(
            {
                "name": f"{name} batch {bs}",
                "batch": bs,
                "ms_per_call": ms,
                "flops": flops,
                "achieved_gflops": flops / (ms / 1000.0) / 1e9,
                "intensity": flops / moved if moved else float("nan"),
                "threads": stats.threads,
            }
        )
    return pd.DataFrame(rows)


#: Filler text long enough to fill every token position at the usual sequence lengths.
FILL_TEXT = "The workbook measures where the time goes. " * 20


def text_batch_fns(zoo_model: Any, seq: int = 128) -> tuple[Callable[[int], Any], Callable]:
    """``(inputs_for, run)`` for a zoo text model: ``batch`` texts padded to ``seq`` tokens.

    ``run`` calls the model under ``torch.inference_mode``; pass both to :func:`batch_points`.

    Example:
        >>> inputs_for, run = text_batch_fns(mll.load_model("minilm"))
    """
    import torch

    _count("seq", seq)

    def inputs_for(batch: int) -> dict[str, Any]:
        return dict(zoo_model.tokenizer([FILL_TEXT] * batch, padding="max_length", truncation=True,
                                        max_length=seq, return_tensors="pt"))  # fmt: skip

    def run(batch: dict[str, Any]) -> Any:
        with torch.inference_mode():
            return zoo_model.model(**batch)

    return inputs_for, run


def text_batch_points(
    zoo_model: Any, report: Any, batch_sizes: Sequence[int] = (1, 8, 32), repeats: int = 5,
    name: str | None = None, statistic: str = "median", seq: int = 128,
) -> Any:  # fmt: skip
    """:func:`batch_points` for a zoo text model at ``seq`` tokens; FLOPs and bytes from its
    autopsy (``report``, made with the same sequence length).

    Example:
        >>> zm = mll.load_model("minilm"); rep = mll.autopsy(zm.model, zm.example_input)
        >>> mll.text_batch_points(zm, rep, (1, 32))
    """
    inputs_for, run = text_batch_fns(zoo_model, seq)
    return batch_points(
        run, inputs_for, report.flops, batch_sizes, report.size_bytes["fp32"],
        report.activation_bytes, repeats=repeats, name=name or report.name, statistic=statistic,
    )  # fmt: skip
