"""Learning curves of several training runs, overlaid, and the sentence that reads them.

Runs that differ in one choice (the optimiser, the learning rate) start from the same weights
and see the same batches; overlaying their curves shows what that one choice did.

Example:
    >>> runs = {"SGD": sgd_run, "Adam": adam_run}
    >>> mll.plot_curves(runs, "val_loss", chance_loss=math.log(10))
    >>> mll.explain_curves(runs, chance_loss=math.log(10))
"""

from __future__ import annotations

import math
from typing import Any

from .._core.errors import MLLError
from .._core.expect import Verdict
from .._core.figures import FigurePNG
from ..training import TrainingRun

#: The history columns of a :class:`~mlliteracy.training.TrainingRun` these functions read.
CURVES = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
#: A final loss at least this share of ``chance_loss`` is "barely better than guessing" (or worse).
STALLED = 0.95


def plot_curves(
    runs: dict[str, TrainingRun],
    metrics: str | tuple[str, ...] = ("train_loss", "val_loss"),
    *,
    chance_loss: float | None = None,
) -> FigurePNG:
    """Overlay the learning curves of several runs in one figure, one panel per metric.

    Args:
        runs: name -> :class:`~mlliteracy.training.TrainingRun` (from :func:`mll.train`).
        metrics: one or more of ``train_loss``, ``val_loss``, ``train_accuracy``,
            ``val_accuracy``.
        chance_loss: the loss of a uniform guess (``math.log(classes)``), drawn dashed on
            loss panels.

    Returns:
        A :class:`~mlliteracy._core.figures.FigurePNG`; ``facts`` holds the run names, the
        metrics and the epochs of each run. Losses use a log scale; epochs where a run diverged
        (inf or NaN) are left out of its line.

    Example:
        >>> mll.plot_curves({"SGD": sgd, "Adam": adam}, "val_loss", chance_loss=math.log(10))
    """
    import numpy as np
    from matplotlib.figure import Figure

    metrics = _check_runs(runs, metrics)
    fig = Figure(figsize=(4.8 * len(metrics), 3.6) if len(metrics) > 1 else (6.4, 3.6))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics, strict=True):
        for name, run in runs.items():
            y = run.history[metric].to_numpy(dtype=float)
            ax.plot(run.history["epoch"], np.where(np.isfinite(y), y, np.nan), ".-", label=name)
        if metric.endswith("loss"):
            ax.set_yscale("log")
            if chance_loss is not None:
                ax.axhline(chance_loss, color="grey", ls="--", lw=1, label="uniform guess")
        ax.set_xlabel("epoch")
        ax.set_ylabel(_label(metric))
        ax.grid(alpha=0.3, which="both")
    axes[-1].legend(fontsize=8)
    title = f"{' and '.join(_label(m) for m in metrics)} of {len(runs)} runs"
    fig.suptitle(title)
    fig.tight_layout()
    epochs = {name: len(run.history) for name, run in runs.items()}
    return FigurePNG(fig, title, {"runs": list(runs), "metrics": metrics, "epochs": epochs})


def explain_curves(
    runs: dict[str, TrainingRun], metric: str = "val_loss", *, chance_loss: float | None = None
) -> Verdict:
    """Say, from the last epoch of each run, which ended best, which diverged, which stalled.

    Args:
        runs: name -> :class:`~mlliteracy.training.TrainingRun`.
        metric: the history column to compare (lower is better for losses, higher for
            accuracies).
        chance_loss: the loss of a uniform guess; a run that ends at or above it is called no
            better than guessing, one within :data:`STALLED` of it barely better.

    Returns:
        A :class:`~mlliteracy._core.expect.Verdict` whose outcome is the best run's name, or
        ``"diverged"`` when every run did.

    Example:
        >>> mll.explain_curves({"SGD": sgd, "Adam": adam}, chance_loss=math.log(10))
    """
    (metric,) = _check_runs(runs, metric)
    lower, label = metric.endswith("loss"), _label(metric)
    final = {name: float(run.history[metric].iloc[-1]) for name, run in runs.items()}
    diverged = [name for name, value in final.items() if not math.isfinite(value)]
    order = sorted((n for n in final if n not in diverged), key=final.get, reverse=not lower)
    epochs = " or ".join(str(e) for e in sorted({len(r.history) for r in runs.values()}))
    parts = [f"After {epochs} epochs on this machine,"]
    if order:
        rest = "".join(f", then {name} ({final[name]:.3g})" for name in order[1:])
        best = "lowest" if lower else "highest"
        parts.append(f"**{order[0]}** ended with the {best} {label} ({final[order[0]]:.3g}){rest}.")
    if diverged:
        lead = "Diverged" if order else "every run diverged"
        parts.append(f"{lead} (the {label} became inf or NaN): {', '.join(diverged)}.")
    if lower and chance_loss is not None:
        worse = [n for n in order if final[n] >= chance_loss]
        near = [n for n in order if STALLED * chance_loss <= final[n] < chance_loss]
        if worse:
            guess = f"No better than a uniform guess (loss {chance_loss:.3f} or more)"
            parts.append(f"{guess}: {', '.join(worse)}.")
        if near:
            guess = f"Within {1 - STALLED:.0%} of the loss of a uniform guess ({chance_loss:.3f})"
            parts.append(f"{guess}, so barely better than guessing: {', '.join(near)}.")
    return Verdict(" ".join(parts), outcome=order[0] if order else "diverged")


def _label(metric: str) -> str:
    return metric.replace("_", " ").replace("val ", "validation ")


def _check_runs(runs: Any, metrics: Any) -> list[str]:
    """Validate a name -> TrainingRun dict and one or more metric names; return the names."""
    if (
        not isinstance(runs, dict)
        or not runs
        or not all(isinstance(r, TrainingRun) for r in runs.values())
    ):
        raise MLLError("runs must be a non-empty dict of name -> mll.train(...) result")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if not metrics or any(m not in CURVES for m in metrics):
        raise MLLError(f"metrics={metrics!r} is not valid; pass one or more of {', '.join(CURVES)}")
    return metrics
