"""The Prefect flow that answers many access requests in one run: ``fulfil_batch(request_ids)``.

One flow run, one process: Python, Prefect, the configuration, the letter's templates and
Typst compiler and every SQL source's engine (``connectors.sql_engines.shared_engines``) are
loaded once for the whole batch instead of once per request. Each request is a task that
does exactly what ``fulfil_request`` does, with the same code (``flows.fulfil``'s steps,
``dsar.search``, ``dsar.answer``): its own run lease, the verification check, each system
searched with the same retries for transient faults, then the answer with the same
completeness rules. A request that fails — busy, unverified, a step that broke — is named in
the result and the others go on; a system that fails makes only its request incomplete.

Only ids go in; tasks return ids, statuses, counts and paths; nothing is persisted; errors
crossing into Prefect carry safe messages only (``flows.fulfil._guarded``).
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from dsar.store.states import RequestStatus
from dsar.timing import phase
from flows.fulfil import SearchFailed, _already_complete, _answer, _check, _guarded, _search
from flows.runtime import runtime

WORKERS = 4
"""Requests answered at once. A request's own work is part I/O (sources, store, disk) and
part CPU under the GIL; on 2 cores, 4 threads keep both busy while one waits."""


@task(name="fulfil-one", task_run_name="fulfil-{request_id}", persist_result=False, cache_policy=NO_CACHE)
def fulfil_one(request_id: str) -> dict[str, Any]:
    """One request of a batch, start to answer, under its run lease."""
    with phase("request"):  # the whole task body: what Prefect adds is the rest of the wall
        return _leased(request_id)


def _leased(request_id: str) -> dict[str, Any]:
    from dsar.leases import run_lease

    rt = runtime()
    # Entered by hand, not with ``with``: only taking the lease goes through ``_guarded``
    # here; the steps inside guard themselves, and their safe errors must not be re-wrapped.
    lease = run_lease(rt.workspace, rt.store, request_id)
    with phase("lease"):
        _guarded("lease", request_id, lease.__enter__)
    try:
        return _one(request_id)
    finally:
        with phase("lease"):
            lease.__exit__(None, None, None)


def _one(request_id: str) -> dict[str, Any]:
    logger = get_run_logger()
    with phase("check"):
        plan = _guarded("check", request_id, lambda: _check(request_id))
    if plan["status"] == RequestStatus.COMPLETE:
        return _already_complete(request_id)
    controller = runtime().workspace.config.controller(plan["controller"])
    failed = []
    for system_id in plan["pending"]:
        with phase("connectors"):
            ok = _search_with_retries(request_id, controller.systems[system_id])
        if not ok:
            failed.append(system_id)
    if failed:
        logger.info("request %s: %d systems failed: %s", request_id, len(failed), ", ".join(failed))
    with phase("answer"):
        result = _guarded("answer", request_id, lambda: _answer(request_id))
    logger.info("request %s: %s, %d records packed", request_id, result["status"], result["records"])
    return result


def _search_with_retries(request_id: str, system: Any) -> bool:
    """Search one system as ``fulfil_request``'s task does: a transient fault is tried again
    ``system.retries`` times after ``system.retry_delay_seconds`` (the last delay repeats).
    A failure is already in the store (the system is ``failed``); False then."""
    delays = list(system.retry_delay_seconds) or [0]
    for attempt in range(system.retries + 1):
        try:
            _guarded(f"search-{system.id}", request_id, lambda: _search(request_id, system.id))
            return True
        except SearchFailed as exc:
            if not exc.transient or attempt == system.retries:
                return False
            time.sleep(delays[min(attempt, len(delays) - 1)])
        except Exception:  # the product's own error or a recorded bug: safe, and in the store
            return False
    return False


@flow(
    name="fulfil-batch",
    persist_result=False,
    validate_parameters=True,
    log_prints=False,
    task_runner=ThreadPoolTaskRunner(max_workers=WORKERS),
)
def fulfil_batch(request_ids: list[str]) -> dict[str, Any]:
    """Answer every request in ``request_ids`` (duplicates once); returns each one's outcome
    in the order given, and the ids that failed outright."""
    from connectors.sql_engines import shared_engines

    logger = get_run_logger()
    ids = list(dict.fromkeys(request_ids))  # one run of a request: the lease is per process
    runtime()  # the configuration, read once for the batch
    with shared_engines():
        futures = [fulfil_one.submit(request_id) for request_id in ids]
        outcomes = [_outcome(request_id, future) for request_id, future in zip(ids, futures, strict=True)]
    failed = [o["request_id"] for o in outcomes if o.get("error")]
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome["status"]] = counts.get(outcome["status"], 0) + 1
    logger.info(
        "batch of %d: %s; failed: %s",
        len(ids),
        ", ".join(f"{n} {status}" for status, n in sorted(counts.items())),
        ", ".join(failed) or "none",
    )
    return {"requests": outcomes, "failed": failed, "counts": counts}


def _outcome(request_id: str, future: Any) -> dict[str, Any]:
    """A request's result, or — when it failed — its status now and the safe message."""
    future.wait()
    state = future.state
    if not state.is_failed() and not state.is_crashed():
        return future.result()
    try:
        exc = future.result(raise_on_failure=False)
        message = str(exc) if isinstance(exc, Exception) else "the run did not finish"
    except Exception as raised:  # the state holds no exception: its type is all that is safe
        message = type(raised).__name__
    try:
        status = runtime().store.get(request_id).status
    except Exception:
        status = "unknown"
    return {
        "request_id": request_id,
        "status": str(status),
        "package": None,
        "records": 0,
        "complete": False,
        "failed_systems": [],
        "awaiting_review": 0,
        "error": message,
    }
