"""Searching one system for one request: connector → matching → shaping → encrypted staging.

Plain Python, no Prefect: the flow's task wraps this with retries. The outcome lands in the
request store; the findings in staging, all or nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from connectors import connector_for
from connectors.base import Connector
from dsar.config.models import System
from dsar.errorlog import record_unexpected
from dsar.errors import ConnectorError
from dsar.matching import Classifier
from dsar.records import Finding
from dsar.shaping import shape
from dsar.store import AccessRequest, Person, RequestStore, SystemRunView
from dsar.workspace import Workspace


def findings(connector: Connector, system: System, person: Person) -> Iterator[Finding]:
    """The person's records in ``system`` as findings: found, matched, shaped.

    The one search pipeline: the flow stages what this yields, and the benchmarks and the
    accuracy measurement time and count exactly this.
    """
    classifier = Classifier(system.id, person.subject(), system.collections)
    for raw in connector.find(person.lookup(), held=classifier.is_held):
        finding = classifier.classify(raw)
        finding.fields = shape(finding.fields, system.collections[finding.collection])
        yield finding


def search_system(
    workspace: Workspace, store: RequestStore, request: AccessRequest, system: System
) -> SystemRunView:
    """Search ``system`` for the person of ``request`` and stage what is found.

    Raises ``ConnectorError`` (``transient`` when a retry may help) after recording the
    failure in the store; nothing is staged then. The error's message is safe to show; an
    unexpected error's details are written encrypted under ``logs/`` instead
    (``dsar.errorlog``).
    """
    store.system_started(request.id, system.id)
    stager = workspace.staging.begin(request.id, system.id)
    deadline = time.monotonic() + system.timeout_seconds
    review_refs: dict[str, str] = {}
    try:
        with connector_for(system, workspace) as connector:
            for finding in findings(connector, system, request.person):
                if time.monotonic() > deadline:
                    raise ConnectorError(
                        system.id, f"timed out after {system.timeout_seconds:g} s", transient=True
                    )
                stager.add(finding)
                if finding.status == "held" and finding.reason != "parent_held":
                    review_refs[finding.review_key or ""] = finding.reason or "held"
        counts = stager.commit()
    except ConnectorError as exc:
        stager.abort()
        store.system_failed(request.id, system.id, str(exc))
        raise
    except Exception as exc:
        # A bug or an unforeseen library error: its text may hold record values, so it goes
        # to an encrypted file, and the store and Prefect get only its type.
        stager.abort()
        message = record_unexpected(workspace, request.id, f"search-{system.id}", exc)
        store.system_failed(request.id, system.id, message)
        raise ConnectorError(system.id, message) from exc
    except BaseException:
        stager.abort()  # cancelled: the flow marks the system failed when it reconciles
        raise
    return store.system_finished(
        request.id,
        system.id,
        confirmed=dict(counts.confirmed),
        held=dict(counts.held),
        review_refs=sorted(review_refs.items()),
    )
