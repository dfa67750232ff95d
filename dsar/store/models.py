"""Tables of the request store (SQLAlchemy 2 ORM). Migrations live in ``migrations/``.

Columns ending in ``_sealed`` hold personal data sealed with the workspace's data key
(``dsar.crypto.DataKey.seal``); the repository opens them. Everything else is safe to show on
a dashboard: ids, statuses, dates, counts, safe error messages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite forgets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Request(Base):
    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    controller_id: Mapped[str] = mapped_column(String(63), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    language: Mapped[str] = mapped_column(String(2))

    # The person, sealed. Lists (several e-mails/phones) are sealed JSON.
    subject_name_sealed: Mapped[str] = mapped_column(Text)
    subject_emails_sealed: Mapped[str] = mapped_column(Text)
    subject_phones_sealed: Mapped[str] = mapped_column(Text)
    subject_birthdate_sealed: Mapped[str | None] = mapped_column(Text)

    # Who asked, and on whose behalf (a guardian for a child under 18; an agent with mandate).
    relation: Mapped[str] = mapped_column(String(16), default="self")
    requested_by_sealed: Mapped[str | None] = mapped_column(Text)
    mandate_sealed: Mapped[str | None] = mapped_column(Text)

    received_on: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(24))
    password_channel: Mapped[str] = mapped_column(String(16))

    # How identity was verified — the method, never the document.
    verification_method: Mapped[str | None] = mapped_column(String(24))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(64))

    promised_days: Mapped[int | None] = mapped_column(Integer, doc="the controller's promise when registered")
    due_legal: Mapped[date] = mapped_column(Date)
    due_promised: Mapped[date | None] = mapped_column(Date)
    due_extended: Mapped[date | None] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date, index=True)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason_sealed: Mapped[str | None] = mapped_column(Text)
    extension_notified_on: Mapped[date | None] = mapped_column(Date)
    # E-mails and phones found in the person's released records that the request didn't give:
    # offered to staff for a second search, never searched on their own.
    suggestions_sealed: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The answer reached the person (the clock stops): when, how, and who sent it.
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivery_channel: Mapped[str | None] = mapped_column(String(24))
    delivered_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(24))

    system_runs: Mapped[list[SystemRun]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="SystemRun.position"
    )
    pauses: Mapped[list[Pause]] = relationship(cascade="all, delete-orphan", order_by="Pause.id")


class Pause(Base):
    """The controller asked for information to identify the person or clarify the request;
    the clock stands still until the answer arrives (EDPB Guidelines 01/2022 §159)."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    asked_on: Mapped[date] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date)
    reason_sealed: Mapped[str | None] = mapped_column(Text)


class SystemRun(Base):
    """One system's outcome for one request: what a re-run skips or retries."""

    __tablename__ = "system_runs"

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    records: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, doc="records found but clearly somebody else's: count per reason (no data)"
    )
    collections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    files_missing: Mapped[int] = mapped_column(Integer, default=0)
    staged: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, doc="what staging must hold: per staged file, its size and SHA-256 (no data)"
    )
    contents_sealed: Mapped[str | None] = mapped_column(
        Text, doc="sealed: per group found, a digest of its records, so a decision on a group "
        "whose records changed since (a re-exported file's line now another person's) is voided"
    )
    unattributed: Mapped[int | None] = mapped_column(
        Integer, doc="e-mails and phones the request didn't give, in records beside the person's "
        "that were not released: a count, so staff ask the person openly (no values)"
    )
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    request: Mapped[Request] = relationship(back_populates="system_runs")


class ReviewItem(Base):
    """A group of records held back until a person decides (the name differs, a shared
    address, found by name alone); ``record_ref`` names the group's first record."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("request_id", "system_id", "record_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    system_id: Mapped[str] = mapped_column(String(63))
    record_ref: Mapped[str] = mapped_column(String(255), doc="'<collection>/<key>'")
    reason: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, doc="which identifiers matched, how closely, what conflicts; never values"
    )
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PackageRecord(Base):
    """A package built for a request. The password is never stored, only shown once."""

    __tablename__ = "packages"

    __table_args__ = (UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    number: Mapped[int | None] = mapped_column(Integer, doc="the n of <request>-<n>.zip; unique per request")
    state: Mapped[str] = mapped_column(String(12), default="built", doc="building, built, failed or superseded")
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RunLease(Base):
    """Who is running a request now: one row per request while a run holds it.

    Taken with an INSERT (the primary key makes two runs' attempts collide in the database,
    on any number of machines), renewed while the run works, deleted when it ends. A lease
    whose holder is gone — past ``expires_at``, or a process on this machine that no longer
    exists (killed) — may be taken over.
    """

    __tablename__ = "run_leases"

    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), doc="host:pid of the run")
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StoreMeta(Base):
    """Facts about the store itself, e.g. the fingerprint of the data key it was sealed with."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only log of every action (database triggers refuse UPDATE and DELETE).

    ``detail`` holds ids, counts and statuses only — never personal data.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str | None] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The hash chain (dsar.store.audit_chain): place, the previous entry's hash, this one's.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The audit chain's newest entry (one row): writers lock it to append in turn."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))


class RedactionChange(Base):
    """Staff lifted a redaction from a message (``target``: its number in the message's plan)
    or added a text to black out (``text_sealed``). Applied when the next package is built."""

    __tablename__ = "redaction_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    system_id: Mapped[str] = mapped_column(String(63))
    record_key: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(8), doc="'lift' or 'add'")
    target: Mapped[int | None] = mapped_column(Integer)
    text_sealed: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StaffUser(Base):
    """A member of the privacy team who may use the dashboard.

    ``password_hash`` is an argon2id hash (``dsar.staff``); ``controllers`` is ``None`` for
    staff who see every controller, else the list of controller ids they may see and act on.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    controllers: Mapped[list[str] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StaffSession(Base):
    """A logged-in browser. Only the SHA-256 of the cookie's token is stored, so a copy of
    the store does not log anyone in; the CSRF token is bound to the session."""

    __tablename__ = "staff_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
