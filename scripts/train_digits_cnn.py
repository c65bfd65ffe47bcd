"""Train the workbook's DigitsCNN on scikit-learn's digits and ship it with provenance.

Usage:
    python scripts/train_digits_cnn.py            # writes mlliteracy/assets/digits_cnn/
    python scripts/train_digits_cnn.py --out DIR  # somewhere else

Writes ``model.safetensors`` and ``provenance.json`` (data hashes, code version, seed,
hyperparameters, torch version, test accuracy, weights hash). Same machine + same seed ->
the same ``weights_sha256`` (training runs on one thread with deterministic kernels).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "mlliteracy" / "assets" / "digits_cnn"
#: The files whose contents define the weights; their hash is the code version.
CODE_FILES = (
    ROOT / "mlliteracy" / "models" / "nets.py",
    ROOT / "mlliteracy" / "training.py",
    Path(__file__).resolve(),
)
RECIPE = {"epochs": 15, "lr": 2e-3, "batch_size": 32, "weight_decay": 0.0, "threads": 1}
MIN_TEST_ACCURACY = 0.97


def train_digits_cnn(seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """Train DigitsCNN with :data:`RECIPE`; return the run and its provenance record."""
    import torch

    import mlliteracy as mll
    from mlliteracy.data.datasets import array_sha256
    from mlliteracy.models.nets import DigitsCNN
    from mlliteracy.training import deterministic, file_sha256, train

    data = mll.load_digits()
    with deterministic(RECIPE["threads"]):
        torch.manual_seed(seed)
        model = DigitsCNN()
    run = train(model, data, seed=seed, **RECIPE)
    provenance = {
        "model": "DigitsCNN",
        "architecture": model.config,
        "params": sum(p.numel() for p in model.parameters()),
        "data": {
            "name": "scikit-learn load_digits (UCI Optical Recognition of Handwritten Digits)",
            "raw_sha256": data.notes["raw_sha256"],
            "split": {k: data.notes[k] for k in ("seed", "fractions", "stratified")},
            "split_sha256": {
                s: array_sha256(getattr(data, f"X_{s}"), getattr(data, f"y_{s}"))
                for s in ("train", "val", "test")
            },
            "sizes": data.sizes,
        },
        "code_version": file_sha256(*CODE_FILES),
        "code_files": [p.relative_to(ROOT).as_posix() for p in CODE_FILES],
        "seed": seed,
        "hyperparameters": run.hyperparameters,
        "threads": RECIPE["threads"],
        "torch": run.hardware["torch"],
        "cpu_capability": run.hardware["cpu_capability"],
        "metrics": {
            "test_accuracy": round(run.test_metrics["accuracy"], 6),
            "test_loss": round(run.test_metrics["loss"], 6),
            "val_accuracy": round(float(run.history["val_accuracy"].iloc[-1]), 6),
        },
        "forward_flops_per_example": run.forward_flops_per_example,
        "training_flops_estimate": run.total_flops,
    }
    return run, provenance


def main(argv: list[str] | None = None) -> int:
    from mlliteracy.training import save_weights

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS, help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run, provenance = train_digits_cnn(args.seed)
    accuracy = provenance["metrics"]["test_accuracy"]
    if accuracy < MIN_TEST_ACCURACY:
        print(f"test accuracy {accuracy:.4f} < {MIN_TEST_ACCURACY}; not saved", file=sys.stderr)
        return 1
    record = save_weights(run.model, args.out, provenance)
    print(f"test accuracy {accuracy:.4f}, weights sha256 {record['weights_sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
