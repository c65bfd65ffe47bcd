"""The "shadow IT" training pipeline: a case study for the MLOps audit, shipped as files.

A digits classifier that one person trains by hand: a notebook export with no seeds and a
hard-coded path to a hand-copied CSV, unpinned requirements, a runbook of manual steps
("copy the data from Bob's laptop", "eyeball the accuracy"), no tests, no monitoring. The
files were written for this workbook (the data rows are from scikit-learn's digits).
:func:`shadow_it_case` copies them into a folder you name; nothing here runs the script.

Example:
    >>> case = mll.shadow_it_case("shadow_it")
    >>> case.files
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .._core import html as _html
from .._core.errors import MLLError
from ..provenance.hashes import hash_file, list_files

ASSET = Path(__file__).resolve().parents[1] / "assets" / "shadow_it"


@dataclass(frozen=True)
class CaseFolder:
    """A project folder written for an audit: where it is and what it holds."""

    path: Path
    """The folder (absolute)."""
    files: tuple[str, ...]
    """Relative POSIX paths of every file, sorted."""
    sha256: dict[str, str]
    """Relative path -> SHA-256 of the file."""

    def read(self, name: str) -> str:
        """The text of one file in the folder (e.g. ``"README.txt"``)."""
        if name not in self.files:
            raise MLLError(f"name={name!r} is not in this folder; pick one of {list(self.files)}")
        return (self.path / name).read_text(encoding="utf-8")

    def __repr__(self) -> str:
        return f"CaseFolder({self.path.name!r}, files={list(self.files)})"

    def _repr_html_(self) -> str:
        rows = [(f, (self.path / f).stat().st_size, self.sha256[f][:16]) for f in self.files]
        return _html.table(["file", "bytes", "sha256 (first 16)"], rows, caption=self.path.name)


def folder_record(folder: str | os.PathLike[str]) -> CaseFolder:
    """Describe an existing folder as a :class:`CaseFolder` (files and their hashes)."""
    base = Path(folder).resolve()
    files = tuple(sorted(p.relative_to(base).as_posix() for p in list_files(base)))
    return CaseFolder(base, files, {f: hash_file(base / f) for f in files})


def shadow_it_case(folder: str | os.PathLike[str], *, overwrite: bool = True) -> CaseFolder:
    """Copy the shadow-IT pipeline's files into ``folder`` (created; never executed).

    Args:
        folder: where to put the case study (e.g. ``"shadow_it"``, relative to the notebook).
        overwrite: replace a previous copy in that folder; ``False`` refuses an existing folder.

    Returns:
        A :class:`CaseFolder` listing the files and their hashes.

    Example:
        >>> mll.shadow_it_case("shadow_it").read("README.txt")
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise MLLError(f"folder={str(folder)!r} is a file; pass a folder name such as 'shadow_it'")
    if target.exists() and any(target.iterdir()):
        if not overwrite:
            raise MLLError(
                f"folder={str(folder)!r} is not empty; pass overwrite=True or a new name"
            )
        for name in os.listdir(ASSET):
            stale = target / name
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
    shutil.copytree(ASSET, target, dirs_exist_ok=True)
    return folder_record(target)
