"""Trade-off table, Pareto front, and a recommender that never breaks its constraint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlliteracy as mll
from mlliteracy.compression.pareto import pareto_front
from mlliteracy.compression.tradeoffs import OBJECTIVES


def _synthetic(seed: int, n: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    acc = rng.uniform(0.85, 0.99, n)
    acc[0] = 0.98
    return pd.DataFrame(
        {
            "accuracy": acc,
            "drop_points": (0.98 - acc) * 100,
            "latency_p50_ms": rng.uniform(0.05, 2.0, n),
            "size_bytes": rng.integers(1_000, 200_000, n),
            "flops": rng.integers(1_000, 700_000, n),
            "throughput_per_s": rng.uniform(1e3, 1e5, n),
        },
        index=[f"v{i}" for i in range(n)],
    )


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("objective", ["latency_p50_ms", "size_bytes", "flops", "throughput_per_s"])
@pytest.mark.parametrize("limit", [0.0, 2.0, 5.0])
def test_recommend_never_violates_and_picks_cheapest(seed, objective, limit):
    frame = _synthetic(seed)
    rec = mll.recommend(frame, max_drop_points=limit, objective=objective)
    ok = frame[frame["drop_points"] <= limit]
    assert rec.chosen in ok.index
    best = ok[objective].min() if OBJECTIVES[objective] else ok[objective].max()
    assert frame.loc[rec.chosen, objective] == best
    assert {n for n, _ in rec.rejected} == set(frame.index) - {rec.chosen}


def test_recommend_raises_when_nothing_qualifies():
    frame = _synthetic(0)
    frame["drop_points"] = frame["drop_points"] + 10
    with pytest.raises(mll.MLLError, match="max_drop_points=5"):
        mll.recommend(frame, max_drop_points=5, objective="size_bytes")
    with pytest.raises(mll.MLLError, match="objective="):
        mll.recommend(_synthetic(0), objective="cheapness")


def test_ties_go_to_the_more_accurate():
    frame = _synthetic(1)
    frame["size_bytes"] = 100
    rec = mll.recommend(frame, max_drop_points=100, objective="size_bytes")
    assert rec.chosen == frame["accuracy"].idxmax()


def test_pareto_front():
    frame = pd.DataFrame(
        {"accuracy": [0.9, 0.95, 0.94, 0.99], "drop_points": [9, 4, 5, 0],
         "size_bytes": [10, 20, 30, 40]}, index=list("abcd"),
    )  # fmt: skip
    assert pareto_front(frame, "size_bytes") == ["a", "b", "d"]  # c is beaten by b


@pytest.fixture(scope="module")
def table():
    data = mll.load_digits()
    cnn = mll.load_digits_cnn()
    pruned, _ = mll.prune_unstructured(cnn, 0.5)
    variants = [
        mll.torch_variant(cnn, "fp32"),
        mll.quantize_static_int8(cnn, data.X_train[:128]),
        mll.torch_variant(pruned, "pruned 50%", "pruning"),
    ]
    return mll.measure_variants(variants, data, repeats=5, batch=16)


def test_measured_table_and_memo(table):
    f = table.frame
    assert list(f.index) == ["fp32", "int8 static (ORT)", "pruned 50%"]
    assert f.loc["fp32", "drop_points"] == 0
    assert f.loc["pruned 50%", "size_bytes"] == f.loc["fp32", "size_bytes"]  # zeros still stored
    assert f.loc["pruned 50%", "nonzero_params"] < f.loc["fp32", "params"]
    assert (f["latency_p50_ms"] > 0).all() and "<table" in table._repr_html_()
    rec = mll.recommend(table, max_drop_points=5, objective="size_bytes")
    assert rec.chosen == "int8 static (ORT)"
    assert "<table" in rec._repr_html_() and "int8 static" in repr(rec)
    memo = str(rec.memo(price=0.1))
    assert "int8 static (ORT)" in memo and "at most 5 percentage points" in memo
    assert "per 1000 requests" in memo and "pruned 50%" in memo
    assert "VNNI" in memo or table.machine["vnni"]
    assert "The price is for" in memo  # a measured machine, a priced one: say how it transfers
    assert table.plot("size_bytes").facts["front"][0] == "int8 static (ORT)"


def _students(kd_acc: float, hard_acc: float) -> pd.DataFrame:
    frame = _synthetic(0, n=3)
    frame.index = ["fp32", "student (distilled)", "student (hard labels)"]
    frame["technique"] = ["baseline", "distillation", "small model"]
    frame.loc["student (distilled)", "accuracy"] = kd_acc
    frame.loc["student (hard labels)", "accuracy"] = hard_acc
    frame["drop_points"] = (0.98 - frame["accuracy"]) * 100
    frame["size_bytes"] = [150_000, 9_728, 9_728]
    return frame


@pytest.mark.parametrize(
    ("kd", "hard", "says"),
    [(0.975, 0.965, "Yes: `student (distilled)` scores 1.00 points above"),
     (0.960, 0.974, "No: `student (distilled)` scores 1.40 points below"),
     (0.970, 0.970, "No: `student (distilled)` scores the same accuracy as")],
)  # fmt: skip
def test_memo_says_whether_distillation_helped(kd, hard, says):
    rec = mll.recommend(_students(kd, hard), max_drop_points=5, objective="size_bytes")
    memo = str(rec.memo(price=0.1))
    assert "### Did distillation help?" in memo and says in memo
    assert "The price is for" not in memo  # no machine record: nothing to transfer from


def test_a_tie_names_the_reason_it_lost():
    rec = mll.recommend(_students(0.960, 0.974), max_drop_points=5, objective="size_bytes")
    assert rec.chosen == "student (hard labels)"
    why = dict(rec.rejected)["student (distilled)"]
    assert why == "ties on size_bytes 9,728; accuracy 96.00% is lower than 97.40%"
    even = mll.recommend(_students(0.970, 0.970), max_drop_points=5, objective="size_bytes")
    assert even.chosen == "student (distilled)"
    assert "alphabetical" in dict(even.rejected)["student (hard labels)"]


@pytest.mark.parametrize("seed", range(8))
def test_a_budget_is_never_broken_and_each_breach_is_named(seed):
    frame = _synthetic(seed)
    budget = {"size_bytes": 100_000, "throughput_per_s": 2e4}
    fits = (frame["size_bytes"] <= 100_000) & (frame["throughput_per_s"] >= 2e4)
    if not (fits & (frame["drop_points"] <= 100)).any():
        with pytest.raises(mll.MLLError, match="no variant fits the budget"):
            mll.recommend(frame, max_drop_points=100, objective="flops", limits=budget)
        return
    rec = mll.recommend(frame, max_drop_points=100, objective="flops", limits=budget)
    assert fits[rec.chosen]
    assert frame.loc[rec.chosen, "flops"] == frame[fits]["flops"].min()
    for name, why in rec.rejected:
        assert why.startswith("over the budget") == (not fits[name])
        if frame.loc[name, "size_bytes"] > 100_000:
            assert "size_bytes" in why and "> 100,000" in why
        if frame.loc[name, "throughput_per_s"] < 2e4:
            assert "< 20,000" in why


def test_a_budget_that_binds_changes_the_pick_and_the_memo_says_so():
    frame = pd.DataFrame(
        {
            "technique": ["baseline", "quantisation", "layer dropping"],
            "runtime": ["torch float32", "onnxruntime int8 (per-tensor)", "onnxruntime int8"],
            "accuracy": [0.72, 0.71, 0.69],
            "drop_points": [0.0, 1.0, 3.0],
            "latency_p50_ms": [17.0, 6.0, 3.0],
            "latency_p95_ms": [22.0, 7.0, 4.0],
            "throughput_per_s": [90.0, 150.0, 290.0],
            "size_bytes": [90_864_160, 22_904_292, 17_480_025],
            "params": [22_714_371] * 2 + [17_390_979],
            "nonzero_params": [22_714_371] * 2 + [17_390_979],
            "flops": [711_044_352] * 2 + [355_670_784],
        },
        index=["fp32", "int8", "3 layers"],
    )
    free = mll.recommend(frame, max_drop_points=5, objective="drop_points")
    assert free.chosen == "fp32"
    edge = {"size_bytes": 25e6, "latency_p95_ms": 20}
    rec = mll.recommend(frame, max_drop_points=5, objective="drop_points", limits=edge)
    assert rec.chosen == "int8"
    why = dict(rec.rejected)
    assert why["fp32"] == (
        "over the budget: size_bytes 90,864,160 > 25,000,000; latency_p95_ms 22 > 20"
    )
    assert why["3 layers"].startswith("within the limit but drop_points 3 is larger")
    text = str(rec.memo())
    assert "the budget (size_bytes <= 25,000,000, latency_p95_ms <= 20)" in text
    assert "`latency_p95_ms` is a timing" in text
    assert "bf16" not in text  # no half-precision variant, so no bf16 caveat
    with pytest.raises(mll.MLLError, match="no variant fits the budget"):
        mll.recommend(frame, objective="drop_points", limits={"size_bytes": 1_000})
    with pytest.raises(mll.MLLError, match="limits key 'bytes'"):
        mll.recommend(frame, objective="drop_points", limits={"bytes": 1_000})
    with pytest.raises(mll.MLLError, match=r"limits\['size_bytes'\]=-1"):
        mll.recommend(frame, objective="drop_points", limits={"size_bytes": -1})
