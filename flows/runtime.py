"""What a flow run works with: the workspace and its request store.

The flow receives only a request id; where to find the workspace comes from the environment
(``DSAR_WORKSPACE``), which the CLI or the deployment sets. The configuration is read once
per flow run, so a worker that runs for days sees an edited controller file on its next run;
the store (its engine and connection pool, migrated once) is shared for the process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from dsar.store import RequestStore, open_store
from dsar.workspace import Workspace

_lock = threading.Lock()
_stores: dict[str, RequestStore] = {}
_runs: dict[tuple[str, str | None], Runtime] = {}
_KEEP_RUNS = 16  # a worker runs flows one after another; a few at once at most


@dataclass(frozen=True)
class Runtime:
    workspace: Workspace
    store: RequestStore


def runtime() -> Runtime:
    from prefect.runtime import flow_run

    root = str(Workspace.from_env().root)
    key = (root, flow_run.id)  # id is None outside a flow run (the CLI after a run)
    with _lock:
        if key not in _runs:
            if len(_runs) >= _KEEP_RUNS:
                _runs.clear()
            workspace = Workspace.from_env()
            if root not in _stores:
                _stores[root] = open_store(workspace)
            _runs[key] = Runtime(workspace=workspace, store=_stores[root])
        return _runs[key]


def forget_runtimes() -> None:
    """Close the stores and forget everything read (tests, and the CLI before it exits)."""
    with _lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
        _runs.clear()
