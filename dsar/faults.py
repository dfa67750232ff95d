"""Named points where a test can kill the process outright, as ``kill -9`` or a power cut would.

``checkpoint("packaging")`` does nothing unless ``DSAR_KILL_AT`` names that point, in which
case the process sends itself SIGKILL right there: no ``finally``, no ``atexit``, nothing
flushed. The crash tests (``tests/test_crashes.py``) run the CLI once per point and check that
the next run cleans up and produces the same answer. The variable is read at each point, so a
process started without it pays one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = ("search-started", "staging", "search-committed", "letter", "packaging", "package-built", "status")
"""Every point, in the order a run passes them."""


def checkpoint(point: str) -> None:
    if os.environ.get("DSAR_KILL_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
