"""Model variants for the cost lesson: the fp32 baseline, half precision, int8 quantisation.

A :class:`Variant` is one way to serve a digits model: it predicts logits from flat
``(N, 64)`` float32 rows and can save itself to disk, so every variant is measured the same
way (see :mod:`mlliteracy.compression.tradeoffs`). int8 goes through ONNX Runtime's quantiser,
which is
installed and offline; torchao's ``quantize_`` works with torch 2.14 on CPU but logs a warning
when imported and ran about 50x slower than fp32 at batch 1 on a CPU without VNNI.

Example:
    >>> base = mll.torch_variant(mll.load_digits_cnn(), "fp32")
    >>> int8 = mll.quantize_static_int8(mll.load_digits_cnn(), mll.load_digits().X_train[:256])
    >>> int8.predict(X).shape
    (270, 10)
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.errors import MLLError
from ..anatomy.autopsy import autopsy
from ..anatomy.onnx import export_onnx

#: dtypes accepted by :func:`half_precision`.
HALF_DTYPES = ("bfloat16", "float16")


@dataclass(frozen=True)
class Variant:
    """One servable version of a model, with what it is and how to run and save it."""

    name: str
    """Short label used in tables, e.g. ``"int8 static (ORT)"``."""
    technique: str
    """What was done: ``baseline``, ``quantisation``, ``pruning``, ``distillation``..."""
    predict: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    """Flat float32 rows ``(N, 64)`` -> logits ``(N, classes)`` as a NumPy array."""
    save: Callable[[Path], Path] = field(repr=False)
    """Writes the variant into a folder, returns the file (its size is the size on disk)."""
    params: int
    """Parameters stored (dense count: pruned zeros still count)."""
    nonzero_params: int
    """Parameters that are not exactly zero."""
    flops: int
    """Forward FLOPs per example of the dense computation that actually runs."""
    runtime: str
    """``torch`` or ``onnxruntime``, with the dtype."""
    model: Any = field(default=None, repr=False, compare=False)
    """The torch module behind a torch variant (``None`` for ONNX Runtime variants)."""

    def accuracy(self, X: Any, y: Any) -> float:
        """Share of rows of ``X`` whose top logit is the label in ``y``."""
        return float((self.predict(X).argmax(1) == np.asarray(y)).mean())

    def __repr__(self) -> str:
        return (
            f"Variant({self.name!r}, {self.technique}, runtime={self.runtime}, "
            f"params={self.params:,}, nonzero={self.nonzero_params:,}, flops={self.flops:,})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("technique", self.technique),
            ("runtime", self.runtime),
            ("params", f"{self.params:,}"),
            ("non-zero params", f"{self.nonzero_params:,}"),
            ("FLOPs / example", f"{self.flops:,}"),
        ]
        return _html.table(["", self.name], rows, caption="model variant")


def _check_module(model: Any) -> None:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise MLLError(
            f"model={type(model).__name__} is not a torch.nn.Module; "
            "pass e.g. mll.load_digits_cnn()"
        )


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise MLLError(f"name={name!r} is not a label; pass a short string such as 'int8'")


def _as_rows(X: Any) -> np.ndarray:
    arr = np.array(X, dtype=np.float32)  # a writable copy (dataset arrays are read-only)
    if arr.ndim == 4:
        arr = arr.reshape(len(arr), -1)
    if arr.ndim != 2 or arr.shape[1] != 64:
        raise MLLError(f"X has shape {arr.shape}; pass digit rows shaped (N, 64), e.g. X_test")
    return np.ascontiguousarray(arr)


def count_params(model: Any) -> tuple[int, int]:
    """(parameters, non-zero parameters) of a torch module."""
    total = sum(p.numel() for p in model.parameters())
    nonzero = sum(int((p != 0).sum()) for p in model.parameters())
    return int(total), int(nonzero)


def digits_flops(model: Any) -> int:
    """Forward FLOPs of one 8x8 digit through ``model`` (``mll.autopsy``, 2 per MAC)."""
    import torch

    first = next(model.parameters())
    example = torch.zeros(1, 1, 8, 8, dtype=first.dtype)
    return int(autopsy(model, example).flops)


def torch_variant(model: Any, name: str, technique: str = "baseline") -> Variant:
    """Wrap a torch digits model (fp32, bf16 or fp16 weights) as a :class:`Variant`.

    Args:
        model: the module; it is put in eval mode and run under ``torch.inference_mode``.
        name: label for tables.
        technique: what produced it (``baseline``, ``pruning``, ``distillation``...).

    Example:
        >>> mll.torch_variant(mll.load_digits_cnn(), "fp32")
    """
    import torch

    _check_module(model)
    _check_name(name)
    model.eval()
    dtype = next(model.parameters()).dtype

    def predict(X: Any) -> np.ndarray:
        x = torch.from_numpy(_as_rows(X)).view(-1, 1, 8, 8).to(dtype)
        with torch.inference_mode():
            return model(x).float().numpy()

    def save(folder: Path) -> Path:
        from safetensors.torch import save_file

        path = Path(folder) / f"{file_stem(name)}.safetensors"
        state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(path))
        return path

    params, nonzero = count_params(model)
    runtime = f"torch {str(dtype).removeprefix('torch.')}"
    flops = digits_flops(model)
    return Variant(name, technique, predict, save, params, nonzero, flops, runtime, model)


def half_precision(model: Any, dtype: str = "bfloat16", name: str | None = None) -> Variant:
    """A copy of ``model`` with bf16 or fp16 weights and activations (half the bytes).

    Args:
        model: a torch digits model in fp32 (left unchanged).
        dtype: ``"bfloat16"`` or ``"float16"``.
        name: label (default: the dtype).

    Example:
        >>> mll.half_precision(mll.load_digits_cnn(), "bfloat16")
    """
    import copy

    import torch

    _check_module(model)
    if dtype not in HALF_DTYPES:
        raise MLLError(f"dtype={dtype!r} is not supported; pass one of {HALF_DTYPES}")
    half = copy.deepcopy(model).to(getattr(torch, dtype)).eval()
    short = {"bfloat16": "bf16", "float16": "fp16"}[dtype]
    return torch_variant(half, name or short, technique="quantisation")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's and the quantiser's warnings, prints and log lines."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _export(model: Any, folder: Path) -> Path:
    import torch

    path = folder / "fp32.onnx"
    with _quiet():
        export_onnx(model, torch.zeros(1, 1, 8, 8), path)
    return path


def _onnx_variant(
    onnx_bytes: bytes, name: str, source: Any, technique: str, runtime: str
) -> Variant:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    session = ort.InferenceSession(onnx_bytes, opts, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name

    def predict(X: Any) -> np.ndarray:
        x = _as_rows(X).reshape(-1, 1, 8, 8)
        return session.run(None, {input_name: x})[0]

    def save(folder: Path) -> Path:
        path = Path(folder) / f"{file_stem(name)}.onnx"
        path.write_bytes(onnx_bytes)
        return path

    params, nonzero = count_params(source)
    return Variant(
        name, technique, predict, save, params, nonzero, digits_flops(source), runtime, None
    )


def onnx_variant(model: Any, name: str = "fp32 (ORT)") -> Variant:
    """The fp32 model exported to ONNX and run by ONNX Runtime (one thread).

    Example:
        >>> mll.onnx_variant(mll.load_digits_cnn())
    """
    _check_module(model)
    _check_name(name)
    with tempfile.TemporaryDirectory() as tmp:
        data = _export(model.eval(), Path(tmp)).read_bytes()
    return _onnx_variant(data, name, model, "runtime", "onnxruntime fp32")


def quantize_dynamic_int8(model: Any, name: str = "int8 dynamic (ORT)") -> Variant:
    """Dynamic int8: Linear (MatMul/Gemm) weights stored as int8, activations quantised per call.

    Convolutions stay fp32 (ONNX Runtime's dynamic ConvInteger is slow on CPU).

    Example:
        >>> mll.quantize_dynamic_int8(mll.load_digits_cnn())
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    _check_module(model)
    _check_name(name)
    with tempfile.TemporaryDirectory() as tmp:
        src = _export(model.eval(), Path(tmp))
        dst = Path(tmp) / "int8_dynamic.onnx"
        with _quiet():
            quantize_dynamic(
                src, dst, op_types_to_quantize=["MatMul", "Gemm"], weight_type=QuantType.QInt8
            )
        data = dst.read_bytes()
    return _onnx_variant(data, name, model, "quantisation", "onnxruntime int8 (dynamic)")


class _Calibration:
    """Feeds calibration batches to ONNX Runtime's static quantiser (its CalibrationDataReader)."""

    def __init__(self, X: np.ndarray, input_name: str, batch: int = 32) -> None:
        rows = X.reshape(-1, 1, 8, 8)
        self._batches = iter([rows[i : i + batch] for i in range(0, len(rows), batch)])
        self._name = input_name

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        return None if batch is None else {self._name: batch}

    def rewind(self) -> None:  # pragma: no cover - only some calibrators call it
        pass


def quantize_static_int8(
    model: Any, calibration: Any, name: str = "int8 static (ORT)", per_channel: bool = True
) -> Variant:
    """Static int8 of every conv and linear layer, with activation ranges from calibration data.

    Args:
        model: the fp32 torch model (left unchanged).
        calibration: digit rows ``(N, 64)`` from the TRAINING split (never the test split),
            e.g. ``data.X_train[:256]``; min/max of each activation is recorded on them.
        name: label for tables.
        per_channel: one weight scale per output channel (usually more accurate).

    Example:
        >>> mll.quantize_static_int8(model, mll.load_digits().X_train[:256])
    """
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    _check_module(model)
    _check_name(name)
    X = _as_rows(calibration)
    if len(X) < 8:
        raise MLLError(f"calibration has {len(X)} rows; pass at least 8, e.g. X_train[:256]")
    with tempfile.TemporaryDirectory() as tmp:
        src = _export(model.eval(), Path(tmp))
        dst = Path(tmp) / "int8_static.onnx"
        with _quiet():
            quantize_static(
                src, dst, _Calibration(X, "input"), quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                per_channel=per_channel, calibrate_method=CalibrationMethod.MinMax,
            )  # fmt: skip
        data = dst.read_bytes()
    return _onnx_variant(data, name, model, "quantisation", "onnxruntime int8 (static)")


def file_stem(name: str) -> str:
    """A variant name as a file name: lower case, runs of other characters as ``_``."""
    keep = [c if c.isalnum() else "_" for c in name.lower()]
    return "".join(keep).strip("_") or "variant"
