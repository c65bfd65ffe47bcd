import time
import urllib.request

import onnx
import onnxruntime as ort
import pytest
import torch

import mlliteracy as mll
from mlliteracy._core.runtime import port_open


@pytest.fixture(scope="module")
def model():
    return mll.load_digits_cnn()


def test_export_onnx_matches_pytorch(model, tmp_path):
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    path = mll.export_onnx(model, x[:1], tmp_path / "digits.onnx")
    graph = onnx.load(path).graph
    assert [n.op_type for n in graph.node].count("Conv") == 2
    assert [n.op_type for n in graph.node].count("Gemm") == 2
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": x.numpy()})  # batch 4 although exported with 1
    torch.testing.assert_close(torch.from_numpy(out), model(x), rtol=1e-4, atol=1e-4)


def test_export_rejects_bad_input(model, tmp_path):
    with pytest.raises(mll.MLLError, match="example_input"):
        mll.export_onnx(model, [1, 2], tmp_path / "m.onnx")
    with pytest.raises(mll.MLLError, match=r"\.onnx"):
        mll.export_onnx(model, torch.zeros(1, 1, 8, 8), tmp_path / "m.txt")
    with pytest.raises(mll.MLLError, match="model"):
        mll.export_onnx("model", torch.zeros(1), tmp_path / "m.onnx")


def test_netron_serves_quietly_and_stops(model, capfd):
    view = mll.netron(model, torch.zeros(1, 1, 8, 8))
    try:
        assert view.host == "127.0.0.1" and view.running
        with urllib.request.urlopen(view.local_url, timeout=10) as response:
            assert response.status == 200
            assert "netron" in response.read().decode("utf-8", "replace").lower()
        html = view._repr_html_()
        assert f'src="http://127.0.0.1:{view.port}/"' in html and "<iframe" in html
    finally:
        view.stop()
    for _ in range(20):
        if not port_open(view.port, view.host):
            break
        time.sleep(0.1)
    assert not port_open(view.port, view.host)
    assert not view.running and "stopped" in repr(view)
    out, err = capfd.readouterr()
    assert "Serving" not in out + err  # netron's log line stays out of cell outputs


def test_netron_url_goes_through_the_hub_proxy(monkeypatch):
    view = mll.NetronView("m.onnx", "127.0.0.1", 8123)
    assert view.url == "http://127.0.0.1:8123/"
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    assert view.url == "/user/ada/proxy/8123/"


def test_netron_rejects_missing_file_and_module_without_input(model, tmp_path):
    with pytest.raises(mll.MLLError, match="not a file"):
        mll.netron(tmp_path / "missing.onnx")
    with pytest.raises(mll.MLLError, match="example_input"):
        mll.netron(model)


def test_layer_tree_shapes_params_and_text(model):
    tree = mll.layer_tree(model, torch.zeros(2, 1, 8, 8))
    frame = tree.to_frame()
    assert tree.total_params == 38_282
    assert frame.loc[frame["name"] == "features", "params"].item() == 4_800
    assert frame.loc[frame["name"] == "features.4", "output shape"].item() == "2x32x4x4"
    assert frame.loc[frame["name"] == "classifier.4", "output shape"].item() == "2x10"
    assert frame.loc[frame["depth"] == 1, "params"].sum() == tree.total_params
    text = repr(tree)
    assert text.splitlines()[0] == "DigitsCNN  (38,282 params)"
    assert "Conv2d  2x16x8x8  160 params" in text
    assert "<table" in tree._repr_html_()
    assert len(mll.layer_tree(model, max_depth=1).rows) == 2


def test_layer_tree_escapes_html():
    class Evil(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.add_module("<b>x</b>", torch.nn.Linear(2, 2))

    html = mll.layer_tree(Evil())._repr_html_()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_export_with_fixed_shapes(model, tmp_path):
    path = mll.export_onnx(model, torch.zeros(2, 1, 8, 8), tmp_path / "d.onnx", dynamic_batch=False)
    dims = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [2, 1, 8, 8] and not dims[0].dim_param
    dynamic = onnx.load(mll.export_onnx(model, torch.zeros(2, 1, 8, 8), tmp_path / "e.onnx"))
    assert dynamic.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    with pytest.raises(mll.MLLError, match="dynamic_batch"):
        mll.export_onnx(model, torch.zeros(1, 1, 8, 8), tmp_path / "f.onnx", dynamic_batch="no")
