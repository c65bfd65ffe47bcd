"""The Binder / repo2docker files install this project with CPU-only PyTorch, under the lock.

The CPU wheel index itself is not reachable from the test machines, so the torch pins are checked
by form and against requirements/constraints.txt; every other requirement must be declared in
pyproject.toml and pinned by the lock, which binder/ installs with.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
LOCK = ROOT / "requirements" / "constraints.txt"


def _lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            pins[req.name] = str(req.specifier).removeprefix("==")
    return pins


def _requirements() -> list[Requirement]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith(("#", "-"))]


def test_torch_comes_from_the_cpu_wheel_index():
    text = (BINDER / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    pins = {r.name: str(r.specifier) for r in _requirements()}
    assert re.fullmatch(r"==\d+\.\d+\.\d+\+cpu", pins["torch"])
    assert re.fullmatch(r"==\d+\.\d+\.\d+\+cpu", pins["torchvision"])


def test_requirements_install_under_the_lock():
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    constraints = [line.split(None, 1)[1] for line in lines if line.startswith("-c ")]
    assert constraints == ["../requirements/constraints.txt"]
    # pip resolves a -c path inside a requirements file relative to that file
    assert (BINDER / constraints[0]).resolve() == LOCK


def test_torch_pins_match_the_lock_and_the_versions_tested_here():
    pins = {r.name: str(r.specifier) for r in _requirements()}
    locked = _lock()
    for name in ("torch", "torchvision"):
        assert pins[name] == f"=={locked[name]}+cpu", f"binder pins {name}{pins[name]}"
        local = metadata.version(name).split("+")[0]
        assert local == locked[name], f"tests ran {name} {local}, the lock says {locked[name]}"


def test_other_requirements_are_declared_and_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {Requirement(d).name for d in project["dependencies"]}
    locked = _lock()
    for req in _requirements():
        if req.name in ("torch", "torchvision"):
            continue
        assert req.name in declared, f"{req.name} is in binder/ but not in pyproject.toml"
        assert req.name in locked, f"{req.name} is in binder/ but not pinned in the lock"
        assert req.specifier.contains(locked[req.name]), (req, locked[req.name])


def test_pip_reads_a_constraints_path_relative_to_its_requirements_file(tmp_path):
    """The layout of binder/ in miniature: a pin the index cannot meet proves the file was read."""
    (tmp_path / "binder").mkdir()
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "constraints.txt").write_text("packaging==0.0.1\n")
    reqs = tmp_path / "binder" / "requirements.txt"
    reqs.write_text("-c ../requirements/constraints.txt\npackaging\n")
    cmd = [sys.executable, "-m", "pip", "install", "--isolated", "--no-index", "--dry-run",
           "-r", str(reqs)]  # fmt: skip
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    said = run.stdout + run.stderr
    assert run.returncode != 0 and "Could not open" not in said, said
    assert "packaging==0.0.1" in said, said


def test_postbuild_installs_this_project_and_the_proxy():
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    assert re.search(r"pip install .*-c requirements/constraints\.txt -e \.$", script, re.M)
    assert "jupyter_server_proxy" in script
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_readme_has_the_binder_link_to_start_here():
    readme = (ROOT / "README.md").read_text()
    assert "mybinder.org/v2/" in readme
    assert "urlpath=lab/tree/notebooks/00_start_here.ipynb" in readme
