"""The daily purge of answered requests' data (``dsar.retention``), as a Prefect flow.

Takes no parameters and returns counts and request ids only. Deployed on a daily schedule
in ``prefect.yaml`` (``purge-expired``).
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.runtime import runtime


@flow(name="purge-expired", persist_result=False, log_prints=False)
def purge_expired() -> dict[str, Any]:
    from dsar.retention import purge_expired as purge

    rt = runtime()
    result = purge(rt.workspace, rt.store)
    get_run_logger().info(
        "purged staging of %d and packages of %d answered requests (%d files)",
        len(result.staging), len(result.exports), result.files,
    )
    return {"staging": result.staging, "exports": result.exports, "files": result.files}
