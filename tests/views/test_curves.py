"""Overlaid learning curves and the verdict that reads them (views/curves.py)."""

import math

import pandas as pd
import pytest

import mlliteracy as mll
from mlliteracy.training import TrainingRun

CHANCE = math.log(10)


def _run(val_loss, val_accuracy=None):
    """A TrainingRun with only a history: the curves read nothing else."""
    n = len(val_loss)
    history = pd.DataFrame({
        "epoch": range(1, n + 1), "train_loss": val_loss, "val_loss": val_loss,
        "train_accuracy": val_accuracy or [0.5] * n, "val_accuracy": val_accuracy or [0.5] * n,
    })  # fmt: skip
    return TrainingRun(model=None, history=history, test_metrics={}, hyperparameters={},
                       forward_flops_per_example=0, flops_per_step=0, measured_step_flops=0,
                       memory={}, hardware={})  # fmt: skip


def test_plot_curves_overlays_every_run_in_one_figure():
    runs = {"SGD": _run([2.3, 2.2, 2.1]), "Adam": _run([1.0, 0.3, 0.1]), "big": _run([2.4, 9.0])}
    fig = mll.plot_curves(runs, chance_loss=CHANCE)
    assert fig.facts == {
        "runs": ["SGD", "Adam", "big"],
        "metrics": ["train_loss", "val_loss"],
        "epochs": {"SGD": 3, "Adam": 3, "big": 2},
    }
    assert [ax.get_ylabel() for ax in fig.figure.axes] == ["train loss", "validation loss"]
    ax = fig.figure.axes[1]
    assert ax.get_yscale() == "log"
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["SGD", "Adam", "big", "uniform guess"]
    assert ax.get_lines()[-1].get_ydata()[0] == pytest.approx(CHANCE)
    assert fig._repr_png_().startswith(b"\x89PNG")
    assert repr(fig).startswith("FigurePNG('train loss and validation loss of 3 runs'")


def test_plot_curves_draws_accuracy_on_a_linear_scale_and_skips_non_finite_values():
    fig = mll.plot_curves({"a": _run([1.0, 0.5], [0.4, 0.8])}, "val_accuracy")
    (ax,) = fig.figure.axes
    assert ax.get_yscale() == "linear" and fig.facts["metrics"] == ["val_accuracy"]
    diverged = mll.plot_curves({"x": _run([2.0, math.inf, math.nan])}, "val_loss")
    y = diverged.figure.axes[0].get_lines()[0].get_ydata()
    assert y[0] == 2.0 and math.isnan(y[1]) and math.isnan(y[2])


def test_explain_curves_names_the_best_run_whichever_it_is():
    a, b = _run([2.0, 0.5]), _run([2.0, 0.2])
    v = mll.explain_curves({"SGD + momentum 0.9": a, "Adam": b})
    assert v.outcome == "Adam"
    assert v.text == (
        "After 2 epochs on this machine, **Adam** ended with the lowest validation loss (0.2), "
        "then SGD + momentum 0.9 (0.5)."
    )
    assert mll.explain_curves({"SGD + momentum 0.9": b, "Adam": a}).outcome == "SGD + momentum 0.9"
    # accuracy: higher is better
    acc = mll.explain_curves({"a": _run([1, 1], [0.5, 0.9]), "b": _run([1, 1], [0.5, 0.7])},
                             "val_accuracy")  # fmt: skip
    assert acc.outcome == "a" and "highest validation accuracy (0.9)" in acc.text


def test_explain_curves_flags_diverged_and_stalled_runs():
    runs = {"small": _run([2.30, 2.29]), "good": _run([1.0, 0.1]), "huge": _run([5.0, math.nan]),
            "dead": _run([2.2, 2.31])}  # fmt: skip
    v = mll.explain_curves(runs, chance_loss=CHANCE)
    assert v.outcome == "good"
    assert v.text == (
        "After 2 epochs on this machine, **good** ended with the lowest validation loss (0.1), "
        "then small (2.29), then dead (2.31). Diverged (the validation loss became inf or NaN): "
        "huge. No better than a uniform guess (loss 2.303 or more): dead. Within 5% of the loss "
        "of a uniform guess (2.303), so barely better than guessing: small."
    )
    assert "guessing" not in mll.explain_curves(runs).text  # no chance_loss, no such claim
    alone = mll.explain_curves({"huge": runs["huge"], "inf": _run([math.inf])})
    assert alone.outcome == "diverged"
    assert alone.text.startswith("After 1 or 2 epochs on this machine, every run diverged")


@pytest.mark.parametrize(
    ("runs", "metric", "word"),
    [({}, "val_loss", "runs"), ({"a": "run"}, "val_loss", "runs"), ([1], "val_loss", "runs"),
     ({"a": None}, "val_loss", "runs"),
     ("ok", "loss", "metrics"), ("ok", (), "metrics")],
)  # fmt: skip
def test_bad_input_is_a_one_line_error(runs, metric, word):
    runs = {"a": _run([1.0])} if runs == "ok" else runs
    for helper in (mll.plot_curves, mll.explain_curves):
        if helper is mll.explain_curves and metric == ():
            continue
        with pytest.raises(mll.MLLError, match=word):
            helper(runs, metric)
