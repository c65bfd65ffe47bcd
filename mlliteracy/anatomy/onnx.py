"""Count parameters and FLOPs straight from an ONNX graph (no PyTorch needed).

Shapes come from ONNX shape inference; FLOPs are 2 per multiply-accumulate of Conv,
ConvTranspose, Gemm and MatMul (incl. batched), the convention of the rest of the workbook.
Parameters are the float initializers, each counted once; BatchNormalization's running mean
and variance are statistics, not learned weights, so they are left out. An exporter that folds
BatchNorm into the preceding Conv (``do_constant_folding=True`` in eval mode, the default)
changes the count: torchvision resnet18 then shows 11,684,712 instead of 11,689,512.

Example:
    >>> c = mll.count_onnx("resnet18.onnx")
    >>> c.params, c.flops
    (11689512, 3628146688)
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .inventory import ONNX_FLOAT_TYPES
from .safeload import load_onnx

_COUNTED = ("Conv", "ConvTranspose", "Gemm", "MatMul")


@dataclass(frozen=True)
class OnnxLayer:
    """One node of the graph with what it computes."""

    name: str
    op_type: str
    output_shape: tuple[int, ...] | None
    params: int
    flops: int


@dataclass(frozen=True)
class OnnxCount:
    """Totals and per-node counts for one ONNX graph."""

    name: str
    params: int
    flops: int
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None
    layers: tuple[OnnxLayer, ...]
    opset: int
    notes: tuple[str, ...] = ()

    @property
    def macs(self) -> int:
        """Multiply-accumulates: ``flops / 2``."""
        return self.flops // 2

    def op_summary(self) -> dict[str, dict[str, int]]:
        """Per op type: node count, params and FLOPs, largest FLOPs first."""
        out: dict[str, dict[str, int]] = {}
        for layer in self.layers:
            row = out.setdefault(layer.op_type, {"nodes": 0, "params": 0, "flops": 0})
            row["nodes"] += 1
            row["params"] += layer.params
            row["flops"] += layer.flops
        return dict(sorted(out.items(), key=lambda kv: (-kv[1]["flops"], -kv[1]["params"])))

    def to_frame(self):
        """One row per node: name, op type, output shape, params, FLOPs, share of FLOPs."""
        import pandas as pd

        rows = [
            (
                x.name,
                x.op_type,
                x.output_shape,
                x.params,
                x.flops,
                x.flops / self.flops if self.flops else 0.0,
            )
            for x in self.layers
        ]
        return pd.DataFrame(
            rows, columns=["name", "op_type", "output_shape", "params", "flops", "share"]
        )

    def to_json(self) -> dict[str, Any]:
        """The CLI contract: name, params, trainable_params, flops, macs, shapes, layers."""
        return {
            "name": self.name, "format": "onnx", "params": self.params,
            "trainable_params": self.params, "flops": self.flops, "macs": self.macs,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "opset": self.opset,
            "layers": [{"name": x.name, "op_type": x.op_type,
                        "output_shape": list(x.output_shape) if x.output_shape else None,
                        "params": x.params, "flops": x.flops} for x in self.layers],
            "notes": list(self.notes),
        }  # fmt: skip

    def report(self) -> str:
        """A one-page Markdown summary of the graph."""
        lines = [
            f"# ONNX graph: {self.name}",
            "",
            f"- input shape: {self.input_shape}, output shape: {self.output_shape}",
            f"- parameters: {self.params:,} ({self.params * 4:,} bytes in fp32)",
            f"- compute: {self.flops:,} FLOPs = {self.macs:,} multiply-accumulates per forward",
            f"- nodes: {len(self.layers):,}, opset {self.opset}",
            "",
            "| op type | nodes | params | FLOPs | share of FLOPs |",
            "|---|---:|---:|---:|---:|",
        ]
        for op, row in self.op_summary().items():
            share = row["flops"] / self.flops if self.flops else 0.0
            lines.append(
                f"| {op} | {row['nodes']} | {row['params']:,} | {row['flops']:,} | {share:.1%} |"
            )
        lines += [f"\nNote: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return (
            f"OnnxCount({self.name!r}, params={self.params:,}, flops={self.flops:,}, "
            f"nodes={len(self.layers)}, input={self.input_shape})"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{_html.esc(self.name)}</b>: {self.params:,} parameters, "
            f"{self.flops:,} FLOPs ({self.macs:,} MACs), input {_html.esc(self.input_shape)}"
            f" -> output {_html.esc(self.output_shape)}</p>"
        )
        rows = [
            (op, r["nodes"], f"{r['params']:,}", f"{r['flops']:,}")
            for op, r in self.op_summary().items()
        ]
        return head + _html.table(["op type", "nodes", "params", "FLOPs"], rows)


def _dims(value_info) -> tuple[int, ...] | None:
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim)
    return None if any(d <= 0 for d in dims) and dims else dims


def _fix_inputs(model, input_shape: tuple[int, ...] | None, notes: list[str]) -> None:
    inits = {t.name for t in model.graph.initializer}
    real = [i for i in model.graph.input if i.name not in inits]
    for k, inp in enumerate(real):
        dims = inp.type.tensor_type.shape.dim
        if k == 0 and input_shape is not None:
            if len(input_shape) != len(dims):
                raise MLLError(
                    f"--input-shape {','.join(map(str, input_shape))} has "
                    f"{len(input_shape)} dims but input {inp.name!r} has {len(dims)}; "
                    "pass one size per dim"
                )
            for d, v in zip(dims, input_shape, strict=True):
                d.ClearField("dim_param")
                d.dim_value = v
            continue
        for j, d in enumerate(dims):
            if not d.HasField("dim_value") or d.dim_value <= 0:
                label = d.dim_param or "?"
                d.ClearField("dim_param")
                d.dim_value = 1
                notes.append(f"input {inp.name!r} dim {j} ({label}) is dynamic; counted as 1")


def _initializer_sizes(model) -> tuple[dict[str, int], dict[str, str]]:
    """Float initializer name -> elements, and Identity output -> initializer it copies."""
    sizes = {
        t.name: math.prod(t.dims)
        for t in model.graph.initializer
        if t.data_type in ONNX_FLOAT_TYPES
    }
    alias: dict[str, str] = {}
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input and node.input[0] in sizes:
            alias[node.output[0]] = node.input[0]
    return sizes, alias


def _node_flops(node, shape) -> int:
    """2 x MACs for the counted ops; ``shape(name)`` gives a static shape or None."""
    op = node.op_type
    out = shape(node.output[0])
    if op == "Conv" and out and shape(node.input[1]):
        w = shape(node.input[1])  # (Cout, Cin/groups, k...)
        return 2 * math.prod(out) * math.prod(w[1:])
    if op == "ConvTranspose" and shape(node.input[0]) and shape(node.input[1]):
        x, w = shape(node.input[0]), shape(node.input[1])  # w: (Cin, Cout/groups, k...)
        return 2 * math.prod(x) * math.prod(w[1:])
    if op == "Gemm" and out and shape(node.input[0]):
        a = shape(node.input[0])
        trans_a = next((at.i for at in node.attribute if at.name == "transA"), 0)
        k = a[0] if trans_a else a[1]
        return 2 * math.prod(out) * k
    if op == "MatMul" and out and shape(node.input[0]):
        a = shape(node.input[0])
        k = a[-1]
        return 2 * math.prod(out) * k
    return 0


def _shape_map(model) -> dict[str, tuple[int, ...] | None]:
    shapes: dict[str, tuple[int, ...] | None] = {}
    for vi in (*model.graph.input, *model.graph.value_info, *model.graph.output):
        shapes[vi.name] = _dims(vi)
    for t in model.graph.initializer:
        shapes[t.name] = tuple(t.dims)
    return shapes


def _infer(model) -> tuple[Any, dict[str, tuple[int, ...] | None]]:
    """ONNX shape inference; when a compute node is left without shapes (reshapes computed
    from ``Shape`` ops, as in exported transformers), ONNX Runtime's symbolic inference."""
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as err:
        raise MLLError(
            f"ONNX shape inference failed ({str(err).splitlines()[0][:160]}); check --input-shape"
        ) from err
    shapes = _shape_map(inferred)
    if all(_node_flops(n, shapes.get) for n in inferred.graph.node if n.op_type in _COUNTED):
        return inferred, shapes
    try:
        import logging

        from onnxruntime.tools.symbolic_shape_infer import SymbolicShapeInference

        logging.getLogger("onnxruntime.tools.symbolic_shape_infer").setLevel(logging.ERROR)
        symbolic = SymbolicShapeInference.infer_shapes(model, auto_merge=True)
    except Exception:  # optional second opinion: keep what ONNX inferred
        return inferred, shapes
    return symbolic, {**shapes, **{k: v for k, v in _shape_map(symbolic).items() if v}}


def count_onnx(
    model_or_path: Any, input_shape: tuple[int, ...] | None = None, *, name: str | None = None
) -> OnnxCount:
    """Count parameters and FLOPs of an ONNX model from its graph.

    Args:
        model_or_path: a ``.onnx`` path (checked with :func:`mll.load_onnx`) or a ModelProto.
        input_shape: sizes for the first graph input (needed when it has dynamic dims
            other than batch, which otherwise counts as 1).
        name: label for the report (default: the file name or graph name).
    Returns:
        an :class:`OnnxCount` with totals, per-node rows, ``to_json()`` and ``report()``.
    Example:
        >>> mll.count_onnx("bert.onnx", input_shape=(1, 128)).flops
    """
    import onnx

    if isinstance(model_or_path, str | Path):
        model = load_onnx(model_or_path)
        name = name or Path(model_or_path).name
    elif isinstance(model_or_path, onnx.ModelProto):
        model = onnx.ModelProto()
        model.CopyFrom(model_or_path)
    else:
        raise MLLError(
            f"model_or_path is a {type(model_or_path).__name__}; pass a .onnx path "
            "or an onnx.ModelProto"
        )
    if input_shape is not None and (
        not input_shape or not all(isinstance(d, int) and d > 0 for d in input_shape)
    ):
        raise MLLError(
            f"input_shape={input_shape!r} must be positive integers, e.g. (1, 3, 224, 224)"
        )
    notes: list[str] = []
    _fix_inputs(model, tuple(input_shape) if input_shape else None, notes)
    inferred, shapes = _infer(model)
    sizes, alias = _initializer_sizes(inferred)
    # count by value name: exporters merge equal initializers behind Identity nodes, so each
    # Identity output stands for a distinct parameter; BatchNorm statistics are not learned
    seen: set[str] = set()
    layers, unknown = [], 0
    for i, node in enumerate(inferred.graph.node):
        params = 0
        for j, inp in enumerate(node.input):
            src = alias.get(inp, inp)
            is_stat = node.op_type == "BatchNormalization" and j in (3, 4)
            if src in sizes and not is_stat and inp not in seen:
                seen.add(inp)
                params += sizes[src]
        flops = _node_flops(node, shapes.get)
        if node.op_type in _COUNTED and flops == 0:
            unknown += 1
        layers.append(
            OnnxLayer(
                node.name or f"{node.op_type}_{i}",
                node.op_type,
                shapes.get(node.output[0]) if node.output else None,
                params,
                flops,
            )
        )
    if unknown:
        notes.append(
            f"{unknown} compute node(s) have unknown shapes and count 0 FLOPs; pass input_shape"
        )
    if any(n.op_type in ("If", "Loop", "Scan") for n in inferred.graph.node):
        notes.append("control-flow subgraphs (If/Loop/Scan) are not counted")
    real = [i for i in inferred.graph.input if i.name not in sizes]
    opset = max(
        (o.version for o in inferred.opset_import if o.domain in ("", "ai.onnx")), default=0
    )
    return OnnxCount(
        name=name or inferred.graph.name or "onnx model",
        params=sum(x.params for x in layers),
        flops=sum(x.flops for x in layers),
        input_shape=_dims(real[0]) if real else None,
        output_shape=shapes.get(inferred.graph.output[0].name) if inferred.graph.output else None,
        layers=tuple(layers),
        opset=opset,
        notes=tuple(notes),
    )


def export_onnx(
    model: Any, example_input: Any, path: str | Path, *, opset: int = 17, dynamic_batch: bool = True
) -> Path:
    """Export a PyTorch model to ONNX (TorchScript exporter, works offline) and check the file.

    Args:
        model: a ``torch.nn.Module``; it is exported in eval mode.
        example_input: one input tensor with a batch dimension.
        path: the ``.onnx`` file to write.
        opset: ONNX opset version.
        dynamic_batch: keep the batch size dynamic (serving); ``False`` fixes every shape, so
            the exporter folds shape arithmetic into constants (a cleaner graph to look at).

    Returns:
        The path written.

    Example:
        >>> mll.export_onnx(mll.load_digits_cnn(), torch.zeros(1, 1, 8, 8), "digits.onnx")
    """
    import onnx
    import torch

    if not isinstance(model, torch.nn.Module):
        raise MLLError(f"model={type(model).__name__} is not a torch.nn.Module; pass a network")
    if not torch.is_tensor(example_input):
        raise MLLError(
            f"example_input={type(example_input).__name__} is not a tensor; "
            "pass one batch, e.g. torch.zeros(1, 1, 8, 8)"
        )
    path = Path(path)
    if path.suffix != ".onnx":
        raise MLLError(f"path={str(path)!r} does not end in .onnx; pass e.g. 'model.onnx'")
    if not isinstance(dynamic_batch, bool):
        raise MLLError(f"dynamic_batch={dynamic_batch!r} is not valid; pass True or False")
    axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None
    path.parent.mkdir(parents=True, exist_ok=True)
    was_training = model.training
    model.eval()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (example_input,), str(path), dynamo=False, opset_version=opset,
                input_names=["input"], output_names=["output"],
                dynamic_axes=axes,
            )  # fmt: skip
    except Exception as err:
        raise MLLError(f"ONNX export of {type(model).__name__} failed: {err}") from err
    finally:
        model.train(was_training)
    onnx.checker.check_model(str(path))
    return path
