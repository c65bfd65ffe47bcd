"""The Binder / repo2docker files install this project with CPU-only PyTorch.

The CPU wheel index itself is not reachable from the test machines, so the torch pins are checked
by form; every other requirement must be satisfiable by what this environment resolved from the
package registry, and must agree with pyproject.toml.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def _requirements() -> list[Requirement]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith(("#", "-"))]


def test_torch_comes_from_the_cpu_wheel_index():
    text = (BINDER / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    pins = {r.name: str(r.specifier) for r in _requirements()}
    assert re.fullmatch(r"==\d+\.\d+\.\d+\+cpu", pins["torch"])
    assert re.fullmatch(r"==\d+\.\d+\.\d+\+cpu", pins["torchvision"])


def test_torch_pins_match_the_versions_tested_here():
    pins = {r.name: str(r.specifier) for r in _requirements()}
    for name in ("torch", "torchvision"):
        local = metadata.version(name).split("+")[0]
        assert pins[name] == f"=={local}+cpu", f"binder pins {name}{pins[name]}, tests ran {local}"


def test_other_requirements_resolve_and_agree_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {Requirement(d).name: Requirement(d) for d in project["dependencies"]}
    for req in _requirements():
        if req.name in ("torch", "torchvision"):
            continue
        installed = metadata.version(req.name)
        assert req.specifier.contains(installed, prereleases=True), (req, installed)
        assert req.name in declared, f"{req.name} is in binder/ but not in pyproject.toml"


def test_postbuild_installs_this_project_and_the_proxy():
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    assert re.search(r"pip install .*-e \.$", script, re.M)
    assert "jupyter_server_proxy" in script
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_readme_has_the_binder_link_to_start_here():
    readme = (ROOT / "README.md").read_text()
    assert "mybinder.org/v2/" in readme
    assert "urlpath=lab/tree/notebooks/00_start_here.ipynb" in readme
