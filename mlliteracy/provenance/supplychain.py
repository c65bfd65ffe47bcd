"""The model files a system ships: format, size, SHA-256 and whether loading them is safe.

Per file, by its bytes and extension: ``safetensors`` (header checked; loading runs no code),
``pytorch-zip`` / ``pickle`` (every pickle scanned, imports outside the allowlist refused),
``onnx`` (protobuf, ``onnx.checker``), ``npz`` (numpy arrays read with ``allow_pickle=False``),
``other`` (configs, vocabularies, docs: data, not code, so no verdict). Nothing is unpickled.

Example:
    >>> rep = mll.supply_chain_check([minilm_folder, "head.npz"])
    >>> rep.refused
    ()
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError, first_line
from ..anatomy.picklescan import scan_pickle
from ..anatomy.safeload import load_onnx, read_safetensors_header
from .hashes import hash_file, list_files

if TYPE_CHECKING:
    import pandas as pd

PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle", ".joblib")
COLUMNS = ("name", "format", "bytes", "sha256", "safe", "reason")


@dataclass(frozen=True)
class SupplyChainReport:
    """One row per file: (name, format, bytes, sha256, safe, reason)."""

    rows: tuple[tuple[str, str, int, str, bool | None, str], ...]
    """``safe`` is True (loads without running code), False (refused) or None (not a model)."""

    @property
    def refused(self) -> tuple[str, ...]:
        """Names of files refused as unsafe or broken."""
        return tuple(r[0] for r in self.rows if r[4] is False)

    @property
    def model_files(self) -> tuple[str, ...]:
        """Names of files that hold weights or graphs (safe or not)."""
        return tuple(r[0] for r in self.rows if r[4] is not None)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [dict(zip(COLUMNS, r, strict=True)) for r in self.rows],
            "refused": list(self.refused),
        }

    def _summary(self) -> str:
        return (
            f"{len(self.rows)} files, {len(self.model_files)} model files, "
            f"{len(self.refused)} refused"
        )

    def _cells(self, r: tuple) -> tuple:
        verdict = {True: "safe", False: "REFUSED", None: "-"}[r[4]]
        return (r[0], r[1], r[2], r[3][:16], verdict, r[5])

    def __repr__(self) -> str:
        table = _html.text_table(
            ["name", "format", "bytes", "sha256", "verdict", "reason"],
            [self._cells(r) for r in self.rows],
        )
        return f"SupplyChainReport: {self._summary()}\n{table}"

    def _repr_html_(self) -> str:
        rows = []
        for r in self.rows:
            c = self._cells(r)
            badge = _html.badge(r[4], c[4]) if r[4] is not None else "-"
            rows.append((c[0], c[1], f"{c[2]:,}", c[3], badge, c[5]))
        header = ["file", "format", "bytes", "sha256 (first 16)", "verdict", "reason"]
        return _html.table(header, rows, caption=self._summary(), raw_columns=[4])


def _sniff(p: Path) -> str:
    with open(p, "rb") as fh:
        head = fh.read(4)
    suffix = p.suffix.lower()
    if suffix == ".safetensors":
        return "safetensors"
    if suffix == ".onnx":
        return "onnx"
    if suffix == ".npz":
        return "npz"
    if suffix in PICKLE_SUFFIXES or head[:1] == b"\x80":
        return "pytorch-zip" if head == b"PK\x03\x04" else "pickle"
    return "other"


def _verdict(p: Path, fmt: str) -> tuple[bool | None, str]:

    try:
        if fmt == "safetensors":
            header, _ = read_safetensors_header(p)
            return True, f"header checked, {len(header)} tensors; loading runs no code"
        if fmt == "onnx":
            model = load_onnx(p)
            return True, f"onnx.checker passed, {len(model.graph.node)} nodes"
        if fmt == "npz":
            import numpy as np

            with np.load(p, allow_pickle=False) as data:
                names = list(data.files)
                for name in names:
                    data[name]  # object arrays need pickle and raise here
            return True, f"{len(names)} numpy arrays read with allow_pickle=False"
        if fmt in ("pytorch-zip", "pickle"):
            scan = scan_pickle(p)
            if not scan.ok:
                more = f" (+{len(scan.refused) - 1} more)" if len(scan.refused) > 1 else ""
                return False, f"pickle imports {scan.refused[0]}{more}: loading could run code"
            return True, (
                f"pickle scanned: {len(scan.globals)} allowlisted imports only; prefer safetensors"
            )
    except MLLError as err:
        return False, first_line(err)
    except ValueError as err:  # np.load on object arrays
        return False, f"needs pickle to load ({first_line(err)})"
    return None, "not a model file (configuration, vocabulary or documentation)"


def _expand(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, Path]]:

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    out: list[tuple[str, Path]] = []
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise MLLError(f"path {p.name!r} does not exist; pass existing files or folders")
        if p.is_dir():
            out += [(f"{p.name}/{f.relative_to(p).as_posix()}", f) for f in list_files(p)]
        else:
            out.append((p.name, p))
    if not out:
        raise MLLError("paths holds no files; pass model files or folders that contain them")
    return out


def supply_chain_check(paths: Any) -> SupplyChainReport:
    """Format, size, SHA-256 and load-safety verdict of every file (folders are expanded).

    Args:
        paths: files and/or folders (one path or a list). Names in the report are relative
            (``folder/file``), never absolute.
    Returns:
        a :class:`SupplyChainReport`; ``.refused`` names unsafe or broken model files.
    Example:
        >>> mll.supply_chain_check([mlliteracy._core.offline.minilm_path()]).to_frame()
    """

    rows = []
    for name, p in _expand(paths):
        fmt = _sniff(p)
        safe, reason = _verdict(p, fmt)
        rows.append((name, fmt, p.stat().st_size, hash_file(p), safe, reason))
    return SupplyChainReport(tuple(rows))
