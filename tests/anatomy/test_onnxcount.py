"""ONNX graph counting: exact reference counts and agreement with PyTorch's own counter."""

from __future__ import annotations

import warnings

import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import mlliteracy as mll
from mlliteracy._core.errors import MLLError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


def _export(model: nn.Module, example, path, **kwargs) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (example,), str(path), dynamo=False, **kwargs)


@pytest.fixture(scope="module")
def resnet18_onnx(tmp_path_factory):
    import torchvision

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("onnx") / "resnet18.onnx"
    _export(
        torchvision.models.resnet18(weights=None),
        torch.zeros(1, 3, 224, 224),
        path,
        do_constant_folding=False,
        input_names=["image"],
        dynamic_axes={"image": {0: "batch"}},
    )
    return path


def test_resnet18_reference_counts(resnet18_onnx):
    c = mll.count_onnx(resnet18_onnx)
    assert c.params == 11_689_512
    assert c.flops == 3_628_146_688 and c.macs == 1_814_073_344
    assert c.input_shape == (1, 3, 224, 224) and c.output_shape == (1, 1000)
    assert c.op_summary()["Conv"]["nodes"] == 20 and c.op_summary()["Gemm"]["flops"] == 1_024_000
    assert any("dynamic" in n for n in c.notes)  # the batch dim was symbolic


def test_flops_scale_with_batch_and_params_do_not(resnet18_onnx):
    one = mll.count_onnx(resnet18_onnx)
    four = mll.count_onnx(resnet18_onnx, input_shape=(4, 3, 224, 224))
    assert four.flops == 4 * one.flops and four.params == one.params


def test_json_and_report(resnet18_onnx):
    c = mll.count_onnx(resnet18_onnx)
    data = c.to_json()
    for key in (
        "name",
        "params",
        "trainable_params",
        "flops",
        "macs",
        "input_shape",
        "output_shape",
        "layers",
    ):
        assert key in data
    assert data["input_shape"] == [1, 3, 224, 224] and isinstance(data["layers"], list)
    assert sum(layer["flops"] for layer in data["layers"]) == c.flops
    assert sum(layer["params"] for layer in data["layers"]) == c.params
    assert "| Conv | 20 | " in c.report() and "resnet18.onnx" in repr(c)
    assert "<table" in c._repr_html_()


def test_onnx_inventory_lists_stored_initializers(resnet18_onnx):
    """The file stores fewer tensors than the model has: the exporter merged equal ones
    (fresh BatchNorm weights are all ones) behind Identity nodes; count_onnx undoes that."""
    inv = mll.inspect_file(resnet18_onnx)
    stored = onnx.load(str(resnet18_onnx)).graph.initializer
    assert inv.format == "onnx" and len(inv.tensors) == len(stored) == 30
    assert inv.params == 11_681_832 < mll.count_onnx(resnet18_onnx).params


class _Mixed(nn.Module):
    """Depthwise + grouped conv, transposed conv, batched matmul and a linear on (B, S, D)."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.grouped = nn.Conv2d(8, 16, 3, stride=2, groups=4)
        self.up = nn.ConvTranspose2d(16, 4, 2, stride=2, groups=2)
        self.proj = nn.Linear(12, 6)

    def forward(self, x):
        x = self.up(self.grouped(self.dw(x)))  # (B, 4, 12, 12)
        x = x.flatten(2)  # (B, 4, 144)
        att = torch.matmul(x, x.transpose(1, 2))  # (B, 4, 4), K = 144
        return self.proj(torch.matmul(att, x).reshape(x.shape[0], 48, 12))


def test_matches_pytorch_flop_counter_on_mixed_ops(tmp_path):
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    model, x = _Mixed().eval(), torch.randn(2, 8, 13, 13)
    with FlopCounterMode(display=False) as counter:
        model(x)
    path = tmp_path / "mixed.onnx"
    _export(model, x, path)
    c = mll.count_onnx(path)
    assert c.flops == counter.get_total_flops() > 0
    assert c.params == sum(p.numel() for p in model.parameters())
    ops = c.op_summary()
    assert ops["ConvTranspose"]["nodes"] == 1 and ops["MatMul"]["flops"] > 0


def _graph_model(nodes, inputs, outputs, inits=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_gemm_transposes_and_broadcast_matmul():
    import numpy as np

    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [5, 3])  # transA -> (3, 5)
    b = numpy_helper.from_array(np.zeros((7, 5), np.float32), "b")  # transB -> (5, 7)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 1, 4, 6])
    w = numpy_helper.from_array(np.zeros((3, 6, 8), np.float32), "w")  # broadcast to (2, 3)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, None)
    model = _graph_model(
        [
            helper.make_node("Gemm", ["a", "b"], ["y"], transA=1, transB=1),
            helper.make_node("MatMul", ["x", "w"], ["z"]),
        ],
        [a, x],
        [y, z],
        [b, w],
    )
    c = mll.count_onnx(model, name="toy")
    gemm, matmul = c.layers
    assert gemm.flops == 2 * 3 * 7 * 5 and gemm.params == 35
    assert matmul.output_shape == (2, 3, 4, 8) and matmul.flops == 2 * (2 * 3 * 4 * 8) * 6
    assert c.params == 35 + 144 and c.name == "toy"


def test_bad_arguments_are_one_line_errors(resnet18_onnx):
    with pytest.raises(MLLError, match="has 3 dims but input 'image' has 4"):
        mll.count_onnx(resnet18_onnx, input_shape=(1, 3, 224))
    with pytest.raises(MLLError, match="must be positive integers"):
        mll.count_onnx(resnet18_onnx, input_shape=(1, 0, 224, 224))
    with pytest.raises(MLLError, match=r"pass a \.onnx path"):
        mll.count_onnx(42)
    assert isinstance(mll.load_onnx(resnet18_onnx), onnx.ModelProto)


class _Encoder(nn.Module):
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, ids):
        return self.bert(input_ids=ids).last_hidden_state


@pytest.mark.parametrize("attn", ["eager", "sdpa"])
def test_attention_of_an_exported_transformer_is_counted(tmp_path, attn):
    """Reshapes computed from Shape ops hide the attention matmul shapes from plain ONNX
    inference; the count must still equal PyTorch's eager count, whatever kernel ran."""
    import transformers
    from torch.utils.flop_counter import FlopCounterMode

    config = transformers.BertConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        vocab_size=100, attn_implementation="eager",
    )  # fmt: skip
    torch.manual_seed(0)
    model = _Encoder(transformers.BertModel(config, add_pooling_layer=False)).eval()
    ids = torch.arange(16).reshape(1, 16)
    with FlopCounterMode(display=False) as counter:
        model(ids)
    model.bert.config._attn_implementation = attn
    path = tmp_path / "tiny_bert.onnx"
    _export(model, ids, path)
    c = mll.count_onnx(path)
    assert c.flops == counter.get_total_flops() == 589_824
    assert c.params == sum(p.numel() for p in model.parameters()) == 36_800
    assert c.notes == () and c.op_summary()["MatMul"]["nodes"] == 2 * 8
