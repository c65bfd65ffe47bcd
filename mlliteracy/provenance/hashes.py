"""SHA-256 fingerprints of files, folders and weights: the atoms of provenance.

* :func:`hash_file` - the bytes of one file.
* :func:`hash_dir` - every file under a folder, in a stable order, by relative path.
* :func:`hash_state_dict` - the tensors themselves (names, dtypes, shapes, values), so a state
  dict hashes the same however it is saved (``.pt`` or ``.safetensors``) and in any key order.

Example:
    >>> mll.hash_state_dict("model.safetensors") == mll.hash_state_dict(model.state_dict())
    True
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._core.errors import MLLError

_CHUNK = 1 << 20
#: Folder entries never hashed (caches that change when code is merely imported).
SKIP_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints", ".git"})


def _existing(path: str | os.PathLike[str], what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise MLLError(f"path={str(path)!r} does not exist; pass an existing {what}")
    return p


def hash_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex digest of a file's bytes.

    Example:
        >>> mll.hash_file("mlliteracy/assets/faq.json")[:12]
    """
    p = _existing(path, "file")
    if not p.is_file():
        raise MLLError(f"path={str(path)!r} is not a file; use hash_dir for folders")
    h = hashlib.sha256()
    with p.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def list_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Regular files under ``folder`` (recursive), sorted by relative POSIX path."""
    base = _existing(folder, "folder")
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                found.append(p)
    return sorted(found, key=lambda p: p.relative_to(base).as_posix())


def hash_dir(folder: str | os.PathLike[str]) -> str:
    """SHA-256 over ``relative/path\\0<file sha256>\\n`` of every file, in path order.

    Renaming, adding, removing or editing any file changes it; the folder's own location,
    timestamps and the order the file system lists entries in do not.
    """
    base = _existing(folder, "folder")
    if not base.is_dir():
        raise MLLError(f"folder={str(folder)!r} is not a folder; use hash_file for files")
    h = hashlib.sha256()
    for p in list_files(base):
        h.update(f"{p.relative_to(base).as_posix()}\0{hash_file(p)}\n".encode())
    return h.hexdigest()


def hash_state_dict(state: Any) -> str:
    """SHA-256 of a state dict's tensors, independent of key order and file format.

    Args:
        state: a mapping name -> tensor/array, a ``torch.nn.Module``, or a path to a
            ``.safetensors``, ``.pt``/``.pth``/``.bin`` (loaded with ``weights_only=True``)
            or ``.npz`` file.

    Returns:
        Hex digest over, for each name in sorted order, ``name|dtype|shape|`` and the
        little-endian bytes of the values (the scheme of ``provenance.json``'s
        ``weights_sha256``).
    """
    if isinstance(state, (str, os.PathLike)):
        state = load_state(state)
    elif hasattr(state, "state_dict") and callable(state.state_dict):
        state = state.state_dict()
    if not isinstance(state, Mapping) or not state:
        raise MLLError(
            f"state={type(state).__name__} is not a non-empty mapping of tensors; pass "
            "model.state_dict() or a weights file path"
        )
    h = hashlib.sha256()
    for name in sorted(state, key=str):
        dtype, shape, data = _tensor_bytes(state[name], name)
        h.update(f"{name}|{dtype}|{shape}|".encode())
        h.update(data)
    return h.hexdigest()


def _tensor_bytes(value: Any, name: str) -> tuple[str, tuple[int, ...], bytes]:
    import numpy as np

    if hasattr(value, "detach"):  # a torch tensor, without importing torch here
        t = value.detach().cpu().contiguous()
        dtype = str(t.dtype).removeprefix("torch.")
        if dtype == "bfloat16":
            import torch

            t = t.view(torch.int16)
        arr = t.numpy()
    else:
        arr = np.asarray(value)
        dtype = arr.dtype.name
    if arr.dtype == object:
        raise MLLError(f"state[{name!r}] holds Python objects, not numbers; pass tensors only")
    arr = np.ascontiguousarray(arr)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return dtype, tuple(arr.shape), arr.tobytes()


def load_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load the tensors of a weights file without running code (no pickled objects)."""
    p = _existing(path, "weights file")
    suffix = p.suffix.lower()
    try:
        if suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(p)))
        if suffix == ".npz":
            import numpy as np

            with np.load(p, allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files}
        if suffix in (".pt", ".pth", ".bin"):
            import torch

            obj = torch.load(p, map_location="cpu", weights_only=True)
            if isinstance(obj, Mapping) and isinstance(obj.get("state_dict"), Mapping):
                obj = obj["state_dict"]
            if not isinstance(obj, Mapping):
                raise MLLError(f"path={p.name!r} holds a {type(obj).__name__}, not a state dict")
            return dict(obj)
    except MLLError:
        raise
    except Exception as err:  # corrupt or unsafe files: one line, no traceback
        raise MLLError(f"path={p.name!r} could not be read as weights ({err})"[:300]) from err
    raise MLLError(
        f"path={p.name!r} has suffix {suffix!r}; use .safetensors, .pt, .pth, .bin or .npz"
    )
