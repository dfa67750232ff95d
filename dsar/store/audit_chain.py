"""The audit log as a hash chain: an edited, inserted or removed entry shows.

Each entry carries its place in the chain (``seq``, 1, 2, 3 …), the hash of the entry before
it and its own hash: SHA-256 over the previous hash and the entry's canonical content (seq,
request, time to the second, actor, action, detail). The ``audit_chain`` table holds the head
(last seq and hash), so removing the newest entries shows too.

Why the head row: entries are written by several processes at once (two workers, the
dashboard, the CLI). Every writer takes the head row's lock just before its transaction
commits, links its entries to the head and moves the head on, so writers queue at the head
rather than fork the chain. Taking it last, at commit, keeps the lock short and the lock
order the same in every transaction (no deadlocks with request rows).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from dsar.store.models import AuditChainHead, AuditEvent, utcnow

GENESIS = "0" * 64
HEAD_ID = 1
_PENDING = "dsar_audit_pending"


def canonical(seq: int, request_id: str | None, at: datetime, actor: str, action: str, detail: Any) -> bytes:
    """The entry's content as bytes that read back the same from every database.

    Time to the second (MariaDB's DATETIME keeps no fraction), in UTC; detail as sorted,
    compact JSON."""
    at_utc = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    body = {
        "seq": seq,
        "request_id": request_id,
        "at": at_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "actor": actor,
        "action": action,
        "detail": detail,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content).hexdigest()


def record(session: Session, request_id: str | None, actor: str, action: str, detail: dict[str, Any]) -> None:
    """Queue an audit entry; it is chained and written when the session commits."""
    # The detail as the JSON column will give it back (tuples become lists, keys strings).
    normalised = json.loads(json.dumps(detail, default=str))
    session.info.setdefault(_PENDING, []).append((request_id, utcnow(), actor, action, normalised))


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    # The UPDATE takes the head's lock on every dialect (a row lock in PostgreSQL and MariaDB,
    # the write lock in SQLite); the locking SELECT then reads the newest head.
    session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(seq=AuditChainHead.seq))
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update()
    ).scalar_one_or_none()
    if head is None:  # a store made before any entry: the head row is created with the first
        head = AuditChainHead(id=HEAD_ID, seq=0, head_hash=GENESIS)
        session.add(head)
    seq, prev = head.seq, head.head_hash
    for request_id, at, actor, action, detail in pending:
        seq += 1
        digest = entry_hash(prev, canonical(seq, request_id, at, actor, action, detail))
        session.add(
            AuditEvent(
                request_id=request_id, at=at, actor=actor, action=action, detail=detail,
                seq=seq, prev_hash=prev, entry_hash=digest,
            )
        )
        prev = digest
    head.seq, head.head_hash = seq, prev


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class Problem:
    seq: int | None
    what: str  # "edited", "inserted", "removed", "head"
    detail: str

    def __str__(self) -> str:
        where = f"entry {self.seq}" if self.seq is not None else "the chain"
        return f"{where}: {self.what}: {self.detail}"


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Walk the chain in order (streamed, ``batch`` rows at a time) and name every break."""
    problems: list[Problem] = []
    expected_seq, prev = 1, GENESIS
    count = 0
    rows = session.execute(
        select(
            AuditEvent.seq, AuditEvent.request_id, AuditEvent.at, AuditEvent.actor, AuditEvent.action,
            AuditEvent.detail, AuditEvent.prev_hash, AuditEvent.entry_hash,
        ).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    )
    for seq, request_id, at, actor, action, detail, prev_hash, digest in rows:
        count += 1
        if seq > expected_seq:
            problems.append(Problem(seq, "removed", f"oppføringene {expected_seq}–{seq - 1} mangler"))
        elif seq < expected_seq:
            problems.append(Problem(seq, "inserted", "en oppføring til med samme nummer"))
        recomputed = entry_hash(prev_hash, canonical(seq, request_id, at, actor, action, detail))
        if recomputed != digest:
            problems.append(Problem(seq, "edited", "innholdet stemmer ikke med hashen"))
        elif prev_hash != prev:
            kind = "removed" if seq > expected_seq else "inserted"
            problems.append(Problem(seq, kind, "den lenker ikke til oppføringen før"))
        expected_seq, prev = seq + 1, digest
    head = session.get(AuditChainHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.head_hash) if head is not None else (0, GENESIS)
    if (head_seq, head_hash) != (expected_seq - 1, prev):
        if head_seq > expected_seq - 1:
            problems.append(Problem(None, "removed", f"de nyeste oppføringene til og med {head_seq} mangler"))
        elif head_seq < expected_seq - 1:
            problems.append(Problem(head_seq + 1, "inserted", f"det er lagt til oppføringer etter kjedens hode ({head_seq})"))
        else:
            problems.append(Problem(None, "head", "kjedens hode stemmer ikke med siste oppføring"))
    return Verification(count, head_seq, head_hash, problems)
