"""Offline datasets: fixed splits, reproducible cleaning with its log, datasheets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.errors import MLLError
from mlliteracy.data.datasets import _APOSTROPHE, _MOJIBAKE


@pytest.fixture(scope="module")
def tweets():
    return mll.load_tweets()


def test_digits_split_is_unchanged_and_has_a_datasheet():
    ds = mll.load_digits()
    assert ds.sizes == {"train": 1257, "val": 270, "test": 270}
    assert ds.notes["raw_sha256"].startswith("0b3e4ee14f82")
    check = ds.datasheet.validate()
    assert check.ok and check.completeness == 1.0
    assert "1,797 instances" in ds.datasheet.section("composition")


def test_tweets_counts_and_labels(tweets):
    assert tweets.notes["raw_rows"] == 38158
    assert tweets.notes["label_counts"] == {"negative": 15977, "neutral": 14443, "positive": 6797}
    assert tweets.sizes == {"train": 26051, "val": 5583, "test": 5583}
    assert set(np.unique(tweets.y_train)) == set(mll.load_tweets().classes)


def test_tweets_cleaning_is_logged_and_leaves_ascii_only(tweets):
    steps = tweets.notes["cleaning"]
    names = [s["step"] for s in steps]
    assert names[0] == "decode_mac_roman" and names[-1] == "drop_duplicates"
    assert [s["rows_affected"] for s in steps if s["step"] == "drop_duplicates"] == [941]
    for prev, cur in itertools.pairwise(steps):  # the hashes chain step to step
        assert cur["sha256_before"] == prev["sha256_after"]
    texts = np.concatenate([tweets.X_train, tweets.X_val, tweets.X_test])
    assert all(t.isascii() and t == t.strip() and t for t in texts)
    assert len(set(texts)) == len(texts)  # no tweet in two splits


def test_tweets_are_deterministic_and_seed_moves_the_split(tweets):
    again = mll.load_tweets()
    assert again.notes["clean_sha256"] == tweets.notes["clean_sha256"]
    assert list(again.X_test[:5]) == list(tweets.X_test[:5])
    other = mll.load_tweets(seed=1)
    assert other.notes["clean_sha256"] == tweets.notes["clean_sha256"]
    assert list(other.X_test[:20]) != list(tweets.X_test[:20])
    assert not tweets.X_train.flags.writeable


def test_mojibake_rules():
    text = "Google\u2019\u00a2_\u00e4\u0152_\u00dc\u00a2s car\u2019\u00a2_ rocks"
    fixed = _MOJIBAKE.sub(" ", _APOSTROPHE.sub("'", text))
    assert fixed == "Google's car  rocks"  # the whitespace step collapses the double space
    with pytest.raises(MLLError, match="seed="):
        mll.load_tweets(seed=-1)


def test_tweets_datasheet_states_unknowns(tweets):
    check = tweets.datasheet.validate()
    assert check.counts == {"error": 0, "warning": 1, "info": 4}
    assert any("consent of the tweet authors" in f.message for f in check.findings)
    assert "drop_duplicates" in tweets.datasheet.section("preprocessing")


def test_faq_knowledge_base():
    faq = mll.load_faq()
    assert len(faq) == 35 and len(faq.out_of_scope) == 15
    assert len({e.id for e in faq.entries}) == 35
    assert len(set(faq.questions) & set(faq.out_of_scope)) == 0
    assert faq.datasheet.validate().counts["error"] == 0
    assert list(faq.to_frame().columns) == ["id", "topic", "question", "answer"]


def test_cleaning_log_frame(tweets):
    log = tweets.cleaning_log()
    assert list(log["rows_after"])[-1] == 37217
    assert mll.load_digits().cleaning_log().empty
