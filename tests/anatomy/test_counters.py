"""Other counters beside ours: a convention (MACs) told apart from missed work (raw torch,
torchinfo), and exactly where torchinfo's Mult-Adds part from the dispatcher count."""

from __future__ import annotations

import builtins

import pandas as pd
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from mlliteracy import MLLError  # noqa: E402
from mlliteracy.anatomy.counters import (  # noqa: E402
    compare_counters,
    torchinfo_gaps,
    torchinfo_stats,
)
from mlliteracy.models.zoo import load_model  # noqa: E402

BERT_FLOPS = 22_348_431_360
TOKENS, WIDTH = 12, 8


class TinyAttention(nn.Module):
    """One projection, then attention written with matmuls inside forward (no module owns it)."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(WIDTH, WIDTH, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.proj(x)
        scores = torch.softmax(q @ q.transpose(-1, -2), dim=-1)
        return scores @ q


@pytest.fixture(scope="module")
def bert():
    return load_model("bert-base")


def _no_torchinfo(monkeypatch):
    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "torchinfo":
            raise ImportError("No module named 'torchinfo'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)


def test_bert_rows_tell_convention_from_missed_work(bert):
    frame = compare_counters(bert.model, bert.example_input)
    assert list(frame.columns) == ["reported", "unit", "as FLOPs", "missed FLOPs", "differs by"]
    ours, raw, macs, info = (frame.iloc[i] for i in range(4))
    assert ours["reported"] == BERT_FLOPS and ours["missed FLOPs"] == 0
    # PyTorch's raw counter misses exactly attention: 12 layers x 2 x 128^2 x 768 x 2
    assert raw["reported"] == 21_744_451_584 and raw["missed FLOPs"] == 603_979_776
    assert raw["differs by"].startswith("misses 2.7% of the work: kernels without a formula")
    # the MACs row is a convention: half the number, nothing missing
    assert (macs["reported"], macs["as FLOPs"], macs["missed FLOPs"]) == (
        BERT_FLOPS // 2,
        BERT_FLOPS,
        0,
    )
    assert macs["differs by"] == "convention only: MACs = FLOPs / 2, nothing missing"
    assert "missing" not in " ".join(frame.columns)
    # torchinfo: weights x batch per Linear (tokens ignored); here that is the param count
    assert info["reported"] == 109_482_240 and info["unit"] == "MACs"
    assert info["differs by"].startswith("misses 99.0% of the work: module hooks")


def test_a_counter_that_agrees_is_nothing_missing():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.ReLU()).eval()
    frame = compare_counters(model, torch.zeros(1, 3, 8, 8))
    assert frame["missed FLOPs"].tolist() == [0, 0, 0, 0]
    assert frame.loc["torch FlopCounterMode, raw", "differs by"] == "nothing"
    assert frame.loc["torchinfo summary, Mult-Adds", "differs by"].startswith("convention only")


def test_without_torchinfo_its_row_says_so(monkeypatch):
    _no_torchinfo(monkeypatch)
    model = nn.Linear(4, 2).eval()
    frame = compare_counters(model, torch.zeros(1, 4))
    row = frame.loc["torchinfo summary, Mult-Adds"]
    assert pd.isna(row["reported"]) and pd.isna(row["missed FLOPs"])
    assert row["differs by"] == ("not counted: torchinfo is not installed (pip install torchinfo)")
    assert torchinfo_stats(model, torch.zeros(1, 4)) is None
    with pytest.raises(MLLError, match="pip install torchinfo"):
        torchinfo_gaps(model, torch.zeros(1, 4))


def test_torchinfo_gaps_on_resnet18_only_batchnorm_and_bias_differ():
    zm = load_model("resnet18")
    gaps = torchinfo_gaps(zm.model, zm.example_input)
    assert gaps.loc["Conv2d", "torchinfo Mult-Adds"] == gaps.loc["Conv2d", "mlliteracy MACs"]
    assert gaps.loc["Conv2d", "modules"] == 20
    # the classifier: 512 x 1000 MACs; torchinfo adds its 1,000 biases as Mult-Adds
    assert gaps.loc["Linear", "torchinfo Mult-Adds"] == 513_000
    assert gaps.loc["Linear", "mlliteracy MACs"] == 512_000
    # batch norm does no multiply-accumulate; torchinfo counts its 9,600 scales and shifts
    assert gaps.loc["BatchNorm2d", "torchinfo Mult-Adds"] == 9_600
    assert gaps.loc["BatchNorm2d", "mlliteracy MACs"] == 0
    info = torchinfo_stats(zm.model, zm.example_input)
    assert gaps.loc["total", "torchinfo Mult-Adds"] == info.total_mult_adds == 1_814_083_944
    assert gaps.loc["total", "mlliteracy MACs"] == 3_628_146_688 // 2


def test_torchinfo_gaps_show_attention_and_tokens_missed():
    model = TinyAttention().eval()
    gaps = torchinfo_gaps(model, torch.zeros(1, TOKENS, WIDTH))
    # the projection: torchinfo counts its weights once per batch row, not once per token
    assert gaps.loc["Linear", "torchinfo Mult-Adds"] == WIDTH * WIDTH
    assert gaps.loc["Linear", "mlliteracy MACs"] == TOKENS * WIDTH * WIDTH
    assert gaps.loc["Linear", "torchinfo / mlliteracy"] == round(1 / TOKENS, 4)
    # the two attention matmuls run in the model's own forward: torchinfo sees none of them
    own = "(code of TinyAttention itself)"
    assert gaps.loc[own, "torchinfo Mult-Adds"] == 0
    assert gaps.loc[own, "mlliteracy MACs"] == 2 * TOKENS * TOKENS * WIDTH
    assert gaps.index[-1] == "total"


def test_torchinfo_stats_checks_its_input():
    with pytest.raises(MLLError, match=r"not a torch\.nn\.Module"):
        torchinfo_stats("model", torch.zeros(1))
    with pytest.raises(MLLError, match="torchinfo could not run Linear"):
        torchinfo_stats(nn.Linear(4, 2), torch.zeros(1, 3))
