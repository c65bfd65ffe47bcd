"""The one atomic write: the old file survives any failure, and no temporary file is left."""

from __future__ import annotations

import json

import pytest

from mlliteracy._core.files import write_atomic, write_json_atomic


def test_writes_text_bytes_and_json_and_creates_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    assert write_atomic(target, "héllo\n") == target
    assert target.read_bytes() == "héllo\n".encode()
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    write_json_atomic(tmp_path / "x.json", {"k": [1, 2]})
    assert json.loads((tmp_path / "x.json").read_text()) == {"k": [1, 2]}
    assert (tmp_path / "x.json").read_text().endswith("]\n}\n")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
