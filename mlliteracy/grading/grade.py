"""Grade a batch of submissions: one kernel each, time and memory limits, resumable gradebook.

Each submission runs in its own worker process (:mod:`mlliteracy.grading.execute`) and kernel,
watched by :mod:`mlliteracy.grading.worker`: past ``timeout`` seconds, or when the resident
memory of the kernel's process tree passes ``memory_mb``, the whole tree is killed and the row
says ``timeout`` / ``out_of_memory``. The runs happen here (``jobs`` at once) or on a Dask
cluster (``scheduler``, :class:`~mlliteracy.grading.worker.DaskRunner`); the scoring is
always done here.
Answers come back as plain JSON and are scored here against the key read from the instructor's
solution notebook, never against anything in the submission. The points come from the key's
hidden probes (:mod:`mlliteracy.grading.execute`): before the first submission of an exercise,
its solution runs once through the same worker to give the probes' expected values, on this
machine; each submission's probe values are compared with them here.

Example:
    >>> report = grade_submissions(["subs/"], "gradebook.csv", jobs=2)
    >>> report.rows[0]["status"]
    'graded'
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._core.errors import MLLError
from . import execute
from .assign import METADATA_KEY, read_key
from .checks import CheckResult, score_question, with_probes
from .gradebook import GradeReport, feedback_page, read_gradebook, write_gradebook
from .key import compile_key, key_hash
from .review import apply_reviews
from .sandbox import sandbox_plan
from .submissions import collect, is_own_output, sha256_of, validate
from .worker import DaskRunner, LocalRunner, Outcome, Task


@dataclass
class _Key:
    name: str
    compiled: dict[str, Any]
    hash: str
    path: Path | None = None
    solution: dict[str, Any] = field(default_factory=dict)
    expected: list[Any] | None = None
    """The probes' values on the solution (set before the first submission is graded)."""

    @property
    def probed(self) -> bool:
        return any(q.get("probes") for q in self.compiled["questions"].values())

    def plan(self, notebook: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = execute.answer_blocks(notebook, self.solution)
        return execute.plan(self.compiled["questions"], blocks)

    @property
    def max_score(self) -> float:
        return sum(q["points"] for q in self.compiled["questions"].values())

    @property
    def variables(self) -> list[str]:
        names: list[str] = []
        for q in self.compiled["questions"].values():
            names.append(q["answer"])
            names += [c["cites_variable"] for c in q["criteria"] if "cites_variable" in c]
        return list(dict.fromkeys(names))


@dataclass
class _Job:
    submission: str
    path: Path
    sha: str
    key: _Key
    solution: bool = False
    """The solution's own run, for the probes' expected values."""

    def task(self, cell_timeout: int, timeout: float, memory_mb: float) -> Task:
        """The plain data a worker needs: the notebook, what to export, the probes, limits."""
        nb = self.key.solution if self.solution else json.loads(self.path.read_bytes())
        plan = self.key.plan(nb) if self.key.probed else []
        data = self.path.read_bytes()
        return Task(data, self.key.variables, plan, int(cell_timeout), timeout, memory_mb)


class _Keys:
    """Answer keys read from the instructor's solutions (cached per solution file)."""

    def __init__(self, root: Path, solution: str | Path | None):
        self.root, self.solution, self.cache = root, solution, {}

    def get(self, nb: dict[str, Any]) -> tuple[_Key | None, str]:
        if self.solution is not None:
            path = Path(self.solution)
        else:
            name = (nb.get("metadata", {}).get(METADATA_KEY) or {}).get("exercise")
            if not isinstance(name, str) or not re.fullmatch(r"[\w./-]+", name) or ".." in name:
                return None, "no exercise named in its metadata; grade it with --solution"
            path = self.root / "solutions" / f"{name}.ipynb"
        if path not in self.cache:
            self.cache[path] = self._load(path)
        return self.cache[path]

    def _load(self, path: Path) -> tuple[_Key | None, str]:
        try:
            solution = json.loads(path.read_text(encoding="utf-8"))
            spec = read_key(solution, str(path))
        except (OSError, ValueError):
            return None, f"no readable solution notebook at {path}"
        if spec is None:
            return None, f"the solution {path} has no ### BEGIN ANSWER KEY region"
        compiled = compile_key(spec)
        return _Key(compiled["name"], compiled, key_hash(compiled), path, solution), ""


def score_answers(
    key: _Key, answers: dict[str, Any], values: list[Any] | None = None
) -> list[CheckResult]:
    """Feedback from the full key's criteria (hidden ones included); points from the probes.

    ``values``: the submission's probe values, in the order of ``key.plan`` (missing: all fail).
    """
    values = list(values or [])
    expected = key.expected or []
    results, i = [], 0
    for qid, q in key.compiled["questions"].items():
        fed = score_question(
            key.name, qid, q, answers.get(q["answer"]), answers, strong=True, all_hints=True
        )
        outcomes = []
        for spec in q.get("probes", []):
            got = values[i] if i < len(values) else None
            want = expected[i] if i < len(expected) else None
            outcomes.append(execute.passes(spec, got, want))
            i += 1
        results.append(with_probes(fed, outcomes))
    return results


def _row(submission: str, sha: str, key: _Key | None, status: str, reason: str, results) -> dict:
    row: dict[str, Any] = {
        "submission": submission,
        "status": status,
        "score": round(sum(r.score for r in results), 2),
        "max_score": key.max_score if key else 0,
    }
    for r in results:
        row[r.question] = r.score
    row.update(
        needs_review=" ".join(r.question for r in results if r.review and r.answered),
        reason=reason,
        exercise=key.name if key else "",
        sha256=sha,
        key_sha256=key.hash if key else "",
    )
    return row


def _feedback_name(submission: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", submission.lstrip("./")).strip("_") + ".html"


def grade_submissions(
    submissions: Sequence[str | Path],
    out: str | Path,
    *,
    root: str | Path = ".",
    solution: str | Path | None = None,
    feedback: str | Path | None = None,
    jobs: int = 1,
    timeout: float = 300,
    cell_timeout: int = 60,
    memory_mb: float = 2048,
    force: bool = False,
    progress: bool = True,
    sandbox: bool = False,
    scheduler: str | None = None,
) -> GradeReport:
    """Grade notebooks into a CSV gradebook (and HTML feedback), resuming earlier runs.

    Args:
        submissions: notebook files and/or folders of them.
        out: the gradebook CSV (rewritten atomically after every submission).
        root: the checkout whose ``solutions/`` hold the answer keys.
        solution: grade everything against this solution notebook instead.
        feedback: folder for one HTML page per submission.
        jobs: submissions graded in parallel.
        timeout: seconds per submission, kernel start included.
        cell_timeout: seconds per cell (the cell is interrupted, the rest still runs).
        memory_mb: resident memory limit of one submission's kernel process tree.
        force: re-grade submissions already in the gradebook with the same content.
        progress: show a progress bar on stderr.
        sandbox: run each kernel with no network, a read-only filesystem and the instructor's
            files hidden (:mod:`mlliteracy.grading.sandbox`); checked before anything is graded.
        scheduler: a Dask scheduler's address (``tcp://host:8786``): each submission runs as a
            task on its workers (:class:`~mlliteracy.grading.worker.DaskRunner`), under the
            same limits; ``jobs`` is then the cluster's business.

    Returns:
        A :class:`GradeReport` with every row of the gradebook.

    Example:
        >>> grade_submissions(["submissions/"], "gradebook.csv", jobs=2).rows[0]["status"]
    """
    for name, value, low in [
        ("jobs", jobs, 1),
        ("timeout", timeout, 1),
        ("cell_timeout", cell_timeout, 1),
        ("memory_mb", memory_mb, 64),
    ]:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
            raise MLLError(f"{name}={value!r} is too small or not a number; use a number >= {low}")
    own = [Path(out).resolve(), *([Path(feedback).resolve()] if feedback else [])]
    files = [f for f in collect(submissions) if not is_own_output(f, own)]
    if not files:
        raise MLLError(
            f"submissions={list(map(str, submissions))} holds no files; pass notebooks or folders"
        )
    out = Path(out)
    book = {r["submission"]: r for r in read_gradebook(out)}
    keys = _Keys(Path(root), solution)
    if solution is not None:
        key, reason = keys.get({})
        if key is None:
            raise MLLError(f"solution={str(solution)!r}: {reason}; pass a solution notebook")
    fb_dir = Path(feedback) if feedback else None
    if fb_dir:
        fb_dir.mkdir(parents=True, exist_ok=True)
    box = None  # a sandbox that cannot work here stops the run before anything is graded
    if sandbox:
        box = sandbox_plan(
            root=root, solution=solution, out=out, feedback=fb_dir, submissions=files
        )
    from tqdm.auto import tqdm

    bar = tqdm(total=len(files), unit="nb", file=sys.stderr, disable=not progress, desc="grading")
    pending: deque[_Job] = deque()
    skipped = ran = 0

    def record(row: dict[str, Any], results=(), errors=()) -> None:
        book[row["submission"]] = row
        write_gradebook(out, book.values())
        if fb_dir:
            page = feedback_page(row["submission"], row, list(results), list(errors))
            (fb_dir / _feedback_name(row["submission"])).write_text(page, encoding="utf-8")
        bar.update(1)

    for path in files:
        submission = os.path.normpath(str(path))
        sha = sha256_of(path)
        nb, reason = validate(path)
        key = None
        if nb is not None:
            key, reason = keys.get(nb)
        if key is None:
            ran += 1
            record(_row(submission, sha, None, "invalid_notebook", reason, []))
            continue
        old = book.get(submission)
        if not force and old and old.get("sha256") == sha and old.get("key_sha256") == key.hash:
            skipped += 1
            bar.update(1)
            continue
        pending.append(_Job(submission, path, sha, key))

    probed = {id(j.key): j.key for j in pending if j.key.probed and j.key.expected is None}
    solutions = deque(
        _Job(str(k.path), k.path, "", k, solution=True) for k in probed.values() if k.path
    )
    runner = LocalRunner(jobs, box) if scheduler is None else DaskRunner(scheduler, box)
    try:
        for queue in (solutions, pending):  # the expected values first, then the submissions
            while queue or runner.busy:
                while queue and runner.has_room():
                    job = queue.popleft()
                    runner.submit(job, job.task(cell_timeout, timeout, memory_mb))
                for job, outcome in runner.finished():
                    if job.solution:
                        job.key.expected = _expected(job.key, outcome)
                        continue
                    ran += 1
                    reason, errors = outcome.reason, outcome.errors
                    if errors and not reason:
                        reason = f"{len(errors)} cell(s) raised an error; first: {errors[0]}"
                    results = score_answers(job.key, outcome.answers, outcome.probes)
                    row = _row(job.submission, job.sha, job.key, outcome.status, reason, results)
                    record(row, results, errors)
    finally:
        runner.close()
        bar.close()
    order = [os.path.normpath(str(p)) for p in files]
    rows = [book[s] for s in order] + [r for s, r in book.items() if s not in set(order)]
    write_gradebook(out, rows)
    # a person's reviews (gradebook.review.json) survive re-grading: applied again, unchanged
    # submissions only (a review is keyed by the submission's sha256)
    apply_reviews(out, feedback=fb_dir, root=root, solution=solution)
    rows = read_gradebook(out)  # the rows exactly as the CSV holds them (text)
    return GradeReport(str(out), tuple(rows), ran, skipped)


def _expected(key: _Key, outcome: Outcome) -> list[Any]:
    """The probes' values on the solution; a probe that gives nothing there is the key's bug."""
    status, reason, errors, values = outcome.status, outcome.reason, outcome.errors, outcome.probes
    names = [
        (qid, p["name"])
        for qid, q in key.compiled["questions"].items()
        for p in q.get("probes", [])
    ]
    if status != "graded":
        raise MLLError(f"the solution {key.path} did not run ({status}: {reason}); fix it first")
    missing = [
        f"{qid}: {name!r}" for (qid, name), v in zip(names, values, strict=False) if v is None
    ]
    if len(values) != len(names) or missing:
        first = errors[0] if errors else "no error in its cells"
        raise MLLError(
            f"probe {', '.join(missing) or 'values'} gave no value on the solution {key.path} "
            f"({first}); fix the probe's expression in the key"
        )
    return values
