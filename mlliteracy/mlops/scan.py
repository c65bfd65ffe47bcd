"""Automated evidence for the ML Test Score: what a folder's files show (and what they don't).

:func:`scan_project` looks for pinned dependencies, seeds, recorded data hashes, tests, CI
configuration, monitoring configuration, experiment tracking, a model card, a data schema and
version control, and turns what it finds into ML Test Score evidence by fixed, stated rules
(:data:`RULES`). In a git checkout it reads only the files git tracks or does not ignore.
It reads files; it never runs them. Finding a test file does not prove the tests pass: the
evidence text says what was found, so a person can check.

Example:
    >>> scan = mll.scan_project("shadow_it")
    >>> scan.failed
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .._core import html as _html
from .._core.errors import MLLError

if TYPE_CHECKING:
    import pandas as pd

#: Folders never scanned (environments, caches, build output, tracking stores).
SKIP = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist",
                  ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache", "mlruns"})  # fmt: skip
MAX_FILES = 5000
MAX_BYTES = 400_000  # larger files are listed but not read

CHECKS = {
    "pinned_deps": "every line of each requirements/constraints file pins with ==, or a lock file "
    "(a requirements*.in beside its lock is the lock's input)",
    "seeds": "code seeds its random generators (random/numpy/torch seed calls)",
    "data_hash": "a JSON manifest/provenance file records a sha256 of the data",
    "tests": "a tests/ folder or test_*.py files",
    "ci": "CI configuration (.github/workflows, .gitlab-ci.yml, .ci/, Jenkinsfile...)",
    "monitoring": "a monitoring or drift configuration file",
    "tracking": "experiment tracking in code (mlflow)",
    "model_card": "a model card (MODEL_CARD.md, model_card.*)",
    "schema": "a data schema (schema*.json / .yaml, or a schema*.py that uses pandera)",
    "version_control": "the folder is under version control (.git)",
}

#: test id -> ((required checks, points, rule text), ...): the highest satisfied line wins.
RULES: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "data_1": ((("schema", "tests", "ci"), 1.0), (("schema",), 0.5)),
    "data_7": ((("tests", "ci"), 1.0), (("tests",), 0.5)),
    "model_1": ((("version_control", "ci"), 1.0), (("model_card", "ci"), 1.0),
                (("version_control",), 0.5), (("model_card",), 0.5)),
    "infrastructure_1": ((("seeds", "pinned_deps", "data_hash", "tests"), 1.0),
                         (("seeds", "pinned_deps"), 0.5)),
    "infrastructure_2": ((("tests", "ci"), 1.0), (("tests",), 0.5)),
    "infrastructure_3": ((("tests", "ci"), 0.5),),
    "infrastructure_4": ((("tracking",), 0.5),),
    "monitoring_1": ((("pinned_deps", "ci"), 0.5),),
    "monitoring_2": ((("monitoring",), 0.5),),
    "monitoring_7": ((("monitoring",), 0.5),),
}  # fmt: skip

_SEED = re.compile(
    r"\b(?:random\.seed|np\.random\.seed|numpy\.random\.seed|torch\.manual_seed|"
    r"default_rng|set_seed|seed_everything)\s*\(\s*[\w\"']"
)
_SHA = re.compile(r'"[\w.]*sha256[\w.]*"\s*:\s*"[0-9a-f]{64}"')
_LOCKS = {"poetry.lock", "uv.lock", "pipfile.lock", "pdm.lock", "conda-lock.yml"}
_PANDERA = re.compile(r"^\s*(?:import pandera|from pandera)\b", re.M)
_CI = (".github/workflows/", ".gitlab-ci.yml", ".ci/", "jenkinsfile", ".circleci/",
       "azure-pipelines.yml", ".travis.yml")  # fmt: skip


@dataclass(frozen=True)
class ProjectScan:
    """What :func:`scan_project` found: one pass/fail per check, and ML Test Score evidence."""

    name: str
    """The folder's name (not its full path, so outputs do not depend on the machine)."""
    checks: dict[str, bool]
    """Check name (see :data:`CHECKS`) -> found."""
    details: dict[str, str]
    """Check name -> the files that show it (or why it failed)."""
    evidence: dict[str, tuple[float, str]]
    """ML Test Score test id -> (points, reason) for the tests these checks support."""
    files: int = 0
    """Files looked at."""

    @property
    def passed(self) -> list[str]:
        return [c for c, ok in self.checks.items() if ok]

    @property
    def failed(self) -> list[str]:
        return [c for c, ok in self.checks.items() if not ok]

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        rows = [(c, ok, CHECKS[c], self.details[c]) for c, ok in self.checks.items()]
        return pd.DataFrame(rows, columns=["check", "found", "looks for", "detail"])

    def __repr__(self) -> str:
        return (
            f"ProjectScan({self.name!r}, files={self.files}, passed={len(self.passed)}, "
            f"failed={self.failed})"
        )

    def _repr_html_(self) -> str:
        rows = [(c, _html.badge(ok, "found" if ok else "missing"), self.details[c])
                for c, ok in self.checks.items()]  # fmt: skip
        cap = f"{self.name}: {len(self.passed)} of {len(self.checks)} automated checks pass"
        return _html.table(["check", "result", "detail"], rows, caption=cap, raw_columns=[1])


def _walk(base: Path) -> list[Path]:
    """Files under version control (tracked or not ignored) when git is there, else every file."""
    if (base / ".git").exists():
        try:
            out = subprocess.run(
                ["git", "ls-files", "-co", "--exclude-standard", "-z"],
                cwd=base, capture_output=True, timeout=30, check=True,
            )  # fmt: skip
            names = sorted(n for n in out.stdout.decode("utf-8", "replace").split("\0") if n)
            return [base / n for n in names if (base / n).is_file()][:MAX_FILES]
        except (OSError, subprocess.SubprocessError):
            pass
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP and not d.endswith(".egg-info"))
        found.extend(Path(dirpath) / f for f in sorted(filenames))
        if len(found) >= MAX_FILES:
            break
    return found[:MAX_FILES]


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _requirement_lines(text: str) -> list[str]:
    lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("-")]


def _pinned(line: str) -> bool:
    """A requirements line that names one exact version (``numpy==2.0.0``), read by
    ``packaging`` as pip reads it: markers and wildcards (``==2.*``) do not pin."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:  # pip options after the requirement (--hash=...) and line continuations are not part
        req = Requirement(line.split(" --")[0].rstrip("\\ "))
    except InvalidRequirement:
        return False
    return any(s.operator in ("==", "===") and "*" not in s.version for s in req.specifier)


def _locked_input(path: Path) -> bool:
    """A ``requirements*.in`` with a lock of the same stem beside it (``.lock`` or ``.txt``)."""
    return path.name.lower().startswith("requirements") and any(
        path.with_suffix(suffix).is_file() for suffix in (".lock", ".txt")
    )


def _first(names: list[str], limit: int = 3) -> str:
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def scan_project(folder: str | os.PathLike[str]) -> ProjectScan:
    """Scan a project folder's files for automated ML Test Score evidence (reads, never runs).

    Args:
        folder: the project's root folder.

    Returns:
        A :class:`ProjectScan`; pass it to :func:`mlliteracy.ml_test_score`.

    Example:
        >>> scan = mll.scan_project("pipeline")
        >>> mll.ml_test_score(scan).sections
    """
    base = Path(folder)
    if not base.is_dir():
        raise MLLError(f"folder={str(folder)!r} is not a folder; pass a project's root folder")
    files = _walk(base)
    rel = {p: p.relative_to(base).as_posix() for p in files}
    low = {p: r.lower() for p, r in rel.items()}
    hits: dict[str, list[str]] = {c: [] for c in CHECKS}
    notes: dict[str, str] = {}
    unpinned: list[str] = []
    for p in files:
        r, lr, name = rel[p], low[p], p.name.lower()
        if name in _LOCKS:
            hits["pinned_deps"].append(r)
        elif name.endswith(".in") and _locked_input(p):
            pass  # pip-compile style: the lock beside it is what gets judged
        elif re.fullmatch(r"(requirements|constraints)[\w.-]*\.(txt|in|lock)", name):
            reqs = _requirement_lines(_read(p))
            loose = [q for q in reqs if not _pinned(q)]
            (unpinned if loose or not reqs else hits["pinned_deps"]).append(r)
            if loose:
                notes["pinned_deps"] = f"{r} has unpinned lines, e.g. {loose[0]!r}"
        if name.endswith((".py", ".ipynb")):
            text = _read(p)
            if _SEED.search(text):
                hits["seeds"].append(r)
            if re.search(r"^\s*(import mlflow|from mlflow)|\bmlflow\.|\btrack_run\(", text, re.M):
                hits["tracking"].append(r)
        if name.endswith(".json") and _SHA.search(_read(p)):
            hits["data_hash"].append(r)
        if lr.startswith("tests/") or "/tests/" in lr or re.fullmatch(r"test_\w+\.py", name):
            hits["tests"].append(r)
        if any(lr.startswith(c) or lr == c.rstrip("/") for c in _CI):
            hits["ci"].append(r)
        if re.fullmatch(r"[\w-]*(monitor|drift)[\w-]*\.(json|ya?ml|toml)", name):
            hits["monitoring"].append(r)
        if re.fullmatch(r"model[_-]?card[\w.-]*\.(md|json|ya?ml|html)", name):
            hits["model_card"].append(r)
        if re.fullmatch(r"[\w-]*schema[\w-]*\.(json|ya?ml)", name) or (
            re.fullmatch(r"[\w-]*schema[\w-]*\.py", name) and _PANDERA.search(_read(p))
        ):
            hits["schema"].append(r)
    if unpinned:
        hits["pinned_deps"] = []
    if (base / ".git").exists():
        hits["version_control"].append(".git")
    checks = {c: bool(hits[c]) for c in CHECKS}
    details = {c: _first(hits[c]) if hits[c] else notes.get(c, "nothing found") for c in CHECKS}
    evidence = {}
    for test, lines in RULES.items():
        for needed, pts in lines:
            if all(checks[c] for c in needed):
                evidence[test] = (pts, "scan found " + "; ".join(
                    f"{c}: {details[c]}" for c in needed))  # fmt: skip
                break
    return ProjectScan(base.resolve().name, checks, details, evidence, len(files))
