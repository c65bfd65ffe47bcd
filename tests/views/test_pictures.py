"""The three Netron specimens (residual block, attention block, LSTM) and their pictures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import onnx
import pytest
import torch

import mlliteracy as mll
from mlliteracy.views.pictures import PICTURES, TinyLSTM, picture_path

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "beginner"
SCRIPT = ROOT / "scripts" / "netron_pictures.py"
PNG = b"\x89PNG\r\n\x1a\n"
#: the op each graph must show for a learner to name the block
KEY_OPS = {"residual block": {"Conv", "Add"}, "attention block": {"Softmax"}, "LSTM": {"LSTM"}}


@pytest.fixture(scope="module")
def specimens():
    return mll.graph_specimens()


def test_specimens_are_numbered_like_the_pictures(specimens):
    assert list(specimens) == ["picture 1", "picture 2", "picture 3"]
    assert {s.name for s in specimens.values()} == set(KEY_OPS)
    assert [s.name for s in specimens.values()] != ["residual block", "attention block", "LSTM"]
    for picture, spec in specimens.items():
        assert spec.name == PICTURES[picture]
        assert spec.picture == f"figures/netron_{picture.replace(' ', '_')}.png"
        assert not spec.module.training
        assert spec.picture in repr(spec)


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
def test_each_specimen_exports_a_graph_with_its_telltale_op(specimens, tmp_path):
    for picture, spec in specimens.items():
        path = mll.export_onnx(
            spec.module, spec.example_input, tmp_path / "m.onnx", dynamic_batch=False
        )
        graph = onnx.load(path).graph
        ops = {n.op_type for n in graph.node}
        assert KEY_OPS[spec.name] <= ops, (picture, sorted(ops))
        dims = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
        assert dims == list(spec.example_input.shape)  # fixed shapes: nothing dynamic
        if spec.name == "attention block":
            assert "Shape" not in ops  # shape arithmetic folded away with fixed shapes


def test_committed_pictures_exist_and_are_whole_graphs():
    from PIL import Image

    for picture in PICTURES:
        path = LESSON / picture_path(picture)
        assert path.read_bytes()[:8] == PNG, f"{path.name}: run python {SCRIPT.name}"
        width, height = Image.open(path).size
        assert min(width, height) >= 150 and height > width  # a whole vertical graph


def test_picture_path_and_specimen_inputs_are_checked():
    with pytest.raises(mll.MLLError, match="picture 1"):
        picture_path("picture 4")
    with pytest.raises(mll.MLLError, match=r"has no \.layer1"):
        mll.graph_specimens(resnet=torch.nn.Linear(2, 2))
    assert TinyLSTM()(torch.zeros(3, 10, 16)).shape == (3, 2)


@pytest.mark.browser
def test_the_script_draws_a_netron_graph(tmp_path):
    from tests.browser import CHROMIUM_FLAGS, ensure_chromium

    chromium = ensure_chromium()
    if chromium is None:
        pytest.skip("Debian chromium is missing and cannot be installed (needs root + apt-get)")
    from PIL import Image
    from playwright.sync_api import sync_playwright

    spec = importlib.util.spec_from_file_location("netron_pictures", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    model = mll.export_onnx(mll.load_digits_cnn(), torch.zeros(1, 1, 8, 8), tmp_path / "d.onnx")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            out = script.netron_png(model, tmp_path / "d.png", browser)
        finally:
            browser.close()
    image = Image.open(out)
    assert out.read_bytes()[:8] == PNG and image.height > max(image.width, script.MIN_SIDE)
