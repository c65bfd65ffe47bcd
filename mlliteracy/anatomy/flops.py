"""Dispatch-level FLOP counting: every conv, matmul and attention kernel, whatever path runs.

FLOPs are counted where PyTorch actually computes, in its dispatcher (a ``TorchDispatchMode``),
not by guessing from module types. Formulas come from ``torch.utils.flop_counter`` plus the
kernels it misses (CPU scaled-dot-product attention, fused transformer fast paths, mv/dot).
Composite ops such as ``linear``, ``matmul`` and ``scaled_dot_product_attention`` are
decomposed first, so ``no_grad`` and ``inference_mode`` see the same kernels.

Convention: ``flops = 2 x multiply-accumulates`` (torch.utils.flop_counter's convention).

Example:
    >>> trace = trace_model(model, (torch.zeros(1, 3, 224, 224),))
    >>> trace.total_flops
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from .._core.errors import MLLError

aten = torch.ops.aten

Formula = Callable[[tuple, dict, Any], int]


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape)


def _sdpa_bhle(args: tuple, kwargs: dict, out: Any) -> int:
    """Attention with (batch, heads, len, dim) layout: QK^T plus AV."""
    q, k, v = (_shape(t) for t in args[:3])
    b, h, lq, e = q
    s, ev = k[-2], v[-1]
    return 2 * b * h * lq * s * e + 2 * b * h * lq * s * ev


def _sdpa_blhe(args: tuple, kwargs: dict, out: Any) -> int:
    """Attention with (batch, len, heads, dim) layout (flash / efficient kernels)."""
    q, k, v = (_shape(t) for t in args[:3])
    b, lq, h, e = q
    s, ev = k[1], v[-1]
    return 2 * b * h * lq * s * e + 2 * b * h * lq * s * ev


def _native_mha(args: tuple, kwargs: dict, out: Any) -> int:
    """``aten._native_multi_head_attention``: q/k/v projections, attention, output projection."""
    query, key = _shape(args[0]), _shape(args[1])
    embed = int(args[3])
    lq, s = math.prod(query[:-1]), math.prod(key[:-1])
    batch = math.prod(query[:-2]) if len(query) > 2 else 1
    per_batch_l, per_batch_s = lq // batch, s // batch
    proj = 2 * lq * embed * embed + 2 * 2 * s * embed * embed + 2 * lq * embed * embed
    attn = 2 * 2 * batch * per_batch_l * per_batch_s * embed
    return proj + attn


def _encoder_layer_fwd(args: tuple, kwargs: dict, out: Any) -> int:
    """``aten._transformer_encoder_layer_fwd`` (nn.TransformerEncoderLayer fast path)."""
    src = _shape(args[0])
    embed = int(args[1])
    ffn = _shape(args[14])[0]  # ffn_weight_1 is (dim_feedforward, embed)
    tokens = math.prod(src[:-1])
    batch = math.prod(src[:-2]) if len(src) > 2 else 1
    seq = tokens // batch
    qkv = 2 * tokens * embed * 3 * embed
    attn = 2 * 2 * batch * seq * seq * embed
    proj = 2 * tokens * embed * embed
    mlp = 2 * 2 * tokens * embed * ffn
    return qkv + attn + proj + mlp


def _mv(args: tuple, kwargs: dict, out: Any) -> int:
    return 2 * math.prod(_shape(args[0]))


def _addmv(args: tuple, kwargs: dict, out: Any) -> int:
    return 2 * math.prod(_shape(args[1]))


def _dot(args: tuple, kwargs: dict, out: Any) -> int:
    return 2 * _shape(args[0])[0]


def _addmm_act(args: tuple, kwargs: dict, out: Any) -> int:
    m, k = _shape(args[1])
    return 2 * m * k * _shape(args[2])[1]


def _rnn(args: tuple, kwargs: dict, out: Any) -> int:
    """``aten.lstm/gru/rnn_*``: every weight matrix multiplies every token once."""
    data = args[0]
    sizes = args[1]  # the .data overload (packed sequences) passes integer batch_sizes second
    packed = torch.is_tensor(sizes) and sizes.dim() == 1 and not sizes.is_floating_point()
    tokens = data.shape[0] if packed or data.dim() == 2 else data.shape[0] * data.shape[1]
    weights = [t for a in args if isinstance(a, (list, tuple)) for t in a if torch.is_tensor(t)]
    return 2 * tokens * sum(t.numel() for t in weights if t.dim() == 2)


def _mkldnn_rnn_layer(args: tuple, kwargs: dict, out: Any) -> int:
    """One layer, one direction of the oneDNN LSTM kernel: w_ih and w_hh per token."""
    data = args[0]
    tokens = data.shape[0] * data.shape[1] if data.dim() == 3 else data.shape[0]
    return 2 * tokens * (args[1].numel() + args[2].numel())


def _build_formulas() -> dict[Any, Formula]:
    from torch.utils.flop_counter import flop_registry

    formulas: dict[Any, Formula] = {}
    for packet, shape_formula in flop_registry.items():
        if "backward" in str(packet):
            continue

        def wrapped(args: tuple, kwargs: dict, out: Any, _f: Any = shape_formula) -> int:
            return int(_f(*args, **kwargs, out_val=out))

        formulas[packet] = wrapped
    extra = {
        "_scaled_dot_product_flash_attention_for_cpu": _sdpa_bhle,
        "_scaled_dot_product_fused_attention_overrideable": _sdpa_bhle,
        "_scaled_dot_product_efficient_attention": _sdpa_bhle,
        "_scaled_dot_product_flash_attention": _sdpa_bhle,
        "_scaled_dot_product_cudnn_attention": _sdpa_bhle,
        "_flash_attention_forward": _sdpa_blhe,
        "_efficient_attention_forward": _sdpa_blhe,
        "_native_multi_head_attention": _native_mha,
        "_transformer_encoder_layer_fwd": _encoder_layer_fwd,
        "_addmm_activation": _addmm_act,
        "lstm": _rnn,
        "gru": _rnn,
        "rnn_tanh": _rnn,
        "rnn_relu": _rnn,
        "mkldnn_rnn_layer": _mkldnn_rnn_layer,
        "mv": _mv,
        "addmv": _addmv,
        "dot": _dot,
        "vdot": _dot,
    }
    for name, formula in extra.items():
        packet = getattr(aten, name, None)
        if packet is not None:
            formulas[packet] = formula
    return formulas


_FORMULAS: dict[Any, Formula] | None = None


def formulas() -> dict[Any, Formula]:
    """Op overload packet -> FLOP formula(args, kwargs, out) (built once, on first use)."""
    global _FORMULAS
    if _FORMULAS is None:
        _FORMULAS = _build_formulas()
    return _FORMULAS


def tensor_bytes(obj: Any) -> int:
    """Bytes held by every tensor inside ``obj`` (nested tuples, lists, dicts, model outputs)."""
    return sum(t.numel() * t.element_size() for t in tree_leaves(obj) if torch.is_tensor(t))


def tensor_shapes(obj: Any) -> tuple[tuple[int, ...], ...]:
    """Shapes of every tensor inside ``obj``, in order."""
    return tuple(tuple(t.shape) for t in tree_leaves(obj) if torch.is_tensor(t))


@dataclass
class ModuleStats:
    """What one module did during the traced forward pass (mutable while tracing)."""

    calls: int = 0
    flops: int = 0
    bytes_moved: int = 0
    output_bytes: int = 0
    input_shapes: tuple[tuple[int, ...], ...] = ()
    output_shapes: tuple[tuple[int, ...], ...] = ()
    ops: dict[str, int] = field(default_factory=dict)


@dataclass
class Trace:
    """The result of :func:`trace_model`: per-module stats keyed by qualified name ('' = root)."""

    modules: dict[str, ModuleStats]
    output: Any
    op_flops: dict[str, int]

    @property
    def total_flops(self) -> int:
        return sum(s.flops for s in self.modules.values())


class FlopMode(TorchDispatchMode):
    def __init__(self, stack: list[str], stats: dict[str, ModuleStats], ops: dict[str, int]):
        super().__init__()
        self.stack, self.stats, self.ops = stack, stats, ops
        self.table = formulas()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        formula = self.table.get(func._overloadpacket)
        if formula is None and func.namespace == "aten":
            with self:
                result = func.decompose(*args, **kwargs)
            if result is not NotImplemented:
                return result
        out = func(*args, **kwargs)
        if formula is not None:
            flops = formula(args, kwargs, out)
            if flops:
                owner = self.stats[self.stack[-1]]
                owner.flops += flops
                owner.bytes_moved += tensor_bytes(args) + tensor_bytes(out)
                name = str(func._overloadpacket).removeprefix("aten.")
                owner.ops[name] = owner.ops.get(name, 0) + flops
                self.ops[name] = self.ops.get(name, 0) + flops
        return out


def call_model(model: torch.nn.Module, inputs: Any) -> Any:
    if isinstance(inputs, Mapping):
        return model(**inputs)
    if isinstance(inputs, tuple):
        return model(*inputs)
    return model(inputs)


def trace_model(model: torch.nn.Module, inputs: Any) -> Trace:
    """Run ``model`` once on ``inputs`` and count FLOPs per module at the dispatcher.

    Args:
        model: any ``nn.Module`` (CPU or meta tensors); run in its current train/eval mode
            and the caller's grad mode.
        inputs: a tensor, a tuple of positional tensors, or a dict of keyword arguments.

    Returns:
        A :class:`Trace`; FLOPs land on the innermost module running when the kernel ran.
    """
    names: dict[int, str] = {}
    for name, module in model.named_modules():
        names.setdefault(id(module), name)
    stats = {name: ModuleStats() for name in names.values()}
    stack = [""]
    handles = []

    def pre(module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        name = names[id(module)]
        stack.append(name)
        entry = stats[name]
        entry.calls += 1
        if entry.calls == 1:
            entry.input_shapes = tensor_shapes((args, kwargs))

    def post(module: torch.nn.Module, args: tuple, output: Any) -> None:
        name = names[id(module)]
        if stack[-1] == name:
            stack.pop()
        entry = stats[name]
        entry.output_bytes += tensor_bytes(output)
        if entry.calls == 1:
            entry.output_shapes = tensor_shapes(output)

    for name, module in model.named_modules():
        if name == "":
            continue  # the root is the stack's floor; its input/output are recorded below
        handles.append(module.register_forward_pre_hook(pre, with_kwargs=True))
        handles.append(module.register_forward_hook(post, always_call=True))
    ops: dict[str, int] = {}
    root = stats[""]
    root.calls, root.input_shapes = 1, tensor_shapes(inputs)
    try:
        with FlopMode(stack, stats, ops):
            output = call_model(model, inputs)
    finally:
        for handle in handles:
            handle.remove()
    root.output_shapes, root.output_bytes = tensor_shapes(output), tensor_bytes(output)
    return Trace(modules=stats, output=output, op_flops=ops)


def kaplan_flops(non_embedding_params: int, n_layer: int, n_ctx: int, d_attn: int) -> int:
    """Kaplan et al. (2020) forward FLOPs of one sequence: n_ctx x (2N + 2 n_layer n_ctx d_attn).

    Args:
        non_embedding_params: N, parameters outside the embedding tables.
        n_layer: number of transformer layers.
        n_ctx: tokens in the context (sequence length).
        d_attn: attention width (hidden size).

    Returns:
        Estimated forward FLOPs for one sequence.

    Example:
        >>> mll.kaplan_flops(85_645_056, n_layer=12, n_ctx=128, d_attn=768)
        22227124224
    """

    for arg, value in [
        ("non_embedding_params", non_embedding_params),
        ("n_layer", n_layer),
        ("n_ctx", n_ctx),
        ("d_attn", d_attn),
    ]:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise MLLError(f"{arg}={value!r} is not valid; pass a non-negative integer")
    return n_ctx * (2 * non_embedding_params + 2 * n_layer * n_ctx * d_attn)
