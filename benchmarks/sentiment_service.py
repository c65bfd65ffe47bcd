"""Naive vs optimised sentiment service: single-request latency, every fix measured in one run.

Trains the MiniLM + logistic-regression classifier on a small sample of the tweets, builds the
pipeline variants of ``mll.pipeline_steps`` (naive -> load once -> dynamic padding -> inference
mode -> vectorised post-processing -> ONNX Runtime -> ONNX int8) plus ONNX Runtime with batches
of 32, and measures them side by side on real test tweets. "optimized" is the faster of the two
single-request ONNX variants. Goal on the 2-core reference machine: speedup >= 30x.

    python benchmarks/sentiment_service.py [--repeats N] [--train N]

Prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import mlliteracy as mll  # noqa: E402

BATCH = 32


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per variant")
    parser.add_argument("--train", type=int, default=300, help="training tweets for the head")
    args = parser.parse_args()

    import torch

    from mlliteracy._core.runtime import cpu_flags
    from mlliteracy.latency.pipeline import PipelineOptions, SentimentPipeline
    from mlliteracy.models.sentiment import tweet_splits

    clf = mll.train_sentiment(n_train=args.train, n_test=100, seed=0)
    print(f"classifier: {clf!r}", flush=True)
    texts = tweet_splits(0)["test"][0][:BATCH]
    singles = [[t] for t in texts]
    with tempfile.TemporaryDirectory(prefix="mll-bench-") as workdir:
        steps = mll.pipeline_steps(clf, workdir)
        batched = SentimentPipeline(clf, PipelineOptions(backend="onnx", batch_size=BATCH), workdir)
        variants = {name: (pipe.predict, singles, 1) for name, pipe in steps.items()}
        variants[f"+ batches of {BATCH} (ONNX fp32)"] = (batched.predict, [texts], BATCH)
        table = mll.compare_variants(variants, warmup=2, repeats=args.repeats)
    print(table.to_string(index=False), flush=True)

    rows = table.to_dict(orient="records")
    by_name = {r["variant"]: r for r in rows}
    naive = by_name["naive"]["p50_ms"]
    fastest = min(("+ ONNX Runtime", "+ ONNX int8"), key=lambda n: by_name[n]["p50_ms"])
    optimized = by_name[fastest]["p50_ms"]
    flags = cpu_flags()
    result = {
        "benchmark": "sentiment_service",
        "naive_p50_ms": naive,
        "optimized_p50_ms": optimized,
        "optimized_variant": fastest,
        "speedup": round(naive / optimized, 1),
        "goal_speedup": 30,
        "int8_vs_fp32": round(
            by_name["+ ONNX Runtime"]["p50_ms"] / by_name["+ ONNX int8"]["p50_ms"], 2
        ),
        "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "cpu_flags": {
            "avx2": "avx2" in flags,
            "avx512f": "avx512f" in flags,
            "vnni": bool(flags & {"avx512_vnni", "avx_vnni"}),
        },
        "machine": platform.machine(),
        "test_accuracy": clf.metrics.accuracy if clf.metrics else None,
        "repeats": args.repeats,
        "variants": rows,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
