"""A tensor inventory: what a weights file holds (names, shapes, dtypes, params, bytes).

Built by :func:`mlliteracy.inspect_file`, which reads files without running code from them.

Example:
    >>> inv = mll.inspect_file("model.safetensors")
    >>> inv.params, inv.to_frame().head()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._core import html as _html

_BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")


_INT_DTYPES = {
    "BOOL",
    "I8",
    "I16",
    "I32",
    "I64",
    "U8",
    "U16",
    "U32",
    "U64",
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
}


#: ONNX TensorProto data types that hold float weights: FLOAT, FLOAT16, DOUBLE, BFLOAT16
ONNX_FLOAT_TYPES = {1, 10, 11, 16}


def tensor_kind(name: str, dtype: str = "") -> str:
    """BatchNorm statistics and integer tensors (counters, position ids) are buffers."""
    return "buffer" if name.endswith(_BUFFER_SUFFIXES) or dtype in _INT_DTYPES else "weight"


@dataclass(frozen=True)
class TensorInfo:
    """One named tensor in a weights file."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    numel: int
    nbytes: int
    kind: str
    """``"weight"`` or ``"buffer"`` (BatchNorm statistics, integer tensors: not learned)."""


@dataclass(frozen=True)
class TensorInventory:
    """Every tensor in a weights file, read without running any code from it."""

    name: str
    """File name (no directory)."""
    format: str
    """``"safetensors"``, ``"pytorch"`` (state dict), ``"torchscript"`` or ``"onnx"``."""
    tensors: tuple[TensorInfo, ...]
    metadata: tuple[tuple[str, str], ...] = ()
    """Free-text metadata stored in the file (safetensors ``__metadata__``), sorted."""
    notes: tuple[str, ...] = field(default=())

    @property
    def params(self) -> int:
        """Elements in weight tensors (buffers such as BatchNorm statistics excluded)."""
        return sum(t.numel for t in self.tensors if t.kind == "weight")

    @property
    def nbytes(self) -> int:
        """Bytes of tensor data in the file, all tensors."""
        return sum(t.nbytes for t in self.tensors)

    def to_frame(self):
        """One row per tensor: name, shape, dtype, params, bytes, kind."""
        import pandas as pd

        rows = [
            (t.name, "x".join(map(str, t.shape)) or "scalar", t.dtype, t.numel, t.nbytes, t.kind)
            for t in self.tensors
        ]
        return pd.DataFrame(rows, columns=["name", "shape", "dtype", "params", "bytes", "kind"])

    def to_json(self) -> dict[str, Any]:
        """The CLI contract keys; counts that need the architecture are ``None``."""
        layers = [
            {
                "name": t.name,
                "shape": list(t.shape),
                "dtype": t.dtype,
                "params": t.numel,
                "bytes": t.nbytes,
                "kind": t.kind,
            }
            for t in self.tensors
        ]
        return {
            "name": self.name, "format": self.format, "params": self.params,
            "trainable_params": self.params, "flops": None, "macs": None,
            "input_shape": None, "output_shape": None, "tensors": len(self.tensors),
            "bytes": self.nbytes, "metadata": dict(self.metadata), "layers": layers,
            "notes": list(self.notes),
        }  # fmt: skip

    def report(self) -> str:
        """A short Markdown page: what the file holds, by dtype and by top-level block."""
        by_block: dict[str, int] = {}
        for t in self.tensors:
            if t.kind == "weight":
                block = t.name.split(".")[0]
                by_block[block] = by_block.get(block, 0) + t.numel
        top = sorted(by_block.items(), key=lambda kv: -kv[1])[:10]
        dtypes = sorted({t.dtype for t in self.tensors})
        lines = [
            f"# Weights file: {self.name}",
            "",
            f"- format: {self.format}",
            f"- tensors: {len(self.tensors):,}",
            f"- parameters: {self.params:,}",
            f"- size of tensor data: {self.nbytes:,} bytes",
            f"- dtypes: {', '.join(dtypes) or 'none'}",
            "- FLOPs: unknown (a weights file has no architecture; known ones get an autopsy)",
            "",
            "| block | params | share |",
            "|---|---:|---:|",
            *(f"| {b} | {n:,} | {n / max(self.params, 1):.1%} |" for b, n in top),
        ]
        lines += [f"\nNote: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return (
            f"TensorInventory({self.name!r}, {self.format}, tensors={len(self.tensors)}, "
            f"params={self.params:,}, bytes={self.nbytes:,})"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{_html.esc(self.name)}</b> ({_html.esc(self.format)}): "
            f"{len(self.tensors):,} tensors, {self.params:,} parameters, "
            f"{self.nbytes:,} bytes</p>"
        )
        rows = [
            (t.name, "x".join(map(str, t.shape)), t.dtype, f"{t.numel:,}", f"{t.nbytes:,}", t.kind)
            for t in self.tensors[:50]
        ]
        more = len(self.tensors) - len(rows)
        caption = f"first 50 of {len(self.tensors)} tensors" if more > 0 else None
        return head + _html.table(
            ["name", "shape", "dtype", "params", "bytes", "kind"], rows, caption=caption
        )
