"""A bounded load test against the sentiment server: fixed requests, several concurrency
levels, a time cap, and the server process watched for CPU and memory.

The client is kept cheap, since its cost lands in every latency it reports: bodies are encoded
once, connections are kept alive, aiohttp is used when installed (httpx otherwise), and the
client thread is pinned to the cores the server does not use.

Example:
    >>> mll.load_test(server, ["great day", "awful"], requests=50, concurrency=(1, 8))
    >>> mll.explain_load(pd.concat([naive_load, fast_load]))
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

from .._core.errors import MLLError
from .._core.expect import Verdict
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


#: a throughput change smaller than this share is called "flat" (reruns move it about as much)
LOAD_FLAT = 0.10


def explain_load(
    table: Any, fast: str = "optimized", naive: str = "naive", flat: float = LOAD_FLAT
) -> Verdict:
    """Say, from load-test rows of both servers, whether the fast server's micro-batching raised
    its throughput with concurrency, how the two servers' p50 compare at the same concurrency,
    and how much memory the naive server adds per extra request in flight.

    Args:
        table: rows of :func:`load_test` for both servers (e.g. ``pd.concat`` of the two).
        fast, naive: the two values of the ``server`` column.
        flat: a relative change in throughput below this counts as no change.

    Returns:
        A :class:`~mlliteracy._core.expect.Verdict` with outcome ``pays``, ``flat`` or ``hurts``
        (the fast server's throughput from its lowest to its highest concurrency).

    Example:
        >>> mll.explain_load(pd.concat([naive_load, fast_load], ignore_index=True))
    """
    cols = {"server", "concurrency", "p50_ms", "throughput_rps", "server_peak_rss_mb"}
    if not hasattr(table, "columns") or not cols <= set(table.columns):
        raise MLLError(
            "table must hold mll.load_test rows, e.g. pd.concat([naive_load, fast_load])"
        )
    rows = {}
    for name in (fast, naive):
        part = table[table["server"] == name].sort_values("concurrency")
        if part.empty:
            found = sorted(set(map(str, table["server"])))
            raise MLLError(f"no rows for server {name!r} (found {found}): pass fast=/naive=")
        rows[name] = part.set_index("concurrency")
    f = rows[fast]
    c_lo, c_hi = int(f.index[0]), int(f.index[-1])
    t_lo, t_hi = float(f.throughput_rps.iloc[0]), float(f.throughput_rps.iloc[-1])
    change = t_hi / t_lo - 1 if t_lo > 0 else float("nan")
    rates = f"{t_lo:.1f} requests/s at concurrency {c_lo} to {t_hi:.1f}/s at {c_hi}"
    if len(f) < 2:
        outcome, text = "flat", f"The {fast} server was tested at one concurrency only ({c_lo}). "
    elif change >= flat:
        outcome = "pays"
        text = (
            f"The {fast} server's throughput **rose** from {rates} ({change:+.0%}): requests "
            "that arrived together shared forward passes and overlapped their HTTP work, so "
            "micro-batching paid here. "
        )
    elif change <= -flat:
        outcome = "hurts"
        text = (
            f"The {fast} server's throughput **fell** from {rates} ({change:+.0%}): "
            "micro-batching did not pay here; as in section 6, a batch added padding and the "
            "cores were already busy. "
        )
    else:
        outcome = "flat"
        text = (
            f"The {fast} server's throughput stayed about level, from {rates} ({change:+.0%}): "
            "micro-batching bought no throughput here. "
        )
    return Verdict(
        text + _compare_p50(rows, fast, naive) + _rss_growth(rows[naive], naive), outcome
    )


def _compare_p50(rows: dict[str, Any], fast: str, naive: str) -> str:
    common = [int(c) for c in rows[fast].index if c in rows[naive].index]
    if not common:
        return "The two servers share no concurrency level, so their p50 cannot be compared. "
    parts = []
    for c in common:
        n, q = float(rows[naive].p50_ms.loc[c]), float(rows[fast].p50_ms.loc[c])
        ratio = f", {n / q:.1f}x" if q > 0 else ""
        parts.append(f"{n:.0f} ms vs {q:.1f} ms at concurrency {c}{ratio}")
    return f"At the same concurrency, p50 of {naive} vs {fast}: " + "; ".join(parts) + ". "


def _rss_growth(part: Any, name: str) -> str:
    if len(part) < 2:
        return f"The {name} server ran at one concurrency only: no memory growth to read."
    c0, c1 = int(part.index[0]), int(part.index[-1])
    r0, r1 = float(part.server_peak_rss_mb.iloc[0]), float(part.server_peak_rss_mb.iloc[-1])
    per = (r1 - r0) / (c1 - c0)
    if per <= 0:
        return (
            f"The {name} server's peak memory did not grow from concurrency {c0} to {c1} "
            f"({r0:.0f} -> {r1:.0f} MB): its model copies did not overlap in these runs."
        )
    return (
        f"The {name} server's peak memory grew from {r0:.0f} MB at concurrency {c0} to "
        f"{r1:.0f} MB at {c1}: **about {per:.0f} MB per extra request in flight**. Memory is "
        "sampled every 50 ms and two requests' model loads overlap only in part, so read it "
        "as a lower bound, not a rate to multiply: each request that overlaps another fully "
        "holds a whole model copy."
    )
