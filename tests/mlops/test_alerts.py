"""Sample-size-aware drift alerts: the PSI null and the persistence rule, both outcomes."""

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.errors import MLLError


@pytest.fixture(scope="module")
def pool():
    return np.random.default_rng(0).normal(size=4000)


def test_small_windows_make_the_rule_of_thumb_noisy(pool):
    small = mll.psi_null(pool, n=40, pairs=200, seed=0)
    large = mll.psi_null(pool, n=1000, pairs=100, seed=0)
    assert small.share_above(0.25) > 0.05 and small.explain().outcome == "noisy"
    assert large.share_above(0.25) == 0 and large.explain().outcome == "ok"
    assert large.threshold(0.99) < small.threshold(0.99)
    assert list(small.percentiles["percentile"]) == ["50%", "90%", "95%", "99%"]
    assert "PsiNull(n=40" in repr(small) and "<table" in small._repr_html_()


def test_null_is_seeded(pool):
    a = mll.psi_null(pool, n=50, pairs=20, seed=3)
    assert a == mll.psi_null(pool, n=50, pairs=20, seed=3)


def test_calm_windows_raise_no_alert_and_a_persisting_shift_does(pool):
    null = mll.psi_null(pool, n=80, pairs=300, seed=0)
    rng = np.random.default_rng(1)
    ref = pool[:80]
    calm = [mll.psi(ref, rng.choice(pool[80:], 80, replace=False)) for _ in range(5)]
    shifted = [mll.psi(ref, rng.normal(1.5, 1, 80)) for _ in range(5)]
    quiet = mll.drift_alert(calm, null.threshold(0.99), k=3, m=5)
    loud = mll.drift_alert(shifted, null.threshold(0.99), k=3, m=5)
    assert not quiet.alert and quiet.explain().outcome == "no alert"
    assert loud.alert and loud.explain().outcome == "alert" and loud.hits == 5


def test_one_spike_is_not_persistence():
    spike = mll.drift_alert([0.1, 0.1, 0.9, 0.1, 0.1], threshold=0.5, k=3, m=5)
    assert spike.hits == 1 and not spike.alert
    late = mll.drift_alert([0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1], threshold=0.5, k=3, m=5)
    assert late.hits == 1 and not late.alert  # only the last m windows count
    assert "DriftAlert(alert=False" in repr(late) and "<table" in late._repr_html_()


def test_plot_psi_null_facts(pool):
    fig = mll.plot_psi_null(
        [mll.psi_null(pool, n=40, pairs=50), mll.psi_null(pool, n=400, pairs=20)]
    )
    assert set(fig.facts) == {"n=40", "n=400"} and fig._repr_png_().startswith(b"\x89PNG")


def test_plot_drift_shows_psi_bins(pool):
    calm = mll.plot_drift(pool[:500], pool[500:1000], name="x")
    moved = mll.plot_drift(pool[:500], pool[500:1000] + 2.0, name="x")
    assert calm.facts["bins"] == 10 and calm.facts["empty"] == 0
    assert moved.facts["psi"] > calm.facts["psi"] and moved.facts["empty"] > 0
    assert (
        mll.plot_drift([0, 0, 0], [0, 1], name="flat").facts["bins"] == 2
    )  # PSI's bins: < 0 and >= 0


@pytest.mark.parametrize(
    "call",
    [
        lambda p: mll.psi_null(p, n=3000),
        lambda p: mll.psi_null(p, n=1),
        lambda p: mll.drift_alert([], 0.3),
        lambda p: mll.drift_alert([0.1], 0.3, k=4, m=3),
        lambda p: mll.drift_alert([0.1], -1.0),
        lambda p: mll.plot_psi_null([]),
        lambda p: mll.plot_drift([], [1.0]),
        lambda p: mll.psi_null(p, n=40).threshold(1.5),
    ],
)
def test_bad_input_is_one_clear_line(pool, call):
    with pytest.raises(MLLError):
        call(pool)


def test_drift_pictures_show_a_shift_in_one_feature_and_in_pc1():
    import pandas as pd

    rng = np.random.default_rng(0)
    ref = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    same = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    moved = same.assign(a=same["a"] + 2, b=same["b"] + 2)
    calm = mll.plot_drift_pca(ref, same, "a").facts
    shifted = mll.plot_drift_pca(ref, moved, "a").facts
    assert calm["psi a"] < 0.1 and calm["psi PC1 of all features"] < 0.1
    assert shifted["psi a"] > 1 and shifted["psi PC1 of all features"] > 0.25
    assert 0 < calm["pc1_explained"] <= 1
    with pytest.raises(mll.MLLError, match="feature"):
        mll.plot_drift_pca(ref, same, "z")
    with pytest.raises(mll.MLLError, match="DataFrames"):
        mll.plot_drift_pca(ref.to_numpy(), same, "a")
