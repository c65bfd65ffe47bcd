"""Automated evidence for the ML Test Score: what a folder's files show (and what they don't).

:func:`scan_project` looks for pinned dependencies, seeds, recorded data hashes, tests, CI
configuration, an executed drift check, experiment tracking, a model card, a data schema, a
quality gate and version control, and turns what it finds into ML Test Score evidence by fixed,
stated rules (:data:`RULES`). A file earns nothing for its name alone: Python is parsed (a test
file needs a test function, a schema a pandera schema object, a gate a metric compared with a
threshold that stops the run), a lock needs pinned lines, version control a repository with a
commit. A drift check or a gate counts only when something executes it: a test, or CI.
In a git checkout it reads only the files git tracks or does not ignore. It reads files; it
never runs them. Finding a test does not prove it passes: the evidence says what was found, so
a person can check.

Example:
    >>> scan = mll.scan_project("shadow_it")
    >>> scan.failed
"""

from __future__ import annotations

import ast
import os
import re
import shutil
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
    "with pinned versions (a requirements*.in beside its lock is the lock's input)",
    "seeds": "code seeds its random generators (random/numpy/torch seed calls)",
    "data_hash": "a JSON manifest/provenance file records a sha256 of the data",
    "tests": "Python test files that define at least one test function",
    "ci": "CI configuration with at least one step to run (.github/workflows, .gitlab-ci.yml...)",
    "monitoring": "code that computes drift (PSI, KS...), executed by a test or by CI",
    "tracking": "experiment tracking in code (mlflow)",
    "model_card": "a model card (MODEL_CARD.md, model_card.*) of 30 words or more",
    "schema": "a data schema (schema*.json / .yaml with fields, or a pandera schema object in a "
    "schema*.py)",
    "quality_gate": "code that compares a model metric with a threshold and stops the release "
    "(raise / exit / a test's assert), executed by a test or by CI",
    "version_control": "the folder is a git repository with at least one commit",
}

#: test id -> ((required checks, points), ...): the highest satisfied line wins. A person
#: reading a metric is not a gate (infrastructure_4); a model card is not version control
#: (model_1); a monitoring configuration nobody runs is not monitoring (monitoring_2, _7).
RULES: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "data_1": ((("schema", "tests", "ci"), 1.0), (("schema",), 0.5)),
    "data_7": ((("tests", "ci"), 1.0), (("tests",), 0.5)),
    "model_1": ((("version_control", "ci"), 1.0), (("version_control",), 0.5)),
    "infrastructure_1": ((("seeds", "pinned_deps", "data_hash", "tests"), 1.0),
                         (("seeds", "pinned_deps"), 0.5)),
    "infrastructure_2": ((("tests", "ci"), 1.0), (("tests",), 0.5)),
    "infrastructure_3": ((("tests", "ci"), 0.5),),
    "infrastructure_4": ((("quality_gate", "ci"), 1.0), (("quality_gate",), 0.5)),
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
_SCHEMA_OBJECTS = ("DataFrameSchema", "DataFrameModel", "SchemaModel", "SeriesSchema")
_DRIFT = re.compile(r"psi|drift|ks_2samp|population_stability|kolmogorov|wasserstein", re.I)
_METRIC = re.compile(r"acc|f1|auc|precision|recall|loss|metric|score|error", re.I)
_LOCK_PIN = re.compile(r"""^\s*"?version"?\s*[=:]\s*["']?=*\s*\d""", re.M)
_CI_STEP = re.compile(r"\b(?:run|script|steps|commands?|sh)\b\s*[:(]")  # in a YAML workflow
MIN_CARD_WORDS = 30
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


def _git_env() -> dict[str, str]:
    """The environment without GIT_* variables (so git reads only the folder it is given)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _repository(base: Path) -> str | None:
    """``".git, HEAD is a commit"`` when ``base`` is a git repository with a commit, else None.

    A planted ``.git`` folder is not enough: git itself must read a commit at HEAD from it.
    Without git on PATH, a ``.git`` with HEAD and objects counts, and the text says so.
    """
    dot = base.resolve() / ".git"  # absolute: git runs with cwd=base
    if dot.is_file():  # a worktree or a submodule: "gitdir: <path>"
        if not _read(dot).startswith("gitdir:"):
            return None
    elif not ((dot / "HEAD").is_file() and (dot / "objects").is_dir()):
        return None
    git = shutil.which("git")
    if git is None:
        return ".git with HEAD (git is not installed here: its commits were not checked)"
    try:
        run = subprocess.run(
            [git, f"--git-dir={dot}", "rev-parse", "--verify", "-q", "HEAD^{commit}"],
            cwd=base, capture_output=True, timeout=30, env=_git_env(),
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return ".git, HEAD is a commit" if run.returncode == 0 else None


def _walk(base: Path, repo: bool) -> list[Path]:
    """Files under version control (tracked or not ignored) in a repository, else every file."""
    if repo:
        try:
            out = subprocess.run(
                ["git", "ls-files", "-co", "--exclude-standard", "-z"],
                cwd=base, capture_output=True, timeout=30, check=True, env=_git_env(),
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


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _functions(body: list[ast.stmt]) -> list[str]:
    return [n.name for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _test_functions(tree: ast.Module) -> list[str]:
    """Test functions pytest would collect: ``test*`` at module level or in a ``Test*`` class."""
    found = [f for f in _functions(tree.body) if f.startswith("test")]
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.startswith("Test")):
        found += [f"{cls.name}.{f}" for f in _functions(cls.body) if f.startswith("test")]
    return found


def _called_or_defined(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names - {""}


def _imports(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def _metric_compare(expr: ast.AST, flags: set[str]) -> bool:
    """An ordering comparison that names a metric (``acc >= MIN``), or a flag set from one."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id in flags:
            return True
        ordered = isinstance(node, ast.Compare) and any(
            isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops
        )
        if ordered and _METRIC.search(ast.unparse(node)):
            return True
    return False


def _stops(body: list[ast.stmt]) -> bool:
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("exit", "_exit", "SystemExit", "fail"):
                return True
    return False


def _has_gate(tree: ast.Module, in_test: bool = False) -> bool:
    """A metric compared with a threshold that stops the run: ``if acc < MIN: raise ...`` (also
    through a flag, ``passed = acc >= MIN``; ``if not passed: sys.exit(...)``), or, in a test,
    ``assert acc >= MIN``. Printing a metric for a person to read is no gate."""
    assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign)]
    flags = {t.id for n in assigns if _metric_compare(n.value, set())
             for t in n.targets if isinstance(t, ast.Name)}  # fmt: skip
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _metric_compare(node.test, flags) and _stops(node.body):
            return True
        if in_test and isinstance(node, ast.Assert) and _metric_compare(node.test, flags):
            return True
    return False


def _schema_object(tree: ast.Module) -> bool:
    """A pandera schema built (``pa.DataFrameSchema(...)``) or declared (``DataFrameModel``)."""
    for node in ast.walk(tree):
        bases = node.bases if isinstance(node, ast.ClassDef) else []
        if any(ast.unparse(base).split(".")[-1] in _SCHEMA_OBJECTS for base in bases):
            return True
    return bool(_called_or_defined(tree) & set(_SCHEMA_OBJECTS))


def _data_schema(text: str, suffix: str) -> bool:
    """A JSON or YAML schema file that holds at least one field (not an empty document)."""
    try:
        if suffix == ".json":
            import json

            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception:  # any unreadable file is no schema
        return False
    return isinstance(data, dict) and bool(data) and any(bool(v) for v in data.values())


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
    repo = _repository(base)
    files = _walk(base, repo is not None)
    rel = {p: p.relative_to(base).as_posix() for p in files}
    hits: dict[str, list[str]] = {c: [] for c in CHECKS}
    notes: dict[str, str] = {}
    unpinned: list[str] = []
    trees: dict[str, ast.Module] = {}
    tests: dict[str, list[str]] = {}  # test file -> its test functions
    ci_text = ""
    for p in files:
        r, name = rel[p], p.name.lower()
        lr = r.lower()
        if name in _LOCKS:
            (hits["pinned_deps"] if _LOCK_PIN.search(_read(p)) else unpinned).append(r)
            if r in unpinned:
                notes["pinned_deps"] = f"{r} pins no version"
        elif name.endswith(".in") and _locked_input(p):
            pass  # pip-compile style: the lock beside it is what gets judged
        elif re.fullmatch(r"(requirements|constraints)[\w.-]*\.(txt|in|lock)", name):
            reqs = _requirement_lines(_read(p))
            loose = [q for q in reqs if not _pinned(q)]
            (unpinned if loose or not reqs else hits["pinned_deps"]).append(r)
            if loose or not reqs:
                why = f"has unpinned lines, e.g. {loose[0]!r}" if loose else "pins nothing"
                notes["pinned_deps"] = f"{r} {why}"
        if name.endswith(".py"):
            tree = _parse(_read(p))
            if tree is not None:
                trees[r] = tree
                is_test = lr.startswith("tests/") or "/tests/" in lr
                if is_test or re.fullmatch(r"test_\w+\.py|\w+_test\.py", name):
                    found = _test_functions(tree)
                    if found:
                        tests[r] = found
                    else:
                        notes["tests"] = f"{r} defines no test function"
        if name.endswith((".py", ".ipynb")):
            text = _read(p)
            if _SEED.search(text):
                hits["seeds"].append(r)
            if re.search(r"^\s*(import mlflow|from mlflow)|\bmlflow\.|\btrack_run\(", text, re.M):
                hits["tracking"].append(r)
        if name.endswith(".json") and _SHA.search(_read(p)):
            hits["data_hash"].append(r)
        if any(lr.startswith(c) or lr == c.rstrip("/") for c in _CI) or name == "crontab":
            text = _read(p)
            ci_text += text + "\n"
            yaml_ci = name.endswith((".yml", ".yaml"))
            steps = _CI_STEP.search(text) if yaml_ci else re.search(r"^[ \t]*[^#\s]", text, re.M)
            if steps and name != "crontab":
                hits["ci"].append(r)
            elif name != "crontab":
                notes["ci"] = f"{r} has no step to run"
        if re.fullmatch(r"model[_-]?card[\w.-]*\.(md|json|ya?ml|html)", name):
            if len(re.findall(r"[A-Za-z]{2,}", _read(p))) >= MIN_CARD_WORDS:
                hits["model_card"].append(r)
            else:
                notes["model_card"] = f"{r} has fewer than {MIN_CARD_WORDS} words"
        if re.fullmatch(r"[\w-]*schema[\w-]*\.(json|ya?ml)", name):
            (hits["schema"] if _data_schema(_read(p), p.suffix.lower()) else []).append(r)
        elif re.fullmatch(r"[\w-]*schema[\w-]*\.py", name) and r in trees:
            if _PANDERA.search(_read(p)) and _schema_object(trees[r]):
                hits["schema"].append(r)
            else:
                notes["schema"] = f"{r} builds no pandera schema object"
    if unpinned:
        hits["pinned_deps"] = []
    hits["tests"] = sorted(tests)
    # what a test or CI executes: test files, the modules they import, files CI names
    imported = set().union(*(_imports(trees[t]) for t in tests)) if tests else set()
    for r, tree in trees.items():
        stem = Path(r).stem
        run = (r in tests or stem in imported or f"{stem}.py" in ci_text
               or f"-m {stem}" in ci_text)  # fmt: skip
        drift = any(_DRIFT.search(n) for n in _called_or_defined(tree))
        for check, found in (("monitoring", drift), ("quality_gate", _has_gate(tree, r in tests))):
            if found and run:
                hits[check].append(r)
            elif found:
                notes[check] = f"{r} is never run by a test or by CI"
    for p in files:
        if (
            not hits["monitoring"]
            and "monitoring" not in notes
            and re.fullmatch(r"[\w-]*(monitor|drift)[\w-]*\.(json|ya?ml|toml)", p.name.lower())
        ):
            notes["monitoring"] = f"{rel[p]} is configuration only: no executed drift check"
    if repo is not None:
        hits["version_control"].append(repo)
    elif (base / ".git").exists():
        notes["version_control"] = ".git holds no commit: not a repository git can read"
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
