"""The MiniLM sentiment service as cost variants: real encoder, real ONNX export and int8."""

from __future__ import annotations

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy.compression.text_variants import drop_layers
from mlliteracy.models.minilm import shared_encoder


@pytest.fixture(scope="module")
def task():
    return mll.sentiment_task(n_train=40, n_test=20, seed=0)


def test_task_keeps_the_tweets_the_head_was_scored_on(task):
    assert len(task.X_train) == 40 and len(task.X_test) == 20
    assert task.head.notes == {"seed": 0, "n_train": 40, "n_test": 20}
    assert task.head.metrics.n_test == len(task.y_test)
    assert repr(task) == (
        "TextTask(classes=['negative', 'neutral', 'positive'], train=40, test=20, seed=0)"
    )


def test_a_one_layer_int8_student_is_smaller_and_predicts_texts(task, tmp_path):
    v = mll.minilm_variant(task, tmp_path, "1 layer", layers=1, runtime="onnx-int8")
    full = sum(p.numel() for p in shared_encoder()[1].parameters())
    one = sum(p.numel() for p in drop_layers(shared_encoder()[1], 1).parameters())
    assert one < full
    assert v.params == one + 3 * 384 + 3  # encoder + its own 3-class head
    assert (v.technique, v.runtime) == ("layer dropping", "onnxruntime int8 (per-tensor)")
    probs = v.predict(task.X_test[:5])
    assert probs.shape == (5, 3)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    out = tmp_path / "saved"
    out.mkdir()
    size = v.save(out).stat().st_size
    assert 10e6 < size < one * 4 / 2  # int8: well under half of the fp32 bytes


def test_bad_arguments_say_what_to_pass(task, tmp_path):
    with pytest.raises(mll.MLLError, match="runtime='gpu' is unknown"):
        mll.minilm_variant(task, tmp_path, "x", runtime="gpu")
    with pytest.raises(mll.MLLError, match="per_channel=True needs runtime='onnx-int8'"):
        mll.minilm_variant(task, tmp_path, "x", per_channel=True)
    with pytest.raises(mll.MLLError, match="prune needs runtime='torch'"):
        mll.minilm_variant(task, tmp_path, "x", runtime="onnx", prune=0.5)
    with pytest.raises(mll.MLLError, match=r"pass the result of mll\.sentiment_task"):
        mll.minilm_variant(None, tmp_path, "x")
    with pytest.raises(mll.MLLError, match="is not a folder"):
        mll.minilm_variant(task, tmp_path / "missing", "x")
    with pytest.raises(mll.MLLError, match="layers=7 is not valid"):
        drop_layers(shared_encoder()[1], 7)
