"""Model autopsy: parameters, FLOPs/MACs, shapes, memory and structure of any PyTorch model.

Example:
    >>> zm = mll.load_model("resnet18")
    >>> rep = mll.autopsy(zm.model, zm.example_input, name=zm.name)
    >>> rep.flops, rep.params
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from .flops import trace_model
from .report import family_of, major_blocks, render_report, shape_text

if TYPE_CHECKING:
    import pandas as pd

#: Bytes per parameter for the model-size estimates.
SIZE_DTYPES = {"fp32": 4, "fp16": 2, "int8": 1}

LAYER_COLUMNS = (
    "name",
    "type",
    "calls",
    "input_shape",
    "output_shape",
    "params",
    "trainable",
    "frozen",
    "flops",
    "macs",
    "activation_bytes",
    "share",
    "intensity",
    "shared_with",
)


@dataclass(frozen=True)
class LayerRow:
    """One module that owns parameters or ran compute kernels itself."""

    name: str
    """Qualified name (``layer1.0.conv1``); ``(model)`` for the model's own code."""
    type: str
    """Class name of the module."""
    calls: int
    """How many times it ran in the forward pass (more than 1 = reused weights)."""
    input_shape: str
    output_shape: str
    params: int
    """Parameters it owns, counted once even if tied elsewhere."""
    trainable: int
    frozen: int
    flops: int
    """FLOPs of kernels run directly in this module (2 per multiply-accumulate)."""
    macs: int
    activation_bytes: int
    """Bytes of its outputs over all calls."""
    share: float
    """Share of the model's total FLOPs (0..1)."""
    intensity: float
    """Arithmetic intensity: FLOPs per byte moved (weights + inputs + outputs of its kernels)."""
    shared_with: str
    """Other names of this module or of its tied parameters, if any."""


@dataclass(frozen=True)
class BlockRow:
    """A major block (``layer1``, ``encoder.layer.3``) with its totals, children included."""

    name: str
    type: str
    params: int
    flops: int
    share: float


@dataclass(frozen=True)
class AutopsyReport:
    """Everything :func:`autopsy` found; render with ``report()``, ``to_frame()``, ``to_json()``."""

    name: str
    params: int
    """Unique parameters (shared modules and tied weights counted once)."""
    trainable_params: int
    flops: int
    """Forward FLOPs for the example input (2 per multiply-accumulate)."""
    macs: int
    input_shape: Any
    """Tuple of ints, tuple of shapes, or dict name -> shape, mirroring the example input."""
    output_shape: Any
    layers: tuple[LayerRow, ...]
    shared: tuple[str, ...]
    """One line per shared module or tied parameter."""
    size_bytes: dict[str, int]
    """Parameter bytes if stored as fp32 / fp16 / int8."""
    activation_bytes: int
    """Bytes of all leaf-layer outputs for this input (what training keeps for backward)."""
    family: str
    """``CNN``, ``transformer encoder``, ``transformer decoder``, ``RNN``, ``MLP`` or ``other``."""
    blocks: tuple[BlockRow, ...]
    embedding_params: int = 0
    """Parameters in embedding tables / embedding modules (excluded from Kaplan's N)."""
    op_flops: tuple[tuple[str, int], ...] = ()
    """FLOPs per kernel kind, e.g. ``(("convolution", ...), ("addmm", ...))``."""

    @property
    def intensity(self) -> float:
        """FLOPs per byte moved by the counted kernels, for the whole model."""
        moved = sum(row.flops / row.intensity for row in self.layers if row.intensity)
        return self.flops / moved if moved else 0.0

    def to_frame(self) -> pd.DataFrame:
        """The per-layer table as a pandas DataFrame (one row per :class:`LayerRow`)."""
        import pandas as pd

        rows = [[getattr(r, c) for c in LAYER_COLUMNS] for r in self.layers]
        return pd.DataFrame(rows, columns=list(LAYER_COLUMNS))

    def to_markdown(self) -> str:
        """The per-layer table as a Markdown table (no extra dependency)."""
        cols = ("name", "type", "output_shape", "params", "flops", "share")
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in self.layers:
            cells = [r.name, r.type, r.output_shape, f"{r.params:,}", f"{r.flops:,}"]
            lines.append("| " + " | ".join([*cells, f"{r.share:.1%}"]) + " |")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict: totals, shapes, layers (list of dicts), blocks, sharing."""
        data = {
            "name": self.name,
            "family": self.family,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "embedding_params": self.embedding_params,
            "flops": self.flops,
            "macs": self.macs,
            "input_shape": self.input_shape,
            "output_shape": self.output_shape,
            "size_bytes": dict(self.size_bytes),
            "activation_bytes": self.activation_bytes,
            "shared": list(self.shared),
            "blocks": [b.__dict__ for b in self.blocks],
            "op_flops": dict(self.op_flops),
            "layers": [{c: getattr(r, c) for c in LAYER_COLUMNS} for r in self.layers],
        }
        return json.loads(json.dumps(data))  # tuples -> lists, proves it serialises

    def report(self, price: Any = None) -> str:
        """The Markdown report: a page for a product manager, then an engineer appendix.

        ``price``: your machine's hourly USD price (or an ``mll.Price``) adds a dollar floor.
        """
        return render_report(self, price)

    def __repr__(self) -> str:
        return (
            f"AutopsyReport(name={self.name!r}, family={self.family!r}, params={self.params:,}, "
            f"flops={self.flops:,}, macs={self.macs:,}, input_shape={self.input_shape}, "
            f"output_shape={self.output_shape}, layers={len(self.layers)})"
        )

    def _repr_html_(self) -> str:
        facts = [
            ("family", self.family),
            ("parameters", f"{self.params:,} ({self.trainable_params:,} trainable)"),
            ("FLOPs (2 per MAC)", f"{self.flops:,}"),
            ("MACs", f"{self.macs:,}"),
            ("input", shape_text(self.input_shape)),
            ("output", shape_text(self.output_shape)),
            ("size fp32 / fp16 / int8", " / ".join(_mb(v) for v in self.size_bytes.values())),
            ("activations", _mb(self.activation_bytes)),
            ("shared / tied", "; ".join(self.shared) or "none"),
        ]
        head = _html.table(("", self.name), facts, caption=f"Autopsy of {self.name}")
        top = sorted(self.layers, key=lambda r: -r.flops)[:8]
        rows = [
            (r.name, r.type, r.output_shape, f"{r.params:,}", f"{r.flops:,}", f"{r.share:.1%}")
            for r in top
        ]
        layers = _html.table(
            ("layer", "type", "output", "params", "FLOPs", "share"),
            rows,
            caption=f"Top {len(top)} of {len(self.layers)} layers by compute (to_frame() has all)",
        )
        return head + layers


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _resolve_dtype(dtype: Any) -> Any:
    import torch

    if isinstance(dtype, torch.dtype):
        return dtype
    found = getattr(torch, str(dtype), None)
    if not isinstance(found, torch.dtype) or not found.is_floating_point:
        raise MLLError(f"dtype={dtype!r} is not a floating dtype; pass e.g. 'float32' or 'float16'")
    return found


def make_input(model: Any, example_input: Any, input_size: Any, dtype: Any) -> Any:
    import torch

    if example_input is not None and input_size is not None:
        raise MLLError("pass example_input or input_size, not both; drop one of them")
    if example_input is None:
        if input_size is None:
            raise MLLError(
                "autopsy needs example_input=<tensor> or input_size=(1, 3, 224, 224); got neither"
            )
        ok = isinstance(input_size, (tuple, list)) and input_size
        if not ok or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in input_size
        ):
            raise MLLError(
                f"input_size={input_size!r} is not a shape; "
                "pass positive ints such as (1, 3, 224, 224)"
            )
        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        return torch.zeros(tuple(input_size), dtype=_resolve_dtype(dtype), device=device)
    if torch.is_tensor(example_input):
        return example_input
    if isinstance(example_input, Mapping) and all(isinstance(k, str) for k in example_input):
        return dict(example_input)
    if isinstance(example_input, (tuple, list)):
        return tuple(example_input)
    raise MLLError(
        f"example_input of type {type(example_input).__name__} is not supported; "
        "pass a tensor, a tuple of tensors or a dict of keyword tensors"
    )


def _shape_of(obj: Any) -> Any:
    import torch

    if torch.is_tensor(obj):
        return tuple(obj.shape)
    if isinstance(obj, Mapping):
        return {str(k): _shape_of(v) for k, v in obj.items() if _has_tensor(v)}
    if isinstance(obj, (tuple, list)):
        return tuple(_shape_of(v) for v in obj if _has_tensor(v))
    return None


def _has_tensor(obj: Any) -> bool:
    import torch
    from torch.utils._pytree import tree_leaves

    return any(torch.is_tensor(t) for t in tree_leaves(obj))


def autopsy(
    model: Any,
    example_input: Any = None,
    *,
    input_size: tuple[int, ...] | None = None,
    name: str | None = None,
    dtype: Any = "float32",
) -> AutopsyReport:
    """Count parameters, FLOPs/MACs, shapes and memory of ``model`` on one example input.

    Args:
        model: an ``nn.Module`` (CPU or meta device), or a zoo model from :func:`load_model`.
        example_input: a tensor, a tuple of tensors, or a dict of keyword tensors (transformers).
        input_size: instead of ``example_input``, a shape for a zero float tensor.
        name: label for the report (default: the class name).
        dtype: dtype of the tensor built from ``input_size``.

    Returns:
        An :class:`AutopsyReport`; the model is left as it was (train-mode buffers restored).

    Example:
        >>> rep = mll.autopsy(model, input_size=(1, 3, 224, 224))
        >>> rep.flops == 2 * rep.macs
    """
    import torch

    if (
        hasattr(model, "model")
        and hasattr(model, "example_input")
        and not isinstance(model, torch.nn.Module)
    ):
        if example_input is None and input_size is None:
            example_input = model.example_input
        name = name or model.name
        model = model.model
    if not isinstance(model, torch.nn.Module):
        raise MLLError(
            f"model of type {type(model).__name__} is not a torch.nn.Module; "
            "pass a module or mll.load_model('resnet18')"
        )
    if name is not None and not isinstance(name, str):
        raise MLLError(f"name={name!r} is not a string; pass a short label such as 'resnet18'")
    inputs = make_input(model, example_input, input_size, dtype)

    saved = {k: v.detach().clone() for k, v in model.named_buffers()} if model.training else {}
    try:
        trace = trace_model(model, inputs)
    except MLLError:
        raise
    except Exception as err:
        raise MLLError(
            f"the model failed on the example input {shape_text(_shape_of(inputs))}: "
            f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}; "
            "check the input shape and dtype"
        ) from err
    finally:
        if saved:
            with torch.no_grad():
                for key, buf in model.named_buffers():
                    buf.copy_(saved[key])
    return build_report(model, inputs, trace, name or type(model).__name__)


def build_report(model: Any, inputs: Any, trace: Any, name: str) -> AutopsyReport:
    aliases: dict[int, list[str]] = {}
    for mname, module in model.named_modules(remove_duplicate=False):
        aliases.setdefault(id(module), []).append(mname)
    owner_of: dict[int, str] = {}
    shared: list[str] = []
    own: dict[str, tuple[int, int]] = {}
    embedding = 0
    for mname, module in model.named_modules():
        trainable = frozen = 0
        for pname, param in module.named_parameters(recurse=False):
            full = f"{mname}.{pname}" if mname else pname
            if id(param) in owner_of:
                shared.append(f"{full} is tied to {owner_of[id(param)]} (counted once)")
                continue
            owner_of[id(param)] = full
            if param.requires_grad:
                trainable += param.numel()
            else:
                frozen += param.numel()
            if _is_embedding(full, module):
                embedding += param.numel()
        own[mname] = (trainable, frozen)
    for names in aliases.values():
        if len(set(names)) > 1:
            shared.append(f"{names[0]} is the same module as {', '.join(names[1:])} (counted once)")
    total_flops = trace.total_flops
    rows: list[LayerRow] = []
    leaves = {n for n, m in model.named_modules() if not any(True for _ in m.children())}
    activation = 0
    for mname, module in model.named_modules():
        stats = trace.modules[mname]
        trainable, frozen = own[mname]
        if mname in leaves:
            activation += stats.output_bytes
        if not (trainable or frozen or stats.flops or (mname in leaves and stats.calls)):
            continue
        if stats.calls > 1 and mname and any(True for _ in module.parameters()):
            shared.append(f"{mname} ran {stats.calls} times per forward (weights reused)")
        others = [a for a in aliases[id(module)] if a != mname]
        rows.append(
            LayerRow(
                name=mname or "(model)",
                type=type(module).__name__,
                calls=stats.calls,
                input_shape=_shapes_text(stats.input_shapes),
                output_shape=_shapes_text(stats.output_shapes),
                params=trainable + frozen,
                trainable=trainable,
                frozen=frozen,
                flops=stats.flops,
                macs=stats.flops // 2,
                activation_bytes=stats.output_bytes,
                share=stats.flops / total_flops if total_flops else 0.0,
                intensity=stats.flops / stats.bytes_moved if stats.bytes_moved else 0.0,
                shared_with=", ".join(others),
            )
        )
    params = sum(t + f for t, f in own.values())
    trainable_params = sum(t for t, _ in own.values())
    return AutopsyReport(
        name=name,
        params=params,
        trainable_params=trainable_params,
        flops=total_flops,
        macs=total_flops // 2,
        input_shape=_shape_of(inputs),
        output_shape=_shape_of(trace.output),
        layers=tuple(rows),
        shared=tuple(shared),
        size_bytes={k: params * v for k, v in SIZE_DTYPES.items()},
        activation_bytes=activation,
        family=family_of(model),
        blocks=tuple(BlockRow(**b) for b in major_blocks(model, trace, total_flops)),
        embedding_params=embedding,
        op_flops=tuple(sorted(trace.op_flops.items(), key=lambda kv: -kv[1])),
    )


def _is_embedding(full_name: str, module: Any) -> bool:
    """Embedding tables and anything named *embedding* (BERT's embeddings block, ViT's pos)."""
    import torch

    if isinstance(module, torch.nn.Embedding):
        return True
    return "embedding" in full_name.lower()


def _shapes_text(shapes: tuple[tuple[int, ...], ...]) -> str:
    return ", ".join("x".join(str(d) for d in s) or "scalar" for s in shapes)


def compare_autopsies(reports: Any) -> pd.DataFrame:
    """One comparison table (DataFrame) of several autopsies: size, compute, memory, shapes.

    Compute is in millions (MFLOPs, MMACs) so that a tiny model's row still shows its number;
    memory in MB (10^6 bytes), the unit every lesson uses.

    Example:
        >>> mll.compare_autopsies([mll.autopsy(a), mll.autopsy(b)])
    """
    import pandas as pd

    if not reports or not all(isinstance(r, AutopsyReport) for r in reports):
        raise MLLError(
            "reports must be a non-empty list of AutopsyReport; pass [mll.autopsy(m), ...]"
        )
    rows = [
        {
            "model": r.name,
            "family": r.family,
            "params": r.params,
            "MFLOPs": round(r.flops / 1e6, 3),
            "MMACs": round(r.macs / 1e6, 3),
            "fp32 MB": round(r.size_bytes["fp32"] / 1e6, 1),
            "activations MB": round(r.activation_bytes / 1e6, 1),
            "FLOPs/param": round(r.flops / r.params, 1) if r.params else 0.0,
            "input": shape_text(r.input_shape),
            "output": shape_text(r.output_shape),
        }
        for r in reports
    ]
    return pd.DataFrame(rows).set_index("model")
