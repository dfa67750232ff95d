"""Running a request's flow from the command line and handing the password over once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dsar.cli.common import prepare_prefect
from dsar.delivery import take_password
from dsar.workspace import Workspace


def repackage_request(workspace: Workspace, request_id: str) -> dict[str, Any]:
    """A new package (and password) from what is staged; nothing is searched.

    Only for a request whose systems were searched at least once: the answer states what
    was found then, with the review decisions taken since.
    """
    from dsar.answer import answer_request
    from dsar.errors import InputError
    from dsar.store import open_store

    store = open_store(workspace)
    request = store.get(request_id)
    if request.status not in ("complete", "incomplete", "needs_review"):
        raise InputError(f"request {request_id} has not been run yet: dsar run {request_id}")
    controller = workspace.config.controller(request.controller_id)
    outcome = answer_request(workspace, store, request, controller)
    return {
        "id": request_id,
        "controller": request.controller_id,
        "status": outcome.status,
        "package": str(outcome.package),
        "password": take_password(workspace.data_key, outcome.package),
        "records": outcome.records,
        "failed_systems": list(outcome.failed_systems),
        "awaiting_review": outcome.awaiting_review,
        "due": request.due,
        "note": None,
    }


def run_request(workspace: Workspace, request_id: str) -> dict[str, Any]:
    """Run ``fulfil_request`` in this process and return what staff need to see.

    The password is unsealed here, once: it is printed and gone from the workspace.
    """
    prepare_prefect(workspace)
    from flows.fulfil import fulfil_request
    from flows.runtime import runtime

    result = fulfil_request(request_id)
    request = runtime().store.get(request_id)
    package = result.get("package")
    password = take_password(workspace.data_key, Path(package)) if package else None
    return {
        "id": request_id,
        "controller": request.controller_id,
        "status": result["status"],
        "package": package,
        "password": password,
        "records": result.get("records", 0),
        "failed_systems": result.get("failed_systems", []),
        "awaiting_review": result.get("awaiting_review", 0),
        "due": request.due,
        "note": "already complete; the password was shown when it was built"
        if result.get("already_complete")
        else None,
    }
