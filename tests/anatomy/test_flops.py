"""FLOP counting: exact reference counts, mode independence, kernels other counters miss."""

from __future__ import annotations

import contextlib

import pytest

torch = pytest.importorskip("torch")

from mlliteracy import MLLError  # noqa: E402
from mlliteracy.anatomy.autopsy import autopsy  # noqa: E402
from mlliteracy.anatomy.flops import kaplan_flops, trace_model  # noqa: E402
from mlliteracy.models.zoo import load_model  # noqa: E402

# (params, flops) at batch 1, 224x224 / 128 tokens: /work/shared/references.md
VISION_REFERENCE = {
    "resnet18": (11_689_512, 3_628_146_688),
    "resnet50": (25_557_032, 8_178_368_512),
    "mobilenet_v2": (3_504_872, 601_548_544),
    "mobilenet_v3_small": (2_542_856, 113_020_800),
}
BERT_PARAMS, BERT_EMBEDDING, BERT_FLOPS = 109_482_240, 23_837_184, 22_348_431_360
MODES = ("train", "eval", "no_grad", "inference_mode")


def _context(mode: str):
    return {
        "no_grad": torch.no_grad,
        "inference_mode": torch.inference_mode,
    }.get(mode, contextlib.nullcontext)()


def _count(model, inputs, mode: str):
    model.train(mode == "train")
    try:
        with _context(mode):
            return autopsy(model, inputs).flops
    finally:
        model.eval()


@pytest.mark.parametrize("name", sorted(VISION_REFERENCE))
def test_vision_reference_counts_are_exact(name):
    zm = load_model(name, device="meta")  # same kernels' shapes, no compute; resnet18 runs below
    rep = autopsy(zm)
    assert (rep.params, rep.flops) == VISION_REFERENCE[name]
    assert rep.macs * 2 == rep.flops
    assert rep.output_shape == (1, 1000)


def test_resnet18_is_mode_independent():
    zm = load_model("resnet18")
    counts = {mode: _count(zm.model, zm.example_input, mode) for mode in MODES}
    assert set(counts.values()) == {VISION_REFERENCE["resnet18"][1]}


@pytest.fixture(scope="module")
def bert():
    return load_model("bert-base")


def _with_attention(model, impl: str, inputs, mode: str) -> int:
    model.config._attn_implementation = impl
    try:
        return _count(model, inputs, mode)
    finally:
        model.config._attn_implementation = "sdpa"


@pytest.mark.parametrize(
    ("impl", "mode"), [("eager", "no_grad"), ("sdpa", "inference_mode"), ("eager", "train")]
)
def test_bert_base_reference_flops_in_both_attention_kernels(bert, impl, mode):
    assert _with_attention(bert.model, impl, bert.example_input, mode) == BERT_FLOPS


def test_small_bert_identical_for_every_kernel_and_mode():
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    cfg = BertConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128
    )
    model = BertModel(cfg).eval()
    inputs = {"input_ids": torch.ones(1, 16, dtype=torch.long), "attention_mask": torch.ones(1, 16)}
    counts = {
        (impl, mode): _with_attention(model, impl, inputs, mode)
        for impl in ("eager", "sdpa")
        for mode in MODES
    }
    assert len(set(counts.values())) == 1, counts
    assert next(iter(counts.values())) > 0


def test_bert_base_params_embeddings_and_kaplan(bert):
    with torch.no_grad():
        rep = autopsy(bert)
    expected = (BERT_PARAMS, BERT_EMBEDDING, BERT_FLOPS)
    assert (rep.params, rep.embedding_params, rep.flops) == expected
    cfg = bert.model.config
    estimate = kaplan_flops(
        rep.params - rep.embedding_params,
        n_layer=cfg.num_hidden_layers,
        n_ctx=128,
        d_attn=cfg.hidden_size,
    )
    assert abs(estimate - rep.flops) / rep.flops < 0.01
    assert rep.family == "transformer encoder"
    assert [b.name for b in rep.blocks] == [
        "embeddings",
        *(f"encoder.layer.{i}" for i in range(12)),
        "pooler",
    ]


@pytest.mark.parametrize(
    ("name", "params", "flops"),
    [
        ("distilbert", 66_362_880, 11_173_625_856),
        ("minilm", 22_713_216, 2_869_198_848),
    ],
)
def test_text_reference_counts_are_exact(name, params, flops):
    zm = load_model(name)
    with torch.no_grad():
        rep = autopsy(zm)
    assert (rep.params, rep.flops) == (params, flops)


def test_kaplan_formula_and_input_checks():
    assert kaplan_flops(85_645_056, n_layer=12, n_ctx=128, d_attn=768) == 22_227_124_224
    assert kaplan_flops(0, n_layer=0, n_ctx=10, d_attn=8) == 0
    with pytest.raises(MLLError, match="n_ctx=-1"):
        kaplan_flops(10, n_layer=1, n_ctx=-1, d_attn=8)


def test_linear_counts_every_token_and_conv_counts_every_pixel():
    linear = torch.nn.Linear(16, 32)
    assert trace_model(linear, torch.zeros(2, 5, 16)).total_flops == 2 * 2 * 5 * 16 * 32
    conv = torch.nn.Conv2d(3, 8, 3, padding=1)
    assert trace_model(conv, torch.zeros(1, 3, 10, 10)).total_flops == 2 * 8 * 10 * 10 * 3 * 9


class _HandAttention(torch.nn.Module):
    """Attention written with ``@`` and ``torch.matmul``, the way tutorials do."""

    def forward(self, q, k, v):
        scores = (q @ k.transpose(-1, -2)).softmax(-1)
        return torch.matmul(scores, v)


class _Sdpa(torch.nn.Module):
    def forward(self, q, k, v):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v)


@pytest.mark.parametrize("module", [_HandAttention(), _Sdpa()], ids=["matmul", "sdpa"])
@pytest.mark.parametrize("mode", MODES)
def test_attention_counted_in_every_form_and_mode(module, mode):
    b, h, lq, s, e = 2, 3, 7, 5, 8
    q, k, v = torch.randn(b, h, lq, e), torch.randn(b, h, s, e), torch.randn(b, h, s, e)
    with _context(mode):
        flops = trace_model(module, (q, k, v)).total_flops
    assert flops == 2 * 2 * b * h * lq * s * e


@pytest.mark.parametrize("batch", [1, 2])
def test_fused_transformer_fast_paths_match_the_slow_path(batch):
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, batch_first=True)
    x = torch.randn(batch, 6, 32)
    slow = trace_model(layer.train(), x)
    with torch.no_grad():
        fast = trace_model(layer.eval(), x)
    assert fast.total_flops == slow.total_flops > 0
    fused = {"_transformer_encoder_layer_fwd", "_native_multi_head_attention"}
    assert fused & set(fast.op_flops)  # the fast path really ran
    assert not fused & set(slow.op_flops)


def test_native_multi_head_attention_fast_path():
    torch.manual_seed(0)
    mha = torch.nn.MultiheadAttention(16, 2, batch_first=True)
    x = torch.randn(1, 4, 16)
    slow = trace_model(mha.train(), (x, x, x)).total_flops
    with torch.no_grad():
        fast = trace_model(mha.eval(), (x, x, x))
    assert "_native_multi_head_attention" in fast.op_flops
    assert fast.total_flops == slow == 4 * 2 * 4 * 16 * 16 + 2 * 2 * 4 * 4 * 16


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers_count_every_weight_per_token_in_every_mode(cls):
    torch.manual_seed(0)
    rnn = getattr(torch.nn, cls)(4, 8, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.zeros(3, 5, 4)
    counts = set()
    for mode in MODES:
        rnn.train(mode == "train")
        with _context(mode):
            counts.add(trace_model(rnn, x).total_flops)
    matrices = sum(p.numel() for p in rnn.parameters() if p.dim() == 2)
    assert counts == {2 * 15 * matrices}
