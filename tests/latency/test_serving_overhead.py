"""Behaviour behind the serving-overhead fixes (no timings): core split, the batcher's
no-wait rule, and the benchmark's JSON."""

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mlliteracy.latency.server import _MicroBatcher, pin_to, split_cpus

ROOT = Path(__file__).resolve().parents[2]


def test_split_cpus_gives_the_client_one_core_and_the_server_the_rest():
    assert split_cpus([0]) == ((), ())
    assert split_cpus([0, 1]) == ((), ())  # 2 cores: the server would keep only one
    if sys.platform.startswith("linux"):
        assert split_cpus([0, 1], min_cores=2) == ((1,), (0,))
        assert split_cpus([3, 0, 1, 2]) == ((1, 2, 3), (0,))


def test_pin_to_nothing_is_a_no_op():
    assert pin_to(()) is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread affinity is Linux")
def test_pin_to_acts_on_the_calling_thread_only():
    import os

    before = os.sched_getaffinity(0)
    seen = {}

    def target():
        seen["pinned"] = pin_to([min(before)])
        seen["inside"] = os.sched_getaffinity(0)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    assert seen == {"pinned": True, "inside": {min(before)}}
    assert os.sched_getaffinity(0) == before


class _Recorder:
    """A pipeline that records its batch sizes and takes a little time per batch."""

    def __init__(self):
        self.batches = []

    def predict(self, texts):
        self.batches.append(len(texts))
        time.sleep(0.05)
        return [{"label": t} for t in texts]


def test_a_lone_request_does_not_wait_and_a_crowd_is_batched():
    pipe = _Recorder()

    async def scenario():
        batcher = _MicroBatcher(pipe, batch_size=8, max_wait_s=0.0)
        start = time.perf_counter()
        first = await batcher.submit("alone")
        alone_s = time.perf_counter() - start
        crowd = await asyncio.gather(*(batcher.submit(f"t{i}") for i in range(5)))
        batcher.task.cancel()
        return first, alone_s, crowd

    first, alone_s, crowd = asyncio.run(scenario())
    assert first == {"label": "alone"}
    assert [r["label"] for r in crowd] == [f"t{i}" for i in range(5)]
    assert pipe.batches[0] == 1
    assert sum(pipe.batches[1:]) == 5 and len(pipe.batches) <= 3  # 1 + (1 + 4) at most
    assert alone_s < 1.0  # generous: no wait means one 0.05 s batch


def test_a_timed_batcher_waits_for_company():
    pipe = _Recorder()

    async def scenario():
        batcher = _MicroBatcher(pipe, batch_size=8, max_wait_s=0.2)
        first = asyncio.ensure_future(batcher.submit("a"))
        await asyncio.sleep(0.02)
        second = await batcher.submit("b")
        batcher.task.cancel()
        return await first, second

    assert asyncio.run(scenario()) == ({"label": "a"}, {"label": "b"})
    assert pipe.batches == [2]


def test_benchmark_reports_both_ratios():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "serving_overhead.py")]
    cmd += ["--train", "30", "--requests", "3", "--repeats", "2", "--levels", "1,2"]
    cmd += ["--configs", "last"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "serving_overhead"
    for key in ("served_p50_ratio", "throughput_ratio"):
        assert result[key] > 0
    assert result["configs"][-1]["errors"] == 0
    assert {"served_p50_ratio_same_cores", "throughput_ratio_same_cores"} <= set(
        result["configs"][-1]
    )
