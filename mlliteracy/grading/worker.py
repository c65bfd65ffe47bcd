"""One submission under limits: start its worker process, watch time and memory, read its result.

:func:`start` launches ``python -m mlliteracy.grading.execute`` (and, through it, the kernel) in
a private folder, optionally inside a :class:`~mlliteracy.grading.sandbox.Sandbox`; :func:`poll`
kills the process tree past the time limit or when its resident memory passes the limit
(psutil; not ``RLIMIT_AS``, which breaks ``import torch``). A :class:`Task` is plain data, so
the same run can happen on this machine (:class:`LocalRunner`) or on a cluster's worker
(:class:`DaskRunner`: each submission a task whose worker calls :func:`run_to_end`).

Grading across machines: ``mlliteracy grade ... --scheduler tcp://HOST:8786`` sends every
submission, as plain data (its bytes, the answer variables, the probe plan, the limits; never
the solution or the key), to a Dask distributed cluster. Its workers run it exactly as a local
grade does and return the plain outcome; scoring, the gradebook and the feedback pages stay on
the grader's machine. Workers must be started from the same workbook environment (``.venv`` or
the Binder image), e.g. ``dask worker tcp://HOST:8786 --nthreads 1 --nworkers 2``.

Example:
    >>> outcome = run_to_end(Task(nb_bytes, ["total"], [], 60, 300, 2048))
    >>> outcome.status
    'graded'
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._core.errors import MLLError
from .sandbox import Sandbox

POLL_S = 0.05


@dataclass(frozen=True)
class Task:
    """Everything one run needs, as plain data (it may travel to another machine)."""

    notebook: bytes
    """The submission's bytes."""
    variables: list[str]
    """Answer variables to export."""
    plan: list[dict[str, Any]]
    """The hidden probes with this notebook's answer cells (:func:`probes.plan`)."""
    cell_timeout: int
    timeout: float
    memory_mb: float


@dataclass(frozen=True)
class Outcome:
    """What came back from one run."""

    status: str
    reason: str
    answers: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    probes: list[Any] = field(default_factory=list)
    """The probes' plain values, in the order of the task's plan."""


@dataclass
class Run:
    """A started run (this machine only)."""

    task: Task
    workdir: str
    proc: subprocess.Popen
    log: Any
    started: float
    peak_mb: float = 0.0


def _tree(pid: int) -> list[Any]:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _rss_mb(pid: int) -> float:
    import psutil

    total = 0
    for p in _tree(pid):
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20


def kill(proc: subprocess.Popen) -> None:
    """Kill a worker and every process under it, and wait for them."""
    import psutil

    procs = _tree(proc.pid)
    with contextlib.suppress(psutil.Error):
        procs.insert(0, psutil.Process(proc.pid))
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(procs, timeout=5)
    proc.wait()


def start(task: Task, box: Sandbox | None = None) -> Run:
    """Launch the worker for ``task`` in a fresh private folder."""
    workdir = tempfile.mkdtemp(prefix="mll-grade-")
    nb_copy = Path(workdir) / "submission.ipynb"
    nb_copy.write_bytes(task.notebook)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "MLL_GRADING": "1"}
    cmd = [
        sys.executable,
        "-m",
        "mlliteracy.grading.execute",
        str(nb_copy),
        str(Path(workdir) / "result.json"),
        "--answers",
        ",".join(task.variables),
        "--cell-timeout",
        str(int(task.cell_timeout)),
    ]
    if task.plan:
        plan = Path(workdir) / "probes.json"
        plan.write_text(json.dumps(task.plan), encoding="utf-8")
        cmd += ["--probes", str(plan)]
    if box is not None:
        cmd = box.wrap(cmd, workdir)
    log = open(Path(workdir) / "worker.log", "wb")  # noqa: SIM115 - closed in poll/stop
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL
    )
    return Run(task, workdir, proc, log, time.monotonic())


def poll(run: Run) -> Outcome | None:
    """``None`` while the run goes on; else its outcome (the process tree is gone by then)."""
    task = run.task
    if run.proc.poll() is None:
        rss = _rss_mb(run.proc.pid)
        run.peak_mb = max(run.peak_mb, rss)
        if rss > task.memory_mb:
            stop(run)
            reason = f"the kernel used over {task.memory_mb:g} MB and was stopped"
            return Outcome("out_of_memory", reason)
        if time.monotonic() - run.started > task.timeout:
            stop(run)
            reason = f"the submission ran past the {task.timeout:g} s limit and was stopped"
            return Outcome("timeout", reason)
        return None
    run.log.close()
    try:
        result = json.loads((Path(run.workdir) / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        reason = f"the grading worker exited with code {run.proc.returncode}"
        return Outcome("crashed", reason)
    answers = result.get("answers")
    values = result.get("probes")
    return Outcome(
        str(result.get("status", "crashed")),
        str(result.get("reason", "")),
        answers if isinstance(answers, dict) else {},
        list(result.get("errors") or []),
        values if isinstance(values, list) else [],
    )


def stop(run: Run) -> None:
    """Kill the run if it is still going (its folder is removed by :func:`cleanup`)."""
    if run.proc.poll() is None:
        kill(run.proc)
    run.log.close()


def cleanup(run: Run) -> None:
    shutil.rmtree(run.workdir, ignore_errors=True)


def run_to_end(task: Task, box: Sandbox | None = None) -> Outcome:
    """Run ``task`` here, under its limits, and return its outcome (a cluster worker's job)."""
    run = start(task, box)
    try:
        while (outcome := poll(run)) is None:
            time.sleep(POLL_S)
        return outcome
    finally:
        stop(run)
        cleanup(run)


class LocalRunner:
    """Up to ``jobs`` runs at once on this machine."""

    def __init__(self, jobs: int, box: Sandbox | None = None):
        self.jobs, self.box = jobs, box
        self.running: list[tuple[Any, Run]] = []

    def has_room(self) -> bool:
        return len(self.running) < self.jobs

    @property
    def busy(self) -> bool:
        return bool(self.running)

    def submit(self, tag: Any, task: Task) -> None:
        self.running.append((tag, start(task, self.box)))

    def finished(self) -> list[tuple[Any, Outcome]]:
        """The runs that ended since the last call (waits a moment)."""
        time.sleep(POLL_S)
        done = []
        for item in list(self.running):
            tag, run = item
            outcome = poll(run)
            if outcome is not None:
                self.running.remove(item)
                cleanup(run)
                done.append((tag, outcome))
        return done

    def close(self) -> None:
        for _, run in self.running:
            stop(run)
            cleanup(run)
        self.running = []


class DaskRunner:
    """The :class:`~mlliteracy.grading.worker.LocalRunner` interface over a Dask cluster."""

    def __init__(self, address: str, box: Sandbox | None = None, *, connect_timeout: float = 10):
        try:
            from distributed import Client
        except ImportError as err:
            raise MLLError(
                "--scheduler needs Dask's 'distributed' package; install the workbook with "
                "`make install-test` (or pip install 'mlliteracy[grade]')"
            ) from err
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as err:
            raise MLLError(
                f"scheduler={address!r} did not answer ({type(err).__name__}); start one with "
                "`dask scheduler` and pass its tcp://host:port"
            ) from err
        self.box = box
        self.futures: dict[Any, Any] = {}

    def has_room(self) -> bool:
        return True  # the scheduler queues tasks for its workers

    @property
    def busy(self) -> bool:
        return bool(self.futures)

    def submit(self, tag: Any, task: Task) -> None:
        self.futures[self.client.submit(run_to_end, task, self.box, pure=False)] = tag

    def finished(self) -> list[tuple[Any, Outcome]]:
        time.sleep(POLL_S)
        done = [f for f in self.futures if f.done()]
        out = []
        for future in done:
            tag = self.futures.pop(future)
            try:
                outcome = future.result()
            except Exception as err:  # a worker lost or the task failed: the row says so
                outcome = Outcome("crashed", f"the cluster task failed: {type(err).__name__}")
            out.append((tag, outcome))
        return out

    def close(self) -> None:
        if self.futures:
            self.client.cancel(list(self.futures))
        self.futures = {}
        self.client.close()
