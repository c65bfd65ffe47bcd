"""A real HTTP sentiment service (FastAPI + uvicorn) and a bounded load test against it.

The server runs in its own process on 127.0.0.1 (a free port), so its CPU and memory can be
measured apart from the notebook, and its log lines never reach a cell's output.

Example:
    >>> server = mll.serve(clf, variant="optimized", workdir=tmp)
    >>> mll.load_test(server, texts, requests=200, concurrency=(1, 8))  # see loadtest.py
    >>> server.stop()
"""

# no `from __future__ import annotations`: FastAPI reads the request model from real
# annotations, and the model class is local to create_app (pydantic loads only when used).
import argparse
import asyncio
import atexit
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._core.errors import MLLError
from .._core.runtime import free_port
from ..models.sentiment import SentimentClassifier
from .pipeline import export_encoder_onnx, naive_pipeline, optimized_pipeline
from .profilers import release_memory

#: longest text /predict accepts, in characters (tweets in the data are at most 320)
MAX_CHARS = 1000
VARIANTS = ("naive", "optimized")


def _json_bytes() -> Any:
    """The fastest JSON encoder installed: orjson if present, else the standard library."""
    try:
        import orjson

        return orjson.dumps
    except ImportError:
        import json

        return lambda obj: json.dumps(obj, separators=(",", ":")).encode()


def allowed_cpus() -> tuple[int, ...]:
    """The cores this process may run on (all of them where the OS cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return tuple(sorted(os.sched_getaffinity(0)))
    return tuple(range(os.cpu_count() or 1))


#: fewest cores from which ``serve(cpus="auto")`` pins: on 2 cores, giving the client one left
#: the server a single core and cost more than the contention it removed (measured by
#: benchmarks/serving_overhead.py: best served throughput 0.92 -> 0.59 of in-process)
PIN_FROM_CORES = 4


def split_cpus(
    cpus: Sequence[int] | None = None, min_cores: int = PIN_FROM_CORES
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Cores for (server, load generator): the first core for the client, the rest for the
    server, so the two do not compete. With fewer than ``min_cores`` cores, or where affinity
    cannot be set (macOS, Windows), both are empty: nothing is pinned."""
    cpus = tuple(sorted(cpus)) if cpus is not None else allowed_cpus()
    if len(cpus) < max(min_cores, 2) or not hasattr(os, "sched_setaffinity"):
        return (), ()
    return cpus[1:], cpus[:1]


def pin_to(cpus: Sequence[int]) -> bool:
    """Pin the calling thread (and the threads it starts later) to ``cpus``; False if not
    possible here. On Linux ``sched_setaffinity(0, ...)`` acts on the calling thread only."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return False
    try:
        os.sched_setaffinity(0, set(cpus))
    except OSError:
        return False
    return True


# ---------------------------------------------------------------- the app (server side)


def create_app(pipeline: Any, variant: str, batch_size: int = 16, max_wait_ms: float = 0.0):
    """The FastAPI app: ``GET /health``, ``POST /predict`` with ``{"text": "..."}``.

    ``naive`` serves one request at a time (a lock around the pipeline); ``optimized``
    gathers concurrent requests into micro-batches of up to ``batch_size``: whatever queued
    while the previous batch ran, with no extra wait unless ``max_wait_ms`` > 0.
    Answers are encoded straight to JSON bytes (orjson if installed).
    """
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from pydantic import BaseModel, ConfigDict, field_validator

    class PredictRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        text: Any

        @field_validator("text", mode="before")
        @classmethod
        def _check_text(cls, value: Any) -> str:
            if not isinstance(value, str):
                raise ValueError(
                    f'must be a string, got {type(value).__name__}: send {{"text": "..."}}'
                )
            if not value.strip():
                raise ValueError(f"is empty: send 1 to {MAX_CHARS} characters")
            if len(value) > MAX_CHARS:
                raise ValueError(
                    f"has {len(value)} characters, over the limit of {MAX_CHARS}: shorten it"
                )
            return value

    app = FastAPI(title="mlliteracy sentiment service", version="1")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        msgs = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "body"
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            msgs.append(f"{where} {msg}")
        return JSONResponse(status_code=422, content={"detail": "; ".join(msgs)})

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "variant": variant}

    dumps = _json_bytes()

    def answer(result: dict[str, Any]) -> Response:
        return Response(dumps({**result, "variant": variant}), media_type="application/json")

    if variant == "naive":
        lock = threading.Lock()

        @app.post("/predict")
        def predict_naive(req: PredictRequest) -> Response:
            with lock:
                return answer(pipeline.predict([req.text])[0])

    else:
        batcher = _MicroBatcher(pipeline, batch_size, max_wait_ms / 1000.0)

        @app.post("/predict")
        async def predict_fast(req: PredictRequest) -> Response:
            return answer(await batcher.submit(req.text))

    return app


class _MicroBatcher:
    """Collect requests that arrive together and run them as one batch in a worker thread.

    A batch is the first waiting request plus whatever else is already queued (requests that
    arrived while the previous batch ran): a lone request runs at once. Only with
    ``max_wait_s`` > 0 does it also wait that long for company (the classic timed batcher,
    which adds the wait to every request at low load).
    """

    def __init__(self, pipeline: Any, batch_size: int, max_wait_s: float) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pipeline = pipeline
        self.batch_size = batch_size
        self.max_wait_s = max_wait_s
        self.queue: asyncio.Queue | None = None
        self.task: asyncio.Task | None = None
        # one worker thread: batches run one after another, always on the same thread
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mll-batch")

    async def submit(self, text: str) -> dict[str, Any]:
        if self.queue is None:
            self.queue = asyncio.Queue()
            self.task = asyncio.get_running_loop().create_task(self._run())
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((text, future))
        return await future

    async def _run(self) -> None:
        assert self.queue is not None  # set by submit before this task starts
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            deadline = loop.time() + self.max_wait_s
            while len(batch) < self.batch_size:
                if not self.queue.empty():
                    batch.append(self.queue.get_nowait())
                    continue
                timeout = deadline - loop.time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self.queue.get(), timeout))
                except asyncio.TimeoutError:
                    break
            texts = [t for t, _ in batch]
            try:
                results = await loop.run_in_executor(self.executor, self.pipeline.predict, texts)
            except Exception as err:  # pragma: no cover - surfaced to each waiting request
                for _, fut in batch:
                    fut.set_exception(err)
                continue
            for (_, fut), res in zip(batch, results, strict=True):
                fut.set_result(res)


def _server_main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the server process: ``python -m mlliteracy.latency.server ...``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--head", required=True)
    parser.add_argument("--variant", choices=VARIANTS, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--cpus", default="", help="comma-separated cores to pin to")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-wait-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    # pin first, so every thread started below (torch, ONNX Runtime, uvicorn) inherits it
    pin_to([int(c) for c in args.cpus.split(",") if c])

    import uvicorn

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    clf = SentimentClassifier.load(args.head)
    if args.variant == "naive":
        pipe = naive_pipeline(clf)
    else:
        threads = args.threads or None
        pipe = optimized_pipeline(clf, args.workdir, batch_size=args.batch_size, threads=threads)
    pipe.predict(["warm up"])
    release_memory(models=False)  # the warm-up's freed pages go back before serving starts
    app = create_app(pipe, args.variant, args.batch_size, args.max_wait_ms)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )
    uvicorn.Server(config).run()


# ---------------------------------------------------------------- the client side


class Server:
    """A running sentiment server process. Stop it with :meth:`stop` (also done at exit)."""

    def __init__(
        self,
        process: subprocess.Popen,
        port: int,
        variant: str,
        log: Path,
        cleanup: Any = None,
        cpus: Sequence[int] = (),
    ) -> None:
        self.process = process
        self.port = port
        self.variant = variant
        self.log = log
        self.cpus = tuple(cpus)
        """Cores the server process is pinned to (empty: not pinned)."""
        self._cleanup = cleanup  # a TemporaryDirectory that serve() made, removed on stop
        atexit.register(self.stop)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> int:
        """Ask the server to shut down (SIGTERM), kill it after ``timeout`` s; returns its code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        atexit.unregister(self.stop)
        if self._cleanup is not None:
            self._cleanup.cleanup()
            self._cleanup = None
        return int(self.process.returncode)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        pinned = f", cores {list(self.cpus)}" if self.cpus else ""
        return f"Server({self.variant!r} at {self.url}{pinned}, {state})"


def serve(
    classifier: SentimentClassifier,
    variant: str = "optimized",
    workdir: str | Path | None = None,
    port: int | None = None,
    threads: int | None = None,
    startup_timeout: float = 180.0,
    cpus: Sequence[int] | str | None = "auto",
    batch_size: int = 16,
    max_wait_ms: float = 0.0,
) -> Server:
    """Start the service in a background process and wait until ``/health`` answers.

    Args:
        classifier: the trained head (saved to ``workdir`` for the server process).
        variant: ``"naive"`` or ``"optimized"``.
        workdir: folder for the head, the ONNX export and the server log (if None, a temporary
            folder that ``stop()`` removes).
        port: TCP port on 127.0.0.1 (a free one if None).
        threads: torch and ONNX Runtime threads in the server (None: one per pinned core, or
            the libraries' defaults when not pinned).
        startup_timeout: seconds to wait for ``/health``.
        cpus: cores to pin the server to (a tuple), ``None`` for none, or ``"auto"``: from
            :data:`PIN_FROM_CORES` cores on, all but the first, which
            :func:`~mlliteracy.latency.loadtest.load_test` then uses for the client, so
            server and load generator do not compete (on fewer cores nothing is pinned).
        batch_size: most requests per micro-batch (``optimized``).
        max_wait_ms: how long the micro-batcher waits for more requests when only one is
            queued (0: never; the batch is whatever queued while the previous one ran).

    Returns:
        A :class:`Server`; call ``.stop()`` when done.

    Example:
        >>> with mll.serve(clf, "naive", tmp) as server:
        ...     httpx.post(server.url + "/predict", json={"text": "hi"}).json()
    """
    import tempfile

    import httpx

    if variant not in VARIANTS:
        raise MLLError(f"variant={variant!r} is unknown: use one of {VARIANTS}")
    if cpus == "auto":
        cpus = split_cpus()[0]
    elif isinstance(cpus, str) or (cpus is not None and not set(cpus) <= set(allowed_cpus())):
        raise MLLError(f"cpus={cpus!r}: pass 'auto', None or cores from {allowed_cpus()}")
    cpus = tuple(sorted(cpus or ()))
    if not isinstance(batch_size, int) or batch_size < 1:
        raise MLLError(f"batch_size={batch_size!r} must be a positive integer, e.g. 16")
    if not isinstance(max_wait_ms, (int, float)) or max_wait_ms < 0:
        raise MLLError(f"max_wait_ms={max_wait_ms!r} must be a number >= 0, e.g. 0 or 2")
    if threads is None and cpus:
        threads = len(cpus)
    if not isinstance(classifier, SentimentClassifier):
        raise MLLError("classifier: pass the result of mll.train_sentiment")
    own = tempfile.TemporaryDirectory(prefix="mll-serve-") if workdir is None else None
    workdir = Path(own.name) if own is not None else Path(workdir)
    if not workdir.is_dir():
        raise MLLError(f"workdir={str(workdir)!r} is not a folder: create it first")
    if variant == "optimized":
        export_encoder_onnx(workdir)  # export here once, so the server process only loads it
    port = port or free_port()
    head = classifier.save(workdir / "head.npz")
    log = workdir / f"server-{variant}-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "mlliteracy.latency.server",
        "--head",
        str(head),
        "--variant",
        variant,
    ]
    cmd += ["--workdir", str(workdir), "--port", str(port), "--threads", str(threads or 0)]
    cmd += ["--cpus", ",".join(map(str, cpus)), "--batch-size", str(batch_size)]
    cmd += ["--max-wait-ms", str(float(max_wait_ms))]
    # glibc gives every worker thread its own malloc arena; a threaded server that allocates
    # models per request then holds many half-empty arenas. Two arenas is the usual cap.
    env = {**os.environ, "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    server = Server(proc, port, variant, log, cleanup=own, cpus=cpus)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            server.stop()
            raise MLLError(f"the {variant} server exited at start: {tail[0]}")
        try:
            if httpx.get(server.url + "/health", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise MLLError(f"the {variant} server did not answer within {startup_timeout} s: raise it")


if __name__ == "__main__":  # pragma: no cover - the server process
    _server_main()
