"""Length bucketing (batching.length_buckets / explain_buckets): exact padding counts on a
fake tokenizer, and both verdict outcomes on constructed tables."""

import pandas as pd
import pytest

import mlliteracy as mll


class WordTokenizer:
    """One token per word plus two special tokens, like BERT's [CLS] ... [SEP]."""

    def __call__(self, texts, truncation=True, max_length=512):
        return {"input_ids": [[0] * min(len(t.split()) + 2, max_length) for t in texts]}


TEXTS = ["a b c d e f", "a", "a b c d e f g h", "a b"]  # 8, 3, 10, 4 tokens


def test_length_buckets_counts_padding_exactly():
    seen = []
    df = mll.length_buckets(seen.append, TEXTS, batch_size=2, tokenizer=WordTokenizer(), repeats=2)
    rows = df.set_index("order")
    # arrival order: [8, 3] -> 2 x 8, [10, 4] -> 2 x 10; sorted: [3, 4] -> 2 x 4, [8, 10] -> 2 x 10
    assert rows.loc["arrival order", "positions"] == 36
    assert rows.loc["sorted by length", "positions"] == 28
    assert (rows["real_tokens"] == 25).all() and (rows["batches"] == 2).all()
    assert rows.loc["sorted by length", "padding_share"] == round(1 - 25 / 28, 4)
    assert ["a", "a b"] in seen and ["a b c d e f", "a"] in seen  # both orders were run
    assert len(seen) == 2 * 2 * (2 + 1)  # orders x batches x (repeats + one warm-up)
    assert list(df.columns)[:5] == ["order", "batches", "real_tokens", "positions", "padding_share"]


def test_length_buckets_rejects_bad_arguments():
    with pytest.raises(mll.MLLError, match="batch_size=0"):
        mll.length_buckets(len, TEXTS, batch_size=0, tokenizer=WordTokenizer())
    with pytest.raises(mll.MLLError, match="repeats=0"):
        mll.length_buckets(len, TEXTS, repeats=0, tokenizer=WordTokenizer())


def _buckets(arrival_rate, sorted_rate):
    return pd.DataFrame({
        "order": ["arrival order", "sorted by length"], "batches": [2, 2],
        "real_tokens": [25, 25], "positions": [36, 28], "padding_share": [0.3056, 0.1071],
        "p50_ms": [10.0, 8.0], "throughput_per_s": [arrival_rate, sorted_rate],
    })  # fmt: skip


def test_explain_buckets_when_sorting_pays():
    verdict = mll.explain_buckets(_buckets(100.0, 130.0))
    assert verdict.outcome == "pays"
    assert "from 36 to 28 (22% fewer" in verdict.text and "**rose** +30%" in verdict.text


def test_explain_buckets_when_sorting_does_not_pay():
    flat = mll.explain_buckets(_buckets(100.0, 103.0))
    assert flat.outcome == "flat" and "too little work to show" in flat.text
    hurts = mll.explain_buckets(_buckets(100.0, 80.0))
    assert hurts.outcome == "hurts" and "**fell** -20%" in hurts.text


def test_explain_buckets_rejects_other_tables():
    with pytest.raises(mll.MLLError, match="length_buckets"):
        mll.explain_buckets(pd.DataFrame({"x": [1]}))
