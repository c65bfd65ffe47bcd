"""A bounded load test against the sentiment server: fixed requests, several concurrency
levels, a time cap, and the server process watched for CPU and memory.

The client is kept cheap, since its cost lands in every latency it reports: bodies are encoded
once, connections are kept alive, aiohttp is used when installed (httpx otherwise), and the
client thread is pinned to the cores the server does not use.

Example:
    >>> mll.load_test(server, ["great day", "awful"], requests=50, concurrency=(1, 8))
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

from .._core.errors import MLLError
from .server import Server, allowed_cpus, pin_to
from .timing import percentile

LOAD_COLUMNS = [
    "server", "concurrency", "requests", "ok", "errors", "not_sent", "p50_ms", "p95_ms",
    "p99_ms", "throughput_rps", "server_cpu_percent", "server_peak_rss_mb",
]  # fmt: skip


def client_library() -> str:
    """The HTTP client the load test uses: ``"aiohttp"`` if installed, else ``"httpx"``."""
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return "httpx"
    return "aiohttp"


async def _post_aiohttp(url: str, limit_s: float, conc: int) -> Any:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=max(limit_s, 1.0))
    session = aiohttp.ClientSession(
        base_url=url, timeout=timeout, connector=aiohttp.TCPConnector(limit=conc)
    )
    headers = {"content-type": "application/json"}

    async def post(body: bytes) -> bool:
        try:
            async with session.post("/predict", data=body, headers=headers) as r:
                await r.read()
                return r.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False

    return session, post


async def _post_httpx(url: str, limit_s: float, conc: int) -> Any:
    import httpx

    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    client = httpx.AsyncClient(base_url=url, timeout=max(limit_s, 1.0), limits=limits)
    headers = {"content-type": "application/json"}

    async def post(body: bytes) -> bool:
        try:
            r = await client.post("/predict", content=body, headers=headers)
            return r.status_code == 200
        except httpx.HTTPError:
            return False

    return client, post


async def _one_level(
    url: str, texts: Sequence[str], n: int, conc: int, limit_s: float, library: str
):
    import json

    bodies = [json.dumps({"text": t}).encode() for t in texts]  # encoded once, not per request
    latencies: list[float] = []
    errors = 0
    counter = iter(range(n))
    deadline = time.perf_counter() + limit_s
    opener = _post_aiohttp if library == "aiohttp" else _post_httpx
    client, post = await opener(url, limit_s, conc)
    async with client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                start = time.perf_counter()
                ok = await post(bodies[i % len(bodies)])
                latencies.append((time.perf_counter() - start) * 1000.0)
                errors += 0 if ok else 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        wall = time.perf_counter() - t0
    return latencies, errors, wall


def client_cpus(server: Server | str) -> tuple[int, ...]:
    """Cores for the load generator: those the server is not pinned to (empty: no pinning)."""
    if not isinstance(server, Server) or not server.cpus:
        return ()
    return tuple(c for c in allowed_cpus() if c not in server.cpus)


def _run_in_thread(coro: Any, cpus: Sequence[int] = ()) -> Any:
    """Run a coroutine on its own event loop in a thread (Jupyter already runs a loop),
    pinned to ``cpus`` when given (only that thread: the notebook itself is not pinned)."""
    result: dict[str, Any] = {}

    def target() -> None:
        pin_to(cpus)
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as err:  # re-raised in the caller's thread
            result["error"] = err

    runner = threading.Thread(target=target)
    runner.start()
    runner.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def load_test(
    server: Server | str,
    texts: Sequence[str],
    requests: int = 100,
    concurrency: Sequence[int] = (1, 4, 16),
    time_limit_s: float = 30.0,
    library: str | None = None,
):
    """Send ``requests`` POST /predict calls per concurrency level, each level capped in time.

    Args:
        server: a :class:`Server` (its process is measured) or a base URL.
        texts: request bodies, cycled.
        requests: requests per level.
        concurrency: simultaneous clients per level.
        time_limit_s: per level; requests not started by then count as ``not_sent``.
        library: ``"aiohttp"`` or ``"httpx"`` (None: aiohttp if installed). The client runs
            on the cores a pinned server leaves free (:func:`client_cpus`).

    Returns:
        DataFrame with one row per level: requests, ok, errors, not_sent, p50/p95/p99 ms,
        throughput_rps, server_cpu_percent, server_peak_rss_mb.

    Example:
        >>> mll.load_test(server, ["good", "bad"], requests=50, concurrency=(1, 8))
    """
    import pandas as pd
    import psutil

    url = server.url if isinstance(server, Server) else str(server)
    name = server.variant if isinstance(server, Server) else url
    if isinstance(texts, str) or not texts or not all(isinstance(t, str) for t in texts):
        raise MLLError("texts must be a non-empty list of strings, e.g. ['great day']")
    if not isinstance(requests, int) or requests < 1:
        raise MLLError(f"requests={requests!r} must be a positive integer")
    levels = list(concurrency)
    if not levels or any(not isinstance(c, int) or c < 1 for c in levels):
        raise MLLError(f"concurrency={concurrency!r} must be positive integers, e.g. (1, 8)")
    library = library or client_library()
    if library not in ("aiohttp", "httpx"):
        raise MLLError(f"library={library!r} is unknown: use 'aiohttp', 'httpx' or None")
    pinned = client_cpus(server)
    proc = psutil.Process(server.pid) if isinstance(server, Server) else None
    rows = []
    for conc in levels:
        peak = [proc.memory_info().rss if proc else 0]
        cpu0 = proc.cpu_times() if proc else None
        done = threading.Event()

        def watch(peak: list[int] = peak, done: threading.Event = done) -> None:
            while proc is not None and not done.wait(0.05):
                peak[0] = max(peak[0], proc.memory_info().rss)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        level = _one_level(url, texts, requests, conc, time_limit_s, library)
        lat, errors, wall = _run_in_thread(level, pinned)
        done.set()
        watcher.join()
        cpu_s = 0.0
        if proc is not None and cpu0 is not None:
            cpu1 = proc.cpu_times()
            cpu_s = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
        rows.append({
            "server": name, "concurrency": conc, "requests": len(lat),
            "ok": len(lat) - errors, "errors": errors, "not_sent": requests - len(lat),
            "p50_ms": percentile(lat, 50) if lat else float("nan"),
            "p95_ms": percentile(lat, 95) if lat else float("nan"),
            "p99_ms": percentile(lat, 99) if lat else float("nan"),
            "throughput_rps": len(lat) / wall if wall > 0 else float("nan"),
            "server_cpu_percent": 100.0 * cpu_s / wall if wall > 0 else float("nan"),
            "server_peak_rss_mb": peak[0] / 2**20,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=LOAD_COLUMNS).round(2)
