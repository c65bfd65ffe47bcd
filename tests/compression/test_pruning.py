"""Pruning: exact sparsity, channels physically removed, the smaller model still runs."""

from __future__ import annotations

import pytest
import torch

import mlliteracy as mll
from mlliteracy.compression.pruning import pruned_count


@pytest.fixture(scope="module")
def cnn():
    return mll.load_digits_cnn()


@pytest.mark.parametrize("amount", [0.0, 0.3, 0.5, 0.9])
def test_unstructured_sparsity_is_exact(cnn, amount):
    pruned, report = mll.prune_unstructured(cnn, amount)
    shapes = {n: (w.numel(), int((w == 0).sum())) for n, w in report_tensors(pruned)}
    assert report.zeros == sum(pruned_count(n, amount) for n, _ in shapes.values())
    for name, elements, zeros in report.rows:
        assert (elements, zeros) == shapes[name]
        assert zeros == pruned_count(elements, amount)


def report_tensors(model):
    return [(f"{n}.weight", m.weight) for n, m in model.named_modules()
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]  # fmt: skip


def test_half_sparsity_counts_and_original_untouched(cnn):
    before = {k: v.clone() for k, v in cnn.state_dict().items()}
    _, report = mll.prune_unstructured(cnn, 0.5)
    assert (report.total, report.zeros) == (38160, 19080)
    assert report.sparsity == 0.5
    assert all(torch.equal(before[k], v) for k, v in cnn.state_dict().items())


def test_unstructured_keeps_the_largest_weights(cnn):
    pruned, _ = mll.prune_unstructured(cnn, 0.5)
    w, p = cnn.classifier[1].weight.abs(), pruned.classifier[1].weight
    assert w[p == 0].max() <= w[p != 0].min()
    assert pruned.classifier[1].weight.shape == w.shape  # shapes stay: dense kernels, same work


def test_prune_channels_removes_exact_channels(cnn):
    small = mll.prune_channels(cnn, keep=(8, 16))
    assert small.features[0].weight.shape == (8, 1, 3, 3)
    assert small.features[2].weight.shape == (16, 8, 3, 3)
    assert small.classifier[1].weight.shape == (64, 16 * 16)
    assert sum(p.numel() for p in small.parameters()) == 18346
    assert small(torch.zeros(5, 1, 8, 8)).shape == (5, 10)
    x = torch.zeros(1, 1, 8, 8)
    full, part = mll.autopsy(cnn, x), mll.autopsy(small, x)
    assert part.flops < full.flops / 3


def test_prune_channels_keeping_all_is_the_same_function(cnn):
    same = mll.prune_channels(cnn, keep=(16, 32))
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(same(x), cnn(x), atol=1e-5)


@pytest.mark.parametrize("bad", [(0, 8), (17, 8), (8,), "8", (8.0, 16)])
def test_prune_channels_rejects_bad_keep(cnn, bad):
    with pytest.raises(mll.MLLError, match="keep="):
        mll.prune_channels(cnn, keep=bad)


@pytest.mark.parametrize("bad", [-0.1, 1.0, "half", True])
def test_prune_unstructured_rejects_bad_amount(cnn, bad):
    with pytest.raises(mll.MLLError, match="amount="):
        mll.prune_unstructured(cnn, bad)
