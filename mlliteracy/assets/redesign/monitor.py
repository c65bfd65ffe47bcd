"""Drift check: PSI of a batch of digits against the training split, thresholds from a file.

    python monitor.py batch.csv          # exit code 1 and a one-line alert when a signal drifts

Two signals per image, read from the raw pixel counts: its ink (the sum of its 64 counts) and
its lit pixels (counts above 0). Each is compared with the training split of data/digits.csv
in ten bins at the reference's quantiles; the PSI limit is monitoring.json's ``psi_above``.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import schema
import train

CONFIG = train.HERE / "monitoring.json"
FLOOR = 1e-4  # share given to an empty bin, so that the logarithm stays finite


def signals(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    pixels = frame[schema.PIXELS].to_numpy()
    return {"ink": pixels.sum(axis=1), "lit": (pixels > 0).sum(axis=1)}


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """Population stability index over bins at the reference's quantiles."""
    inner = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1))[1:-1])
    ref, cur = (
        np.bincount(np.searchsorted(inner, v, "right"), minlength=len(inner) + 1) / len(v)
        for v in (reference, current)
    )
    ref, cur = np.maximum(ref, FLOOR), np.maximum(cur, FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def check_drift(batch: pd.DataFrame) -> dict[str, float]:
    """PSI per signal against the training split; SystemExit when one passes the limit."""
    limit = json.loads(CONFIG.read_text())["alert"]["psi_above"]
    frame = train.load()
    rows = train.split(frame["label"].to_numpy(), train.SEED)["train"]
    reference, current = signals(frame.iloc[rows]), signals(batch)
    values = {name: psi(reference[name], current[name]) for name in reference}
    drifted = {name: round(v, 3) for name, v in values.items() if v > limit}
    if drifted:
        raise SystemExit(f"drift alert: PSI {drifted} above {limit} (monitoring.json)")
    return values


if __name__ == "__main__":
    print(json.dumps(check_drift(pd.read_csv(Path(sys.argv[1])))))
