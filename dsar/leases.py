"""One run of a request at a time, and nothing left behind by a run that died.

``run_lease`` takes the request's lease in the store (``RequestStore.acquire_run``: a row per
request, so it holds across processes and machines), renews it from a thread while the run
works, and gives it back at the end. A second run meanwhile is refused with one clear line
(``RequestBusy``). A run killed outright (``kill -9``, a lost machine) leaves its lease; the
next run takes it over once the holder is known dead or the lease expired, and first clears
what the dead run left: unfinished staging (``<system>.partial``), unfinished packages
(``*.zip.partial``) and sealed passwords of packages that never appeared.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
from collections.abc import Iterator

from dsar.delivery import SUFFIX as SEALED_SUFFIX
from dsar.store import RequestStore
from dsar.workspace import Workspace

TTL_SECONDS = 900.0
"""A lease lasts this long without renewal: long enough for a pause, short enough that a lost
machine's request is runnable again the same hour."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@contextlib.contextmanager
def run_lease(workspace: Workspace, store: RequestStore, request_id: str, *, ttl: float = TTL_SECONDS) -> Iterator[str]:
    """Hold ``request_id`` for the duration of the block; clear a dead run's leftovers first."""
    holder = holder_id()
    store.acquire_run(request_id, holder, ttl_seconds=ttl)
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl / 3):
            with contextlib.suppress(Exception):  # a hiccup renews next time; expiry is far off
                store.renew_run(request_id, holder, ttl_seconds=ttl)

    thread = threading.Thread(target=renew, name=f"lease-{request_id}", daemon=True)
    try:
        clear_leftovers(workspace, request_id)
        thread.start()
        yield holder
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(timeout=5)
        store.release_run(request_id, holder)


def clear_leftovers(workspace: Workspace, request_id: str) -> list[str]:
    """Remove what an interrupted run of ``request_id`` left; returns what was removed (names
    only). Called while holding the lease, so nothing removed belongs to a live run."""
    removed: list[str] = []
    staging = workspace.staging_dir / request_id
    if staging.is_dir():
        for partial in staging.glob("*.partial"):
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(f"staging/{request_id}/{partial.name}")
    exports = workspace.exports_dir / request_id
    if exports.is_dir():
        for path in exports.iterdir():
            if path.name.endswith(".partial"):
                path.unlink(missing_ok=True)
                removed.append(f"exports/{request_id}/{path.name}")
            elif path.name.endswith(SEALED_SUFFIX):
                package = path.with_name(path.name.removesuffix(SEALED_SUFFIX))
                if not package.exists():  # its package was never finished
                    path.unlink(missing_ok=True)
                    removed.append(f"exports/{request_id}/{path.name}")
    return removed


def is_interrupted(store: RequestStore, request_id: str, status: str) -> bool:
    """A request left ``running`` with nobody holding it: its run was interrupted."""
    return status == "running" and store.run_holder(request_id) is None


__all__ = ["TTL_SECONDS", "clear_leftovers", "holder_id", "is_interrupted", "run_lease"]

