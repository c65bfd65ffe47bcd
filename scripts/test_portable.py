"""Run the lessons' notebook checks as if on other machines: other CPU kernels, other threads.

The committed outputs were made on one CPU. A learner's laptop, a CI runner or Binder has
another one. PyTorch picks its kernels by CPU capability, and ``ATEN_CPU_CAPABILITY`` makes it
use a lower one (``default``: no AVX2/AVX-512 kernels, ``avx2``: no AVX-512), which emulates
those machines for everything torch computes; ``OMP_NUM_THREADS`` changes how torch, OpenBLAS
and scikit-learn split (and so sum) their work. Each setting runs nbval over ``notebooks/``:
the exact checks (counts, shapes, hashes) and every ``mll.expect`` in the lessons must pass.

    python scripts/test_portable.py [SETTING ...] [-- PYTEST_ARGS]

Settings: default, avx2, threads1, threads2 (all four when none is named). Prints one JSON
object last; exits 1 when any setting fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS: dict[str, dict[str, str]] = {
    "default": {"ATEN_CPU_CAPABILITY": "default"},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "threads1": {"OMP_NUM_THREADS": "1"},
    "threads2": {"OMP_NUM_THREADS": "2"},
}


def main(argv: list[str]) -> int:
    names, extra = argv, []
    if "--" in argv:
        cut = argv.index("--")
        names, extra = argv[:cut], argv[cut + 1 :]
    unknown = [n for n in names if n not in SETTINGS]
    if unknown:
        print(f"unknown setting(s) {unknown}: use any of {sorted(SETTINGS)}", file=sys.stderr)
        return 2
    results = {}
    for name in names or list(SETTINGS):
        env = {**os.environ, **SETTINGS[name]}
        cmd = [sys.executable, "-m", "pytest", "notebooks", "-p", "no:cacheprovider", "-q"]
        cmd += ["-n", os.environ.get("JOBS", "2"), "--dist", "loadscope", *extra]
        print(f"== {name}: {' '.join(f'{k}={v}' for k, v in SETTINGS[name].items())}", flush=True)
        start = time.perf_counter()
        code = subprocess.call(cmd, cwd=ROOT, env=env)
        results[name] = {"ok": code == 0, "exit_code": code, **SETTINGS[name]}
        results[name]["wall_s"] = round(time.perf_counter() - start, 1)
    ok = all(r["ok"] for r in results.values())
    print(json.dumps({"ok": ok, "settings": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
