"""The digits CNN handed over as three files: all hold exactly the shipped weights, the ONNX
graph counts what PyTorch counts, and the full-module pickle is refused before it is loaded.

The pickle is never unpickled here: its tensors are read as raw bytes from the zip archive
(``<archive>/data/<key>``) after the scanner has listed what its pickle would import.
"""

from __future__ import annotations

import hashlib
import importlib.util
import zipfile
from pathlib import Path

import onnx
import pytest
from onnx import numpy_helper
from safetensors.numpy import load_file

import mlliteracy as mll
from mlliteracy.anatomy.picklescan import UnsafeFileError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "mlliteracy" / "assets" / "digits_cnn" / "model.safetensors"
ONNX = ROOT / "mlliteracy" / "assets" / "digits_cnn_files" / "model.onnx"
PICKLE = ROOT / "mlliteracy" / "assets" / "digits_cnn_files" / "model_full_pickle.pt"
SCRIPT = ROOT / "scripts" / "export_digits_cnn_files.py"


def _script():
    spec = importlib.util.spec_from_file_location("export_digits_cnn_files", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digests(blobs) -> list[str]:
    return sorted(hashlib.sha256(b).hexdigest() for b in blobs)


def test_onnx_initializers_are_the_shipped_weights():
    initializers = {t.name: numpy_helper.to_array(t) for t in onnx.load(ONNX).graph.initializer}
    shipped = load_file(str(SHIPPED))
    assert sorted(initializers) == sorted(shipped)
    assert mll.hash_state_dict(initializers) == mll.hash_state_dict(SHIPPED)
    assert mll.hash_state_dict(initializers) == mll.digits_cnn_provenance()["weights_sha256"]


def test_pickle_storages_are_the_shipped_weights_byte_for_byte():
    scan = mll.scan_pickle(PICKLE)  # read its opcodes first: nothing is executed
    assert scan.container == "zip" and not scan.ok
    with zipfile.ZipFile(PICKLE) as zf:
        storages = [zf.read(n) for n in zf.namelist() if "/data/" in n and "/.data/" not in n]
    shipped = load_file(str(SHIPPED))
    assert len(storages) == len(shipped) == 8
    assert _digests(storages) == _digests(a.tobytes() for a in shipped.values())


def test_pickle_is_refused_and_names_the_class_it_would_import():
    scan = mll.scan_pickle(PICKLE)
    assert scan.refused[0] == "mlliteracy.models.nets.DigitsCNN"
    assert "torch.nn.modules.conv.Conv2d" in scan.refused
    with pytest.raises(UnsafeFileError) as err:
        mll.autopsy_target(str(PICKLE))
    message = str(err.value)
    assert message.startswith("refused model_full_pickle.pt: its pickle imports ")
    assert "mlliteracy.models.nets.DigitsCNN" in message and "\n" not in message
    with pytest.raises(UnsafeFileError):
        mll.load_weights(PICKLE)


def test_onnx_counts_what_pytorch_counts():
    from_file = mll.autopsy_target(str(SHIPPED))
    assert from_file.recognised_as == "digits-cnn"
    counted = mll.autopsy_target(str(ONNX)).result
    assert (counted.params, counted.flops) == (from_file.result.params, from_file.result.flops)
    assert (counted.params, counted.flops) == (38_282, 675_072)


def test_the_script_reproduces_the_committed_files(tmp_path):
    written = _script().export_files(tmp_path)
    for kind, committed in (("onnx", ONNX), ("pickle", PICKLE)):
        assert written[kind].read_bytes() == committed.read_bytes(), (
            f"{committed.name} is stale: run python scripts/export_digits_cnn_files.py"
        )


def test_the_specimens_sit_beside_the_shipped_model_not_in_it():
    assert mll.digits_cnn_files() == ONNX.parent
    assert sorted(p.name for p in mll.digits_cnn_files().iterdir()) == [ONNX.name, PICKLE.name]
    assert sorted(p.name for p in mll.digits_cnn_assets().iterdir()) == [
        "model.safetensors",
        "provenance.json",
    ]
