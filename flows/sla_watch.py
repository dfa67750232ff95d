"""The daily deadline watch: warn the privacy team before a request is late.

Deployed on a daily schedule (``prefect.yaml``). Reads the request store, decides the
warnings (``dsar.warnings``), e-mails the team over SMTP and leaves a Prefect table artifact
of request ids, kinds and dates — no names, no e-mail addresses, nothing about the persons.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact


@flow(name="sla-watch", persist_result=False, validate_parameters=True, log_prints=False)
def sla_watch(today: str | None = None) -> dict[str, Any]:
    """Warn about deadlines as they stand on ``today`` (YYYY-MM-DD; default today in Oslo)."""
    from datetime import date

    from dsar.deadlines import today_oslo
    from dsar.secrets import resolve_secret
    from dsar.sla import compose, send, warnings_for
    from dsar.store import open_store
    from dsar.workspace import Workspace

    logger = get_run_logger()
    day = date.fromisoformat(today) if today else today_oslo()
    workspace = Workspace.from_env()
    store = open_store(workspace)
    try:
        warnings = warnings_for(store.summaries(day), day)
    finally:
        store.close()
    rows = [w.row() for w in warnings]
    create_table_artifact(
        key="sla-watch",
        table=rows or [{"request_id": "-", "warning": "none", "send_by": "-", "due": "-"}],
        description=f"Deadline warnings on {day.isoformat()}: request ids and dates only.",
    )
    counts: dict[str, int] = {}
    for w in warnings:
        counts[w.kind] = counts.get(w.kind, 0) + 1
    sent = False
    if warnings:
        settings = workspace.config.settings.notify
        password = resolve_secret(settings.password_env) if settings.password_env else None
        send(compose(warnings, settings, day), settings, password)
        sent = True
    logger.info("sla watch %s: %d warnings %s, e-mail sent: %s", day.isoformat(), len(warnings), counts, sent)
    return {"day": day.isoformat(), "warnings": len(warnings), "kinds": counts, "sent": sent}
