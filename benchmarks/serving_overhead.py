"""Serving overhead: the optimised sentiment pipeline in-process vs behind its HTTP server.

Measures in one run, on the same tweets: the in-process p50 at batch 1 and the in-process
throughput at batch ``--batch``, then for each server configuration the served p50 at
concurrency 1 and the best served throughput (``mll.serve`` + ``mll.load_test``), plus the
``/health`` round trip (HTTP, event loop and client, no model) so the overhead can be split.
The configurations change one thing at a time, from the old defaults to the new ones:

- ``timed wait, httpx, unpinned``: the batcher waits 2 ms for company, the httpx client;
- ``+ no wait when alone``: a lone request runs at once (``max_wait_ms=0``);
- ``+ aiohttp client``: the cheaper load generator (keep-alive, bodies encoded once);
- ``+ pinned apart``: server and load generator on different cores (as ``cpus="auto"`` does
  from 4 cores on; forced here on 2 or 3 cores to measure it).

Unpinned servers use the libraries' default threads (one per core), as the old default did.
The in-process numbers are measured twice: on every core (``*_ratio``: what the machine
could do without serving) and on the cores the pinned server gets, with as many threads
(``*_ratio_same_cores``: same hardware, so only the serving overhead). The headline is the
configuration ``mll.serve`` uses by default on this machine, against every core. Goals: served
p50 at concurrency 1 <= 1.5x in-process p50; best served throughput >= 0.8x in-process batch
throughput.

    python benchmarks/serving_overhead.py [--train N] [--requests N] [--repeats N]

Prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import mlliteracy as mll  # noqa: E402
from mlliteracy.latency.loadtest import client_cpus  # noqa: E402
from mlliteracy.latency.server import allowed_cpus, pin_to, split_cpus  # noqa: E402
from mlliteracy.latency.timing import percentile  # noqa: E402

GOAL_P50_RATIO = 1.5
GOAL_THROUGHPUT_RATIO = 0.8
# name -> (max_wait_ms, client library, pinned)
CONFIGS = {
    "timed wait, httpx, unpinned": (2.0, "httpx", False),
    "+ no wait when alone": (0.0, "httpx", False),
    "+ aiohttp client": (0.0, "aiohttp", False),
    "+ pinned apart": (0.0, "aiohttp", True),
}


def health_p50(url: str, library: str, cpus: tuple[int, ...], n: int) -> float:
    """Median ms of sequential GET /health on one kept-alive connection: the serving floor."""

    async def probe() -> list[float]:
        if library == "aiohttp":
            import aiohttp

            client = aiohttp.ClientSession(base_url=url)

            async def get() -> None:
                async with client.get("/health") as r:
                    await r.read()
        else:
            import httpx

            client = httpx.AsyncClient(base_url=url)

            async def get() -> None:
                await client.get("/health")

        out = []
        async with client:
            for _ in range(n + 3):
                start = time.perf_counter()
                await get()
                out.append((time.perf_counter() - start) * 1000.0)
        return out[3:]

    before = allowed_cpus()
    pin_to(cpus)
    try:
        samples = asyncio.run(probe())
    finally:
        pin_to(before)
    return round(percentile(samples, 50), 3)


def in_process(clf, workdir, texts, batch, repeats, cpus, threads):
    """(p50 ms at batch 1, requests/s at ``batch``) of the optimised pipeline on ``cpus``."""
    everything = allowed_cpus()
    pin_to(cpus)
    try:
        pipe = mll.optimized_pipeline(clf, workdir, batch_size=batch, threads=threads)
        singles = [[t] for t in texts[:32]]
        one = mll.measure_latency(pipe.predict, singles, warmup=3, repeats=repeats)
        chunks = [texts[i : i + batch] for i in range(0, len(texts), batch)]
        bat = mll.measure_latency(
            pipe.predict, chunks, warmup=1, repeats=max(repeats // 4, 2), items_per_call=batch
        )
    finally:
        pin_to(everything)
    del pipe
    mll.release_memory()
    return round(one.p50_ms, 3), round(bat.throughput, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=200, help="training tweets for the head")
    parser.add_argument("--requests", type=int, default=80, help="requests per load level")
    parser.add_argument("--repeats", type=int, default=40, help="timed in-process calls")
    parser.add_argument("--levels", default="1,4,16", help="concurrency levels, e.g. 1,4,16")
    parser.add_argument("--batch", type=int, default=16, help="server and in-process batch")
    parser.add_argument("--configs", default="all", help="'all' or 'last' (the new defaults)")
    args = parser.parse_args()
    levels = tuple(int(c) for c in args.levels.split(","))
    if levels[0] != 1:
        parser.error("--levels must start with 1 (the served p50 is read at concurrency 1)")

    from mlliteracy.models.sentiment import tweet_splits

    clf = mll.train_sentiment(n_train=args.train, n_test=50, seed=0)
    texts = [str(t) for t in tweet_splits(0)["test"][0][:64]]
    server_cpus, _ = split_cpus(min_cores=2)
    threads = len(server_cpus) or None
    configs = CONFIGS if args.configs == "all" else dict(list(CONFIGS.items())[-1:])
    rows = []
    with tempfile.TemporaryDirectory(prefix="mll-bench-serve-") as workdir:
        work = (clf, workdir, texts, args.batch, args.repeats)
        inproc_p50, inproc_rps = in_process(*work, server_cpus, threads)
        whole_p50, whole_rps = in_process(*work, allowed_cpus(), None)
        print(f"in-process, server's cores: p50 {inproc_p50} ms, {inproc_rps} req/s", flush=True)
        print(f"in-process, every core: p50 {whole_p50} ms, {whole_rps} req/s", flush=True)

        for name, (wait_ms, library, pinned) in configs.items():
            cpus = server_cpus if pinned else None
            server = mll.serve(
                clf, "optimized", workdir, threads=threads if pinned else None, cpus=cpus,
                batch_size=args.batch, max_wait_ms=wait_ms,
            )  # fmt: skip
            try:
                floor = health_p50(server.url, library, client_cpus(server), args.requests)
                load = mll.load_test(
                    server, texts, requests=args.requests, concurrency=levels, library=library
                )
            finally:
                server.stop()
            print(f"== {name}\n{load.to_string(index=False)}", flush=True)
            p50 = float(load.p50_ms.iloc[0])
            best = float(load.throughput_rps.max())
            rows.append({
                "config": name, "max_wait_ms": wait_ms, "client": library,
                "server_cpus": list(server.cpus), "health_p50_ms": floor,
                "served_p50_ms": p50, "overhead_ms": round(p50 - whole_p50, 3),
                "served_p50_ratio": round(p50 / whole_p50, 2),
                "best_served_rps": best, "throughput_ratio": round(best / whole_rps, 2),
                "served_p50_ratio_same_cores": round(p50 / inproc_p50, 2),
                "throughput_ratio_same_cores": round(best / inproc_rps, 2),
                "errors": int(load.errors.sum()),
            })  # fmt: skip

    import pandas as pd

    print(pd.DataFrame(rows).to_string(index=False), flush=True)
    default_pinned = bool(split_cpus()[0])  # what serve(cpus="auto") does on this machine
    first = rows[0]
    matching = [r for r in rows if bool(r["server_cpus"]) == default_pinned]
    last = matching[-1] if matching else rows[-1]
    result = {
        "benchmark": "serving_overhead",
        "inprocess_p50_ms": whole_p50,
        "inprocess_batch_rps": whole_rps,
        "inprocess_server_cores_p50_ms": inproc_p50,
        "inprocess_server_cores_batch_rps": inproc_rps,
        "served_p50_ms": last["served_p50_ms"],
        "best_served_rps": last["best_served_rps"],
        "served_p50_ratio": last["served_p50_ratio"],
        "throughput_ratio": last["throughput_ratio"],
        "default_config": last["config"],
        "goal_served_p50_ratio": GOAL_P50_RATIO,
        "goal_throughput_ratio": GOAL_THROUGHPUT_RATIO,
        "meets_goals": last["served_p50_ratio"] <= GOAL_P50_RATIO
        and last["throughput_ratio"] >= GOAL_THROUGHPUT_RATIO,
        "before": {k: first[k] for k in ("config", "served_p50_ratio", "throughput_ratio")},
        "threads": threads,
        "server_cpus": list(server_cpus),
        "cpu_count": os.cpu_count(),
        "batch": args.batch,
        "requests": args.requests,
        "configs": rows,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
