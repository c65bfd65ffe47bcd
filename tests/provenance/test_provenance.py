"""Hashes, manifests (build / verify / CLI exit codes) and lineage graphs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.errors import MLLError
from mlliteracy.cli import main


def _tree(root: Path) -> Path:
    (root / "data" / "sub").mkdir(parents=True)
    (root / "data" / "a.txt").write_text("alpha\n")
    (root / "data" / "sub" / "b.txt").write_text("beta\n")
    (root / "weights.bin").write_bytes(b"\x00\x01\x02")
    return root


def test_hash_file_known_value(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"abc")
    assert mll.hash_file(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_hash_dir_ignores_location_but_not_names_or_content(tmp_path):
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert mll.hash_dir(a) == mll.hash_dir(b)
    (b / "data" / "a.txt").rename(b / "data" / "c.txt")
    assert mll.hash_dir(a) != mll.hash_dir(b)
    (b / "data" / "c.txt").rename(b / "data" / "a.txt")
    (b / "data" / "a.txt").write_text("alpha!\n")
    assert mll.hash_dir(a) != mll.hash_dir(b)


def test_state_dict_hash_same_across_formats_and_order(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    sd = {"b": torch.arange(6, dtype=torch.float32).reshape(2, 3), "a": torch.ones(4)}
    torch.save(dict(reversed(sd.items())), tmp_path / "w.pt")
    save_file(sd, str(tmp_path / "w.safetensors"))
    np.savez(tmp_path / "w.npz", **{k: v.numpy() for k, v in sd.items()})
    hashes = {mll.hash_state_dict(p) for p in tmp_path.iterdir()} | {mll.hash_state_dict(sd)}
    assert len(hashes) == 1
    sd["a"] = sd["a"] * 2
    assert mll.hash_state_dict(sd) not in hashes


def test_shipped_weights_match_their_provenance():
    from mlliteracy.models.nets import digits_cnn_assets

    folder = digits_cnn_assets()
    prov = json.loads((folder / "provenance.json").read_text())
    assert mll.hash_state_dict(folder / "model.safetensors") == prov["weights_sha256"]


def test_manifest_build_and_verify_ok(tmp_path):
    root = _tree(tmp_path)
    m = mll.build_manifest([root / "data", root / "weights.bin"], out=root / "manifest.json",
                           defaults={"license": "mit"})  # fmt: skip
    assert [a["path"] for a in m.artifacts] == ["data/a.txt", "data/sub/b.txt", "weights.bin"]
    assert m.roots == ("data",) and all(a["license"] == "mit" for a in m.artifacts)
    assert mll.verify_manifest(root / "manifest.json").ok
    assert not list(root.glob(".manifest.json.*"))  # the atomic write left no temp file


def test_verify_lists_changed_missing_added(tmp_path):
    root = _tree(tmp_path)
    mll.build_manifest([root / "data", root / "weights.bin"], out=root / "manifest.json")
    (root / "data" / "a.txt").write_text("tampered\n")
    (root / "weights.bin").unlink()
    (root / "data" / "new.txt").write_text("new\n")
    check = mll.verify_manifest(root / "manifest.json")
    assert check.lines() == ["changed: data/a.txt", "missing: weights.bin", "added: data/new.txt"]


def test_cli_exit_codes(tmp_path, capsys):
    root = _tree(tmp_path)
    out = str(root / "m.json")
    assert main(["manifest", "build", str(root / "data"), "-o", out]) == 0
    assert main(["manifest", "verify", out]) == 0
    (root / "data" / "sub" / "b.txt").write_text("evil\n")
    capsys.readouterr()
    assert main(["manifest", "verify", out]) == 1
    assert "changed: data/sub/b.txt" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "other"}', "lacks"),
        ('{"format": "mlliteracy-manifest", "version": 1, "artifacts": [{"path": "a"}]}', "sha256"),
        ('{"format": "mlliteracy-manifest", "version": 9, "artifacts": []}', "version"),
    ],
)
def test_malformed_manifest_is_rejected(tmp_path, content, reason):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(MLLError, match=reason):
        mll.verify_manifest(bad)


def test_cli_subprocess_tamper_and_malformed(tmp_path):
    root = _tree(tmp_path)
    cli = [sys.executable, "-m", "mlliteracy.cli", "manifest"]
    subprocess.run([*cli, "build", "data", "weights.bin", "-o", "m.json"], cwd=root, check=True,
                   capture_output=True)  # fmt: skip
    (root / "weights.bin").write_bytes(b"\x00\x01\x03")
    res = subprocess.run([*cli, "verify", "m.json"], cwd=root, capture_output=True, text=True)
    assert res.returncode == 1 and "changed: weights.bin" in res.stdout
    (root / "m.json").write_text('{"format": "mlliteracy-manifest", "version": 1}')
    res = subprocess.run([*cli, "verify", "m.json"], cwd=root, capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_evidence_bundle_with_extra_keys_verifies(tmp_path):
    root = _tree(tmp_path)
    m = mll.build_manifest([root / "weights.bin"], base=root)
    doc = {**m.to_dict(), "findings": [{"id": 1}]}
    (root / "evidence.json").write_text(json.dumps(doc))
    assert mll.verify_manifest(root / "evidence.json").ok


def test_lineage_graph_digits():
    g = mll.digits_lineage()
    assert g.counts() == {"entity": 7, "activity": 4, "agent": 3, "relations": 17}
    assert "scans" in g.ancestors("weights") and "uci" in g.ancestors("weights")
    svg = g._repr_svg_()
    assert svg.startswith("<svg") and svg.count("<ellipse") == 7 and svg.count("<rect") == 4
    assert "model.safetensors --wasGeneratedBy--> train DigitsCNN" in repr(g)


def test_lineage_checks_kinds_and_escapes():
    g = mll.Lineage().entity("e", "<b>").activity("a")
    with pytest.raises(MLLError, match="needs a activity"):
        g.used("e", "a")
    with pytest.raises(MLLError, match="already"):
        g.entity("e")
    assert "&lt;b&gt;" in g.used("a", "e").to_svg()


def test_manifest_records_origin_and_transform(tmp_path):
    root = _tree(tmp_path)
    produced = {"activity": "train", "inputs": ["data/a.txt"]}
    m = mll.build_manifest(
        [root / "weights.bin"], out=root / "m.json",
        meta={"weights.bin": {"produced_by": produced, "source": "ours"}},
        defaults={"license": "mit", "creator": "me"},
    )  # fmt: skip
    (entry,) = m.artifacts
    assert entry["produced_by"] == produced and entry["source"] == "ours"
    assert entry["license"] == "mit" and entry["creator"] == "me" and entry["size"] == 3
    assert json.loads((root / "m.json").read_text())["artifacts"][0] == entry


def test_tweets_lineage_collapses_or_expands_cleaning_steps():
    tweets = mll.load_tweets()
    short, full = mll.tweets_lineage(tweets), mll.tweets_lineage(tweets, steps=True)
    n_steps = len(tweets.notes["cleaning"])
    assert short.counts()["activity"] == 4
    assert full.counts()["activity"] == 3 + n_steps
    assert "authors" in full.ancestors("train") and "crowdflower" in short.ancestors("test")
    with pytest.raises(MLLError, match="cleaning log"):
        mll.tweets_lineage(mll.load_digits())
