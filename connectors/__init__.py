"""Connectors: one per kind of system, named in the configuration by ``connector = "…"``.

Connectors are plain classes, tested with plain pytest; retries, timeouts and concurrency
belong to the flow's tasks. See ``connectors.base`` for the contract.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from connectors.base import Condition, Connector

if TYPE_CHECKING:
    from dsar.config.models import System
    from dsar.workspace import Workspace

# kind -> "module:Class"; imported only when a system of that kind is searched.
REGISTRY = {
    "sql": "connectors.sql:SqlConnector",
    "csv": "connectors.csv_file:CsvConnector",
}


def connector_for(system: System, workspace: Workspace) -> Connector:
    module_name, class_name = REGISTRY[system.connector].split(":")
    cls = getattr(import_module(module_name), class_name)
    return cls(system, workspace)


__all__ = ["Condition", "Connector", "REGISTRY", "connector_for"]
