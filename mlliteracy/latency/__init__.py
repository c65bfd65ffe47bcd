"""Where inference time goes: timing with percentiles, batching, profilers (cProfile,
torch.profiler, memory), the sentiment pipeline variants, the HTTP server and its load test.

Used by: intermediate 01-02, advanced 03.

Modules:
- ``ablation``: A fair baseline for a speed-up: the headline against the naive service is
  against a strawman, so recompute it against the first sensible variant and show each step's
  share.
- ``batching``: Batching: latency and throughput per batch size, a verdict on whether batching
  paid on this machine, and a slider to read the sweep.
- ``encoders``: Side-by-side checks of the sentiment service: do the variants agree, and what
  would a smaller or larger encoder cost?
- ``figures``: Static pictures of the lesson's measurements (PNG, so a committed notebook
  shows them): stage shares per pipeline variant, p50/p95 per concurrency level, and a
  batch-size sweep.
- ``loadtest``: A bounded load test against the sentiment server: fixed requests, several
  concurrency levels, a time cap, and the server process watched for CPU and memory.
- ``pipeline``: The sentiment service's request path, from naive to optimised, one fix at a
  time.
- ``profilers``: Where does the time and memory go? cProfile, torch.profiler (+ a Perfetto
  trace) and RSS.
- ``server``: A real HTTP sentiment service (FastAPI + uvicorn) and a bounded load test against
  it.
- ``timing``: Latency measurement: stage timers, percentiles, variant comparisons and batch-size
  sweeps.
"""
