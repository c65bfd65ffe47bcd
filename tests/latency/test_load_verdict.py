"""explain_load: the micro-batching claim follows the load-test table (constructed rows)."""

import pandas as pd
import pytest

import mlliteracy as mll


def _load(fast_rps, naive_rss=(900.0, 1300.0)):
    rows = [
        ("naive", 1, 600.0, 1.6, naive_rss[0]),
        ("naive", 2, 1150.0, 1.7, naive_rss[1]),
        ("optimized", 1, 12.0, fast_rps[0], 700.0),
        ("optimized", 4, 30.0, fast_rps[1], 710.0),
    ]
    cols = ["server", "concurrency", "p50_ms", "throughput_rps", "server_peak_rss_mb"]
    return pd.DataFrame(rows, columns=cols)


def test_explain_load_when_micro_batching_pays():
    verdict = mll.explain_load(_load((80.0, 130.0)))
    assert verdict.outcome == "pays"
    assert "**rose** from 80.0 requests/s at concurrency 1 to 130.0/s at 4 (+62%)" in verdict.text
    assert "600 ms vs 12.0 ms at concurrency 1, 50.0x" in verdict.text
    assert "**about 400 MB per extra request in flight**" in verdict.text
    assert "lower bound" in verdict.text and "50 concurrent" not in verdict.text


def test_explain_load_when_micro_batching_does_not_pay():
    hurts = mll.explain_load(_load((80.0, 60.0)))
    assert hurts.outcome == "hurts" and "did not pay here" in hurts.text
    flat = mll.explain_load(_load((80.0, 84.0)))
    assert flat.outcome == "flat" and "bought no throughput" in flat.text


def test_explain_load_when_naive_memory_did_not_grow():
    verdict = mll.explain_load(_load((80.0, 130.0), naive_rss=(900.0, 880.0)))
    assert "did not grow from concurrency 1 to 2" in verdict.text


def test_explain_load_rejects_other_tables():
    with pytest.raises(mll.MLLError, match="load_test rows"):
        mll.explain_load(pd.DataFrame({"x": [1]}))
    with pytest.raises(mll.MLLError, match="no rows for server 'fast'"):
        mll.explain_load(_load((1.0, 2.0)), fast="fast")
