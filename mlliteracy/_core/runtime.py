"""Facts about this machine that measurements depend on (CPU features).

Used by the doctor, the trade-off table and the benchmarks.
"""

from __future__ import annotations

from pathlib import Path


def cpu_flags() -> set[str]:
    """CPU feature flags from ``/proc/cpuinfo`` (empty where the OS does not expose them)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()
