"""The request store: requests, their systems' outcomes, review items, packages and audit.

SQLite in the workspace by default, PostgreSQL by URL (``[store] url`` or ``url_env`` in
``config/dsar.toml``). The schema is migrated with Alembic (``migrations/``) when opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsar.store.domain import AccessRequest, Person, RequestSummary, SystemRunView
from dsar.store.repository import RequestStore

if TYPE_CHECKING:
    from dsar.workspace import Workspace


def open_store(workspace: Workspace) -> RequestStore:
    return RequestStore(workspace.store_url(), workspace.data_key)


__all__ = ["AccessRequest", "Person", "RequestStore", "RequestSummary", "SystemRunView", "open_store"]
