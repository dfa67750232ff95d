"""What a flow run works with: the workspace and its request store, opened once per process.

The flow receives only a request id; where to find the workspace comes from the environment
(``DSAR_WORKSPACE``), which the CLI or the deployment sets. Opening is cached so the tasks of
a run share one engine instead of migrating and connecting once per task.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from dsar.store import RequestStore, open_store
from dsar.workspace import Workspace

_lock = threading.Lock()
_cache: dict[str, Runtime] = {}


@dataclass(frozen=True)
class Runtime:
    workspace: Workspace
    store: RequestStore


def runtime() -> Runtime:
    workspace = Workspace.from_env()
    key = str(workspace.root)
    with _lock:
        if key not in _cache:
            _cache[key] = Runtime(workspace=workspace, store=open_store(workspace))
        return _cache[key]


def forget_runtimes() -> None:
    """Close cached stores (tests, and the CLI before it exits)."""
    with _lock:
        for rt in _cache.values():
            rt.store.close()
        _cache.clear()
