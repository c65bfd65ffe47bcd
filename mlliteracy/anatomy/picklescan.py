"""Read a pickle's opcodes WITHOUT running it, and refuse globals outside a small allowlist.

A pickle is a little program: ``GLOBAL``/``STACK_GLOBAL``/``INST`` import any callable and
``REDUCE``/``NEWOBJ``/``OBJ``/``BUILD`` call it. Every callable a pickle can call must be
imported by one of those opcodes first, so checking each import against an allowlist, before
anything is unpickled, is enough to stop code from running.

Example:
    >>> scan = mll.scan_pickle("model.pt")
    >>> scan.ok, scan.refused
    (True, ())
"""

from __future__ import annotations

import io
import pickletools
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .._core import html as _html
from .._core.errors import MLLError

#: the integer that opens PyTorch's legacy (pre-zip) format, pickled on its own
TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
#: largest pickle we scan (torch's pickles hold structure only; data lives beside them)
MAX_PICKLE_BYTES = 256 * 1024 * 1024

_STORAGES = {
    f"{kind}Storage"
    for kind in (
        *("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte"),
        *("Bool", "ComplexFloat", "ComplexDouble", "QInt8", "QUInt8", "QInt32"),
    )
}
_DTYPES = {
    *("float32", "float64", "float16", "bfloat16", "complex64", "complex128", "bool"),
    *("int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64"),
    *("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"),
    *("float4_e2m1fn_x2", "float", "double", "half", "long", "int", "short"),
}

#: (module, name) pairs a weights file may import; exact matches only. Deliberately absent:
#: ``torch.storage._load_from_bytes`` (it calls ``torch.load(..., weights_only=False)`` on
#: embedded bytes, i.e. an unchecked nested pickle) and anything from builtins, os, numpy.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {("collections", "OrderedDict")}
    | {
        ("torch._utils", n)
        for n in (
            "_rebuild_tensor_v2",
            "_rebuild_tensor_v3",
            "_rebuild_parameter",
            "_rebuild_parameter_with_state",
        )
    }
    | {("torch", n) for n in _STORAGES | _DTYPES | {"Size", "device"}}
    | {("torch.storage", "UntypedStorage"), ("torch", "UntypedStorage")}
)

#: extra imports TorchScript archives use; they are read by TorchScript's C++ unpickler,
#: which maps ``__torch__.*`` to classes compiled from the archive's own ``code/`` folder.
TORCHSCRIPT_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    ("torch.jit._pickle", n)
    for n in (
        "build_intlist",
        "build_tensorlist",
        "build_doublelist",
        "build_boollist",
        "build_tensor_from_id",
        "restore_type_tag",
    )
)

_STRING_OPS = {
    "UNICODE",
    "SHORT_BINUNICODE",
    "BINUNICODE",
    "BINUNICODE8",
    "STRING",
    "BINSTRING",
    "SHORT_BINSTRING",
}
_MEMO_PUT = {"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}
_CALLS = {"REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ", "INST", "BUILD"}


class UnsafeFileError(MLLError):
    """A file whose pickle would import something outside the allowlist; nothing was loaded."""


@dataclass(frozen=True)
class PickleScan:
    """What the pickles in one file would import and call, read without running them."""

    name: str
    """File name (no directory)."""
    container: str
    """``"zip"`` (PyTorch >= 1.6 and TorchScript), ``"legacy"`` (old torch format) or
    ``"pickle"`` (a bare pickle that is not a PyTorch file)."""
    pickles: tuple[str, ...]
    """The pickles scanned, e.g. ``("archive/data.pkl",)``."""
    globals: tuple[str, ...]
    """Every ``module.name`` imported, sorted, each once."""
    refused: tuple[str, ...]
    """Imports outside the allowlist (empty when safe)."""
    calls: int
    """Number of call opcodes (REDUCE, NEWOBJ, OBJ, INST, BUILD)."""
    torchscript: bool = False
    """True for a ``torch.jit.save`` archive (``code/`` and ``constants.pkl`` inside)."""

    @property
    def ok(self) -> bool:
        """True when every import is on the allowlist."""
        return not self.refused

    def raise_if_unsafe(self) -> None:
        """Raise :class:`UnsafeFileError` naming the first refused import."""
        if self.refused:
            more = f" (+{len(self.refused) - 1} more)" if len(self.refused) > 1 else ""
            raise UnsafeFileError(
                f"refused {self.name}: its pickle imports {self.refused[0]}{more}, which is not "
                "on the weights allowlist, so loading it could run code; nothing was loaded "
                "(ask for a state_dict saved as .safetensors)"
            )

    def __repr__(self) -> str:
        verdict = "safe" if self.ok else f"REFUSED {', '.join(self.refused)}"
        return (
            f"PickleScan({self.name!r}, {self.container}, pickles={len(self.pickles)}, "
            f"globals={len(self.globals)}, calls={self.calls}, {verdict})"
        )

    def _repr_html_(self) -> str:
        rows = [
            (g, _html.badge(g not in self.refused, "refused" if g in self.refused else "ok"))
            for g in self.globals
        ]
        head = (
            f"<p><b>{_html.esc(self.name)}</b> ({_html.esc(self.container)}): "
            f"{_html.badge(self.ok, 'safe to load' if self.ok else 'refused')}</p>"
        )
        return head + _html.table(["imported global", "verdict"], rows, raw_columns=[1])


def scan_bytes(
    data: bytes | io.BufferedIOBase, *, label: str = "pickle"
) -> tuple[list[tuple[str, str]], int, bool]:
    """Scan ONE pickle (from bytes or a file positioned at it) and return its imports.

    Returns ``(imports, calls, has_torch_magic)``; an import that cannot be resolved
    statically is returned as ``("<unresolved>", opcode)`` and is always refused.
    Raises :class:`MLLError` when the bytes are not a complete pickle.
    """
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    imports: list[tuple[str, str]] = []
    calls = 0
    magic = False
    memo: dict[int, str | None] = {}
    pushed: list[str | None] = []  # values pushed by the last stack-growing ops (None: unknown)
    try:
        for op, arg, _pos in pickletools.genops(stream):
            name = op.name
            if name in _STRING_OPS:
                pushed.append(arg if isinstance(arg, str) else None)
            elif name in _MEMO_GET:
                pushed.append(memo.get(arg))
            elif name in _MEMO_PUT:
                key = len(memo) if name == "MEMOIZE" else arg
                memo[key] = pushed[-1] if pushed else None
                continue  # the stack is unchanged: keep what we know about its top
            elif name == "FRAME":
                continue
            elif name in ("GLOBAL", "INST"):
                module, _, attr = str(arg).partition(" ")
                imports.append((module, attr))
                pushed.append(None)
            elif name == "STACK_GLOBAL":
                top = pushed[-2:] if len(pushed) >= 2 else []
                if len(top) == 2 and all(isinstance(s, str) for s in top):
                    imports.append((str(top[0]), str(top[1])))
                else:
                    imports.append(("<unresolved>", "STACK_GLOBAL"))
                pushed = []
                continue
            elif name.startswith("EXT"):
                imports.append(("<extension registry>", f"{name} {arg}"))
                pushed = []
                continue
            elif name == "LONG1" and arg == TORCH_LEGACY_MAGIC:
                magic = True
                pushed.append(None)
            else:
                pushed.append(None)
            if name in _CALLS:
                calls += 1
            # only the last two pushes matter for STACK_GLOBAL; any other op breaks the chain
            if name not in _STRING_OPS and name not in _MEMO_GET:
                pushed = [None]
            del pushed[:-2]
    except Exception as err:  # genops raises ValueError on bad opcodes, truncation, ...
        why = (str(err).splitlines() or [type(err).__name__])[0][:160]
        raise MLLError(
            f"{label} is corrupt or truncated ({why}); re-save or re-download the file"
        ) from err
    return imports, calls, magic


def _refused(imports: list[tuple[str, str]], allowed: frozenset[tuple[str, str]]) -> list[str]:
    return [f"{m}.{n}" for m, n in imports if (m, n) not in allowed]


def _is_torchscript(names: list[str]) -> bool:
    return any("/code/" in f"/{n}" for n in names) and any(
        n.endswith("constants.pkl") for n in names
    )


def scan_pickle(path: str | Path) -> PickleScan:
    """Scan every pickle in a ``.pt``/``.pth`` file (zip archive, legacy or bare pickle).

    Args:
        path: the file; nothing in it is executed.
    Returns:
        a :class:`PickleScan`; ``.ok`` is False and ``.refused`` names the imports when unsafe.
    Example:
        >>> mll.scan_pickle("evil.pt").refused
        ('posix.system',)
    """
    p = Path(path)
    if not p.is_file():
        what = "is a directory" if p.is_dir() else "not found"
        raise MLLError(f"model file {what}: {p}; pass the path of a .pt or .pth file")
    with open(p, "rb") as fh:
        head = fh.read(4)
    if not head:
        raise MLLError(f"{p.name} is empty (0 bytes); re-save or re-download it")
    # torch.load takes its zip reader exactly when these four bytes open the file
    if head == b"PK\x03\x04":
        return _scan_zip(p)
    return _scan_stream(p)


def _scan_zip(p: Path) -> PickleScan:
    try:
        with zipfile.ZipFile(p) as zf:
            names = zf.namelist()
            entries = [i for i in zf.infolist() if i.filename.endswith("pkl")]
            if not any(i.filename.endswith("data.pkl") for i in entries):
                raise MLLError(
                    f"{p.name} is a zip archive without data.pkl, so not a PyTorch file; "
                    "pass a file written by torch.save or torch.jit.save"
                )
            torchscript = _is_torchscript(names)
            imports: list[tuple[str, str]] = []
            calls = 0
            for info in entries:
                if info.file_size > MAX_PICKLE_BYTES:
                    raise MLLError(
                        f"{p.name}: {info.filename} is {info.file_size} bytes, too large "
                        "for a weights pickle; refusing"
                    )
                found, n, _ = scan_bytes(zf.read(info), label=f"{p.name}:{info.filename}")
                imports += found
                calls += n
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as err:
        raise MLLError(
            f"{p.name} is a corrupt or truncated zip archive ({err}); re-save or re-download it"
        ) from err
    allowed = ALLOWED_GLOBALS | TORCHSCRIPT_GLOBALS if torchscript else ALLOWED_GLOBALS
    if torchscript:  # TorchScript class types live under __torch__ and are compiled from code/
        imports_checked = [(m, n) for m, n in imports if not m.startswith("__torch__")]
    else:
        imports_checked = imports
    return PickleScan(
        name=p.name,
        container="zip",
        pickles=tuple(i.filename for i in entries),
        globals=tuple(sorted({f"{m}.{n}" for m, n in imports})),
        refused=tuple(dict.fromkeys(_refused(imports_checked, allowed))),
        calls=calls,
        torchscript=torchscript,
    )


def _scan_stream(p: Path) -> PickleScan:
    imports: list[tuple[str, str]] = []
    calls = 0
    scanned: list[str] = []
    with open(p, "rb") as fh:
        first = fh.read(1)
        if first != b"\x80":
            raise MLLError(
                f"{p.name} is neither a zip archive nor a pickle (it starts with {first!r}); "
                "pass a file written by torch.save, or check the extension"
            )
        fh.seek(0)
        found, n, magic = scan_bytes(fh, label=p.name)
        imports += found
        calls += n
        scanned.append("pickle 1")
        # legacy torch files: magic, protocol, sys_info, the object, storage keys; then raw bytes
        for i in range(2, 6) if magic else ():
            found, n, _ = scan_bytes(fh, label=f"{p.name} (pickle {i})")
            imports += found
            calls += n
            scanned.append(f"pickle {i}")
    return PickleScan(
        name=p.name,
        container="legacy" if magic else "pickle",
        pickles=tuple(scanned),
        globals=tuple(sorted({f"{m}.{n}" for m, n in imports})),
        refused=tuple(dict.fromkeys(_refused(imports, ALLOWED_GLOBALS))),
        calls=calls,
    )
