"""Records a search excluded as clearly somebody else's: listed for staff, and put to a
decision when staff want to look again.

A search counts what it excludes (``SystemRunView.excluded``); this lists the groups behind the
count from staging — which system, which group, why, how many records — with no values, so a
privacy officer can check the matcher's work. ``reconsider`` turns one into a review item
(``dsar review``): only a person's ``accepted`` releases it, exactly as for a held group.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsar.errors import InputError
from dsar.matching import Resolution
from dsar.search import ReviewRef
from dsar.store import RequestStore
from dsar.workspace import Workspace


@dataclass(frozen=True)
class ExcludedGroup:
    """A group excluded on its own evidence (what hangs on it follows it)."""

    system_id: str
    ref: str
    reason: str
    records: int
    evidence: dict[str, object]
    reconsidered: bool
    """Put to a decision already (a review item exists)."""


def excluded_groups(workspace: Workspace, store: RequestStore, request_id: str) -> list[ExcludedGroup]:
    """Every group excluded on its own evidence in the request's staged searches, by system."""
    request = store.get(request_id)
    items = {(i.system_id, i.record_ref) for i in store.review_items(request_id)}
    config = workspace.config.controller(request.controller_id)
    out: list[ExcludedGroup] = []
    for system_id in config.systems:
        if not workspace.staging.is_staged(request_id, system_id):
            continue
        for ref in _excluded_refs(workspace, request_id, system_id):
            out.append(ExcludedGroup(system_id, ref.ref, ref.reason, int(ref.evidence.get("records") or 0),
                                     ref.evidence, (system_id, ref.ref) in items))
    return out


def reconsider(workspace: Workspace, store: RequestStore, request_id: str, system_id: str, ref: str,
               actor: str) -> int:
    """Put an excluded group to a decision; the new (or existing) review item's number."""
    match = next((g for g in excluded_groups(workspace, store, request_id)
                  if g.system_id == system_id and g.ref == ref), None)
    if match is None:
        raise InputError(f"kravet {request_id} har ingen utelatt gruppe {ref} i {system_id}")
    return store.reconsider(request_id, system_id, ref, match.reason, match.evidence, actor)


def _excluded_refs(workspace: Workspace, request_id: str, system_id: str) -> list[ReviewRef]:
    resolution = workspace.staging.resolution(request_id, system_id)
    if resolution is None:
        return []
    released = resolution.released()
    heads = {gid for gid, verdict in resolution.verdicts.items() if gid not in released and verdict.excluded}
    # What hangs only on an excluded group (Ola's orders under his account) is counted with it.
    records = {gid: resolution.verdicts[gid].records for gid in heads}
    for gid, verdict in resolution.verdicts.items():
        if gid in heads or not resolution.excluded(gid, released):
            continue
        head = _head(resolution, gid, heads)
        if head is not None:
            records[head] += verdict.records
    return [
        ReviewRef(gid, resolution.verdicts[gid].reason, {**resolution.verdicts[gid].evidence(), "records": records[gid]})
        for gid in sorted(heads)
    ]


def _head(resolution: Resolution, gid: str, heads: set[str]) -> str | None:
    """The excluded group a group was reached from (the first found, walking its sources)."""
    seen, stack = set(), [gid]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        verdict = resolution.verdicts.get(current)
        for source in verdict.sources if verdict is not None else ():
            root = resolution.root(source) or source
            if root in heads:
                return root
            stack.append(root)
    return None


__all__ = ["ExcludedGroup", "excluded_groups", "reconsider"]
