"""Searching one system for one request: connector → matching → shaping → encrypted staging.

Plain Python, no Prefect: the flow's task wraps this with retries. The outcome lands in the
request store; the findings in staging, all or nothing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from connectors import connector_for
from connectors.base import Connector
from dsar.config.models import System
from dsar.errorlog import record_unexpected
from dsar.errors import ConnectorError, DiskFull
from dsar.faults import checkpoint
from dsar.identity import looks_like_email, looks_like_phone, mailbox, same_mailboxes
from dsar.matching import REASONS, Resolution, Resolver
from dsar.records import FileRef, Finding
from dsar.shaping import shape
from dsar.store import AccessRequest, Person, RequestStore, SystemRunView
from dsar.workspace import Workspace


class Search:
    """The person's records in one system as findings: found, judged, shaped.

    The one search pipeline: the flow stages what this yields, and the benchmarks and the
    accuracy measurement count exactly this. Iterate it once; then ``resolution`` says which
    groups of findings are released, and ``suggestions`` lists e-mails and phones found in
    released records that the request didn't give (offered to staff for a second search,
    never searched on their own).

    ``relation`` is the request's (``self``, ``guardian``, ``agent``): a guardian's request
    gives the guardian's e-mails and phones, so a record found by them that says nothing
    else is the child's only when its path reaches the child's own record.
    """

    def __init__(
        self, connector: Connector, system: System, person: Person, relation: str = "self",
        requested_by: str | None = None,
    ) -> None:
        self._connector = connector
        self._system = system
        self._person = person
        guardian = relation == "guardian"
        subject = replace(person.subject(), for_child=guardian, requester=(requested_by or "") if guardian else "")
        self._resolver = Resolver(system, subject)
        self._seen_identifiers: dict[str, set[tuple[str, str]]] = {}
        self.resolution: Resolution | None = None

    def __iter__(self) -> Iterator[tuple[Finding, tuple[FileRef, ...]]]:
        lookup = self._person.lookup()
        for raw in self._connector.find(lookup, tracker=self._resolver):
            finding = self._resolver.place(raw)
            self._note_identifiers(finding)
            finding.fields = shape(finding.fields, self._system.collections[finding.collection])
            yield finding, raw.files
        self.resolution = self._resolver.resolution()

    def _note_identifiers(self, finding: Finding) -> None:
        collection = self._system.collections[finding.collection]
        known = same_mailboxes(self._person.emails) | set(self._person.phones)
        for identity in collection.searchable:
            if identity.guardian:
                continue  # the guardian's, not the person's to confirm
            for field in identity.fields:
                normalise = looks_like_email if identity.type == "email" else looks_like_phone
                value = normalise(finding.fields.get(field))
                if value and (mailbox(value) if identity.type == "email" else value) not in known:
                    group = finding.group or ""
                    self._seen_identifiers.setdefault(group, set()).add((identity.type, value))

    @property
    def suggestions(self) -> list[tuple[str, str]]:
        """(kind, normalised value) found in released records only."""
        if self.resolution is None:
            return []
        released = self._released
        found = {
            item
            for group, items in self._seen_identifiers.items()
            if self.resolution.is_released(group or None, released)
            for item in items
        }
        return sorted(found)

    @property
    def unattributed(self) -> int:
        """How many e-mails and phones the request didn't give are held by records that were
        not released but sit beside the person's own (reached from a released record, or waiting
        for staff): a parent's mobile under their child's member row, the family address on a
        row found by name. They may be the person's or another's, so they are never shown to
        the person; the count tells staff to ask the person openly for every e-mail and phone
        they use, and search again with what the person names."""
        if self.resolution is None:
            return 0
        resolution = self.resolution
        released = self._released
        found: set[tuple[str, str]] = set()
        for group, items in self._seen_identifiers.items():
            if resolution.is_released(group or None, released):
                continue
            if self._beside_released(resolution.root(group or None), released):
                found |= items
        return len(found)

    @cached_property
    def _released(self) -> set[str]:
        """The groups released before any decision (one fixed point for both lists)."""
        assert self.resolution is not None
        return self.resolution.released()

    def _beside_released(self, root: str | None, released: set[str]) -> bool:
        assert self.resolution is not None
        seen: set[str] = set()
        stack = [root]
        while stack:
            gid = stack.pop()
            if gid is None or gid in seen:
                continue
            seen.add(gid)
            verdict = self.resolution.verdicts.get(gid)
            if verdict is None:
                continue
            if gid in released or (gid == root and verdict.needs_decision):
                return True
            stack.extend(self.resolution.root(s) for s in verdict.sources)
        return False


def final_findings(
    connector: Connector,
    system: System,
    person: Person,
    relation: str = "self",
    review: list[ReviewRef] | None = None,
    suggestions: list[tuple[str, str]] | None = None,
    requested_by: str | None = None,
    unattributed: list[int] | None = None,
) -> list[Finding]:
    """Every finding with its final status — ``confirmed`` (released), ``held`` (for staff to
    decide, or following a group that is) or ``excluded`` (clearly somebody else's, and
    nothing staff decide can release it) — and why; for tests and the accuracy benchmark,
    which need the verdict rather than a stream. ``review`` (if given) receives the groups
    staff are asked to decide (``review_refs``); ``suggestions`` (if given) the e-mails and
    phones found in released records that the request didn't give (``Search.suggestions``);
    ``unattributed`` (if given) the count of ``Search.unattributed``."""
    search = Search(connector, system, person, relation, requested_by)
    found = [finding for finding, _ in search]
    resolution = search.resolution
    assert resolution is not None
    released = resolution.released()
    for finding in found:
        if resolution.is_released(finding.group, released):
            finding.status, finding.reason = "confirmed", None
        else:
            root = resolution.root(finding.group)
            verdict = resolution.verdicts.get(root or "")
            if resolution.excluded(finding.group, released):
                finding.status, finding.reason = "excluded", resolution.excluded_reason(finding.group)
            else:
                finding.status = "held"
                finding.reason = verdict.reason if verdict else "reached_from_held"
    if review is not None:
        review.extend(review_refs(resolution))
    if suggestions is not None:
        suggestions.extend(search.suggestions)
    if unattributed is not None:
        unattributed.append(search.unattributed)
    return found


@dataclass(frozen=True)
class ReviewRef:
    """A group held for a person to decide: its name, why, and the evidence (no values)."""

    ref: str
    reason: str
    evidence: dict[str, object]


def review_refs(resolution: Resolution) -> list[ReviewRef]:
    """The groups that wait for a decision on their own evidence. Groups held only because
    they were reached from a held one follow that decision and need none of their own."""
    released = resolution.released()
    return [
        ReviewRef(gid, verdict.reason, verdict.evidence())
        for gid, verdict in sorted(resolution.verdicts.items())
        if gid not in released and verdict.needs_decision
    ]


def search_system(
    workspace: Workspace, store: RequestStore, request: AccessRequest, system: System
) -> SystemRunView:
    """Search ``system`` for the person of ``request`` and stage what is found.

    Raises ``ConnectorError`` (``transient`` when a retry may help) after recording the
    failure in the store; nothing is staged then. The error's message is safe to show; an
    unexpected error's details are written encrypted under ``logs/`` instead
    (``dsar.errorlog``).
    """
    if not system.searched_by_identity:
        return store.system_waiting(request.id, system.id)  # a staff task (connectors.manual)
    store.system_started(request.id, system.id)
    checkpoint("search-started")
    stager = workspace.staging.begin(request.id, system.id)
    deadline = time.monotonic() + system.timeout_seconds
    try:
        with connector_for(system, workspace) as connector:
            search = Search(connector, system, request.person, request.relation, request.requested_by)
            contents = _Contents()
            for finding, files in search:
                if time.monotonic() > deadline:
                    raise ConnectorError(
                        system.id, f"tidsavbrudd etter {system.timeout_seconds:g} s", transient=True
                    )
                stager.add(finding, files)
                contents.add(finding)
                checkpoint("staging")
            assert search.resolution is not None
            counts = stager.commit(search.resolution)
            checkpoint("search-committed")
    except ConnectorError as exc:
        stager.abort()
        store.system_failed(request.id, system.id, str(exc))
        raise
    except Exception as exc:
        stager.abort()
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            message = (
                f"disken med {workspace.staging_dir} er full; ingenting av dette søket ble tatt vare på. "
                "Frigjør plass og kjør kravet på nytt"
            )
            store.system_failed(request.id, system.id, message)
            raise DiskFull(message) from None
        # A bug or an unforeseen library error: its text may hold record values, so it goes
        # to an encrypted file, and the store and Prefect get only its type.
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
        excluded=dict(counts.excluded),
        review_refs=[(r.ref, r.reason, r.evidence) for r in review_refs(search.resolution)],
        suggestions=search.suggestions,
        unattributed=search.unattributed,
        files=counts.files,
        files_missing=counts.files_missing,
        staged=counts.written,
        contents=contents.by_group(search.resolution),
        excluded_conflicts={
            gid: sorted(verdict.conflicts) for gid, verdict in search.resolution.verdicts.items() if verdict.excluded
        },
    )


class _Contents:
    """Per group, a digest of its records (collection, key and fields), so a staff decision
    is known to be about the records it was made on. 32 bytes a record; no values kept."""

    def __init__(self) -> None:
        self._records: dict[str | None, list[bytes]] = {}

    def add(self, finding: Finding) -> None:
        text = json.dumps([finding.collection, finding.key, finding.fields], sort_keys=True, default=str)
        self._records.setdefault(finding.group, []).append(hashlib.sha256(text.encode()).digest())

    def by_group(self, resolution: Resolution) -> dict[str, str]:
        groups: dict[str, list[bytes]] = {}
        for group, digests in self._records.items():
            root = resolution.root(group)
            if root is not None:
                groups.setdefault(root, []).extend(digests)
        return {root: hashlib.sha256(b"".join(sorted(d))).hexdigest() for root, d in groups.items()}


__all__ = ["REASONS", "Search", "final_findings", "review_refs", "search_system"]
