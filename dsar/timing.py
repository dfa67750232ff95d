"""Where a run's time goes, per phase: totals and counts only, for benchmarks.

``with phase("letter"): …`` adds the block's wall time (``time.perf_counter``) to the
phase's total in this process. Only phase names, seconds and counts are kept — never a
request id or anything about a person — so the figures can be printed or logged anywhere.
Always on: a phase costs two clock reads and a locked addition, against milliseconds of work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_totals: dict[str, list[float]] = {}  # phase -> [seconds, count]


@contextmanager
def phase(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        with _lock:
            entry = _totals.setdefault(name, [0.0, 0])
            entry[0] += elapsed
            entry[1] += 1


def snapshot() -> dict[str, tuple[float, int]]:
    """{phase: (seconds, count)} since the last ``reset``."""
    with _lock:
        return {name: (seconds, int(count)) for name, (seconds, count) in _totals.items()}


def reset() -> None:
    with _lock:
        _totals.clear()


__all__ = ["phase", "reset", "snapshot"]
