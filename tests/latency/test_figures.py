import pandas as pd
import pytest

import mlliteracy as mll


def _timer(**ms):
    timer = mll.StageTimer()
    for stage, values in ms.items():
        timer.records[stage.replace("_", " ")] = list(values)
    return timer


def test_stage_shares_sum_to_one_and_name_the_largest_stage():
    timers = {
        "naive": _timer(load_model=[60, 60], forward=[100, 100], postprocess=[40, 40]),
        "fast": _timer(tokenize=[1, 1], forward=[4, 4]),
    }
    shares = mll.stage_shares(timers)
    assert shares.sum(axis=1).round(6).tolist() == [1.0, 1.0]
    assert shares.loc["fast", "load model"] == 0.0
    fig = mll.plot_stage_shares(timers)
    assert fig.facts["largest"] == {"naive": "forward", "fast": "forward"}
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_plot_load_and_batch_sweep():
    load = pd.DataFrame({
        "server": ["naive", "naive", "optimized", "optimized"],
        "concurrency": [1, 2, 1, 4], "p50_ms": [300, 600, 10, 30], "p95_ms": [320, 610, 15, 40],
    })  # fmt: skip
    fig = mll.plot_load(load)
    assert fig.facts["levels"] == {"naive": [1, 2], "optimized": [1, 4]}
    sweep = pd.DataFrame({
        "batch_size": [1, 4, 16], "p50_ms": [5.0, 20.0, 90.0],
        "ms_per_item": [5.0, 5.0, 5.6], "throughput_per_s": [200.0, 200.0, 178.0],
    })  # fmt: skip
    assert mll.plot_batch_sweep(sweep).facts["batch_sizes"] == [1, 4, 16]
    assert mll.plot_batch_sweep(sweep)._repr_png_().startswith(b"\x89PNG")


def test_figures_reject_bad_input():
    with pytest.raises(mll.MLLError, match="no records"):
        mll.stage_shares({"empty": mll.StageTimer()})
    with pytest.raises(mll.MLLError, match="load_test"):
        mll.plot_load(pd.DataFrame({"x": [1]}))
    with pytest.raises(mll.MLLError, match="batch_sweep"):
        mll.plot_batch_sweep(pd.DataFrame())
