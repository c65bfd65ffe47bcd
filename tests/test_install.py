"""scripts/install.py and requirements/constraints.txt: locked, lighter installs.

The lock pins every package exactly; the learner install takes only pyproject.toml's dependencies
under it; torch comes from PyTorch's CPU index when that answers, else (one printed line) from the
default index. The network is never needed: the probes here hit local sockets.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "constraints.txt"
SCRIPT = ROOT / "scripts" / "install.py"
TEST_ONLY = ("pytest", "pytest-xdist", "nbval", "playwright", "ruff", "pre-commit", "nbstripout")


def _load():
    spec = importlib.util.spec_from_file_location("mll_install", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


install = _load()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket closes


def _dry_run(profile: str, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("TORCH_INDEX")} | env
    return subprocess.run(
        [sys.executable, str(SCRIPT), profile, "--dry-run"],
        capture_output=True, text=True, env=full, timeout=60, check=True,
    )  # fmt: skip


# --- the lock ---------------------------------------------------------------------------------


def test_every_lock_line_is_an_exact_pin():
    names = []
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==" and not req.extras and not req.marker and not req.url, line
        assert "+" not in spec.version and "*" not in spec.version, f"local or wildcard: {line}"
        names.append(install.canonical(req.name))
    assert len(names) == len(set(names)) > 100
    assert "mlliteracy" not in names and "pip" not in names


def test_every_direct_dependency_is_pinned_inside_its_declared_range():
    pins = install.read_lock()
    for name, requirement in install.direct_dependencies().items():
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned in the lock"
        req = Requirement(requirement)
        assert req.specifier.contains(pins[name]), f"lock pins {name}=={pins[name]}: not {req}"


def test_declares_what_the_package_imports_and_drops_tokenizers():
    declared = install.direct_dependencies(extras=False)
    for name in ("scipy", "threadpoolctl", "pydantic", "ipython"):
        assert name in declared
    assert "tokenizers" not in declared  # transformers requires it; never imported directly
    assert not set(TEST_ONLY) & set(declared), "test/dev tools belong in the extras"


def test_torch_is_pinned_without_a_local_label_so_cpu_and_cuda_builds_match():
    pins = install.read_lock()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"
    spec = SpecifierSet("==" + pins["torch"])
    for build in ("2.14.1", "2.14.1+cpu", "2.14.1+cu130"):
        assert spec.contains(build)
    assert not spec.contains("2.14.0") and not SpecifierSet("==2.14.1+cpu").contains("2.14.1")


@pytest.mark.skipif(not install.lock_applies(), reason="the lock is not used on this Python")
def test_this_environment_runs_the_locked_versions():
    pins = install.read_lock()
    for name in (*install.direct_dependencies(), "torch", "torchvision"):
        installed = Version(metadata.version(name)).public
        assert installed == pins[name], f"{name} {installed} installed, lock says {pins[name]}"


def test_lock_python_floor_decides_whether_the_lock_applies():
    floor = install.lock_python_floor()
    assert floor >= (3, 11)
    assert install.lock_applies(floor) and not install.lock_applies((3, 10, 14))


def test_the_learner_closure_carries_no_test_or_dev_tool():
    """Walk installed metadata from pyproject's dependencies, no extras: what `make lab` gets."""
    env = default_environment() | {"extra": ""}
    todo = list(install.direct_dependencies(extras=False))
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or ():
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(env):
                todo.append(install.canonical(req.name))
    assert "torch" in seen and "jupyterlab" in seen
    assert not seen & set(TEST_ONLY), sorted(seen & set(TEST_ONLY))


# --- where torch comes from -------------------------------------------------------------------


def test_unreachable_index_falls_back_with_one_line(closed_port):
    choice, line = install.torch_source(
        "auto", f"http://127.0.0.1:{closed_port}/whl/cpu", "Linux", "x86_64"
    )
    assert choice == "default"
    assert line == (
        "127.0.0.1 not reachable: installing torch from the default index (CUDA build, ~5.5 GB)"
    )


def test_a_silent_index_falls_back_within_the_timeout():
    with socket.socket() as server:  # accepts connections (backlog) and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/whl/cpu"
        start = time.monotonic()
        choice, line = install.torch_source("auto", url, "Linux", "x86_64", timeout=1.0)
        assert time.monotonic() - start < 3
    assert choice == "default" and "not reachable" in line


def test_a_reachable_index_gives_cpu_wheels(monkeypatch):
    probed = []
    monkeypatch.setattr(install, "reachable", lambda url, timeout: probed.append(url) or True)
    assert install.torch_source("auto", "https://example.test/cpu", "Linux", "x86_64") == (
        "cpu", None)  # fmt: skip
    assert probed == ["https://example.test/cpu/torch/"]


def test_override_and_other_platforms_skip_the_probe(monkeypatch):
    monkeypatch.setattr(install, "reachable", lambda *a: pytest.fail("probed"))
    assert install.torch_source("cpu", system="Linux", machine="x86_64") == ("cpu", None)
    assert install.torch_source("default", system="Linux", machine="x86_64") == ("default", None)
    assert install.torch_source("auto", system="Darwin", machine="arm64") == ("default", None)
    with pytest.raises(SystemExit, match="TORCH_INDEX"):
        install.torch_source("cuda")


# --- the commands the installer runs ----------------------------------------------------------


def _pip_installs(output: str) -> list[str]:
    return [line for line in output.splitlines() if " -m pip install " in line]


def test_learner_dry_run_falls_back_and_installs_no_extras(closed_port):
    run = _dry_run("learner", TORCH_INDEX_URL=f"http://127.0.0.1:{closed_port}/whl/cpu")
    assert run.stdout.splitlines()[0].endswith(
        "not reachable: installing torch from the default index (CUDA build, ~5.5 GB)")  # fmt: skip
    installs = _pip_installs(run.stdout)
    assert installs[-1].endswith("install -c requirements/constraints.txt -e .")
    everything = run.stdout.lower()
    assert "[dev]" not in everything and "[test]" not in everything
    for tool in TEST_ONLY:
        assert not re.search(rf"(?<![\w-]){re.escape(tool)}(?![\w-])", everything), tool
    assert "ipykernel install --sys-prefix" in run.stdout


def test_learner_cpu_path_takes_only_torch_from_pytorchs_index():
    run = _dry_run("learner", TORCH_INDEX="cpu")
    assert "not reachable" not in run.stdout
    first, rest = _pip_installs(run.stdout)[1:]
    assert first.endswith(
        "install -c requirements/constraints.txt --no-deps --index-url "
        "https://download.pytorch.org/whl/cpu torch==2.14.1+cpu torchvision==0.29.1+cpu"
    )
    assert rest.endswith("install -c requirements/constraints.txt -e .")


def test_test_profile_adds_the_extras_under_the_lock():
    run = _dry_run("test")
    assert _pip_installs(run.stdout) == [
        f"{sys.executable} -m pip install -c requirements/constraints.txt -e '.[dev]'"
    ]


def test_make_lab_installs_the_learner_profile_and_make_test_adds_the_extras(tmp_path):
    venv = tmp_path / "venv"  # absent, so make -n shows every step without running one

    def plan(target: str) -> str:
        args = ["make", "-n", target, f"VENV={venv}"]
        return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    lab, test = plan("lab"), plan("test-fast")
    assert "scripts/install.py learner" in lab and "scripts/install.py test" not in lab
    assert "scripts/install.py learner" in test and "scripts/install.py test" in test
    assert "pip install" not in lab + test  # every install goes through the script and its lock
