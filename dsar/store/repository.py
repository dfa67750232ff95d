"""The request store's API: register, verify, track systems, review, packages, audit.

Every change writes an audit event in the same transaction. Personal data is sealed with the
data key on the way in and opened on the way out; audit details carry ids and counts only.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dsar.config.models import Controller
from dsar.crypto import DataKey
from dsar.deadlines import Deadlines, compute_deadlines
from dsar.deadlines import Pause as DeadlinePause
from dsar.errors import InputError, RequestNotFound
from dsar.paths import MIGRATIONS
from dsar.store.domain import (
    CHANNELS,
    PASSWORD_CHANNELS,
    RELATIONS,
    STATUSES,
    VERIFICATION_METHODS,
    AccessRequest,
    AuditEntry,
    PackageView,
    Person,
    RequestSummary,
    ReviewItemView,
    SystemRunView,
)
from dsar.store.models import (
    AuditEvent,
    PackageRecord,
    Pause,
    RedactionChange,
    Request,
    ReviewItem,
    SystemRun,
    utcnow,
)

_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def _new_request_id(received_on: date) -> str:
    return f"INN-{received_on.year}-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


def _enum(value: str, allowed: dict[str, str], what: str) -> str:
    if value not in allowed:
        raise InputError(f"unknown {what} {value!r}; choose one of: {', '.join(allowed)}")
    return value


class RequestStore:
    """One store per workspace; safe to use from the flow's task threads."""

    def __init__(self, url: str, key: DataKey, *, migrate: bool = True) -> None:
        self._key = key
        self.engine = _engine(url)
        if migrate:
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # -- sealing -------------------------------------------------------------------------

    def _seal(self, value: Any, column: str) -> str | None:
        if value is None:
            return None
        return self._key.seal(json.dumps(value).encode(), column.encode())

    def _open(self, token: str | None, column: str) -> Any:
        if token is None:
            return None
        return json.loads(self._key.open_sealed(token, column.encode()))

    # -- requests ------------------------------------------------------------------------

    def register(
        self,
        *,
        controller: Controller,
        person: Person,
        received_on: date,
        channel: str,
        actor: str,
        verification_method: str | None = None,
        relation: str = "self",
        requested_by: str | None = None,
        mandate: str | None = None,
        language: str | None = None,
        password_channel: str | None = None,
        today: date | None = None,
    ) -> AccessRequest:
        """Register a request as it reached the controller. Refuses bad input, changes nothing."""
        today = today or date.today()
        _enum(channel, CHANNELS, "channel")
        _enum(relation, RELATIONS, "relation")
        if verification_method is not None:
            _enum(verification_method, VERIFICATION_METHODS, "verification method")
        if not (person.emails or person.phones):
            raise InputError(
                "give the person's e-mail or phone: systems are searched by those, "
                "never by name alone"
            )
        if relation != "self" and not requested_by:
            raise InputError(f"relation {relation!r} needs the name of who asked")
        if relation == "agent" and not mandate:
            raise InputError("an agent acts on a written mandate: give its reference")
        if received_on > today:
            raise InputError("the received date is in the future")
        language = language or controller.default_language
        if language not in controller.languages:
            raise InputError(
                f"{controller.id} writes letters in {', '.join(controller.languages)}, not {language!r}"
            )
        password_channel = password_channel or ("sms" if person.phones else "post")
        _enum(password_channel, PASSWORD_CHANNELS, "password channel")
        if password_channel == "sms" and not person.phones:
            raise InputError("the password goes by SMS, but no phone number is given")

        verified_at = datetime.now(UTC) if verification_method else None
        status = "registered" if verification_method else "awaiting_verification"
        for _ in range(5):
            row = Request(
                id=_new_request_id(received_on),
                controller_id=controller.id,
                status=status,
                language=language,
                subject_name_sealed=self._seal(person.name, "subject_name"),
                subject_emails_sealed=self._seal(list(person.emails), "subject_emails"),
                subject_phones_sealed=self._seal(list(person.phones), "subject_phones"),
                subject_birthdate_sealed=self._seal(
                    person.birthdate.isoformat() if person.birthdate else None, "subject_birthdate"
                ),
                relation=relation,
                requested_by_sealed=self._seal(requested_by, "requested_by"),
                mandate_sealed=self._seal(mandate, "mandate"),
                received_on=received_on,
                promised_days=controller.promised_days,
                channel=channel,
                password_channel=password_channel,
                verification_method=verification_method,
                verified_at=verified_at,
                verified_by=actor if verification_method else None,
                extension_months=0,
            )
            _apply_deadlines(row)
            try:
                with self._session() as session:
                    session.add(row)
                    session.flush()
                    self._audit(
                        session,
                        row.id,
                        actor,
                        "registered",
                        controller=controller.id,
                        relation=relation,
                        channel=channel,
                        verified=verification_method is not None,
                        verification_method=verification_method,
                        emails=len(person.emails),
                        phones=len(person.phones),
                        birthdate=person.birthdate is not None,
                        due=row.due.isoformat(),
                    )
                return self.get(row.id)
            except IntegrityError:  # the random id was taken; draw again
                continue
        raise RuntimeError("could not draw a free request id after 5 tries")

    def verify(self, request_id: str, method: str, actor: str) -> AccessRequest:
        _enum(method, VERIFICATION_METHODS, "verification method")
        with self._session() as session:
            row = self._row(session, request_id)
            row.verification_method = method
            row.verified_at = datetime.now(UTC)
            row.verified_by = actor
            if row.status == "awaiting_verification":
                row.status = "registered"
            self._audit(session, request_id, actor, "verified", method=method)
        return self.get(request_id)

    def get(self, request_id: str) -> AccessRequest:
        with self._session() as session:
            return self._view(self._row(session, request_id))

    def set_status(self, request_id: str, status: str, actor: str, **detail: Any) -> None:
        _enum(status, STATUSES, "status")
        with self._session() as session:
            row = self._row(session, request_id)
            previous = row.status
            row.status = status
            if status == "complete" and previous != "complete":
                row.completed_at = datetime.now(UTC)  # a rebuilt package does not move it
            self._audit(session, request_id, actor, "status", previous=previous, status=status, **detail)

    def summaries(self, today: date | None = None) -> list[RequestSummary]:
        """Every request, soonest due first: what the staff must answer next."""
        today = today or date.today()
        with self._session() as session:
            rows = session.scalars(
                select(Request)
                .options(selectinload(Request.system_runs), selectinload(Request.pauses))
                .order_by(Request.due, Request.id)
            ).all()
            return [self._summary(r, today) for r in rows]

    def _summary(self, row: Request, today: date) -> RequestSummary:
        paused = any(p.answered_on is None for p in row.pauses)
        # While paused the clock stands still: the due date moves a day for every day of waiting.
        due = _deadlines(row, today).due if paused else row.due
        return RequestSummary(
            id=row.id,
            controller_id=row.controller_id,
            status=row.status,
            received_on=row.received_on,
            due=due,
            due_legal=row.due_legal,
            due_promised=row.due_promised,
            due_extended=row.due_extended,
            days_left=(due - today).days,
            failed_systems=tuple(s.system_id for s in row.system_runs if s.status == "failed"),
            held=sum(s.held for s in row.system_runs),
            paused=paused,
        )

    # -- deadlines -----------------------------------------------------------------------

    def extend(self, request_id: str, months: int, reason: str, notified_on: date, actor: str) -> AccessRequest:
        """Extend by up to two further months (Art. 12(3)); the person must be told first."""
        with self._session() as session:
            row = self._row(session, request_id)
            notice_by = _deadlines(row).extension_notice_by
            if notified_on > notice_by:
                raise InputError(
                    f"the extension must be notified before the first deadline ({notice_by}); "
                    "it can no longer be extended"
                )
            row.extension_months = months
            row.extension_reason_sealed = self._seal(reason, "extension_reason")
            row.extension_notified_on = notified_on
            _apply_deadlines(row)
            self._audit(session, request_id, actor, "extended", months=months, due=row.due.isoformat())
        return self.get(request_id)

    def pause(self, request_id: str, asked_on: date, reason: str, actor: str) -> AccessRequest:
        """The controller asked the person for what it needs to identify them or to
        understand the request: the clock stands still until the answer (EDPB §159)."""
        with self._session() as session:
            row = self._row(session, request_id)
            if any(p.answered_on is None for p in row.pauses):
                raise InputError(f"request {request_id} is already paused; resume it first")
            if asked_on < row.received_on:
                raise InputError("a pause can't start before the request was received")
            row.pauses.append(Pause(asked_on=asked_on, reason_sealed=self._seal(reason, "pause_reason")))
            session.flush()
            _apply_deadlines(row)
            self._audit(session, request_id, actor, "paused", asked_on=asked_on.isoformat())
        return self.get(request_id)

    def resume(self, request_id: str, answered_on: date, actor: str) -> AccessRequest:
        with self._session() as session:
            row = self._row(session, request_id)
            open_pause = next((p for p in row.pauses if p.answered_on is None), None)
            if open_pause is None:
                raise InputError(f"request {request_id} is not paused")
            if answered_on < open_pause.asked_on:
                raise InputError("the answer can't arrive before the question was asked")
            open_pause.answered_on = answered_on
            session.flush()
            _apply_deadlines(row)
            self._audit(
                session, request_id, actor, "resumed", answered_on=answered_on.isoformat(), due=row.due.isoformat()
            )
        return self.get(request_id)

    # -- systems -------------------------------------------------------------------------

    def prepare_runs(self, request_id: str, system_ids: Sequence[str]) -> dict[str, SystemRunView]:
        """Make sure every configured system has an outcome row; return them all."""
        with self._session() as session:
            row = self._row(session, request_id)
            existing = {s.system_id: s for s in row.system_runs}
            for position, system_id in enumerate(system_ids):
                if system_id not in existing:
                    run = SystemRun(system_id=system_id, position=position, status="pending")
                    row.system_runs.append(run)
                    existing[system_id] = run
            session.flush()
            return {sid: _run_view(existing[sid]) for sid in system_ids}

    def system_runs(self, request_id: str) -> dict[str, SystemRunView]:
        with self._session() as session:
            row = self._row(session, request_id)
            return {s.system_id: _run_view(s) for s in row.system_runs}

    def system_started(self, request_id: str, system_id: str) -> None:
        with self._session() as session:
            run = self._run(session, request_id, system_id)
            run.status = "running"
            run.attempts += 1
            run.error = None
            run.started_at = datetime.now(UTC)
            self._audit(session, request_id, "flow", "system_started", system=system_id, attempt=run.attempts)

    def system_finished(
        self,
        request_id: str,
        system_id: str,
        *,
        confirmed: dict[str, int],
        held: dict[str, int],
        review_refs: Sequence[tuple[str, str]],
    ) -> SystemRunView:
        """Record a finished search; held records become review items (ref, reason)."""
        records, held_count = sum(confirmed.values()), sum(held.values())
        with self._session() as session:
            run = self._run(session, request_id, system_id)
            run.status = "complete" if records or held_count else "nothing_found"
            run.records = records
            run.held = held_count
            run.collections = dict(confirmed)
            run.error = None
            run.finished_at = datetime.now(UTC)
            known = set(
                session.scalars(
                    select(ReviewItem.record_ref).where(
                        ReviewItem.request_id == request_id, ReviewItem.system_id == system_id
                    )
                )
            )
            for ref, reason in review_refs:
                if ref not in known:
                    session.add(ReviewItem(request_id=request_id, system_id=system_id, record_ref=ref, reason=reason))
                    known.add(ref)
            self._audit(
                session,
                request_id,
                "flow",
                "system_finished",
                system=system_id,
                records=records,
                held=held_count,
                status=run.status,
            )
            return _run_view(run)

    def system_failed(self, request_id: str, system_id: str, error: str) -> None:
        with self._session() as session:
            run = self._run(session, request_id, system_id)
            run.status = "failed"
            run.error = error
            run.finished_at = datetime.now(UTC)
            self._audit(session, request_id, "flow", "system_failed", system=system_id, error=error)

    # -- review --------------------------------------------------------------------------

    def review_items(self, request_id: str) -> list[ReviewItemView]:
        with self._session() as session:
            self._row(session, request_id)
            items = session.scalars(
                select(ReviewItem).where(ReviewItem.request_id == request_id).order_by(ReviewItem.id)
            )
            return [
                ReviewItemView(i.id, i.system_id, i.record_ref, i.reason, i.decision, i.decided_by)
                for i in items
            ]

    def decide(self, request_id: str, item_id: int, decision: str, actor: str) -> None:
        """A person decides whether a held record is the person's (``accepted``) or not."""
        if decision not in ("accepted", "rejected"):
            raise InputError("decide 'accepted' (it is the person's) or 'rejected' (it is not)")
        with self._session() as session:
            item = session.get(ReviewItem, item_id)
            if item is None or item.request_id != request_id:
                raise InputError(f"request {request_id} has no review item {item_id}")
            item.decision = decision
            item.decided_by = actor
            item.decided_at = datetime.now(UTC)
            self._audit(
                session, request_id, actor, "review_decided", item=item_id, system=item.system_id, decision=decision
            )

    # -- redactions (mail) ---------------------------------------------------------------

    def change_redaction(
        self, request_id: str, system_id: str, record_key: str, actor: str, *, lift: int | None = None, add: str | None = None
    ) -> None:
        """Lift redaction number ``lift`` of a message, or black out ``add`` as well.

        The audit records who did what to which message, never the text added."""
        if (lift is None) == (add is None or not add.strip()):
            raise InputError("give either a redaction number to lift or a text to black out")
        with self._session() as session:
            self._row(session, request_id)
            session.add(RedactionChange(
                request_id=request_id, system_id=system_id, record_key=record_key,
                action="lift" if lift is not None else "add", target=lift,
                text_sealed=self._seal(add, "redaction_text") if add is not None else None, actor=actor,
            ))
            self._audit(
                session, request_id, actor, "redaction_lifted" if lift is not None else "redaction_added",
                system=system_id, record=record_key, **({"target": lift} if lift is not None else {}),
            )

    def redaction_changes(self, request_id: str) -> dict[tuple[str, str], tuple[set[int], list[str]]]:
        """(system, record key) → (lifted redaction numbers, texts added), in the order given."""
        out: dict[tuple[str, str], tuple[set[int], list[str]]] = {}
        with self._session() as session:
            rows = session.scalars(
                select(RedactionChange).where(RedactionChange.request_id == request_id).order_by(RedactionChange.id)
            )
            for row in rows:
                lifted, added = out.setdefault((row.system_id, row.record_key), (set(), []))
                if row.action == "lift" and row.target is not None:
                    lifted.add(row.target)
                elif row.text_sealed is not None:
                    added.append(self._open(row.text_sealed, "redaction_text"))
        return out

    # -- packages ------------------------------------------------------------------------

    def record_package(
        self, request_id: str, *, path: Path, sha256: str, size: int, records: int, complete: bool
    ) -> None:
        with self._session() as session:
            self._row(session, request_id)
            session.add(
                PackageRecord(
                    request_id=request_id, path=str(path), sha256=sha256, size=size, records=records, complete=complete
                )
            )
            self._audit(
                session, request_id, "flow", "package_built", file=path.name, records=records, complete=complete, sha256=sha256
            )

    def latest_package(self, request_id: str) -> PackageView | None:
        with self._session() as session:
            row = session.scalars(
                select(PackageRecord)
                .where(PackageRecord.request_id == request_id)
                .order_by(PackageRecord.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            return PackageView(row.path, row.sha256, row.size, row.records, row.complete, row.created_at)

    # -- audit ---------------------------------------------------------------------------

    def audit_log(self, request_id: str) -> list[AuditEntry]:
        with self._session() as session:
            rows = session.scalars(
                select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
            )
            return [AuditEntry(r.at, r.actor, r.action, dict(r.detail)) for r in rows]

    @staticmethod
    def _audit(session: Session, request_id: str | None, actor: str, action: str, **detail: Any) -> None:
        session.add(AuditEvent(request_id=request_id, at=utcnow(), actor=actor, action=action, detail=detail))

    # -- rows ----------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, request_id: str) -> Request:
        row = session.get(Request, request_id)
        if row is None:
            raise RequestNotFound(f"no request {request_id!r} in this workspace")
        return row

    @staticmethod
    def _run(session: Session, request_id: str, system_id: str) -> SystemRun:
        run = session.get(SystemRun, (request_id, system_id))
        if run is None:
            raise RequestNotFound(f"request {request_id!r} has no system {system_id!r}")
        return run

    def _view(self, row: Request) -> AccessRequest:
        birthdate = self._open(row.subject_birthdate_sealed, "subject_birthdate")
        return AccessRequest(
            id=row.id,
            controller_id=row.controller_id,
            status=row.status,
            language=row.language,
            person=Person(
                name=self._open(row.subject_name_sealed, "subject_name"),
                emails=tuple(self._open(row.subject_emails_sealed, "subject_emails")),
                phones=tuple(self._open(row.subject_phones_sealed, "subject_phones")),
                birthdate=date.fromisoformat(birthdate) if birthdate else None,
            ),
            relation=row.relation,
            requested_by=self._open(row.requested_by_sealed, "requested_by"),
            mandate=self._open(row.mandate_sealed, "mandate"),
            received_on=row.received_on,
            channel=row.channel,
            password_channel=row.password_channel,
            verification_method=row.verification_method,
            verified_at=row.verified_at,
            verified_by=row.verified_by,
            due_legal=row.due_legal,
            due_promised=row.due_promised,
            due_extended=row.due_extended,
            due=row.due,
            extension_months=row.extension_months,
            created_at=row.created_at,
            completed_at=row.completed_at,
        )


def _deadlines(row: Request, today: date | None = None) -> Deadlines:
    """A request's deadlines, from what they are derived from: receipt, promise, extension,
    pauses. The due-date columns are this, stored so the status list can sort by them."""
    return compute_deadlines(
        row.received_on,
        row.promised_days,
        extension_months=row.extension_months,
        pauses=[DeadlinePause(p.asked_on, p.answered_on) for p in row.pauses],
        today=today,
    )


def _apply_deadlines(row: Request) -> None:
    deadlines = _deadlines(row)
    row.due_legal = deadlines.legal
    row.due_promised = deadlines.promised
    row.due_extended = deadlines.extended
    row.due = deadlines.due


def _run_view(run: SystemRun) -> SystemRunView:
    return SystemRunView(
        system_id=run.system_id,
        status=run.status,
        records=run.records,
        held=run.held,
        collections=dict(run.collections or {}),
        attempts=run.attempts,
        error=run.error,
        finished_at=run.finished_at,
    )


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets staff read (dsar status) while the flow's tasks write.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def upgrade(engine: Engine) -> None:
    """Bring the store's schema to the newest migration (no-op when it is there)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
