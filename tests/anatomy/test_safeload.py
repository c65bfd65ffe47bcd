"""Untrusted model files: pickles are scanned before loading and nothing in them ever runs."""

from __future__ import annotations

import builtins
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import pytest
import torch
from torch import nn

import mlliteracy as mll
from mlliteracy._core.errors import MLLError
from mlliteracy.anatomy.picklescan import UnsafeFileError, scan_bytes

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

# ------------------------------------------------------------------ payloads that make a marker
# Each class pickles to "call X with these arguments"; unpickling it blindly creates the marker.


class SystemPayload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class ExecPayload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.exec, (f"open({self.marker!r}, 'w').close()",))


class OpenPayload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


class NestedLoadPayload:
    """Hides a malicious pickle inside bytes handed to torch's own (unsafe) nested loader."""

    def __init__(self, inner: bytes):
        self.inner = inner

    def __reduce__(self):
        from torch.storage import _load_from_bytes

        return (_load_from_bytes, (self.inner,))


def _benign_state_dict():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "PWNED"


def test_payload_is_real_when_unpickled_blindly(tmp_path, marker):
    """Control: the payload really runs under plain pickle, so 'no marker' below means something."""
    data = pickle.dumps(ExecPayload(marker), protocol=2)
    subprocess.run(
        [sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"],
        input=data,
        check=True,
    )
    assert marker.exists()


@pytest.mark.parametrize(
    ("payload", "protocol", "refused"),
    [
        (SystemPayload, 2, "posix.system"),
        (ExecPayload, 2, "__builtin__.exec"),
        (OpenPayload, 2, "io.open"),
        (ExecPayload, 4, "builtins.exec"),  # protocol 4 imports with STACK_GLOBAL
    ],
)
def test_raw_pickle_pt_is_refused_and_nothing_runs(tmp_path, marker, payload, protocol, refused):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(payload(marker), protocol=protocol))
    scan = mll.scan_pickle(path)
    assert not scan.ok and scan.refused == (refused,) and scan.container == "pickle"
    with pytest.raises(UnsafeFileError, match=refused.replace(".", r"\.")):
        mll.load_weights(path)
    with pytest.raises(UnsafeFileError):
        mll.inspect_file(path)
    assert not marker.exists()


def test_stack_global_uses_opcode_stack_global(tmp_path, marker):
    import pickletools

    data = pickle.dumps(ExecPayload(marker), protocol=4)
    assert "STACK_GLOBAL" in {op.name for op, _, _ in pickletools.genops(data)}


def test_torch_zip_with_payload_inside_a_state_dict_is_refused(tmp_path, marker):
    path = tmp_path / "evil_zip.pth"
    torch.save({"weight": torch.zeros(2), "extra": SystemPayload(marker)}, path)
    assert zipfile.is_zipfile(path)
    scan = mll.scan_pickle(path)
    assert scan.container == "zip" and scan.refused == ("posix.system",)
    assert "torch._utils._rebuild_tensor_v2" in scan.globals
    with pytest.raises(UnsafeFileError, match=r"posix\.system"):
        mll.load_weights(path)
    assert not marker.exists()


def test_nested_payload_deep_in_a_checkpoint_is_refused(tmp_path, marker):
    path = tmp_path / "nested.pt"
    ckpt = {"model": {"layers": [torch.ones(1), {"cfg": [OpenPayload(marker)]}]}, "epoch": 3}
    torch.save(ckpt, path)
    assert mll.scan_pickle(path).refused == ("io.open",)
    with pytest.raises(UnsafeFileError):
        mll.inspect_file(path)
    assert not marker.exists()


def test_nested_pickle_through_torch_load_from_bytes_is_refused(tmp_path, marker):
    """``torch.storage._load_from_bytes`` would unpickle its argument with weights_only=False."""
    inner = pickle.dumps(ExecPayload(marker), protocol=2)
    path = tmp_path / "matryoshka.pt"
    torch.save({"w": NestedLoadPayload(inner)}, path)
    # protocol 2 pickles bytes through _codecs.encode: refused as well
    assert mll.scan_pickle(path).refused == ("torch.storage._load_from_bytes", "_codecs.encode")
    with pytest.raises(UnsafeFileError, match="_load_from_bytes"):
        mll.load_weights(path)
    assert not marker.exists()


def test_memo_indirection_is_resolved():
    """Module and name fetched back from the memo still resolve to the real import."""
    # PROTO 4, 'posix' MEMOIZE, 'system' MEMOIZE, POP, POP, BINGET 0, BINGET 1, STACK_GLOBAL
    data = b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x9400h\x00h\x01\x93\x8c\x04true\x85R."
    imports, calls, _ = scan_bytes(data)
    assert imports == [("posix", "system")] and calls == 1


def test_unresolvable_stack_global_is_refused(tmp_path):
    # module and name come out of a tuple (not plain strings): the scanner cannot tell, so refuse
    data = b"\x80\x04\x8c\x05posix\x8c\x06system\x86\x94\x93."
    imports, _, _ = scan_bytes(data)
    assert imports == [("<unresolved>", "STACK_GLOBAL")]
    path = tmp_path / "odd.pt"
    path.write_bytes(data)
    assert mll.scan_pickle(path).refused == ("<unresolved>.STACK_GLOBAL",)


def test_whole_pickled_module_is_refused_with_advice(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(nn.Linear(2, 3), path)
    with pytest.raises(UnsafeFileError, match=r"torch\.nn\.modules\.linear\.Linear.*safetensors"):
        mll.load_weights(path)


def test_torchscript_archive_with_injected_pickle_is_refused(tmp_path, marker):
    good = tmp_path / "ts.pt"
    torch.jit.save(torch.jit.script(nn.Linear(2, 3)), good)
    bad = tmp_path / "ts_evil.pt"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("constants.pkl"):
                data = pickle.dumps((SystemPayload(marker),), protocol=2)
            zout.writestr(info, data)
    assert mll.scan_pickle(good).ok and mll.scan_pickle(good).torchscript
    assert mll.scan_pickle(bad).refused == ("posix.system",)
    with pytest.raises(UnsafeFileError):
        mll.load_torchscript(bad)
    assert not marker.exists()


# ------------------------------------------------------------------ benign files load
def test_benign_state_dict_loads_and_is_inventoried(tmp_path):
    model = _benign_state_dict()
    path = tmp_path / "good.pt"
    torch.save(model.state_dict(), path)
    scan = mll.scan_pickle(path)
    assert scan.ok and scan.container == "zip"
    weights = mll.load_weights(path)
    assert list(weights) == list(model.state_dict())
    assert torch.equal(weights["3.weight"], model.state_dict()["3.weight"])
    inv = mll.inspect_file(path)
    # conv 4*1*3*3+4, BN 4+4 (+ running stats, a buffer), linear 2*4+2
    assert inv.format == "pytorch" and inv.params == 40 + 8 + 10
    assert {t.name for t in inv.tensors if t.kind == "buffer"} == {
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    }
    assert list(inv.to_frame().columns) == ["name", "shape", "dtype", "params", "bytes", "kind"]
    assert "<table" in inv._repr_html_() and "TensorInventory('good.pt'" in repr(inv)


def test_legacy_format_and_nested_checkpoint_load(tmp_path):
    model = _benign_state_dict()
    legacy = tmp_path / "legacy.pt"
    torch.save(model.state_dict(), legacy, _use_new_zipfile_serialization=False)
    scan = mll.scan_pickle(legacy)
    assert scan.ok and scan.container == "legacy" and len(scan.pickles) == 5
    assert set(mll.load_weights(legacy)) == set(model.state_dict())
    ckpt = tmp_path / "ckpt.pth"
    torch.save(
        {
            "model": model.state_dict(),
            "epoch": 3,
            "dtype": torch.float16,
            "size": torch.Size([2, 3]),
        },
        ckpt,
    )
    assert set(mll.load_weights(ckpt)) == {f"model.{k}" for k in model.state_dict()}


def test_every_common_dtype_passes_the_allowlist(tmp_path):
    path = tmp_path / "dtypes.pt"
    dtypes = [
        torch.float32,
        torch.float16,
        torch.bfloat16,
        torch.int64,
        torch.int8,
        torch.uint8,
        torch.bool,
        torch.complex64,
        torch.float8_e4m3fn,
    ]
    torch.save(
        {str(d): torch.zeros(2, dtype=d) for d in dtypes} | {"p": nn.Parameter(torch.ones(1))}, path
    )
    assert mll.scan_pickle(path).ok
    assert len(mll.load_weights(path)) == len(dtypes) + 1


def test_torchscript_loads_and_lists_its_tensors(tmp_path):
    path = tmp_path / "ts.pt"
    torch.jit.save(torch.jit.script(nn.Sequential(nn.Linear(4, 8), nn.ReLU())), path)
    module = mll.load_torchscript(path)
    assert module(torch.zeros(1, 4)).shape == (1, 8)
    inv = mll.inspect_file(path)
    assert inv.format == "torchscript" and inv.params == 40
    with pytest.raises(MLLError, match="TorchScript archive, not a state dict"):
        mll.load_weights(path)


# ------------------------------------------------------------------ broken files: one clear line
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pt", b"", "is empty"),
        ("text.pt", b"just some text, not a model\n", "neither a zip archive nor a pickle"),
        ("junk.pth", b"\x80\x02\xff\xfe garbage", "corrupt or truncated"),
        ("notes.txt", b"hello", "extension '.txt'"),
        ("empty.safetensors", b"", "is empty"),
        ("tiny.safetensors", b"\x01\x02", "truncated"),
        ("broken.onnx", b"\x08\x07garbage that is not protobuf", "ONNX"),
    ],
)
def test_broken_files_raise_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MLLError, match=message) as info:
        mll.inspect_file(path)
    assert "\n" not in str(info.value) and name in str(info.value)


def test_truncated_zip_missing_file_and_directory(tmp_path):
    path = tmp_path / "cut.pt"
    torch.save(_benign_state_dict().state_dict(), path)
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(MLLError, match="corrupt or truncated zip"):
        mll.load_weights(path)
    with pytest.raises(MLLError, match="not found"):
        mll.load_weights(tmp_path / "missing.pt")
    with pytest.raises(MLLError, match="is a directory"):
        mll.inspect_file(tmp_path)


# ------------------------------------------------------------------ safetensors
def _write_safetensors(path, header: dict, data: bytes) -> None:
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + data)


def test_safetensors_inventory_reads_the_header(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "w.safetensors"
    save_file(
        {"a.weight": torch.zeros(3, 4), "b.bias": torch.zeros(5, dtype=torch.float16)},
        str(path),
        metadata={"source": "test"},
    )
    inv = mll.inspect_file(path)
    assert [(t.name, t.shape, t.dtype, t.numel, t.nbytes) for t in inv.tensors] == [
        ("a.weight", (3, 4), "F32", 12, 48),
        ("b.bias", (5,), "F16", 5, 10),
    ]
    assert inv.params == 17 and inv.nbytes == 58 and dict(inv.metadata) == {"source": "test"}
    assert set(mll.load_weights(path)) == {"a.weight", "b.bias"}


@pytest.mark.parametrize(
    ("header", "data", "message"),
    [
        # safe_open's reasons: offsets past the data, size vs shape, dtype, shape, overlap, gap
        ({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8, "not fully"),
        ({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}, b"\0" * 8, "invalid shape"),
        ({"x": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 1]}}, b"\0", "variant `Q9`"),
        ({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "`-1`"),
        (
            {
                "x": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                "y": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]},
            },
            b"\0" * 6,
            "invalid offset for tensor `y`",
        ),
        ({"x": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}, b"\0" * 9, "not fully"),
        ({"x": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "__metadata__": {"a": 1}},
         b"\0", "expected a string"),
    ],
)  # fmt: skip
def test_lying_safetensors_headers_are_refused(tmp_path, header, data, message):
    path = tmp_path / "liar.safetensors"
    _write_safetensors(path, header, data)
    for load in (mll.load_weights, mll.inspect_file):
        with pytest.raises(MLLError, match=message) as info:
            load(path)
        assert str(info.value).startswith("liar.safetensors: safetensors refused its header (")
        assert "\n" not in str(info.value)


def test_safetensors_header_length_past_the_end(tmp_path):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 10**6) + b"{}")
    with pytest.raises(MLLError, match=r"invalid header length.*truncated"):
        mll.inspect_file(path)


def test_the_teaching_reader_sees_what_safe_open_sees(tmp_path):
    from safetensors import safe_open
    from safetensors.torch import save_file

    from mlliteracy.anatomy.safeload import read_safetensors_header

    path = tmp_path / "w.safetensors"
    save_file({"b": torch.zeros(2, 3), "a": torch.ones(4, dtype=torch.int64)}, str(path),
              metadata={"k": "v"})  # fmt: skip
    header, meta = read_safetensors_header(path)
    with safe_open(str(path), framework="numpy") as f:
        assert sorted(header) == sorted(f.keys()) and meta == f.metadata()
        for name, entry in header.items():
            view = f.get_slice(name)
            assert (entry["dtype"], entry["shape"]) == (view.get_dtype(), view.get_shape())


def test_pickle_with_a_zip_glued_behind_is_read_as_torch_reads_it(tmp_path, marker):
    """torch.load picks the zip reader only when the file STARTS with a zip header; so do we."""
    good = tmp_path / "good.pt"
    torch.save({"w": torch.zeros(1)}, good)
    polyglot = tmp_path / "polyglot.pt"
    polyglot.write_bytes(pickle.dumps(SystemPayload(marker), protocol=2) + good.read_bytes())
    assert zipfile.is_zipfile(polyglot)  # Python's check would say "zip" and miss the payload
    assert mll.scan_pickle(polyglot).refused == ("posix.system",)
    with pytest.raises(UnsafeFileError):
        mll.load_weights(polyglot)
    assert not marker.exists()


def test_scan_report_renders_and_checks_its_argument(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(OpenPayload(tmp_path / "x"), protocol=2))
    scan = mll.scan_pickle(path)
    assert "REFUSED io.open" in repr(scan) and "refused" in scan._repr_html_()
    with pytest.raises(MLLError, match="not found"):
        mll.scan_pickle(tmp_path / "nope.pt")
    with pytest.raises(MLLError, match="is a directory"):
        mll.scan_pickle(tmp_path)


def test_onnx_external_data_outside_its_folder_is_refused(tmp_path):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.zeros((2, 2), np.float32), "w")
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "../../etc/passwd"), ("offset", "0"), ("length", "16")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "g", [x], [y], [weight]
    )
    path = tmp_path / "escape.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(UnsafeFileError, match="points outside its folder"):
        mll.load_onnx(path)
