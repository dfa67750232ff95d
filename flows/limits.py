"""Per-system concurrency: at most ``max_parallel`` searches of one source at once, across
every worker on every machine, as a Prefect global concurrency limit.

A batch answers several requests at a time and each worker runs its own batches: without a
limit a web shop's database could get as many connections as there are requests in flight.
The limit is named after the controller and system (ids only), created or corrected from the
configuration the first time this process searches that system, and a slot is held for the
whole search of one system for one request. Systems without ``max_parallel`` take no slot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_ensured: dict[str, int] = {}
_lock = threading.Lock()


def limit_name(controller_id: str, system_id: str) -> str:
    """Prefect allows no '/' in a limit's name: ``dsar-<controller>-<system>``."""
    return f"dsar-{controller_id}-{system_id}"


def _ensure(name: str, limit: int) -> None:
    with _lock:
        if _ensured.get(name) == limit:
            return
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(name, limit)
        _ensured[name] = limit


@contextmanager
def system_slot(controller_id: str, system: Any) -> Iterator[None]:
    """Hold one of the system's slots while searching it (waits for a free one)."""
    limit = getattr(system, "max_parallel", None)
    if limit is None:
        yield
        return
    from prefect.concurrency.sync import concurrency

    name = limit_name(controller_id, system.id)
    _ensure(name, limit)
    with concurrency(name, occupy=1, strict=True):
        yield


def forget_limits() -> None:
    """For tests: a new Prefect server knows none of the limits this process made."""
    with _lock:
        _ensured.clear()
