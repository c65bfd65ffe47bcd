import pandas as pd
import pytest

import mlliteracy as mll


def _table(ms):
    names = ["naive", "+ load once", "+ dynamic padding", "+ ONNX Runtime"]
    return pd.DataFrame({"variant": names[: len(ms)], "ms_per_item": ms})


def test_ablation_table_speedups():
    df = mll.ablation_table(_table([1000.0, 100.0, 50.0, 25.0]))
    assert df.speedup_vs_previous.tolist() == [1.0, 10.0, 2.0, 2.0]
    assert df.speedup_vs_first.tolist() == [1.0, 10.0, 20.0, 40.0]
    assert df.speedup_vs_baseline.tolist() == [0.1, 1.0, 2.0, 4.0]


def test_explain_speedup_when_the_model_load_is_most_of_it():
    verdict = mll.explain_speedup(_table([1000.0, 100.0, 50.0, 25.0]))
    assert verdict.outcome == "baseline step"
    assert "40.0x" in verdict.text and "4.0x" in verdict.text and "Most of that" in verdict.text


def test_explain_speedup_when_later_fixes_matter_more():
    verdict = mll.explain_speedup(_table([100.0, 80.0, 20.0, 5.0]))
    assert verdict.outcome == "spread"
    assert "20.0x" in verdict.text and "16.0x" in verdict.text and "matter more" in verdict.text


def test_explain_speedup_when_the_first_step_is_slower():
    verdict = mll.explain_speedup(_table([100.0, 120.0, 20.0, 5.0]))
    assert verdict.outcome == "spread" and "gave no speed-up here (0.83x)" in verdict.text


def test_explain_speedup_when_nothing_is_faster():
    assert mll.explain_speedup(_table([10.0, 12.0, 11.0])).outcome == "none"


def test_explain_speedup_rejects_bad_input():
    with pytest.raises(mll.MLLError, match="baseline="):
        mll.explain_speedup(_table([10.0, 5.0]), baseline="+ magic")
    with pytest.raises(mll.MLLError, match="compare_variants"):
        mll.ablation_table(pd.DataFrame({"x": [1]}))
