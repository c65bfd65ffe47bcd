import json

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy.latency.timing import LatencyStats, percentile


def test_percentile_matches_known_values_and_numpy():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 99) == 5.0
    samples = list(range(1, 101))
    assert [percentile(samples, q) for q in (50, 90, 95, 99)] == pytest.approx(
        [50.5, 90.1, 95.05, 99.01]
    )
    rng = np.random.default_rng(0)
    data = rng.exponential(size=37).tolist()
    for q in (0, 50, 90, 95, 99, 100):
        assert percentile(data, q) == pytest.approx(np.percentile(data, q))


def test_latency_stats_summary_numbers():
    stats = LatencyStats("x", tuple(float(v) for v in range(1, 101)), threads=2, items_per_call=4)
    assert (stats.p50_ms, stats.p99_ms, stats.mean_ms) == pytest.approx((50.5, 99.01, 50.5))
    assert stats.std_ms == pytest.approx(np.std(range(1, 101)))
    assert stats.throughput == pytest.approx(4000 / 50.5)
    assert stats.ms_per_item == pytest.approx(50.5 / 4)
    assert "p50=50.50 ms" in repr(stats)
    assert "<table" in stats._repr_html_()


def test_measure_latency_calls_warmup_plus_repeats_and_cycles_inputs():
    seen = []
    stats = mll.measure_latency(seen.append, ["a", "b", "c"], warmup=2, repeats=5, name="f")
    assert seen == ["a", "b", "a", "b", "c", "a", "b"]
    assert stats.repeats == 5 and stats.warmup == 2 and stats.name == "f"
    assert all(s >= 0 for s in stats.samples_ms)


def test_measure_latency_records_and_restores_threads():
    import torch

    before = torch.get_num_threads()
    inside = []
    stats = mll.measure_latency(lambda _: inside.append(torch.get_num_threads()), [0], 0, 2, 1)
    assert stats.threads == 1 and inside == [1, 1]
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"fn": 3}, "not callable"),
        ({"inputs": []}, "non-empty list"),
        ({"repeats": 0}, "repeats=0"),
        ({"threads": 0}, "threads=0"),
        ({"device": "tpu"}, "device='tpu'"),
    ],
)
def test_measure_latency_rejects_bad_arguments(kwargs, match):
    args = {"fn": len, "inputs": ["x"], **kwargs}
    with pytest.raises(mll.MLLError, match=match):
        mll.measure_latency(**args)


def test_stage_timer_records_every_stage_even_on_error():
    timer = mll.StageTimer()

    @timer.wrap("forward")
    def forward(x):
        return x * 2

    for i in range(3):
        with timer.stage("preprocess"):
            pass
        forward(i)
    with pytest.raises(ZeroDivisionError), timer.stage("postprocess"):
        1 / 0  # noqa: B018
    df = timer.summary()
    assert list(df["stage"]) == ["preprocess", "forward", "postprocess"]
    assert list(df["calls"]) == [3, 3, 1]
    assert df["share"].sum() == pytest.approx(1.0)
    assert repr(timer) == "StageTimer(preprocess=3, forward=3, postprocess=1)"
    with pytest.raises(mll.MLLError, match="stage name"), timer.stage(""):
        pass


def test_compare_variants_speedups_are_ratios_of_ms_per_item():
    import time

    def slow(xs):
        time.sleep(0.002)
        return sum(xs)

    df = mll.compare_variants(
        {"one": (slow, [[1, 2]], 1), "batch": (slow, [[1, 2, 3]], 3)}, warmup=0, repeats=3
    )
    assert list(df["variant"]) == ["one", "batch"]
    assert df["speedup_vs_previous"].iloc[0] == 1.0
    ratio = df["ms_per_item"].iloc[0] / df["ms_per_item"].iloc[1]
    assert df["speedup_vs_first"].iloc[1] == pytest.approx(ratio, rel=0.02)
    with pytest.raises(mll.MLLError, match="variants"):
        mll.compare_variants({"bad": sum})


def test_batch_sweep_and_explorer():
    df = mll.batch_sweep(sum, lambda n: list(range(n)), (1, 4, 8), warmup=0, repeats=2)
    assert list(df["batch_size"]) == [1, 4, 8]
    cols = ["batch_size", "p50_ms", "p95_ms", "ms_per_item", "throughput_per_s", "threads"]
    assert list(df.columns) == cols
    box = mll.sweep_explorer(df)
    assert box.children[0].options == (1, 4, 8)
    assert "of best throughput" in box.children[1].value
    with pytest.raises(mll.MLLError, match="batch_sizes"):
        mll.batch_sweep(sum, list, (0,))


def _helper(x):
    return x + 1


def test_cprofile_table_counts_calls():
    df = mll.cprofile_table(lambda: [_helper(i) for i in range(7)], top=50)
    assert list(df.columns) == ["function", "calls", "total_ms", "cumulative_ms", "where"]
    row = df[df["function"] == "_helper"].iloc[0]
    assert row["calls"] == 7 and row["where"].startswith("test_profiling.py:")


def test_torch_op_table_and_perfetto_trace(tmp_path):
    import torch

    layer = torch.nn.Linear(16, 8)
    x = torch.ones(4, 16)
    trace = tmp_path / "trace.json"
    df = mll.torch_op_table(layer, x, top=5, trace_path=trace)
    assert "aten::addmm" in set(df["operator"])
    assert len(df) <= 5
    events = json.loads(trace.read_text())["traceEvents"]
    assert any(e.get("name") == "aten::addmm" for e in events)
    with pytest.raises(mll.MLLError, match="folder does not exist"):
        mll.torch_op_table(layer, x, trace_path=tmp_path / "no" / "t.json")


def test_tensor_bytes_counts_tied_weights_once():
    import torch

    layer = torch.nn.Linear(10, 5)
    assert mll.tensor_bytes(layer) == (50 + 5) * 4
    tied = torch.nn.Sequential(layer, torch.nn.Linear(5, 10))
    tied[1].weight = torch.nn.Parameter(layer.weight.T)  # a distinct tensor
    assert mll.tensor_bytes(tied) == (55 + 50 + 10) * 4
    tied[1].weight = layer.weight  # same object -> counted once
    assert mll.tensor_bytes(tied) == (55 + 10) * 4
    assert mll.tensor_bytes({"a": np.zeros(3, np.float64), "b": [torch.zeros(2)]}) == 24 + 8


def test_measure_memory_sees_a_big_allocation():
    stats = mll.measure_memory(lambda: np.ones(8 * 2**20 // 8 * 8))  # 64 MiB
    assert stats.result_tensor_mb == pytest.approx(64.0)
    assert stats.peak_rss_mb >= stats.rss_before_mb
    assert "peak=" in repr(stats)


def _sweep(throughputs, threads=2):
    import pandas as pd

    sizes = [1, 4, 16, 64][: len(throughputs)]
    return pd.DataFrame(
        {
            "batch_size": sizes,
            "p50_ms": [1000 * b / t for b, t in zip(sizes, throughputs, strict=True)],
            "throughput_per_s": throughputs,
            "threads": threads,
        }
    )


def test_explain_batching_when_it_pays():
    verdict = mll.explain_batching(_sweep([100.0, 180.0, 260.0, 250.0], threads=8))
    assert verdict.outcome == "pays"
    assert "raised throughput" in verdict.text and "batch 16 (+160%)" in verdict.text
    assert "(8 threads)" in verdict.text


def test_explain_batching_when_it_hurts():
    verdict = mll.explain_batching(_sweep([170.7, 149.3, 150.6, 137.9]))
    assert verdict.outcome == "hurts"
    assert "lowered throughput" in verdict.text and "137.9/s at batch 64 (-19%)" in verdict.text


def test_explain_batching_when_it_is_flat():
    verdict = mll.explain_batching(_sweep([100.0, 104.0, 97.0], threads=1))
    assert verdict.outcome == "flat"
    assert "(1 thread)" in verdict.text and "at most 4%" in verdict.text


def test_explain_batching_refuses_a_table_it_cannot_read():
    with pytest.raises(mll.MLLError, match="batch_sweep"):
        mll.explain_batching(_sweep([100.0]))


def test_release_memory_reports_the_resident_change():
    import numpy as np

    block = np.ones(40 * 2**20 // 8)  # 40 MB, freed below
    del block
    released = mll.release_memory()
    assert released.rss_before_mb > 0 and released.rss_after_mb > 0
    assert "MB freed" in repr(released)
