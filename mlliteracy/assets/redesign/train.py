"""Train the digits CNN from data/digits.csv: reproducibly, and behind a quality gate.

    python train.py                      # hash check, schema, training, quality gate
    python train.py --store mlruns       # ... and track the run in a local MLflow store
    python train.py --data other.csv     # refused unless data/data_hashes.json records it

Prints the run's metrics as one JSON line. Exits with a one-line message (exit code 1) when
the data's hash differs from the recorded one or the model fails the quality gate.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import schema
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "digits.csv"
HASHES = HERE / "data" / "data_hashes.json"
MIN_TEST_ACCURACY = 0.9  # quality gate: a model below it is never released
EPOCHS = 10
SEED = 0
BATCH, LR = 64, 1e-2
# MLflow: no telemetry, no INFO lines (set before mlflow is imported)
QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
         "MLFLOW_LOGGING_LEVEL": "WARNING", "GIT_PYTHON_REFRESH": "quiet"}  # fmt: skip
for _name, _value in QUIET.items():
    os.environ.setdefault(_name, _value)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_hash(path: Path = DATA) -> str:
    """The file's sha256 when data/data_hashes.json records exactly it; else refuse."""
    path = Path(path)
    recorded = json.loads(HASHES.read_text())["files"].get(path.name, {}).get("sha256")
    actual = file_sha256(path)
    if recorded is None:
        raise SystemExit(f"refused: {path.name} has no sha256 in data/data_hashes.json; "
                         "review the file, then record its hash there")  # fmt: skip
    if actual != recorded:
        raise SystemExit(
            f"refused: {path.name} has sha256 {actual[:12]}..., data/data_hashes.json records "
            f"{recorded[:12]}...; review the change, then record the new hash there"
        )
    return actual


def load(path: Path = DATA) -> pd.DataFrame:
    """The raw table, after the hash check and the schema."""
    check_hash(path)
    return schema.RAW.validate(pd.read_csv(path))


def scale(frame: pd.DataFrame) -> pd.DataFrame:
    """Pixel counts 0..16 -> [0, 1], exactly as serving must do it (validated)."""
    return schema.SERVING.validate(frame[schema.PIXELS].astype("float32") / 16)


def split(labels: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """70/15/15 train/val/test row indices, stratified by label, from a seeded generator."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for digit in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        cuts = np.split(rows, [round(0.7 * len(rows)), round(0.85 * len(rows))])
        for chunks, chunk in zip(parts.values(), cuts, strict=True):
            chunks.append(chunk)
    return {name: np.sort(np.concatenate(chunks)) for name, chunks in parts.items()}


class DigitsCNN(nn.Module):
    """Two 3x3 convolutions (8 and 16 channels) with pooling, then one linear layer."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )  # fmt: skip
        self.head = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x.view(-1, 1, 8, 8)).flatten(1))


def train(frame: pd.DataFrame, epochs: int, seed: int) -> tuple[nn.Module, dict[str, float]]:
    """Train with fixed seeds, deterministic kernels and one thread; val/test accuracy."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    x = torch.tensor(scale(frame).to_numpy())
    y = torch.tensor(frame["label"].to_numpy())
    rows = {k: torch.from_numpy(v) for k, v in split(frame["label"].to_numpy(), seed).items()}
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    order = torch.Generator().manual_seed(seed)
    x_train, y_train = x[rows["train"]], y[rows["train"]]
    for _ in range(epochs):
        for batch in torch.randperm(len(y_train), generator=order).split(BATCH):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
            opt.step()
    with torch.no_grad():
        hits = {k: (model(x[rows[k]]).argmax(1) == y[rows[k]]).float() for k in ("val", "test")}
    metrics = {f"{k}_accuracy": float(v.mean()) for k, v in hits.items()}
    return model, metrics


def weights_sha256(model: nn.Module) -> str:
    """One hash of every weight's name and bytes: equal hashes, identical models."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


def track(store: str, result: dict, model: nn.Module) -> str:
    """Log the run to MLflow in a local SQLite store (no server); returns the run id."""
    import mlflow

    folder = Path(store).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(f"sqlite:///{(folder / 'mlflow.db').as_posix()}")
    if mlflow.get_experiment_by_name("digits-cnn") is None:
        mlflow.create_experiment("digits-cnn", (folder / "artifacts").as_uri())
    mlflow.set_experiment("digits-cnn")
    with mlflow.start_run() as run, tempfile.TemporaryDirectory() as tmp:
        mlflow.log_params({k: result[k] for k in ("epochs", "seed", "batch", "lr")})
        mlflow.log_metrics({k: v for k, v in result.items() if k.endswith("_accuracy")})
        mlflow.set_tags({k: result[k] for k in ("weights_sha256", "data_sha256", "gate")})
        weights = Path(tmp) / "weights.npz"  # arrays only: loading it runs no code
        np.savez(weights, **{k: v.numpy() for k, v in model.state_dict().items()})
        mlflow.log_artifact(str(weights), "model")
    return run.info.run_id


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--store", help="MLflow store folder; no tracking without it")
    args = parser.parse_args(argv)
    frame = load(Path(args.data))  # refuses changed data before anything is trained
    model, metrics = train(frame, args.epochs, args.seed)
    passed = metrics["test_accuracy"] >= MIN_TEST_ACCURACY
    result = {"epochs": args.epochs, "seed": args.seed, "batch": BATCH, "lr": LR, **metrics,
              "weights_sha256": weights_sha256(model), "data_sha256": file_sha256(args.data),
              "gate": "passed" if passed else "failed"}  # fmt: skip
    if args.store:
        result["run_id"] = track(args.store, result, model)
    print(json.dumps(result))
    if not passed:
        raise SystemExit(
            f"quality gate: test accuracy {metrics['test_accuracy']:.3f} is below "
            f"MIN_TEST_ACCURACY = {MIN_TEST_ACCURACY}; the model is not released"
        )
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
