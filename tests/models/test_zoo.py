"""The offline model zoo: every target loads without network; every torchvision model counts."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

from mlliteracy import MLLError  # noqa: E402
from mlliteracy.anatomy.autopsy import autopsy  # noqa: E402
from mlliteracy.models.zoo import RANDOM_WEIGHTS, load_model, zoo_names  # noqa: E402

VISION = torchvision.models.list_models(module=torchvision.models)


def test_zoo_names_cover_aliases_and_every_torchvision_model():
    names = zoo_names()
    assert names[:8] == [
        "resnet18",
        "resnet50",
        "mobilenet_v2",
        "mobilenet_v3_small",
        "minilm",
        "bert-base",
        "distilbert",
        "digits-cnn",
    ]
    assert len(names) == 8 + len(VISION)


@pytest.mark.parametrize(
    ("target", "kwargs", "match"),
    [
        ("gpt-5", {}, "not in the zoo; pass one of resnet18"),
        ("torchvision:nope", {}, "torchvision architecture 'nope' is unknown"),
        ("resnet18", {"device": "cuda:7"}, "device='cuda:7'"),
        ("", {}, "target=''"),
        ("resnet18", {"seed": "0"}, "seed='0'"),
    ],
)
def test_bad_targets_are_clear_errors(target, kwargs, match):
    with pytest.raises(MLLError, match=match):
        load_model(target, **kwargs)


def test_every_torchvision_architecture_counts_on_the_meta_device():
    """'Any architecture torchvision offers must work': shapes only, no compute."""
    failures = {}
    for arch in VISION:
        try:
            with torch.no_grad():  # no autograd bookkeeping: the counts are the same
                rep = autopsy(load_model(f"torchvision:{arch}", device="meta"))
            assert rep.params > 0 and rep.flops > 0 and rep.output_shape == (1, 1000)
        except Exception as err:  # collect all, fail once with the list
            failures[arch] = f"{type(err).__name__}: {err}"
    assert not failures, failures


@pytest.mark.parametrize("arch", ["resnet18", "squeezenet1_1", "regnet_x_400mf", "mnasnet0_5"])
def test_meta_counts_equal_real_counts(arch):
    meta = autopsy(load_model(f"torchvision:{arch}", device="meta"))
    real = load_model(f"torchvision:{arch}")
    with torch.no_grad():
        counted = autopsy(real)
    assert (meta.params, meta.flops) == (counted.params, counted.flops)
    assert meta.params == sum(p.numel() for p in real.model.parameters())
    assert real.weights == RANDOM_WEIGHTS and not real.model.training


def test_minilm_is_the_real_pretrained_encoder_with_its_tokenizer():
    zm = load_model("minilm")
    assert zm.weights.startswith("pretrained: sentence-transformers/all-MiniLM-L6-v2")
    assert zm.tokenizer is not None
    assert {k: tuple(v.shape) for k, v in zm.example_input.items()} == {
        "input_ids": (1, 128),
        "token_type_ids": (1, 128),
        "attention_mask": (1, 128),
    }
    ids = zm.example_input["input_ids"][0]
    assert ids[0].item() == zm.tokenizer.cls_token_id
    assert int(zm.example_input["attention_mask"].sum()) < 128  # padded, not filler text
    # the shipped weights, not a random init: a fresh init differs
    fresh = load_model("minilm", pretrained=False)
    assert fresh.weights == RANDOM_WEIGHTS
    emb = zm.model.embeddings.word_embeddings.weight
    assert not torch.equal(emb, fresh.model.embeddings.word_embeddings.weight)


def test_random_init_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a = load_model("minilm", pretrained=False, seed=1)
    after = torch.rand(1)
    b = load_model("minilm", pretrained=False, seed=1)
    c = load_model("minilm", pretrained=False, seed=2)
    w = [m.model.encoder.layer[0].output.dense.weight for m in (a, b, c)]
    assert torch.equal(w[0], w[1]) and not torch.equal(w[0], w[2])
    assert torch.equal(after, expected)


def test_distilbert_has_no_token_type_ids_and_says_random_init():
    zm = load_model("distilbert", device="meta")
    assert set(zm.example_input) == {"input_ids"}
    assert zm.weights == RANDOM_WEIGHTS and "random init" in zm.description


def test_digits_cnn_loads_trained_weights():
    zm = load_model("digits-cnn")
    assert zm.weights.startswith("pretrained:")
    assert tuple(zm.example_input.shape) == (1, 1, 8, 8)
    with torch.no_grad():
        assert tuple(zm.model(zm.example_input).shape) == (1, 10)
    meta = autopsy(load_model("digits-cnn", device="meta"))
    assert meta.params == sum(p.numel() for p in zm.model.parameters())


def test_zoo_model_reprs():
    zm = load_model("resnet18", device="meta")
    assert repr(zm) == f"ZooModel(name='resnet18', weights={RANDOM_WEIGHTS!r})"
    assert "1x3x224x224" in zm._repr_html_()


def test_digits_cnn_without_shipped_weights_says_so(monkeypatch, tmp_path):
    import mlliteracy.models.nets

    monkeypatch.setattr(mlliteracy.models.nets, "digits_cnn_assets", lambda: tmp_path)
    with pytest.raises(MLLError, match=r"model\.safetensors are missing"):
        load_model("digits-cnn")
