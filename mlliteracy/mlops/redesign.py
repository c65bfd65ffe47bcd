"""The redesigned digits pipeline, written as a project folder the audit can scan.

Compared with the shadow-IT case: data comes from a versioned loader and its hash is recorded
and checked before training; dependencies are pinned to the versions running now; seeds and
deterministic kernels; runs tracked in MLflow; a data schema; tests; a CI workflow; a drift
monitoring configuration with stated thresholds; a model card. The files are text written by
:func:`redesign_pipeline`; ``train.py`` can be run (``python train.py --epochs 10``).

Example:
    >>> mll.redesign_pipeline("pipeline").files
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import os
from pathlib import Path

from .._core.errors import MLLError
from ..data.datasets import load_digits
from .monitoring import KS_ALPHA, PSI_ALERT
from .shadowit import CaseFolder, folder_record

PINNED = ("numpy", "pandas", "scipy", "scikit-learn", "torch", "safetensors", "mlflow-skinny",
          "sqlalchemy", "alembic", "mlliteracy")  # fmt: skip

TRAIN_PY = '''\
"""Train the digits CNN reproducibly and track the run in MLflow.

    python train.py --epochs 10 --seed 0

Refuses to train when the data's hash differs from data/data_hashes.json.
"""

import argparse
import json
from pathlib import Path

import mlliteracy as mll

HERE = Path(__file__).resolve().parent
MIN_TEST_ACCURACY = {min_accuracy}  # quality gate: a model below it is never released


def load_data(seed: int = 0):
    data = mll.load_digits(seed=seed)
    recorded = json.loads((HERE / "data" / "data_hashes.json").read_text())
    if data.notes["raw_sha256"] != recorded["raw_sha256"]:
        raise SystemExit("data changed since it was recorded: review it, then update the hash")
    return data


def train_model(epochs: int, seed: int):
    return mll.digits_trainer(epochs=epochs)(seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store", default=str(HERE / "mlruns"))
    args = parser.parse_args(argv)
    mll.set_seed(args.seed)  # python, numpy and torch generators
    data = load_data(args.seed)
    hashes = {{"digits_raw": data.notes["raw_sha256"]}}
    run = mll.track_run(args.store, "digits-cnn", lambda: train_model(args.epochs, args.seed),
                        data_hashes=hashes)
    if run.metrics["test_accuracy"] < MIN_TEST_ACCURACY:
        raise SystemExit(f"quality gate failed: {{run.metrics['test_accuracy']:.3f}}")
    return run


if __name__ == "__main__":
    print(main())
'''

TEST_PY = """\
import json
from pathlib import Path

import mlliteracy as mll
import train

HERE = Path(__file__).resolve().parents[1]


def test_data_matches_recorded_hash():
    assert train.load_data().notes["raw_sha256"] == json.loads(
        (HERE / "data" / "data_hashes.json").read_text())["raw_sha256"]


def test_data_follows_schema():
    schema = json.loads((HERE / "schema.json").read_text())
    data = train.load_data()
    assert data.X_train.shape[1] == schema["features"]["count"]
    assert data.X_train.min() >= schema["features"]["min"]
    assert data.X_train.max() <= schema["features"]["max"]
    assert set(data.y_train) <= set(schema["label"]["values"])


def test_training_is_reproducible():
    assert mll.reproducibility_check(mll.digits_trainer(epochs=1), seed=0).identical


def test_quality_gate(tmp_path):
    run = train.main(["--epochs", "10", "--store", str(tmp_path)])
    assert run.metrics["test_accuracy"] >= train.MIN_TEST_ACCURACY
"""

CI_YML = """\
name: pipeline
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install -r requirements.txt pytest
      - run: python -m pytest -q
"""

README = """\
# Digits CNN pipeline (redesigned)

    pip install -r requirements.txt     # pinned versions
    python train.py --epochs 10 --seed 0 # checks the data hash, trains, logs to MLflow
    python -m pytest -q                  # data, schema, reproducibility, quality gate

- data: `mll.load_digits()` (scikit-learn's copy), hash recorded in `data/data_hashes.json`
- runs: MLflow, SQLite store in `mlruns/` (`mlflow.db`), artifacts beside it
- monitoring: `monitoring.json` (PSI and KS thresholds, alert rules)
- model card: `MODEL_CARD.md`
"""

MODEL_CARD = """\
# Model card: digits CNN

## Model details
A small convolutional network (`mll.DigitsCNN`) trained with Adam, seed {seed}.
## Intended use
Teaching: classifying 8x8 handwritten digits. Not for any real decision.
## Metrics
Test accuracy on a stratified held-out split; gate: >= {min_accuracy}.
## Training and evaluation data
scikit-learn's digits (1,797 images, 8x8, 16 grey levels); hash in `data/data_hashes.json`.
## Caveats and recommendations
Serving inputs must be scaled like training (pixel counts 0..16 divided by 16);
`monitoring.json` watches for drift.
"""


def _pins() -> str:
    lines = []
    for name in PINNED:
        try:
            lines.append(f"{name}=={metadata.version(name).split('+')[0]}")
        except metadata.PackageNotFoundError:
            continue
    return "\n".join(lines) + "\n"


def redesign_pipeline(
    folder: str | os.PathLike[str], *, seed: int = 0, min_accuracy: float = 0.9
) -> CaseFolder:
    """Write the redesigned digits pipeline into ``folder`` (files only; nothing is trained).

    Args:
        folder: where to write it (e.g. ``"pipeline"``); existing files are overwritten.
        seed: the seed recorded in the model card.
        min_accuracy: the quality gate written into ``train.py``.

    Returns:
        A :class:`CaseFolder` with the files and their hashes.

    Example:
        >>> mll.scan_project(mll.redesign_pipeline("pipeline").path).passed
    """

    if not isinstance(min_accuracy, (int, float)) or not 0 < min_accuracy < 1:
        raise MLLError(f"min_accuracy={min_accuracy!r} must be between 0 and 1, e.g. 0.9")
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise MLLError(f"folder={str(folder)!r} is a file; pass a folder name such as 'pipeline'")
    data = load_digits(seed=seed)
    schema = {"features": {"count": int(data.X_train.shape[1]), "dtype": "float32",
                           "min": 0.0, "max": 1.0},
              "label": {"values": list(range(10))}}  # fmt: skip
    monitoring = {"reference": "training split of data/data_hashes.json",
                  "signals": ["every pixel feature", "predicted class distribution"],
                  "psi": {"little": "< 0.1", "moderate": "0.1-0.25", "significant": "> 0.25"},
                  "alert": {"psi_above": PSI_ALERT, "ks_pvalue_below": KS_ALPHA},
                  "on_alert": "page the owner; retrain if the alert lasts 2 days"}  # fmt: skip
    hashes = {"source": "mlliteracy.load_digits (scikit-learn digits)",
              "raw_sha256": data.notes["raw_sha256"]}  # fmt: skip
    files = {
        "README.md": README,
        "requirements.txt": _pins(),
        "train.py": TRAIN_PY.format(min_accuracy=min_accuracy),
        "tests/test_pipeline.py": TEST_PY,
        "tests/conftest.py": "import sys\nfrom pathlib import Path\n\n"
        "sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n",
        "schema.json": json.dumps(schema, indent=2) + "\n",
        "monitoring.json": json.dumps(monitoring, indent=2) + "\n",
        "data/data_hashes.json": json.dumps(hashes, indent=2) + "\n",
        "MODEL_CARD.md": MODEL_CARD.format(seed=seed, min_accuracy=min_accuracy),
        ".github/workflows/ci.yml": CI_YML,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder_record(root)
