"""Experiment tracking with MLflow: a local SQLite store, no server, no network.

:func:`track_run` trains (through a function you pass) and logs what a reviewer needs to
trust the result later: parameters, metrics per epoch, the weights (safetensors) and their
provenance file, data hashes, the code version and the seed. :func:`runs_table` reads the
runs back with ``mlflow.search_runs``. MLflow's telemetry is switched off and its log lines
silenced before it is imported.

Example:
    >>> mll.track_run("mlruns_lesson", "digits", lambda: mll.train(net, data, seed=0))
    >>> mll.runs_table("mlruns_lesson", "digits")
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.exports import VERSION
from ..training import save_weights

DB_NAME = "mlflow.db"
_QUIET = ("mlflow", "alembic", "sqlalchemy", "urllib3", "git")


def _mlflow() -> Any:
    """Import MLflow with telemetry off and its INFO logs silenced."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import mlflow
    except ImportError as err:
        raise MLLError(
            "mlflow is not installed; run: pip install mlflow-skinny sqlalchemy alembic"
        ) from err
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return mlflow


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlliteracy"


def _prepare_db(mlflow: Any, db: Path) -> None:
    """Start a new store from a copy of an empty, migrated database.

    MLflow builds a new SQLite store by running every schema migration, which takes seconds;
    the empty result is kept once per MLflow version in ``~/.cache/mlliteracy`` and copied.
    Any problem with the cache falls back to letting MLflow build the database itself.
    """
    import shutil

    if db.exists():
        return
    try:
        template = _cache_dir() / f"mlflow-{mlflow.VERSION}.db"
        if not template.exists():
            from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

            template.parent.mkdir(parents=True, exist_ok=True)
            tmp = template.parent / f"{template.name}.{os.getpid()}.tmp"
            store = SqlAlchemyStore(f"sqlite:///{tmp.as_posix()}", (tmp.parent / "unused").as_uri())
            store.engine.dispose()
            os.replace(tmp, template)
        shutil.copyfile(template, db)
    except Exception:  # the cache is an optimisation only
        db.unlink(missing_ok=True)


def tracking_uri(store_dir: str | os.PathLike[str]) -> str:
    """``sqlite:///<absolute path>/mlflow.db`` for a store folder (created if missing)."""
    if not isinstance(store_dir, (str, os.PathLike)) or not str(store_dir).strip():
        raise MLLError(f"store_dir={store_dir!r} must be a folder path, e.g. 'mlruns_lesson'")
    folder = Path(store_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / DB_NAME).as_posix()}"


def code_version() -> str:
    """The git commit of this checkout when there is one, else the package version."""

    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists():
        try:
            out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                 text=True, timeout=10, check=True)  # fmt: skip
            return "git:" + out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return f"mlliteracy=={VERSION}"


def clear_store(store_dir: str | os.PathLike[str]) -> Path:
    """Delete a local store's ``mlflow.db`` and ``artifacts/`` (nothing else) to start afresh.

    Example:
        >>> mll.clear_store("mlruns_lesson")
    """
    import shutil

    folder = Path(store_dir)
    if folder.exists() and not folder.is_dir():
        raise MLLError(f"store_dir={str(store_dir)!r} is a file; pass the store's folder")
    (folder / DB_NAME).unlink(missing_ok=True)
    shutil.rmtree(folder / "artifacts", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class TrackedRun:
    """One run as logged: its name, parameters, final metrics and logged artifacts."""

    run_name: str
    experiment: str
    params: dict[str, Any]
    metrics: dict[str, float]
    """Final values: test loss/accuracy, last epoch's train/val numbers."""
    tags: dict[str, str]
    """seed, weights_sha256, data hashes, code version."""
    artifacts: tuple[str, ...] = ()
    run_id: str = field(default="", repr=False)

    def __repr__(self) -> str:
        acc = self.metrics.get("test_accuracy", float("nan"))
        return (
            f"TrackedRun({self.run_name!r}, experiment={self.experiment!r}, "
            f"test_accuracy={acc:.4f}, artifacts={list(self.artifacts)})"
        )

    def _repr_html_(self) -> str:
        rows = [("param " + k, v) for k, v in self.params.items()]
        rows += [("metric " + k, f"{v:.4f}") for k, v in self.metrics.items()]
        rows += [("tag " + k, v) for k, v in self.tags.items()]
        rows += [("artifact", a) for a in self.artifacts]
        return _html.table(["logged", "value"], rows, caption=f"MLflow run {self.run_name}")


def _experiment_id(mlflow: Any, store: Path, experiment: str) -> str:
    found = mlflow.get_experiment_by_name(experiment)
    if found is not None:
        return found.experiment_id
    artifacts = (store / "artifacts").as_uri()
    return mlflow.create_experiment(experiment, artifact_location=artifacts)


def track_run(
    store_dir: str | os.PathLike[str],
    experiment: str,
    train_fn: Callable[[], Any],
    *,
    run_name: str | None = None,
    params: Mapping[str, Any] | None = None,
    data_hashes: Mapping[str, str] | None = None,
) -> TrackedRun:
    """Run ``train_fn()`` inside an MLflow run and log params, metrics, weights and hashes.

    Args:
        store_dir: folder of the local store (``mlflow.db`` and ``artifacts/`` go there).
        experiment: experiment name (created on first use).
        train_fn: a function with no arguments returning a :class:`mlliteracy.TrainingRun`
            (e.g. ``lambda: mll.train(net, data, epochs=3, seed=0)``).
        run_name: a readable name for the run (default ``run-<n>``).
        params: extra parameters to log beside the run's hyperparameters.
        data_hashes: name -> SHA-256 of the data used (logged as tags ``data.<name>``).

    Returns:
        A :class:`TrackedRun` with what was logged.

    Example:
        >>> mll.track_run("mlruns_lesson", "digits", lambda: mll.train(net, data, seed=0))
    """
    if not isinstance(experiment, str) or not experiment.strip():
        raise MLLError(f"experiment={experiment!r} must be a non-empty name, e.g. 'digits'")
    if not callable(train_fn):
        raise MLLError(f"train_fn={train_fn!r} is not callable; pass e.g. lambda: mll.train(...)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy deprecations inside MLflow's store
        return _track(Path(store_dir), experiment, train_fn, run_name, params, data_hashes)


def _track(store_dir, experiment, train_fn, run_name, params, data_hashes) -> TrackedRun:
    uri, store = tracking_uri(store_dir), Path(store_dir).resolve()
    mlflow = _mlflow()
    _prepare_db(mlflow, store / DB_NAME)
    mlflow.set_tracking_uri(uri)
    exp_id = _experiment_id(mlflow, store, experiment)
    if run_name is None:
        done = mlflow.search_runs(experiment_ids=[exp_id], output_format="list")
        run_name = f"run-{len(done) + 1}"
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name) as active:
        run = train_fn()
        if not all(hasattr(run, a) for a in ("history", "test_metrics", "hyperparameters")):
            raise MLLError(
                f"train_fn returned {type(run).__name__}; it must return an mll.TrainingRun, "
                "e.g. lambda: mll.train(net, data, seed=0)"
            )
        logged = {**run.hyperparameters, **(params or {})}
        mlflow.log_params({k: str(v) for k, v in logged.items()})
        _log_history(mlflow, active.info.run_id, run.history)
        final = {f"test_{k}": float(v) for k, v in run.test_metrics.items()}
        mlflow.log_metrics(final)
        tags = {"seed": str(run.hyperparameters.get("seed")), "code_version": code_version(),
                "weights_sha256": run.weights_sha256}  # fmt: skip
        tags |= {f"data.{k}": str(v) for k, v in (data_hashes or {}).items()}
        mlflow.set_tags(tags)
        artifacts = _log_weights(mlflow, run, tags)
    last = run.history.iloc[-1]
    final |= {k: float(last[k]) for k in ("train_accuracy", "val_accuracy")}
    return TrackedRun(run_name, experiment, logged, final, tags, artifacts, active.info.run_id)


def _log_history(mlflow: Any, run_id: str, history: Any) -> None:
    """Metrics per epoch, in one batch (one database transaction instead of one per value)."""
    import time

    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    keys = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
    metrics = [Metric(k, float(getattr(r, k)), now, int(r.epoch))
               for r in history.itertuples() for k in keys]  # fmt: skip
    mlflow.tracking.MlflowClient().log_batch(run_id, metrics=metrics)


def _log_weights(mlflow: Any, run: Any, tags: dict[str, str]) -> tuple[str, ...]:

    with tempfile.TemporaryDirectory() as tmp:
        provenance = {"hyperparameters": run.hyperparameters, "test_metrics": run.test_metrics,
                      **tags}  # fmt: skip
        save_weights(run.model, tmp, provenance)
        mlflow.log_artifacts(tmp, artifact_path="model")
        return tuple(sorted(f"model/{p.name}" for p in Path(tmp).iterdir()))


def runs_table(store_dir: str | os.PathLike[str], experiment: str) -> Any:
    """The experiment's finished runs, oldest first, read back with ``mlflow.search_runs``.

    Columns: run, seed, epochs, lr, test_accuracy, val_accuracy (last epoch), weights_sha256
    and data hashes (first 16 hex digits). Run ids and dates are left out on purpose.

    Example:
        >>> mll.runs_table("mlruns_lesson", "digits")
    """
    import pandas as pd

    if not (Path(store_dir) / DB_NAME).is_file():
        raise MLLError(f"store_dir={str(store_dir)!r} has no {DB_NAME}; track a run there first")
    mlflow = _mlflow()
    mlflow.set_tracking_uri(tracking_uri(store_dir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if mlflow.get_experiment_by_name(experiment) is None:
            raise MLLError(f"experiment={experiment!r} is not in this store; check the name")
        frame = mlflow.search_runs(
            experiment_names=[experiment], order_by=["attributes.start_time ASC"]
        )
    if not frame.empty:
        frame = frame[frame["status"] == "FINISHED"].reset_index(drop=True)
    if frame.empty or "metrics.test_accuracy" not in frame.columns:
        raise MLLError(f"experiment={experiment!r} has no finished run yet; use mll.track_run")
    out = pd.DataFrame({"run": frame.get("tags.mlflow.runName")})
    for col, src in (("seed", "params.seed"), ("epochs", "params.epochs"), ("lr", "params.lr")):
        out[col] = frame.get(src)
    for col in ("test_accuracy", "val_accuracy"):
        out[col] = frame.get(f"metrics.{col}").round(4)
    hashes = [
        "tags.weights_sha256",
        *sorted(c for c in frame.columns if c.startswith("tags.data.")),
    ]
    for col in hashes:
        out[col.removeprefix("tags.")] = frame[col].str[:16]
    return out
