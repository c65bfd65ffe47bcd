"""Roofline of this machine and where the MiniLM encoder lands on it, batch 1 vs batch 32.

Measures, in one run: peak fp32 GEMM GFLOP/s and memory bandwidth (``mll.measure_roof``), then
the real all-MiniLM-L6-v2 encoder at sequence length 128 under ``torch.inference_mode``:
achieved GFLOP/s = FLOPs per sequence (from ``mll.autopsy``) * batch / median seconds per call.
Goal: batch 32 reaches >= 50% of the measured peak. On a shared machine the load changes
between measurements, so batch 32 is also timed in pairs with a GEMM run right beside it
(``batch32_share_of_adjacent_gemm``, best pair).

    python benchmarks/roofline.py [--repeats N]

Prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import mlliteracy as mll  # noqa: E402
from mlliteracy.cost.roofline import text_batch_fns  # noqa: E402

SEQ = 128


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per measurement")
    args = parser.parse_args()

    import torch

    roof = mll.measure_roof(repeats=args.repeats)
    zm = mll.load_model("minilm")
    report = mll.autopsy(zm.model, zm.example_input, name="minilm")
    cfg = zm.model.config
    by_hand = mll.encoder_flops(cfg.num_hidden_layers, cfg.hidden_size, cfg.intermediate_size, SEQ)
    batches = {}
    inputs_for, run = text_batch_fns(zm, SEQ)
    points = mll.text_batch_points(
        zm, report, (1, 32), repeats=args.repeats, name="minilm fp32", statistic="best", seq=SEQ
    )
    # The machine is shared: its load changes from second to second. Pair each batch-32 call
    # with a GEMM timed right next to it, so both see the same load, and keep the best pair.
    batch32 = inputs_for(32)
    paired = []
    for _ in range(args.repeats):
        gemm = mll.measure_peak_gflops(1024, repeats=2)
        start = time.perf_counter()
        run(batch32)
        model = 32 * report.flops / (time.perf_counter() - start) / 1e9
        paired.append(model / gemm)
    for row in points.itertuples():
        batches[row.batch] = row
        print(
            f"batch {row.batch}: {row.ms_per_call:.1f} ms/call, {row.achieved_gflops:.1f} GFLOP/s"
        )
    print(roof)
    result = {
        "peak_gflops": round(roof.peak_gflops, 2),
        "bandwidth_gbs": round(roof.bandwidth_gbs, 2),
        "achieved_gflops_batch1": round(batches[1].achieved_gflops, 2),
        "achieved_gflops_batch32": round(batches[32].achieved_gflops, 2),
        "batch32_share_of_peak": round(batches[32].achieved_gflops / roof.peak_gflops, 3),
        "batch32_share_of_adjacent_gemm": round(max(paired), 3),
        "batch1_share_of_peak": round(batches[1].achieved_gflops / roof.peak_gflops, 3),
        "ms_per_call_batch1": round(batches[1].ms_per_call, 2),
        "ms_per_call_batch32": round(batches[32].ms_per_call, 2),
        "flops_per_sequence": report.flops,
        "flops_by_hand": by_hand,
        "seq_len": SEQ,
        "model": "all-MiniLM-L6-v2 fp32, torch eager, inference_mode",
        "statistic": "best of repeats (peak, bandwidth and model alike)",
        "threads": roof.threads,
        "ridge_flop_per_byte": round(roof.ridge, 2),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
