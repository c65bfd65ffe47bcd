"""The autopsy report: sharing counted once, per-layer table, renderings, input checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import mlliteracy as mll  # noqa: E402
from mlliteracy import MLLError  # noqa: E402
from mlliteracy.anatomy.autopsy import LAYER_COLUMNS, AutopsyReport, autopsy  # noqa: E402

GOLDEN = Path(__file__).parents[1] / "golden" / "autopsy_report_toy.md"


class Toy(nn.Module):
    """conv -> BN -> ReLU -> flatten -> linear -> linear (deterministic for the golden file)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.act = nn.ReLU()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 8 * 8, 16), nn.Linear(16, 10))

    def forward(self, x):
        return self.head(self.act(self.bn(self.conv(x))))


class Reuse(nn.Module):
    """One Linear applied twice: its weights exist once but run twice."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc(torch.relu(self.fc(x)))


class Tied(nn.Module):
    """Embedding and output projection share one matrix (tied weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 8)
        self.out = nn.Linear(8, 50, bias=False)
        self.out.weight = self.embed.weight

    def forward(self, ids):
        return self.out(self.embed(ids))


class Alias(nn.Module):
    """The same block registered under two names."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(4, 4)
        self.second = self.first

    def forward(self, x):
        return self.second(self.first(x))


def test_reused_linear_counts_params_once_and_flops_twice():
    rep = autopsy(Reuse(), input_size=(1, 8))
    assert rep.params == 8 * 8 + 8
    assert rep.flops == 2 * (2 * 8 * 8)
    (row,) = rep.layers
    assert row.calls == 2
    assert any("fc ran 2 times" in s for s in rep.shared)


def test_tied_embedding_is_counted_once_and_shown():
    rep = autopsy(Tied(), torch.tensor([[1, 2, 3]]))
    assert rep.params == 50 * 8
    assert rep.shared == ("out.weight is tied to embed.weight (counted once)",)
    assert {r.name: r.params for r in rep.layers} == {"embed": 400, "out": 0}
    assert rep.embedding_params == 400


def test_aliased_module_is_counted_once():
    rep = autopsy(Alias(), input_size=(2, 4))
    assert rep.params == 20
    assert "first is the same module as second (counted once)" in rep.shared
    assert rep.layers[0].shared_with == "second"


def test_rows_add_up_to_the_totals():
    zm = mll.load_model("resnet18", device="meta")
    rep = autopsy(zm)
    assert sum(r.params for r in rep.layers) == rep.params
    assert sum(r.flops for r in rep.layers) == rep.flops
    assert sum(r.share for r in rep.layers) == pytest.approx(1.0)
    assert sum(b.flops for b in rep.blocks) == rep.flops
    assert [b.name for b in rep.blocks] == [
        "conv1",
        "bn1",
        *(f"layer{i}" for i in range(1, 5)),
        "fc",
    ]
    assert rep.family == "CNN"
    assert rep.size_bytes == {"fp32": 4 * rep.params, "fp16": 2 * rep.params, "int8": rep.params}
    conv1 = next(r for r in rep.layers if r.name == "conv1")
    assert (conv1.input_shape, conv1.output_shape) == ("1x3x224x224", "1x64x112x112")
    assert conv1.activation_bytes == 64 * 112 * 112 * 4


def test_frozen_parameters_are_reported():
    model = Toy()
    for p in model.conv.parameters():
        p.requires_grad_(False)
    rep = autopsy(model, input_size=(1, 1, 8, 8))
    assert rep.params - rep.trainable_params == 4 * 9 + 4
    conv = next(r for r in rep.layers if r.name == "conv")
    assert (conv.trainable, conv.frozen) == (0, 40)


def test_arithmetic_intensity_of_a_linear_layer():
    rep = autopsy(nn.Linear(16, 32), input_size=(2, 5, 16))
    (row,) = rep.layers
    moved = 4 * (32 + 10 * 16 + 16 * 32 + 10 * 32)  # bias, input, weight, output (fp32)
    assert row.flops == 10_240
    assert row.intensity == pytest.approx(10_240 / moved)
    assert rep.intensity == pytest.approx(row.intensity)


def test_train_mode_autopsy_leaves_batchnorm_statistics_alone():
    model = Toy().train()
    before = model.bn.running_mean.clone(), int(model.bn.num_batches_tracked)
    autopsy(model, torch.randn(2, 1, 8, 8))
    assert torch.equal(model.bn.running_mean, before[0])
    assert int(model.bn.num_batches_tracked) == before[1]
    assert model.training


def test_input_size_and_example_input_agree():
    model = Toy().eval()
    a = autopsy(model, input_size=(1, 1, 8, 8))
    b = autopsy(model, torch.zeros(1, 1, 8, 8))
    assert a.to_json() == b.to_json()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "got neither"),
        ({"example_input": torch.zeros(1, 1, 8, 8), "input_size": (1, 1, 8, 8)}, "not both"),
        ({"input_size": (1, -1, 8)}, r"input_size=\(1, -1, 8\)"),
        ({"input_size": (1, 1, 8, 8), "dtype": "int64"}, "dtype='int64'"),
        ({"example_input": "abc"}, "type str is not supported"),
        ({"input_size": (1, 3, 8, 8)}, "failed on the example input 1x3x8x8"),
    ],
)
def test_bad_input_is_one_clear_error(kwargs, match):
    with pytest.raises(MLLError, match=match):
        autopsy(Toy(), **kwargs)


def test_non_module_is_refused():
    with pytest.raises(MLLError, match=r"not a torch\.nn\.Module"):
        autopsy("resnet18")


@pytest.mark.parametrize(
    ("model", "x", "family"),
    [
        (Toy(), torch.zeros(1, 1, 8, 8), "CNN"),
        (nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), torch.zeros(1, 4), "MLP"),
        (nn.LSTM(4, 8, batch_first=True), torch.zeros(1, 5, 4), "RNN"),
        (
            nn.TransformerEncoderLayer(8, 2, 16, batch_first=True),
            torch.zeros(1, 3, 8),
            "transformer encoder",
        ),
    ],
)
def test_family_is_recognised(model, x, family):
    rep = autopsy(model.eval(), x)
    assert rep.family == family
    assert rep.flops > 0


def test_transformers_decoder_and_encoder_are_told_apart():
    from transformers import BertConfig, BertModel, GPT2Config, GPT2Model

    torch.manual_seed(0)
    gpt = GPT2Model(GPT2Config(n_layer=1, n_embd=32, n_head=2, n_positions=16, vocab_size=50))
    bert = BertModel(
        BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    )
    ids = torch.ones(1, 8, dtype=torch.long)
    assert autopsy(gpt.eval(), {"input_ids": ids}).family == "transformer decoder"
    assert autopsy(bert.eval(), {"input_ids": ids}).family == "transformer encoder"
    layer = nn.TransformerDecoderLayer(8, 2, 16, batch_first=True).eval()
    x = torch.zeros(1, 3, 8)
    assert autopsy(layer, (x, x)).family == "transformer decoder"


def test_renderings():
    rep = autopsy(Toy().eval(), input_size=(1, 1, 8, 8), name="<toy>")
    data = rep.to_json()
    assert json.loads(json.dumps(data)) == data
    for key in ("name", "params", "trainable_params", "flops", "macs", "input_shape"):
        assert key in data
    assert data["output_shape"] == [1, 10]
    names = [row["name"] for row in data["layers"]]
    assert names == ["conv", "bn", "act", "head.0", "head.1", "head.2"]  # every leaf that ran
    frame = rep.to_frame()
    assert list(frame.columns) == list(LAYER_COLUMNS) and len(frame) == 6
    assert (
        rep.to_markdown().splitlines()[0]
        == "| name | type | output_shape | params | flops | share |"
    )
    assert repr(rep).startswith("AutopsyReport(name='<toy>', family='CNN', params=")
    html = rep._repr_html_()
    assert "&lt;toy&gt;" in html and "<toy>" not in html
    assert isinstance(rep, AutopsyReport)


def test_report_matches_golden_file():
    torch.manual_seed(0)
    text = autopsy(Toy().eval(), input_size=(1, 1, 8, 8), name="toy").report()
    if os.environ.get("MLL_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def _pm_page(text: str) -> str:
    page, appendix = text.split("\n---\n", 1)
    assert appendix.lstrip().startswith("## Engineer appendix")
    return page


def test_report_page_speaks_product_not_roofline():
    rep = autopsy(Toy().eval(), input_size=(1, 1, 8, 8), name="toy")
    text = rep.report()
    page = _pm_page(text)
    for heading in ("## What it is", "## What it needs", "latency", "price"):
        assert heading in page
    # no roofline terms and no module paths on the product manager's page ...
    for jargon in ("ridge", "intensity", "memory-bound", "compute-bound", "head.1", "`conv`"):
        assert jargon not in page, jargon
    assert "4.33 thousand" in page and "13.1 thousand" in page
    # ... they are all in the engineer appendix
    assert "ridge point is ~9" in text and "`head.1` (Linear" in text
    assert "report(price=" in page and "per million requests**" not in page


def test_report_price_gives_a_dollar_floor():
    rep = autopsy(Toy().eval(), input_size=(1, 1, 8, 8), name="toy")
    page = _pm_page(rep.report(price=3.6))
    # 13,120 FLOPs at 100 GFLOP/s: 7.62 million requests/s; $3.6/h -> $1.31e-07 per million
    assert "at most **7.62 million** requests per second" in page
    assert "At $3.6 per hour (your machine; your price)" in page
    assert f"**${3.6 / (1e11 / 13_120 * 3600) * 1e6:.3g} per million requests**" in page
    shown = _pm_page(rep.report(price=mll.ILLUSTRATIVE_PRICES["cpu-2vcpu"]))
    assert "an illustrative price, check today's" in shown
    with pytest.raises(MLLError, match="not a price"):
        rep.report(price="cheap")


@pytest.mark.parametrize(
    ("model", "shape", "words"),
    [
        (Toy(), (1, 1, 8, 8), "moving numbers through memory"),
        (nn.Linear(1024, 1024), (512, 1024), "The arithmetic itself is probably the main cost"),
    ],
)
def test_report_latency_advice_follows_the_roofline_both_ways(model, shape, words):
    rep = autopsy(model.eval(), input_size=shape, name="m")
    page = _pm_page(rep.report())
    assert words in page
    other = "The arithmetic itself" if "memory" in words else "moving numbers through memory"
    assert other not in page
    bound = "memory-bound" if "memory" in words else "compute-bound"
    assert f"**{bound}**" in rep.report()


def test_plain_words_for_counts_and_durations():
    from mlliteracy.anatomy.report import plain_count, plain_duration

    assert [plain_count(n) for n in (999, 38_282, 2_542_856, 3.6e9, 2e12)] == [
        "999",
        "38.3 thousand",
        "2.54 million",
        "3.6 billion",
        "2 trillion",
    ]
    assert [plain_duration(s) for s in (2.5, 0.00113, 1.31e-7)] == ["2.5 s", "1.13 ms", "0.131 µs"]


def test_compare_autopsies_table():
    reps = [autopsy(Toy().eval(), input_size=(1, 1, 8, 8), name=n) for n in ("a", "b")]
    frame = mll.compare_autopsies(reps)
    assert list(frame.index) == ["a", "b"]
    assert frame.loc["a", "params"] == reps[0].params
    with pytest.raises(MLLError, match="non-empty list"):
        mll.compare_autopsies([])
