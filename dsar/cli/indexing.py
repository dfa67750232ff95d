"""``dsar index``: build or refresh the index of every mail archive, with a progress bar, and
collect the names the controller's other systems hold (``dsar.known_names``) for redaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dsar.errors import InputError
from dsar.workspace import Workspace


def refresh_mail_indexes(
    ws: Workspace, only: str | None, progress: Callable[[str], Callable[[int], None]] | None = None
) -> list[dict[str, Any]]:
    """Refresh each mail system's index (or ``only``'s); one row of counts per system.

    ``progress(label)`` gives a callback told of every message read. The names of each
    controller with a mail system are collected anew (``known_names``: how many were read)."""
    from connectors import connector_for
    from dsar.known_names import build_known_names

    rows = []
    for controller in ws.config.controllers.values():
        names = None
        for system in controller.systems.values():
            if system.connector != "mail" or (only is not None and system.id != only):
                continue
            if names is None:
                names = build_known_names(ws, controller)
            with connector_for(system, ws) as connector:
                tick = progress(f"{controller.id}/{system.id}") if progress else None
                stats = connector.refresh(progress=tick)  # type: ignore[attr-defined]
                broken = len(connector.index().broken())  # type: ignore[attr-defined]
            rows.append({
                "controller": controller.id, "system": system.id, "messages": stats.messages,
                "added": stats.added, "removed": stats.removed, "broken": broken,
                "seconds": round(stats.seconds, 2), "known_names": names.names, "names_failed": names.failed,
                "per_second": round(stats.added / stats.seconds) if stats.seconds and stats.added else None,
            })
    if only is not None and not rows:
        raise InputError(f"konfigurasjonen har ikke noe e-postsystem {only!r}")
    return rows
