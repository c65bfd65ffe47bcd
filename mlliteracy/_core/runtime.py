"""Facts about this machine that measurements depend on (CPU features), and its local TCP ports.

Used by the doctor, the trade-off table, the benchmarks and the servers the lessons start (the
sentiment service, Netron).
"""

from __future__ import annotations

import socket
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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port`` (0.5 s timeout)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0
