"""Purging the copies of a person's data once a request is answered (retention).

A delivered or closed request keeps its dates, statuses, counts and audit — no data — for the
record; its staged findings go ``staging_days`` after the answer, its packages (and any
password never taken) ``exports_days`` after it (``[retention]`` in ``config/dsar.toml``).
What was purged is audited (counts and names of files, never their content). Run daily by
the ``purge-expired`` deployment (``flows/retention.py``) or by hand with ``dsar purge``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta

from dsar.deadlines import today_oslo
from dsar.store import RequestStore
from dsar.workspace import Workspace


@dataclass
class Purge:
    """What a purge removed (or would, on a dry run): request ids and counts only."""

    staging: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    files: int = 0


def purge_expired(workspace: Workspace, store: RequestStore, *, today: date | None = None, dry_run: bool = False) -> Purge:
    today = today or today_oslo()
    settings = workspace.config.settings.retention
    result = Purge()
    for request_id, answered in store.answered_requests():
        staging = workspace.staging_dir / request_id
        if staging.is_dir() and today - answered >= timedelta(days=settings.staging_days):
            files = sum(1 for p in staging.rglob("*") if p.is_file())
            result.staging.append(request_id)
            result.files += files
            if not dry_run:
                shutil.rmtree(staging)
                store.audit(request_id, "retention", "staging_purged", files=files, answered=answered.isoformat())
        exports = workspace.exports_dir / request_id
        if exports.is_dir() and today - answered >= timedelta(days=settings.exports_days):
            names = sorted(p.name for p in exports.iterdir())
            result.exports.append(request_id)
            result.files += len(names)
            if not dry_run:
                shutil.rmtree(exports)
                store.audit(request_id, "retention", "exports_purged", files=names, answered=answered.isoformat())
    return result
