"""Every compressed variant of the digits CNN measured side by side, in one run, on one thread.

Builds the variants the cost lesson builds (bf16, fp16, ONNX Runtime fp32, dynamic and static
int8, 50% unstructured pruning, channel pruning + 5 epochs of fine-tuning, a distilled student)
and measures them with ``mll.measure_variants``: accuracy and drop, latency p50/p95 at batch 1,
throughput at batch 64, size on disk, params, non-zero params, FLOPs, peak memory increase.

    python benchmarks/compression.py [--repeats N]

Prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mlliteracy as mll  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60, help="timed batch-1 calls per variant")
    args = parser.parse_args()

    start = time.perf_counter()
    data = mll.load_digits(seed=0)
    teacher = mll.load_digits_cnn()
    sparse, _ = mll.prune_unstructured(teacher, 0.5)
    narrow = mll.train(mll.prune_channels(teacher, keep=(8, 16)), data, epochs=5, seed=0).model
    student = mll.distill(teacher, data, epochs=30, seed=0).student
    variants = [
        mll.torch_variant(teacher, "fp32"),
        mll.half_precision(teacher, "bfloat16"),
        mll.half_precision(teacher, "float16"),
        mll.onnx_variant(teacher),
        mll.quantize_dynamic_int8(teacher),
        mll.quantize_static_int8(teacher, data.X_train[:256]),
        mll.torch_variant(sparse, "pruned 50% (unstructured)", "pruning"),
        mll.torch_variant(narrow, "pruned channels (8, 16)", "pruning"),
        mll.torch_variant(student, "student (distilled)", "distillation"),
    ]
    built = time.perf_counter() - start
    table = mll.measure_variants(variants, data, repeats=args.repeats)
    frame = table.frame
    print(frame.to_string())
    by_size = mll.recommend(table, max_drop_points=5, objective="size_bytes")
    by_latency = mll.recommend(table, max_drop_points=5, objective="latency_p50_ms")
    result = {
        "variants": {
            name: {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for name, row in frame.to_dict(orient="index").items()
        },
        "recommended_by_size": by_size.chosen,
        "recommended_by_latency_p50": by_latency.chosen,
        "build_seconds": round(built, 2),
        "total_seconds": round(time.perf_counter() - start, 2),
        "machine": table.machine,
        "repeats": args.repeats,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
