"""Manifests: a JSON list of artifacts with their hashes, origin and licence, and its check.

Format (``"format": "mlliteracy-manifest"``, version 1)::

    {"format": "mlliteracy-manifest", "version": 1,
     "roots": ["data"],                       # folders listed whole: new files there are "added"
     "artifacts": [{"path": "data/x.csv",     # relative to the manifest's folder, POSIX
                    "sha256": "...", "size": 123,
                    "source": "...", "license": "...", "creator": "...",
                    "produced_by": {"activity": "clean", "inputs": ["raw/x.csv"]}}]}

Other top-level keys are kept and ignored by :func:`verify_manifest`, so a richer document (an
audit's evidence bundle) can embed the same ``artifacts`` list and be verified by the CLI.

Example:
    >>> mll.build_manifest(["weights"], out="manifest.json")
    >>> mll.verify_manifest("manifest.json").ok
    True
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.files import write_json_atomic
from .hashes import hash_file, list_files

FORMAT = "mlliteracy-manifest"
VERSION = 1
ARTIFACT_KEYS = ("path", "sha256", "size", "source", "license", "creator", "produced_by")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Manifest:
    """A list of artifacts (dicts with :data:`ARTIFACT_KEYS`) and the folders listed whole."""

    artifacts: tuple[dict[str, Any], ...]
    roots: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    """Other top-level keys of the JSON document (kept on write)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, **self.extra,
            "roots": list(self.roots), "artifacts": [dict(a) for a in self.artifacts],
        }  # fmt: skip

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write atomically (temporary file + rename): a crash never leaves half a manifest."""
        return write_json_atomic(path, self.to_dict())

    def __repr__(self) -> str:
        size = sum(int(a.get("size") or 0) for a in self.artifacts)
        return (
            f"Manifest({len(self.artifacts)} artifacts, {size:,} bytes, roots={list(self.roots)})"
        )

    def _repr_html_(self) -> str:
        rows = [
            (a["path"], a["sha256"][:16], a["size"], a.get("license", "")) for a in self.artifacts
        ]
        return _html.table(
            ["path", "sha256 (first 16)", "bytes", "licence"], rows, caption=repr(self)
        )


@dataclass(frozen=True)
class ManifestCheck:
    """Result of :func:`verify_manifest`: what changed, went missing or appeared."""

    checked: int
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added)

    def lines(self) -> list[str]:
        out = [f"changed: {p}" for p in self.changed]
        out += [f"missing: {p}" for p in self.missing]
        return out + [f"added: {p}" for p in self.added]

    def __repr__(self) -> str:
        n = len(self.lines())
        verdict = "all match" if self.ok else f"{n} problem{'s' if n != 1 else ''}"
        return "\n".join(
            [f"ManifestCheck({self.checked} artifacts checked: {verdict})", *self.lines()]
        )

    def _repr_html_(self) -> str:
        rows = [line.split(": ", 1) for line in self.lines()]
        head = _html.badge(self.ok, "all match" if self.ok else "mismatch")
        return f"<p>{self.checked} artifacts checked: {head}</p>" + (
            _html.table(["status", "path"], rows) if rows else ""
        )


def build_manifest(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None = None,
    *,
    base: str | os.PathLike[str] | None = None,
    meta: Mapping[str, Mapping[str, Any]] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Manifest:
    """Hash every file in ``paths`` (folders recursively) into a :class:`Manifest`.

    Args:
        paths: files and folders to list.
        out: where to write the JSON (atomically); paths inside are relative to its folder.
        base: folder the paths are relative to when ``out`` is None (default: current folder).
        meta: per relative path, extra fields (``source``, ``license``, ``creator``,
            ``produced_by``); ``defaults`` fills them for every artifact.

    Example:
        >>> m = mll.build_manifest(["data", "model.safetensors"], out="manifest.json")
    """
    if isinstance(paths, (str, os.PathLike)) or not paths:
        raise MLLError(f"paths={paths!r} must be a non-empty list of files or folders")
    root = Path(out).resolve().parent if out is not None else Path(base or ".").resolve()
    out_path = Path(out).resolve() if out is not None else None
    files: dict[str, Path] = {}
    roots: list[str] = []
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise MLLError(f"path {str(given)!r} does not exist; list existing files or folders")
        if p.is_dir():
            roots.append(_rel(p, root))
            found = list_files(p)
        else:
            found = [p]
        for f in found:
            if out_path is None or f.resolve() != out_path:
                files.setdefault(_rel(f, root), f)
    meta, defaults = meta or {}, defaults or {}
    artifacts = []
    for rel in sorted(files):
        f = files[rel]
        entry: dict[str, Any] = {"path": rel, "sha256": hash_file(f), "size": f.stat().st_size}
        for key in ARTIFACT_KEYS[3:]:
            value = meta.get(rel, {}).get(key, defaults.get(key))
            if value is not None:
                entry[key] = value
        artifacts.append(entry)
    manifest = Manifest(tuple(artifacts), tuple(sorted(set(roots))))
    if out is not None:
        manifest.write(out)
    return manifest


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.resolve(), root)).as_posix()


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Parse and check a manifest file; anything malformed raises :class:`MLLError`."""
    p = Path(path)
    if not p.is_file():
        raise MLLError(f"manifest {str(path)!r} is not a file; build one with `manifest build`")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MLLError(f"manifest {p.name!r} is not valid JSON ({err}); rebuild it") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MLLError(f'manifest {p.name!r} lacks "format": {FORMAT!r}; is it a manifest?')
    if data.get("version") != VERSION:
        raise MLLError(
            f"manifest version {data.get('version')!r} is not supported (need {VERSION})"
        )
    arts, roots = data.get("artifacts"), data.get("roots", [])
    if not isinstance(arts, list) or not isinstance(roots, list):
        raise MLLError(f"manifest {p.name!r}: 'artifacts' and 'roots' must be lists")
    seen: set[str] = set()
    for i, a in enumerate(arts):
        where = f"manifest {p.name!r} artifact #{i}"
        if not isinstance(a, dict):
            raise MLLError(f"{where} is not an object with path, sha256, size")
        path_, sha, size = a.get("path"), a.get("sha256"), a.get("size")
        if not isinstance(path_, str) or not path_ or Path(path_).is_absolute():
            raise MLLError(f"{where}: path={path_!r} must be a relative path")
        if not isinstance(sha, str) or not _SHA.match(sha):
            raise MLLError(f"{where} ({path_}): sha256={sha!r} is not 64 lowercase hex digits")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise MLLError(f"{where} ({path_}): size={size!r} must be a byte count")
        if path_ in seen:
            raise MLLError(f"{where}: path {path_!r} is listed twice")
        seen.add(path_)
    if not all(isinstance(r, str) and not Path(r).is_absolute() for r in roots):
        raise MLLError(f"manifest {p.name!r}: roots must be relative folder paths")
    extra = {k: v for k, v in data.items() if k not in ("format", "version", "roots", "artifacts")}
    return Manifest(tuple(arts), tuple(roots), extra)


def verify_manifest(path: str | os.PathLike[str]) -> ManifestCheck:
    """Re-hash every artifact of a manifest; report changed, missing and added files.

    Example:
        >>> mll.verify_manifest("manifest.json")
        ManifestCheck(3 artifacts checked: all match)
    """
    manifest = read_manifest(path)
    root = Path(path).resolve().parent
    changed, missing = [], []
    for a in manifest.artifacts:
        f = root / a["path"]
        if not f.is_file():
            missing.append(a["path"])
        elif f.stat().st_size != a["size"] or hash_file(f) != a["sha256"]:
            changed.append(a["path"])
    listed = {a["path"] for a in manifest.artifacts}
    me = Path(path).resolve()
    added = sorted(
        {
            _rel(f, root)
            for r in manifest.roots
            if (root / r).is_dir()
            for f in list_files(root / r)
            if f.resolve() != me and not f.name.startswith(f".{me.name}.")
        }
        - listed
    )
    return ManifestCheck(len(manifest.artifacts), tuple(changed), tuple(missing), tuple(added))
