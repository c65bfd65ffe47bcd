"""Autopsy of whatever the user names: a zoo model or a file (.onnx, .safetensors, .pt/.pth).

Files go through :mod:`mlliteracy.anatomy.safeload` first (nothing is unpickled blindly). A weights
file alone has no architecture, so it gets a tensor inventory; when its names and shapes
match a model we know (:func:`identify_weights`) it also gets the full autopsy.

Example:
    >>> res = mll.autopsy_target("model.safetensors")
    >>> res.recognised_as, res.to_json()["params"]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from ..models.zoo import load_model
from .autopsy import autopsy, build_report, make_input
from .flops import FlopMode, ModuleStats, Trace, call_model
from .inventory import TensorInventory
from .onnx import count_onnx
from .safeload import SUPPORTED, check_path, inspect_file, load_torchscript, load_weights

#: zoo names tried, cheapest first, when a weights file needs an architecture
CANDIDATES = (
    "digits-cnn",
    "resnet18",
    "torchvision:resnet34",
    "resnet50",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "torchvision:mobilenet_v3_large",
    "minilm",
    "distilbert",
    "bert-base",
)
_PREFIXES = ("module.", "model.")
_TEXT = ("minilm", "distilbert", "bert-base")
_IGNORABLE = ("position_ids",)


@dataclass(frozen=True)
class TargetAutopsy:
    """What ``mlliteracy autopsy TARGET`` found: an autopsy, an ONNX count or an inventory."""

    name: str
    kind: str
    """``"zoo"``, ``"onnx"``, ``"safetensors"``, ``"pytorch"`` or ``"torchscript"``."""
    result: Any
    """:class:`AutopsyReport`, :class:`OnnxCount`, or :class:`TensorInventory` alone."""
    inventory: TensorInventory | None = None
    recognised_as: str | None = None

    def to_json(self) -> dict[str, Any]:
        """One JSON object with at least the contract keys (name, params, ..., layers)."""
        data = dict(self.result.to_json())
        data["name"] = self.name
        data["kind"] = self.kind
        data["recognised_as"] = self.recognised_as
        if self.inventory is not None and self.inventory is not self.result:
            inv = self.inventory
            data["file"] = {
                "format": inv.format,
                "tensors": len(inv.tensors),
                "params": inv.params,
                "bytes": inv.nbytes,
            }
        return data

    def report(self) -> str:
        """The Markdown report; for a recognised file, the autopsy plus a file section."""
        text = self.result.report()
        if self.inventory is not None and self.inventory is not self.result:
            inv = self.inventory
            text += (
                f"\n## The file\n\n{inv.name}: {inv.format}, {len(inv.tensors):,} tensors, "
                f"{inv.params:,} parameters, {inv.nbytes:,} bytes; its names and shapes "
                f"match `{self.recognised_as}`.\n"
            )
        return text

    def __repr__(self) -> str:
        extra = f", recognised_as={self.recognised_as!r}" if self.recognised_as else ""
        return f"TargetAutopsy({self.name!r}, kind={self.kind!r}{extra}, result={self.result!r})"

    def _repr_html_(self) -> str:
        head = f"<p>{_html.esc(self.name)} ({_html.esc(self.kind)})"
        if self.recognised_as:
            head += f": recognised as <b>{_html.esc(self.recognised_as)}</b>"
        return head + "</p>" + self.result._repr_html_()


def _signature(state: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in state.items()}


def _strip(weights: dict[str, Any]) -> dict[str, Any]:
    for prefix in _PREFIXES:
        if weights and all(k.startswith(prefix) for k in weights):
            return {k[len(prefix) :]: v for k, v in weights.items()}
    return weights


def identify_weights(weights: dict[str, Any]) -> str | None:
    """Name the zoo model whose state dict has exactly these names and shapes, else None.

    Args:
        weights: name -> tensor (a ``module.``/``model.`` prefix on every key is ignored).
    Returns:
        a zoo name such as ``"resnet18"`` or ``"digits-cnn"``, or ``None``.
    Example:
        >>> mll.identify_weights(mll.load_weights("resnet18.safetensors"))
        'resnet18'
    """
    if not isinstance(weights, dict) or not weights:
        raise MLLError(f"weights must be a non-empty dict of tensors, got {type(weights).__name__}")

    found = _identify(weights)
    return found[0] if found else None


def _align(weights: dict[str, Any], sig: dict[str, tuple[int, ...]]) -> dict[str, Any] | None:
    """``weights`` renamed and trimmed to match ``sig`` exactly, or None when they differ.

    Only extra ``position_ids`` tensors may be dropped: older checkpoints store them, newer
    transformers rebuild them.
    """
    w = _strip(weights)
    if any(k not in sig and not k.endswith(_IGNORABLE) for k in w):
        return None
    kept = {k: v for k, v in w.items() if k in sig}
    return kept if _signature(kept) == sig else None


def _identify(weights: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:

    text = any(k.startswith(("embeddings.", "bert.", "distilbert.")) for k in _strip(weights))
    for name in CANDIDATES:
        if (name in _TEXT) != text:
            continue  # building a text model costs a tokenizer load: only try when plausible
        try:
            model = load_model(name, pretrained=False, device="meta").model
        except MLLError:
            continue  # e.g. digits-cnn weights not trained yet
        aligned = _align(weights, _signature(model.state_dict()))
        if aligned is not None:
            return name, aligned
    return None


def _parse_shape(input_shape: Any) -> tuple[int, ...] | None:
    if input_shape is None:
        return None
    if isinstance(input_shape, str):
        try:
            input_shape = tuple(int(p) for p in input_shape.replace("x", ",").split(","))
        except ValueError as err:
            raise MLLError(
                f"input shape {input_shape!r} is not a list of integers; use e.g. 1,3,224,224"
            ) from err
    shape = tuple(input_shape)
    if not shape or not all(isinstance(d, int) and d > 0 for d in shape):
        raise MLLError(f"input shape {input_shape!r} must be positive integers, e.g. 1,3,224,224")
    return shape


def _is_file_target(target: str) -> bool:
    p = Path(target)
    return p.suffix.lower() in SUPPORTED or p.is_file() or "/" in target or "\\" in target


def autopsy_target(target: str, input_shape: Any = None) -> TargetAutopsy:
    """Autopsy of a zoo name, ``torchvision:NAME`` or a model file, all checked before loading.

    Args:
        target: ``"resnet18"``, ``"torchvision:vit_b_16"``, ``"minilm"``, or a path to a
            ``.onnx``, ``.safetensors``, ``.pt``/``.pth`` file.
        input_shape: ``(1, 3, 224, 224)`` or ``"1,3,224,224"``; default: the model's example.
    Returns:
        a :class:`TargetAutopsy` (``to_json()``, ``report()``).
    Example:
        >>> mll.autopsy_target("resnet18").to_json()["flops"]
        3628146688
    """
    if not isinstance(target, str) or not target.strip():
        raise MLLError(f"target={target!r} is empty; pass a zoo name or a model file path")
    shape = _parse_shape(input_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not _is_file_target(target):
            return _zoo(target.strip(), shape)
        return _file(Path(target), shape)


def _zoo(target: str, shape: tuple[int, ...] | None) -> TargetAutopsy:

    zm = load_model(target)
    rep = autopsy(zm) if shape is None else autopsy(zm.model, input_size=shape, name=zm.name)
    return TargetAutopsy(zm.name, "zoo", rep)


def _file(path: Path, shape: tuple[int, ...] | None) -> TargetAutopsy:

    p = check_path(path)
    if p.suffix.lower() == ".onnx":
        return TargetAutopsy(p.name, "onnx", count_onnx(p, shape))
    inv = inspect_file(p)  # scans pickles / validates the header first; raises when unsafe
    if inv.format == "torchscript":
        module = load_torchscript(p)
        known = identify_weights(dict(module.state_dict())) if inv.tensors else None
        return _with_model(p.name, "torchscript", inv, module, known, shape)
    found = _identify(load_weights(p))
    if found is None:
        return TargetAutopsy(p.name, inv.format, inv, inv)

    known, aligned = found
    zm = load_model(known, pretrained=False)
    try:
        zm.model.load_state_dict(aligned, strict=True)
    except Exception as err:  # same names and shapes, so this means odd dtypes
        raise MLLError(
            f"{p.name} matches {known} but its weights do not load "
            f"({str(err).splitlines()[0][:120]})"
        ) from err
    return _with_model(p.name, inv.format, inv, zm.model, known, shape, zm.example_input)


def _with_model(
    name: str,
    kind: str,
    inv: TensorInventory,
    model: Any,
    known: str | None,
    shape: tuple[int, ...] | None,
    example: Any = None,
) -> TargetAutopsy:

    if shape is None and known is None:
        raise MLLError(
            f"{name}: the architecture is not one we know, so the input shape is "
            "unknown; pass --input-shape, e.g. 1,3,224,224"
        )
    if shape is None and example is None:
        example = load_model(known, pretrained=False).example_input
    if kind == "torchscript":
        rep = _script_autopsy(model, example, shape, name)
    elif shape is not None:
        rep = autopsy(model, input_size=shape, name=name)
    else:
        rep = autopsy(model, example, name=name)
    return TargetAutopsy(name, kind, rep, inv, known)


def _script_autopsy(module: Any, example: Any, shape: tuple[int, ...] | None, name: str) -> Any:
    """Count a TorchScript module's own code: hooks do not run on ScriptModules, so every
    FLOP is booked on the whole model (the dispatcher still sees each kernel)."""
    import torch

    inputs = make_input(module, example, shape, "float32")
    stats = {n: ModuleStats() for n, _ in module.named_modules()}
    ops: dict[str, int] = {}
    try:
        with torch.inference_mode(), FlopMode([""], stats, ops):
            output = call_model(module, inputs)
    except Exception as err:
        raise MLLError(
            f"{name}: the TorchScript model failed on input "
            f"{getattr(inputs, 'shape', '?')} ({str(err).strip().splitlines()[0][:120]})"
            "; check --input-shape"
        ) from err
    stats[""].calls = 1
    return build_report(module, inputs, Trace(modules=stats, output=output, op_flops=ops), name)
