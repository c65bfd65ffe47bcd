from fractions import Fraction
from types import SimpleNamespace

import pytest

import mlliteracy as mll


def test_gemm_intensity_exact():
    # (1 x 384) @ (384 x 384): 2*384*384 FLOPs over 4 bytes * (384 + 384*384 + 384) elements
    expected = Fraction(2 * 384 * 384, 4 * (384 + 384 * 384 + 384))
    assert mll.gemm_intensity(1, 384, 384) == pytest.approx(float(expected), rel=1e-15)
    # square n: 2n^3 / (3 * 4 * n^2) = n / 6 in fp32, n / 3 in fp16
    assert mll.gemm_intensity(600, 600, 600) == pytest.approx(100.0)
    assert mll.gemm_intensity(600, 600, 600, dtype="float16") == pytest.approx(200.0)
    assert mll.gemm_flops(2, 3, 4) == 48


def test_intensity_grows_with_batch():
    values = [mll.gemm_intensity(b, 384, 1536) for b in (1, 8, 32, 128)]
    assert values == sorted(values) and values[0] < 1 < values[-1]


def test_attainable_is_min_of_the_two_roofs():
    assert mll.attainable_gflops(2.0, peak_gflops=100, bandwidth_gbs=10) == 20.0
    assert mll.attainable_gflops(50.0, peak_gflops=100, bandwidth_gbs=10) == 100.0
    roof = mll.Roof(100.0, 10.0, threads=2, gemm_size=64, array_mb=1.0)
    assert roof.ridge == 10.0
    assert roof.attainable(10.0) == 100.0
    assert (roof.bound(0.5), roof.bound(20.0)) == ("memory", "compute")
    assert "ridge=10.0" in repr(roof) and "<table" in roof._repr_html_()


def test_encoder_flops_match_reference_counts():
    assert mll.encoder_flops(6, 384, 1536, 128) == 2_869_198_848  # all-MiniLM-L6-v2
    assert mll.encoder_flops(12, 768, 3072, 128) == 22_348_431_360  # BERT-base
    assert mll.encoder_flops(6, 384, 1536, 128, batch=32) == 32 * 2_869_198_848


def test_measurements_are_positive_with_tiny_sizes():
    roof = mll.measure_roof(gemm_size=64, array_mb=0.5, repeats=2)
    assert roof.peak_gflops > 0 and roof.bandwidth_gbs > 0 and roof.threads >= 1
    assert roof.gemm_size == 64


def test_layer_points_and_plot():
    layers = [
        SimpleNamespace(name="a", type="Linear", flops=1000, intensity=0.5, share=0.5),
        SimpleNamespace(name="b", type="Linear", flops=1000, intensity=50.0, share=0.5),
        SimpleNamespace(name="c", type="LayerNorm", flops=0, intensity=0.0, share=0.0),
    ]
    roof = mll.Roof(100.0, 10.0, threads=1, gemm_size=64, array_mb=1.0)
    frame = mll.layer_points(SimpleNamespace(layers=layers), roof)
    assert frame["name"].tolist() == ["a", "b"]
    assert frame["bytes"].tolist() == [2000, 20]
    assert frame["bound"].tolist() == ["memory", "compute"]
    assert frame["attainable_gflops"].tolist() == [5.0, 100.0]
    plot = mll.plot_roofline(roof, frame)
    assert plot.facts["n_points"] == 2 and plot._repr_png_().startswith(b"\x89PNG")


def test_batch_points_intensity_rises_with_batch():
    import torch

    layer = torch.nn.Linear(32, 32)
    weights = 4 * sum(p.numel() for p in layer.parameters())
    frame = mll.batch_points(
        lambda x: layer(x), lambda b: torch.ones(b, 32), 2 * 32 * 32, (1, 16),
        weight_bytes=weights, activation_bytes_per_item=4 * 64, repeats=2,
    )  # fmt: skip
    assert frame["batch"].tolist() == [1, 16]
    assert (frame["achieved_gflops"] > 0).all()
    assert frame["intensity"].is_monotonic_increasing


def test_text_batch_points_pads_every_item_to_the_sequence_length():
    import torch

    class Tokenizer:
        def __call__(self, texts, *, padding, truncation, max_length, return_tensors):
            assert padding == "max_length" and truncation and return_tensors == "pt"
            return {"input_ids": torch.ones(len(texts), max_length, dtype=torch.long)}

    seen = []

    def model(input_ids):
        seen.append(input_ids.shape)

    zoo = SimpleNamespace(tokenizer=Tokenizer(), model=model)
    report = SimpleNamespace(flops=1000, size_bytes={"fp32": 400}, activation_bytes=100, name="toy")
    frame = mll.text_batch_points(zoo, report, (1, 4), repeats=1, seq=16)
    assert frame["name"].tolist() == ["toy batch 1", "toy batch 4"]
    assert frame["flops"].tolist() == [1000, 4000]
    assert set(seen) == {torch.Size([1, 16]), torch.Size([4, 16])}


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: mll.gemm_intensity(0, 3, 3), "m"),
        (lambda: mll.gemm_intensity(1, 3, 3, dtype="float64"), "dtype"),
        (lambda: mll.attainable_gflops(-1, 10, 10), "intensity"),
        (lambda: mll.measure_roof(gemm_size=2), "size"),
        (lambda: mll.layer_points(object(), mll.Roof(1, 1, 1, 8, 1.0)), "layers"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(mll.MLLError, match=argument):
        call()


def test_the_int8_roof_is_measured_and_drawn_for_int8_points():
    import pandas as pd

    from mlliteracy.cost.roofline import measure_int8_peak_gflops

    assert measure_int8_peak_gflops(size=64, repeats=2) > 0
    roof = mll.Roof(100.0, 10.0, threads=1, gemm_size=64, array_mb=1.0, int8_peak_gflops=180.0)
    assert "int8 peak=180.0" in repr(roof) and roof.to_dict()["int8_peak_gflops"] == 180.0
    assert "int8_peak_gflops" not in mll.Roof(100.0, 10.0, 1, 64, 1.0).to_dict()
    points = pd.DataFrame(
        {
            "name": ["fp32", "pruned", "int8"],
            "intensity": [250.0, 250.0, 600.0],
            "achieved_gflops": [26.0, 26.0, 90.0],
            "int8": [False, False, True],
        }
    )
    plot = mll.plot_roofline(roof, points)
    ax = plot.figure.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "fp32 roof", "int8 roof (G ops/s)",
    ]  # fmt: skip
    labels = sorted(t.get_text() for t in ax.texts if not t.get_text().startswith(" ridge"))
    assert labels == ["1,2", "3"]  # the two points on one spot share a label
    key = plot.figure.texts[0].get_text().splitlines()
    assert key == [" 1  fp32", " 2  pruned", " 3  int8"]
