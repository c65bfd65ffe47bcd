"""Quantised and half-precision variants keep the output shape and agree with fp32."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

import mlliteracy as mll


@pytest.fixture(scope="module")
def setup():
    data = mll.load_digits()
    cnn = mll.load_digits_cnn()
    base = mll.torch_variant(cnn, "fp32")
    return data, cnn, base, base.predict(data.X_test)


def _agreement(variant, setup) -> float:
    data, _, _, ref = setup
    out = variant.predict(data.X_test)
    assert out.shape == ref.shape == (len(data.y_test), 10)
    return float((out.argmax(1) == ref.argmax(1)).mean())


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_precision_agrees(setup, dtype):
    v = mll.half_precision(setup[1], dtype)
    assert v.runtime == f"torch {dtype}"
    assert _agreement(v, setup) >= 0.97


def test_int8_variants_agree_and_are_smaller(setup):
    data, cnn, base, _ = setup
    dyn = mll.quantize_dynamic_int8(cnn)
    sta = mll.quantize_static_int8(cnn, data.X_train[:128])
    # a random 10-class model agrees ~10% of the time; int8 should keep nearly every digit
    assert _agreement(dyn, setup) >= 0.95
    assert _agreement(sta, setup) >= 0.95
    with tempfile.TemporaryDirectory() as tmp:
        sizes = {v.name: v.save(Path(tmp)).stat().st_size for v in (base, dyn, sta)}
    assert sizes["int8 static (ORT)"] < sizes["fp32"] / 2.5
    assert sizes["int8 dynamic (ORT)"] < sizes["fp32"] / 2


def test_onnx_fp32_matches_torch(setup):
    data, cnn, _, ref = setup
    out = mll.onnx_variant(cnn).predict(data.X_test)
    assert np.allclose(out, ref, atol=1e-4)


def test_variant_counts(setup):
    _, _, base, _ = setup
    assert (base.params, base.nonzero_params, base.flops) == (38282, 38282, 675072)
    assert "fp32" in repr(base) and "<table" in base._repr_html_()


def test_bad_input_is_reported(setup):
    _, cnn, base, _ = setup
    with pytest.raises(mll.MLLError, match="dtype="):
        mll.half_precision(cnn, "int4")
    with pytest.raises(mll.MLLError, match="calibration"):
        mll.quantize_static_int8(cnn, np.zeros((2, 64)))
    with pytest.raises(mll.MLLError, match="shape"):
        base.predict(np.zeros((3, 5)))
    with pytest.raises(mll.MLLError, match="model="):
        mll.torch_variant("not a model", "x")
