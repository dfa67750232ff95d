"""The Prefect flow that answers one access request: ``fulfil_request(request_id)``.

Only the request id goes in. Tasks take the request id and a system id and return counts and
statuses; nothing they take, return, log or raise carries personal data, and no result is
persisted. Errors crossing into Prefect are rebuilt from their safe message, with no chained
cause (a driver's exception text may quote values).

Re-running resumes: systems already searched are skipped; failed ones are searched again;
the answer is rebuilt from everything staged. A complete request is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait

from dsar.errorlog import record_unexpected
from dsar.errors import ConnectorError, DsarError, RequestNotVerified
from dsar.store.states import RequestStatus, SystemStatus
from flows.runtime import runtime

T = TypeVar("T")


class SearchFailed(Exception):
    """A system could not be searched; ``transient`` failures are retried by Prefect."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class StepFailed(Exception):
    """An unexpected error in a step; its details are in an encrypted file, not here."""


def _guarded(step: str, request_id: str, body: Callable[[], T]) -> T:
    """Run a task's body so that nothing but a safe message reaches Prefect.

    The product's own errors carry safe messages by contract; they go on with their chain cut
    (a cause may be a driver's error quoting values). Anything else is a bug whose text is
    unknown: its traceback is written encrypted and Prefect sees its type only. The error is
    raised outside the ``except`` block so Python attaches no context to it.
    """
    failure: Exception
    try:
        return body()
    except ConnectorError as exc:
        failure = SearchFailed(str(exc), exc.transient)
    except DsarError as exc:
        failure = exc
    except Exception as exc:
        failure = StepFailed(record_unexpected(runtime().workspace, request_id, step, exc))
    failure.__cause__ = None
    failure.__context__ = None
    failure.__suppress_context__ = True
    raise failure


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only what may pass (network, timeout, lock), not a wrong table name."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception:
        return False
    return isinstance(exc, SearchFailed) and exc.transient


@task(name="check-request", persist_result=False, cache_policy=NO_CACHE)
def check_request(request_id: str) -> dict[str, Any]:
    """Refuse an unverified request; say which systems still need searching."""
    return _guarded("check", request_id, lambda: _check(request_id))


def _check(request_id: str) -> dict[str, Any]:
    rt = runtime()
    request = rt.store.get(request_id)
    if not request.verified:
        raise RequestNotVerified(
            f"kravet {request_id} er ikke verifisert: bekreft personens identitet først "
            f"(dsar request verify {request_id} --method …); ingenting ble søkt"
        )
    controller = rt.workspace.config.controller(request.controller_id)
    if request.state == RequestStatus.COMPLETE:
        return {"status": RequestStatus.COMPLETE.value, "controller": request.controller_id, "pending": []}
    if request.state != RequestStatus.RUNNING:
        # The state machine refuses what can't run (delivered, closed) with a clear line.
        rt.store.set_status(request_id, RequestStatus.RUNNING, "flow")
    runs = rt.store.prepare_runs(request_id, list(controller.systems))
    pending = [sid for sid, run in runs.items() if not run.done]
    return {"status": RequestStatus.RUNNING.value, "controller": request.controller_id, "pending": pending}


@task(persist_result=False, cache_policy=NO_CACHE, retry_condition_fn=_retry_transient)
def search_system(request_id: str, system_id: str) -> dict[str, Any]:
    outcome = _guarded(f"search-{system_id}", request_id, lambda: _search(request_id, system_id))
    get_run_logger().info(
        "system %s: %s, %d records, %d held", system_id, outcome.status, outcome.records, outcome.held
    )
    return {"system": system_id, "status": outcome.status, "records": outcome.records, "held": outcome.held}


def _search(request_id: str, system_id: str) -> Any:
    from dsar.search import search_system as search
    from flows.limits import system_slot

    rt = runtime()
    request = rt.store.get(request_id)
    system = rt.workspace.config.controller(request.controller_id).systems[system_id]
    with system_slot(request.controller_id, system):
        return search(rt.workspace, rt.store, request, system)


@task(name="answer", persist_result=False, cache_policy=NO_CACHE)
def answer(request_id: str) -> dict[str, Any]:
    return _guarded("answer", request_id, lambda: _answer(request_id))


def _answer(request_id: str) -> dict[str, Any]:
    from dsar.answer import answer_request

    rt = runtime()
    request = rt.store.get(request_id)
    controller = rt.workspace.config.controller(request.controller_id)
    # A search that died without reporting (killed, cancelled) must not look like a result.
    for system_id, run in rt.store.system_runs(request_id).items():
        if run.status in (SystemStatus.RUNNING, SystemStatus.PENDING):
            rt.store.system_failed(request_id, system_id, "the search did not finish; run again")
    try:
        outcome = answer_request(rt.workspace, rt.store, request, controller)
    except Exception:
        # No package was built: the request must not stay "running" as if work went on.
        if rt.store.get(request_id).state == RequestStatus.RUNNING:
            rt.store.set_status(request_id, RequestStatus.INCOMPLETE, "flow", reason="answer_failed")
        raise
    return {
        "request_id": request_id,
        "status": outcome.status.value,
        "package": str(outcome.package),
        "records": outcome.records,
        "complete": outcome.complete,
        "failed_systems": list(outcome.failed_systems),
        "awaiting_review": outcome.awaiting_review,
    }


@flow(
    name="fulfil-request",
    flow_run_name="fulfil-{request_id}",
    persist_result=False,
    validate_parameters=True,
    log_prints=False,
)
def fulfil_request(request_id: str) -> dict[str, Any]:
    """Answer access request ``request_id``: search every system, then package and letter."""
    from dsar.leases import run_lease

    rt = runtime()
    # One run of a request at a time, on any number of workers: a second one is refused.
    with run_lease(rt.workspace, rt.store, request_id):
        return _fulfil(request_id)


def _fulfil(request_id: str) -> dict[str, Any]:
    logger = get_run_logger()
    plan = check_request(request_id)
    if plan["status"] == RequestStatus.COMPLETE:
        logger.info("request %s is already complete; nothing to do", request_id)
        return _already_complete(request_id)

    controller = runtime().workspace.config.controller(plan["controller"])
    futures = []
    for system_id in plan["pending"]:
        system = controller.systems[system_id]
        options = search_system.with_options(
            name=f"search-{system_id}",
            retries=system.retries,
            retry_delay_seconds=list(system.retry_delay_seconds),
        )
        futures.append(options.submit(request_id, system_id))
    wait(futures)
    failed = sum(1 for f in futures if f.state.is_failed())
    logger.info("request %s: searched %d systems, %d failed", request_id, len(futures), failed)

    result = answer(request_id)
    logger.info("request %s: %s, %d records packed", request_id, result["status"], result["records"])
    return result


def _already_complete(request_id: str) -> dict[str, Any]:
    """A complete request is not run again: its newest package stands (its password was
    shown when it was built)."""
    package = runtime().store.latest_package(request_id)
    return {
        "request_id": request_id,
        "status": RequestStatus.COMPLETE.value,
        "package": package.path if package else None,
        "records": package.records if package else 0,
        "complete": True,
        "failed_systems": [],
        "awaiting_review": 0,
        "already_complete": True,
    }
