"""Install mlliteracy into a virtual environment with the locked versions.

    python scripts/install.py learner [--dry-run]  # -e . under the lock (make install, make lab)
    python scripts/install.py test [--dry-run]     # adds the test and dev extras (make test)
    python scripts/install.py lock                 # rewrite the lock from this environment

Run it with the virtual environment's own python; the Makefile does. Every pip command takes
``-c requirements/constraints.txt``: the lock pins versions and never adds packages, so the learner
install gets only what pyproject.toml's ``dependencies`` need (no pytest, playwright, ruff,
pre-commit).

Where torch comes from (``TORCH_INDEX``):
  auto     (default) on Linux x86_64, PyTorch's CPU wheels when ``TORCH_INDEX_URL``
           (https://download.pytorch.org/whl/cpu) answers within 5 s, about 1 GB; otherwise, with
           one printed line, the default index (on Linux that is the CUDA build, about 5.5 GB).
  cpu      the CPU wheels without probing;  default  the default index without probing.
Only torch and torchvision come from PyTorch's index; everything else from the default one.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import os
import platform
import re
import shlex
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "constraints.txt"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH = ("torch", "torchvision")
PROBE_TIMEOUT = 5.0
# never written to the lock: the project itself and pip (setuptools stays: torch requires it)
UNLOCKED = {"mlliteracy", "pip"}

HEADER = """\
# Locked versions: what the tests and the committed notebook outputs run with (`==` pins only).
# make, .ci/run (through make) and binder/ install with `pip install -c <this file>`.
# A constraint pins a version and never adds a package: the learner install (`make lab`) takes
# only pyproject.toml's dependencies; `make test` adds the test/dev extras, pinned here as well.
# torch/torchvision carry no local label: ==2.14.1 admits 2.14.1+cpu and 2.14.1+cu130 (PEP 440).
# Regenerate: `make lock` freezes .venv (after `make test`). To move versions, first run
#   .venv/bin/pip install -U --upgrade-strategy eager -e ".[dev]"   (no -c), then the tests.
# Freeze a venv whose torch came from the default index, so the nvidia-* packages stay pinned.
"""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path = LOCK) -> dict[str, str]:
    """``{canonical name: version}`` of every pin in the lock."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonical(name)] = version.strip()
    return pins


def lock_python_floor(path: Path = LOCK) -> tuple[int, ...]:
    """The lowest Python every pin supports, from the lock's ``# requires-python: >=X`` line."""
    match = re.search(r"^# requires-python: >=([\d.]+)", path.read_text(), re.M)
    return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)


def reachable(url: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """Does ``url`` answer 200 within ``timeout`` seconds (DNS included)?"""
    result = []

    def probe():
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                result.append(response.status == 200)
        except Exception:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def torch_source(
    choice: str | None = None,
    index: str | None = None,
    system: str | None = None,
    machine: str | None = None,
    timeout: float = PROBE_TIMEOUT,
) -> tuple[str, str | None]:
    """``("cpu" | "default", line to print or None)`` for this machine and ``TORCH_INDEX``."""
    choice = (choice or os.environ.get("TORCH_INDEX") or "auto").lower()
    index = index or os.environ.get("TORCH_INDEX_URL") or CPU_INDEX
    if choice in ("cpu", "default"):
        return choice, None
    if choice != "auto":
        raise SystemExit(f"TORCH_INDEX={choice!r}: use auto, cpu or default")
    system = system or platform.system()
    machine = machine or platform.machine()
    if (system, machine.lower()) not in (("Linux", "x86_64"), ("Linux", "amd64")):
        return "default", None  # the default index has CPU-only builds off Linux x86_64
    if reachable(index.rstrip("/") + "/torch/", timeout):
        return "cpu", None
    host = urlsplit(index).hostname or index
    return "default", (
        f"{host} not reachable: installing torch from the default index (CUDA build, ~5.5 GB)"
    )


def lock_applies(version: tuple[int, ...] | None = None, path: Path = LOCK) -> bool:
    version = tuple(version or sys.version_info[:3])
    return version >= lock_python_floor(path)


def pip(python: str, *args: str) -> list[str]:
    return [python, "-m", "pip", "install", *args]


def commands(
    profile: str,
    torch: str,
    python: str = sys.executable,
    use_lock: bool = True,
    index: str | None = None,
) -> list[list[str]]:
    """The commands that install ``profile`` ("learner" or "test") into ``python``'s environment."""
    lock = ["-c", str(LOCK.relative_to(ROOT))] if use_lock else []
    if profile == "test":
        return [pip(python, *lock, "-e", ".[dev]")]
    pins = read_lock()
    run = [pip(python, "--upgrade", "--quiet", "pip>=24")]
    if torch == "cpu":
        index = index or os.environ.get("TORCH_INDEX_URL") or CPU_INDEX
        wheels = [f"{name}=={pins[name]}+cpu" for name in TORCH]
        # --no-deps: torch's own dependencies come from the default index in the next step
        run.append(pip(python, *lock, "--no-deps", "--index-url", index, *wheels))
    run.append(pip(python, *lock, "-e", "."))
    run.append(
        [python, "-c", "import torch, torchvision; "
         "print('torch', torch.__version__, '| torchvision', torchvision.__version__)"]
    )  # fmt: skip
    run.append(
        [python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
         "--display-name", "Python 3 (mlliteracy)"]
    )  # fmt: skip
    return run


def direct_dependencies(extras: bool = True) -> dict[str, str]:
    """``{canonical name: requirement}`` declared in pyproject.toml (and its extras)."""
    import tomllib  # Python >= 3.11, like the lock

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    if extras:
        declared += [r for group in project["optional-dependencies"].values() for r in group]
    found = {}
    for requirement in declared:
        name = canonical(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0])
        if name != "mlliteracy":
            found[name] = requirement
    return found


def write_lock(path: Path = LOCK) -> int:
    """Freeze this environment into the lock: exact pins, local labels dropped, sorted."""
    installed = {canonical(d.metadata["Name"] or "") for d in metadata.distributions()}
    missing = sorted(set(direct_dependencies()) - installed)
    if missing:
        raise SystemExit(f"not installed here: {', '.join(missing)}; run `make test` first")
    pins, floor = {}, (0,)
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or canonical(name) in UNLOCKED:
            continue
        pins[canonical(name)] = dist.version.split("+")[0]
        for part in (dist.metadata.get("Requires-Python") or "").split(","):
            found = re.fullmatch(r"\s*(?:>=|~=)\s*([\d.]+)\s*", part)
            if found:
                floor = max(floor, tuple(int(p) for p in found.group(1).split(".") if p))
    made_on = f"{platform.python_implementation()} {platform.python_version()}"
    made_on += f", {platform.system()} {platform.machine()}"
    text = HEADER + f"# made on: {made_on}\n"
    text += f"# requires-python: >={'.'.join(map(str, floor))} (the highest floor among the pins)\n"
    text += "".join(f"{name}=={pins[name]}\n" for name in sorted(pins))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path.relative_to(ROOT)}: {len(pins)} pins")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", choices=["learner", "test", "lock"])
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    if args.profile == "lock":
        return write_lock()
    use_lock = lock_applies()
    if not use_lock:
        floor = ".".join(map(str, lock_python_floor()))
        print(
            f"Python {platform.python_version()} is below the lock's {floor}: installing "
            "from pyproject.toml's ranges (versions may differ from the committed outputs)"
        )
    torch, line = torch_source() if args.profile == "learner" else ("default", None)
    if line:
        print(line, flush=True)
    for cmd in commands(args.profile, torch, use_lock=use_lock):
        shown = shlex.join(cmd)
        if args.dry_run:
            print(shown)
            continue
        if "pip" in cmd:
            print("+", shown, flush=True)
        quiet = "ipykernel" in cmd  # its "Installed kernelspec" line is noise
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL if quiet else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
