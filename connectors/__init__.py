"""Connectors: one per kind of system, named in the configuration by ``connector = "…"``.

A kind is one module that owns its configuration (a ``System`` subclass with its own
connection and collection models) and its search, plus one line in ``REGISTRY``. Connectors
are plain classes, tested with plain pytest; retries, timeouts and concurrency belong to the
flow's tasks. See ``connectors.base`` for the contract.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from connectors.base import Condition, Connector

if TYPE_CHECKING:
    from dsar.config.models import System
    from dsar.workspace import Workspace

# kind -> "module:Class"
REGISTRY = {
    "sql": "connectors.sql:SqlConnector",
    "csv": "connectors.csv_file:CsvConnector",
    "mail": "connectors.mail:MailConnector",
    "xlsx": "connectors.spreadsheet:SpreadsheetConnector",
    "manual": "connectors.manual:ManualConnector",
    "api": "connectors.http_api:ApiConnector",
}


@cache
def connector_class(kind: str) -> type[Connector]:
    module_name, class_name = REGISTRY[kind].split(":")
    return getattr(import_module(module_name), class_name)


def system_model(kind: object) -> type[System]:
    """The configuration model of a kind of system; ``ValueError`` naming the known kinds."""
    if not isinstance(kind, str) or kind not in REGISTRY:
        known = ", ".join(f"'{k}'" for k in REGISTRY)
        if kind is None:
            raise ValueError(f"required key 'connector' is missing; choose one of {known}")
        raise ValueError(f"unknown connector {kind!r}; choose one of {known}")
    return connector_class(kind).config


def connector_for(system: System, workspace: Workspace) -> Connector:
    return connector_class(system.connector)(system, workspace)


__all__ = ["Condition", "Connector", "REGISTRY", "connector_class", "connector_for", "system_model"]
