"""Open model files from strangers safely: check first, load second, never unpickle blindly.

``.pt``/``.pth``: every pickle is scanned (:mod:`mlliteracy.anatomy.picklescan`) before
``torch.load(weights_only=True)``; TorchScript archives are scanned, then ``torch.jit.load``.
``.safetensors``: ``safetensors.safe_open`` checks the header (bounds, offsets, dtypes) before
anything is read. ``.onnx``: ``onnx.load`` and ``onnx.checker``.

Example:
    >>> inv = mll.inspect_file("digits_cnn.safetensors")
    >>> inv.params, inv.to_frame().head()
"""

from __future__ import annotations

import json
import math
import struct
import warnings
from pathlib import Path
from typing import Any

from .._core.errors import MLLError, first_line
from .inventory import ONNX_FLOAT_TYPES, TensorInfo, TensorInventory, tensor_kind
from .picklescan import UnsafeFileError, scan_pickle

TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")
SUPPORTED = (*TORCH_SUFFIXES, ".safetensors", ".onnx")


# ---------------------------------------------------------------- checks shared by every type
def check_path(path: str | Path, suffixes: tuple[str, ...] = SUPPORTED) -> Path:
    """Return ``path`` as a Path after checking it is an existing, non-empty, known file type."""
    p = Path(path)
    if not p.exists():
        raise MLLError(f"model file not found: {p}; check the path")
    if p.is_dir():
        raise MLLError(f"{p} is a directory; pass one model file ({', '.join(suffixes)})")
    if p.suffix.lower() not in suffixes:
        raise MLLError(
            f"{p.name} has extension {p.suffix or '(none)'!r}; supported: {', '.join(suffixes)}"
        )
    if p.stat().st_size == 0:
        raise MLLError(f"{p.name} is empty (0 bytes); re-save or re-download it")
    return p


# ---------------------------------------------------------------- safetensors
def read_safetensors_header(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Check a safetensors file with ``safetensors.safe_open``, then read its header.

    Returns ``(tensors, metadata)`` where ``tensors`` maps name -> header entry (``dtype``,
    ``shape``, ``data_offsets``) in file order. Raises :class:`MLLError` with safetensors' reason
    for a truncated file, a header that is not JSON, unknown dtypes, sizes that disagree with
    shapes, or offsets that overlap, leave gaps or run past the end of the file.
    """
    p = check_path(path, (".safetensors",))
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(p), framework="numpy"):
            pass  # opening parses and checks the whole header; no tensor is read
    except SafetensorError as err:
        reason = first_line(err).removeprefix("Error while deserializing header: ")
        raise MLLError(
            f"{p.name}: safetensors refused its header ({reason}); the file is truncated, "
            "corrupt or not safetensors; refusing"
        ) from err
    header = _header_json(p)
    meta = header.pop("__metadata__", None) or {}
    return header, meta


def _header_json(p: Path) -> dict[str, Any]:
    """The whole format: 8 bytes (little-endian length n), n bytes of JSON mapping each tensor
    name to its dtype, shape and [begin, end) byte offsets, then the raw tensor bytes."""
    with open(p, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        return json.loads(fh.read(n))


# ---------------------------------------------------------------- public entry points
def inspect_file(path: str | Path) -> TensorInventory:
    """List every tensor in a weights file (safetensors, torch state dict, TorchScript, ONNX).

    Args:
        path: the file; pickles are scanned and refused before anything is loaded.
    Returns:
        a :class:`TensorInventory` (names, shapes, dtypes, params, bytes).
    Example:
        >>> mll.inspect_file("model.safetensors").to_frame().head()
    """
    p = check_path(path)
    suffix = p.suffix.lower()
    if suffix == ".safetensors":
        header, meta = read_safetensors_header(p)
        infos = tuple(
            TensorInfo(k, tuple(v["shape"]), v["dtype"], math.prod(v["shape"]),
                       v["data_offsets"][1] - v["data_offsets"][0], tensor_kind(k, v["dtype"]))
            for k, v in header.items()
        )  # fmt: skip
        return TensorInventory(p.name, "safetensors", infos, tuple(sorted(meta.items())))
    if suffix == ".onnx":
        return onnx_inventory(p)
    scan = scan_pickle(p)
    scan.raise_if_unsafe()
    if scan.torchscript:
        module = load_torchscript(p)
        tensors = {**dict(module.named_parameters()), **dict(module.named_buffers())}
        return _inventory(p.name, "torchscript", tensors)
    return _inventory(p.name, "pytorch", load_weights(p))


def _inventory(name: str, fmt: str, tensors: dict[str, Any]) -> TensorInventory:
    infos = tuple(
        TensorInfo(k, tuple(t.shape), str(t.dtype).replace("torch.", ""), t.numel(),
                   t.numel() * t.element_size(), tensor_kind(k, str(t.dtype).replace("torch.", "")))
        for k, t in tensors.items()
    )  # fmt: skip
    return TensorInventory(name, fmt, infos)


def load_weights(path: str | Path) -> dict[str, Any]:
    """Load a state dict from ``.safetensors`` or ``.pt``/``.pth`` after checking the file.

    Nested checkpoints (``{"model": {...}, "epoch": 3}``) are flattened to dotted names;
    values that are not tensors are dropped.
    Raises :class:`UnsafeFileError` for a pickle that imports anything off the allowlist and
    :class:`MLLError` for missing, empty, corrupt or truncated files.
    Example:
        >>> sd = mll.load_weights("resnet18.pt"); len(sd)
        122
    """
    p = check_path(path, (*TORCH_SUFFIXES, ".safetensors"))
    if p.suffix.lower() == ".safetensors":
        read_safetensors_header(p)
        from safetensors.torch import load_file

        try:
            return dict(load_file(str(p), device="cpu"))
        except Exception as err:
            raise MLLError(f"{p.name}: safetensors could not read it ({first_line(err)})") from err
    scan = scan_pickle(p)
    scan.raise_if_unsafe()
    if scan.torchscript:
        raise MLLError(
            f"{p.name} is a TorchScript archive, not a state dict; use "
            "mll.load_torchscript or `mlliteracy autopsy`"
        )
    if scan.container == "pickle":
        raise MLLError(
            f"{p.name} is a bare pickle, not a file written by torch.save; "
            "ask for a state_dict saved as .safetensors"
        )
    import pickle

    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = torch.load(str(p), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeFileError(
            f"refused {p.name}: torch's weights_only loader refused it ({first_line(err)})"
        ) from err
    except Exception as err:
        raise MLLError(
            f"{p.name} could not be loaded ({first_line(err)}); the file is corrupt or truncated"
        ) from err
    flat = _flatten(obj)
    if not flat:
        raise MLLError(f"{p.name} holds no tensors (a {type(obj).__name__}); pass a state dict")
    return flat


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    import torch

    if isinstance(obj, torch.Tensor):
        return {prefix or "tensor": obj}
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list | tuple):
        items = enumerate(obj)
    else:
        return out
    for key, value in items:
        out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def load_torchscript(path: str | Path):
    """Load a ``torch.jit.save`` archive after scanning its pickles and its ops.

    The archive's code runs in TorchScript's interpreter (no Python); we still refuse ops
    outside the ``aten``/``prim``/``quantized`` namespaces (custom ops could do anything).
    Example:
        >>> m = mll.load_torchscript("model_scripted.pt")
    """
    p = check_path(path, TORCH_SUFFIXES)
    scan = scan_pickle(p)
    scan.raise_if_unsafe()
    if not scan.torchscript:
        raise MLLError(f"{p.name} is not a TorchScript archive (no code/ and constants.pkl)")
    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = torch.jit.load(str(p), map_location="cpu")
    except Exception as err:
        raise MLLError(f"{p.name}: TorchScript could not load it ({first_line(err)})") from err
    odd = sorted(
        {
            n.kind()
            for n in module.inlined_graph.nodes()
            if n.kind().split("::")[0] not in ("aten", "prim", "quantized", "profiler")
        }
    )
    if odd:
        raise UnsafeFileError(
            f"refused {p.name}: its TorchScript code calls {odd[0]}, outside "
            "the aten/prim op sets; not running it"
        )
    return module.eval()


def load_onnx(path: str | Path):
    """Load and check an ONNX model (``onnx.checker``); external data must sit beside it.

    Example:
        >>> mll.load_onnx("resnet18.onnx").graph.node[0].op_type
        'Conv'
    """
    p = check_path(path, (".onnx",))
    import onnx
    from onnx.external_data_helper import uses_external_data

    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception as err:
        raise MLLError(
            f"{p.name} is not a readable ONNX model ({first_line(err)}); the file is "
            "corrupt, truncated or not ONNX"
        ) from err
    if not model.graph.node and not model.graph.initializer:
        raise MLLError(f"{p.name} holds no ONNX graph; the file is empty, corrupt or not ONNX")
    for t in model.graph.initializer:
        if uses_external_data(t):
            loc = {e.key: e.value for e in t.external_data}.get("location", "")
            if Path(loc).is_absolute() or ".." in Path(loc).parts:
                raise UnsafeFileError(
                    f"refused {p.name}: initializer {t.name!r} points outside its folder ({loc!r})"
                )
    try:
        if any(uses_external_data(t) for t in model.graph.initializer):
            onnx.load_external_data_for_model(model, str(p.parent))
        onnx.checker.check_model(model)
    except Exception as err:
        raise MLLError(f"{p.name} fails the ONNX checker ({first_line(err)})") from err
    return model


def onnx_inventory(path: str | Path):
    """A :class:`~mlliteracy.anatomy.safeload.TensorInventory` of an ONNX file's initializers."""
    from onnx import helper

    model = load_onnx(path)
    infos = []
    for t in model.graph.initializer:
        np_dtype = helper.tensor_dtype_to_np_dtype(t.data_type)
        numel = math.prod(t.dims)
        kind = tensor_kind(t.name) if t.data_type in ONNX_FLOAT_TYPES else "constant"
        infos.append(
            TensorInfo(t.name, tuple(t.dims), str(np_dtype), numel, numel * np_dtype.itemsize, kind)
        )
    return TensorInventory(Path(path).name, "onnx", tuple(infos))
