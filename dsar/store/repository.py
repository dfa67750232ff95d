"""The request store's API: register, verify, track systems, review, packages, audit.

Every change writes an audit event in the same transaction. Personal data is sealed with the
data key on the way in and opened on the way out; audit details carry ids and counts only.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dsar.config.models import Controller
from dsar.crypto import DataKey
from dsar.deadlines import (
    OSLO,
    Deadlines,
    check_extension,
    check_pause_dates,
    check_resume_date,
    clock,
    compute_deadlines,
    today_oslo,
)
from dsar.deadlines import Pause as DeadlinePause
from dsar.delivery import password_waits, remove_unshown
from dsar.errors import DecryptionError, InputError, RequestNotFound
from dsar.paths import MIGRATIONS
from dsar.safetext import MAX_REFERENCE, check_identifier
from dsar.store import audit_chain
from dsar.store.domain import (
    CHANNELS,
    CLOSE_REASONS,
    DELIVERY_CHANNELS,
    PASSWORD_CHANNELS,
    RELATIONS,
    VERIFICATION_METHODS,
    AccessRequest,
    AuditEntry,
    PackageView,
    Person,
    RequestSummary,
    ReviewItemView,
    SystemRunView,
    no_review_item,
)
from dsar.store.models import (
    AuditEvent,
    PackageRecord,
    Pause,
    RedactionChange,
    Request,
    ReviewItem,
    RunLease,
    StoreMeta,
    SystemRun,
)
from dsar.store.states import RequestStatus, SystemStatus, check_transition

RECONSIDERED = "reconsidered"
"""Marks the evidence of a review item that puts an excluded group to staff (``reconsider``)."""
NOT_HELD = "not_held"
"""Marks the evidence of a review item whose group the latest search no longer holds."""
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def _new_request_id(received_on: date) -> str:
    return f"INN-{received_on.year}-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


def _enum(value: str, allowed: dict[str, str], what: str) -> str:
    if value not in allowed:
        raise InputError(f"ukjent {what} {value!r}; velg en av: {', '.join(allowed)}")
    return value


class RequestStore:
    """One store per workspace; safe to use from the flow's task threads."""

    def __init__(self, url: str, key: DataKey, *, migrate: bool = True) -> None:
        self._key = key
        self.engine = _engine(url)
        if migrate:
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.check_key()

    # -- the data key --------------------------------------------------------------------

    KEY_CHECK = "data_key_fingerprint"

    def check_key(self) -> None:
        """Refuse a data key the store was not sealed with, before anything is written.

        The store keeps the key's fingerprint (never the key). A store from before it kept one
        proves the key by opening one sealed value, then records the fingerprint.
        """
        from dsar.errors import DecryptionError, WrongDataKey

        fingerprint = self._key.fingerprint.hex()
        with self._session() as session:
            meta = session.get(StoreMeta, self.KEY_CHECK)
            if meta is not None:
                if meta.value != fingerprint:
                    raise WrongDataKey(
                        "datanøkkelen er ikke nøkkelen kravregisteret ble forseglet med (fingeravtrykket "
                        "er et annet); pek DSAR_DATA_KEY eller hemmelighetslageret på registerets nøkkel, eller bruk "
                        "dsar keys-rotate for å bytte til en ny; ingenting ble skrevet"
                    )
                return
            sample = session.scalars(select(Request.subject_name_sealed).limit(1)).first()
            if sample is not None:
                try:
                    self._open(sample, "subject_name")
                except DecryptionError:
                    raise WrongDataKey(
                        "datanøkkelen kan ikke åpne kravregisterets forseglede data; pek DSAR_DATA_KEY eller "
                        "hemmelighetslageret på registerets nøkkel; ingenting ble skrevet"
                    ) from None
            session.add(StoreMeta(key=self.KEY_CHECK, value=fingerprint))

    # -- run leases ----------------------------------------------------------------------

    def acquire_run(self, request_id: str, holder: str, *, ttl_seconds: float = 900) -> None:
        """Take the request for one run; ``RequestBusy`` while another live run holds it.

        The INSERT is the lock: the primary key lets only one run hold a request, across
        processes and machines. A lease past its expiry, or held by a process on this machine
        that no longer exists, is taken over.
        """
        from dsar.errors import RequestBusy

        now = datetime.now(UTC)
        expires = now + timedelta(seconds=ttl_seconds)
        for _ in range(3):
            with self._session() as session:
                self._row(session, request_id, for_update=True)  # serialised with what changes the request
                lease = session.get(RunLease, request_id, with_for_update=True)
                if lease is None:
                    session.add(RunLease(request_id=request_id, holder=holder, acquired_at=now, expires_at=expires))
                    try:
                        session.flush()
                    except IntegrityError:
                        session.rollback()
                        continue
                    self._audit(session, request_id, holder, "run_lease_taken")
                    return
                if lease.holder != holder and _alive(lease.holder) and lease.expires_at > now:
                    since = lease.acquired_at.astimezone(OSLO).strftime("%H:%M")
                    raise RequestBusy(
                        f"kravet {request_id} kjøres nå (siden {since}, av {lease.holder}); "
                        "vent til kjøringen er ferdig, og kjør det igjen om nødvendig"
                    )
                previous = lease.holder
                lease.holder, lease.acquired_at, lease.expires_at = holder, now, expires
                self._audit(session, request_id, holder, "run_lease_taken", after=previous)
                return
        raise RequestBusy(f"kravet {request_id} kjøres nå; prøv igjen om litt")

    def renew_run(self, request_id: str, holder: str, *, ttl_seconds: float = 900) -> bool:
        """Extend a lease this holder has; False when it has lost it."""
        with self._session() as session:
            lease = session.get(RunLease, request_id, with_for_update=True)
            if lease is None or lease.holder != holder:
                return False
            lease.expires_at = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
            return True

    def release_run(self, request_id: str, holder: str) -> None:
        with self._session() as session:
            lease = session.get(RunLease, request_id, with_for_update=True)
            if lease is not None and lease.holder == holder:
                session.delete(lease)

    def run_holder(self, request_id: str) -> str | None:
        """The live holder of a request's lease, or None (no run, or one that died)."""
        with self._session() as session:
            lease = session.get(RunLease, request_id)
            if lease is None or lease.expires_at <= datetime.now(UTC) or not _alive(lease.holder):
                return None
            return lease.holder

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    transaction = _session  # for the store's companions (dsar.staff): one transaction

    # -- sealing -------------------------------------------------------------------------

    def _contents(self, run: SystemRun) -> dict[str, str] | None:
        """The last run's group digests; None before there were any (or under an old key)."""
        try:
            return self._open(run.contents_sealed, "contents")
        except DecryptionError:
            return None

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
        today = today or today_oslo()
        _enum(channel, CHANNELS, "kanal")
        _enum(relation, RELATIONS, "relasjon")
        if verification_method is not None:
            _enum(verification_method, VERIFICATION_METHODS, "verifiseringsmetode")
        if not (person.emails or person.phones):
            raise InputError(
                "oppgi personens e-post eller telefon: systemene søkes med dem, "
                "aldri med navn alene"
            )
        if requested_by is not None:
            requested_by = check_identifier(requested_by, "navnet på den som spør")
        if mandate is not None:
            mandate = check_identifier(mandate, "fullmaktsreferansen", MAX_REFERENCE)
        if relation != "self" and not requested_by:
            raise InputError(f"relasjonen {relation!r} trenger navnet på den som spør")
        if relation == "agent" and not mandate:
            raise InputError("en fullmektig handler etter skriftlig fullmakt: oppgi referansen")
        if received_on > today:
            raise InputError("mottaksdatoen er fram i tid")
        if relation == "guardian":
            _check_guardian(person, received_on, mandate)
        language = language or controller.default_language
        if language not in controller.languages:
            raise InputError(
                f"{controller.id} skriver brev på {', '.join(controller.languages)}, ikke {language!r}"
            )
        password_channel = password_channel or ("sms" if person.phones else "post")
        _enum(password_channel, PASSWORD_CHANNELS, "kanal for passordet")
        if password_channel == "sms" and not person.phones:
            raise InputError("passordet skal sendes på SMS, men ikke noe telefonnummer er oppgitt")

        verified_at = datetime.now(UTC) if verification_method else None
        status = RequestStatus.REGISTERED if verification_method else RequestStatus.AWAITING_VERIFICATION
        for _ in range(5):
            row = Request(
                id=_new_request_id(received_on),
                controller_id=controller.id,
                status=status.value,
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
        _enum(method, VERIFICATION_METHODS, "verifiseringsmetode")
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            if row.status not in (RequestStatus.AWAITING_VERIFICATION, RequestStatus.REGISTERED):
                raise InputError(f"kravet {request_id} er {row.status}; verifiseringen kan ikke lenger endres")
            row.verification_method = method
            row.verified_at = datetime.now(UTC)
            row.verified_by = actor
            if row.status == RequestStatus.AWAITING_VERIFICATION:
                self._transition(session, row, RequestStatus.REGISTERED, actor)
            self._audit(session, request_id, actor, "verified", method=method)
        return self.get(request_id)

    def get(self, request_id: str, today: date | None = None) -> AccessRequest:
        with self._session() as session:
            return self._view(self._row(session, request_id), today)

    def set_status(self, request_id: str, status: str | RequestStatus, actor: str, **detail: Any) -> None:
        """Move a request to ``status`` if the state machine allows it (``dsar.store.states``);
        otherwise ``InvalidTransition`` and nothing changes."""
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            self._transition(session, row, status, actor, **detail)

    def _transition(self, session: Session, row: Request, status: str | RequestStatus, actor: str, **detail: Any) -> None:
        """The one place a request's status is written: checked, stamped and audited in the
        caller's transaction, on a row the caller read ``FOR UPDATE``."""
        previous = RequestStatus(row.status)
        target = check_transition(row.id, previous, status)
        row.status = target.value
        if target == RequestStatus.COMPLETE and previous != RequestStatus.COMPLETE:
            row.completed_at = datetime.now(UTC)  # a rebuilt package does not move it
        if target == RequestStatus.CLOSED:
            row.closed_at = datetime.now(UTC)
        self._audit(session, row.id, actor, "status", previous=previous.value, status=target.value, **detail)

    def summaries(
        self,
        today: date | None = None,
        *,
        controllers: Sequence[str] | None = None,
        with_names: bool = False,
    ) -> list[RequestSummary]:
        """Requests, what staff must answer next first: open ones by the day to send them,
        then answered ones, newest answer first. ``controllers`` limits the list (a staff
        member's controllers); ``with_names`` opens each person's name (for staff screens)."""
        today = today or today_oslo()
        with self._session() as session:
            query = (
                select(Request)
                .options(selectinload(Request.system_runs), selectinload(Request.pauses))
                .order_by(Request.due, Request.id)
            )
            if controllers is not None:
                query = query.where(Request.controller_id.in_(list(controllers)))
            now = datetime.now(UTC)
            running = {
                lease.request_id
                for lease in session.scalars(select(RunLease))
                if lease.expires_at > now and _alive(lease.holder)
            }
            summaries = [
                replace(self._summary(r, today, with_names), interrupted=r.status == "running" and r.id not in running)
                for r in session.scalars(query).all()
            ]
        # Sorted here, not by the stored column: a paused request's dates move every day.
        open_ = sorted((s for s in summaries if s.days_left is not None), key=lambda s: (s.send_by, s.id))
        answered = sorted(
            (s for s in summaries if s.days_left is None),
            key=lambda s: (s.delivered_on or s.received_on, s.id),
            reverse=True,
        )
        return open_ + answered

    def _summary(self, row: Request, today: date, with_names: bool = False) -> RequestSummary:
        deadlines = _deadlines(row, _clock_day(row, today))
        state = clock(deadlines, today, _answered_on(row))
        return RequestSummary(
            id=row.id,
            controller_id=row.controller_id,
            status=row.status,
            received_on=row.received_on,
            due=deadlines.due,
            due_legal=deadlines.legal,
            due_promised=deadlines.promised,
            due_extended=deadlines.extended,
            days_left=state.days_left,
            failed_systems=tuple(s.system_id for s in row.system_runs if s.status == SystemStatus.FAILED),
            held=sum(s.held for s in row.system_runs),
            excluded=sum(sum((s.excluded or {}).values()) for s in row.system_runs),
            paused=deadlines.suspended,
            send_by=deadlines.send_by,
            tone=state.tone.value,
            delivered_on=row.delivered_on,
            delivery_channel=row.delivery_channel,
            on_time=state.on_time,
            systems=tuple((s.system_id, s.status) for s in row.system_runs),
            person_name=self._open(row.subject_name_sealed, "subject_name") if with_names else None,
        )

    # -- answering -----------------------------------------------------------------------

    def answered_requests(self) -> list[tuple[str, date]]:
        """(request id, the day it was answered) of every delivered or closed request."""
        with self._session() as session:
            rows = session.scalars(
                select(Request).where(Request.status.in_([RequestStatus.DELIVERED.value, RequestStatus.CLOSED.value]))
            ).all()
            return [(r.id, day) for r in rows if (day := _answered_on(r)) is not None]

    def deliver(self, request_id: str, channel: str, delivered_on: date, actor: str, today: date | None = None) -> AccessRequest:
        """The answer reached the person by ``channel`` on ``delivered_on``: the clock stops."""
        today = today or today_oslo()
        _enum(channel, DELIVERY_CHANNELS, "leveringskanal")
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            if delivered_on < row.received_on:
                raise InputError(
                    f"leveringsdatoen {delivered_on.isoformat()} er før kravet ble mottatt "
                    f"({row.received_on.isoformat()})"
                )
            if delivered_on > today:
                raise InputError(f"leveringsdatoen {delivered_on.isoformat()} er fram i tid")
            pending = sorted(
                run.system_id for run in row.system_runs
                if run.status == SystemStatus.PENDING.value and run.finished_at is not None
            )
            if pending:
                # Searched before and to be searched again (identifiers added since): the answer
                # built before is not the answer.
                raise InputError(
                    f"kravet {request_id} skal søkes på nytt i {', '.join(pending)} (nye opplysninger er lagt til): "
                    f"kjør det (dsar run {request_id}) før det leveres"
                )
            states = set(session.scalars(select(PackageRecord.state).where(PackageRecord.request_id == request_id)))
            if states and "built" not in states:
                # The answer built before was withdrawn by a second search, or its build failed
                # (a system waiting for staff is pending without having been searched): there is
                # nothing to deliver.
                raise InputError(
                    f"kravet {request_id} har ingen ferdig pakke (den ble trukket tilbake etter at kravet ble endret, "
                    f"eller byggingen feilet): kjør det (dsar run {request_id}) før det leveres"
                )
            self._transition(session, row, RequestStatus.DELIVERED, actor, channel=channel)
            row.delivered_on = delivered_on
            row.delivery_channel = channel
            row.delivered_by = actor
            # An open pause ends with the answer: nothing is awaited from the person any more.
            for pause in row.pauses:
                if pause.answered_on is None:
                    pause.answered_on = max(delivered_on, pause.asked_on)
            session.flush()
            _apply_deadlines(row, delivered_on)
            on_time = delivered_on <= row.due
            self._audit(
                session, request_id, actor, "delivered", channel=channel, delivered_on=delivered_on.isoformat(),
                due=row.due.isoformat(), on_time=on_time,
            )
        return self.get(request_id)

    def close_request(self, request_id: str, reason: str, actor: str) -> AccessRequest:
        """No more work on the request: answered, withdrawn, refused or a duplicate."""
        _enum(reason, CLOSE_REASONS, "grunn til avslutning")
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            if reason == "answered" and row.status != RequestStatus.DELIVERED:
                raise InputError(f"kravet {request_id} er ikke levert; merk det som levert før det avsluttes som besvart")
            self._transition(session, row, RequestStatus.CLOSED, actor, reason=reason)
            row.close_reason = reason
            leftovers = _leftovers(session, request_id)
        # A withdrawn package whose removal was cut short goes now, not at the purge.
        self.remove_withdrawn(request_id, leftovers, actor)
        return self.get(request_id)

    # -- deadlines -----------------------------------------------------------------------

    def extend(
        self, request_id: str, months: int, reason: str, notified_on: date, actor: str, today: date | None = None
    ) -> AccessRequest:
        """Extend by up to two further months (Art. 12(3)); the person must be told first.
        Never shortens a deadline; refuses a notice date before receipt or in the future."""
        today = today or today_oslo()
        if not reason or not reason.strip():
            raise InputError("oppgi begrunnelsen for forlengelsen: personen får vite hvorfor")
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            _open_for_clock(row, "extended")
            check_extension(_deadlines(row, today), row.extension_months, months, notified_on, today)
            row.extension_months = months
            row.extension_reason_sealed = self._seal(reason, "extension_reason")
            row.extension_notified_on = notified_on
            _apply_deadlines(row, today)
            self._audit(session, request_id, actor, "extended", months=months, due=row.due.isoformat())
        return self.get(request_id)

    def pause(self, request_id: str, asked_on: date, reason: str, actor: str, today: date | None = None) -> AccessRequest:
        """The controller asked the person for what it needs to identify them or to
        understand the request: the clock stands still until the answer (EDPB §159)."""
        today = today or today_oslo()
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            _open_for_clock(row, "paused")
            if any(p.answered_on is None for p in row.pauses):
                raise InputError(f"klokken står allerede for kravet {request_id}; start den igjen først")
            check_pause_dates(row.received_on, asked_on, today)
            row.pauses.append(Pause(asked_on=asked_on, reason_sealed=self._seal(reason, "pause_reason")))
            session.flush()
            _apply_deadlines(row, today)
            self._audit(session, request_id, actor, "paused", asked_on=asked_on.isoformat())
        return self.get(request_id)

    def resume(self, request_id: str, answered_on: date, actor: str, today: date | None = None) -> AccessRequest:
        today = today or today_oslo()
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            open_pause = next((p for p in row.pauses if p.answered_on is None), None)
            if open_pause is None:
                raise InputError(f"klokken står ikke for kravet {request_id}")
            check_resume_date(open_pause.asked_on, answered_on, today)
            open_pause.answered_on = answered_on
            session.flush()
            _apply_deadlines(row, today)
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
                    run = SystemRun(system_id=system_id, position=position, status=SystemStatus.PENDING.value)
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
            run.status = SystemStatus.RUNNING.value
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
        review_refs: Sequence[tuple[str, str, dict[str, Any]]],
        excluded: dict[str, int] | None = None,
        suggestions: Sequence[tuple[str, str]] = (),
        files: int = 0,
        files_missing: int = 0,
        staged: dict[str, dict[str, object]] | None = None,
        contents: dict[str, str] | None = None,
        unattributed: int = 0,
        excluded_conflicts: dict[str, Sequence[str]] | None = None,
    ) -> SystemRunView:
        """Record a finished search; held groups become review items (ref, reason, evidence);
        identifiers found in released records join the request's suggestions (sealed).
        ``contents``: per group, a digest of its records; a decision on a group whose records
        changed since the last run is voided, and waits for staff again. ``unattributed``: how
        many e-mails and phones the request didn't give were seen beside the person's records
        (``Search.unattributed``). ``excluded_conflicts``: per excluded group, what says it is
        somebody else's (an acceptance staff gave it through ``reconsider`` falls away when that
        grows: a birth date added shows what staff never saw)."""
        records, held_count = sum(confirmed.values()), sum(held.values())
        with self._session() as session:
            run = self._run(session, request_id, system_id)
            previous = self._contents(run)
            run.contents_sealed = self._seal(contents, "contents") if contents is not None else None
            run.status = (SystemStatus.COMPLETE if records or held_count else SystemStatus.NOTHING_FOUND).value
            run.records = records
            run.held = held_count
            run.excluded = dict(excluded or {})
            run.collections = dict(confirmed)
            run.files = files
            run.files_missing = files_missing
            run.staged = staged
            run.unattributed = unattributed
            run.error = None
            run.finished_at = datetime.now(UTC)
            known = {
                item.record_ref: item
                for item in session.scalars(
                    select(ReviewItem).where(ReviewItem.request_id == request_id, ReviewItem.system_id == system_id)
                )
            }
            if previous is not None and contents is not None:
                known = self._renumber_changed(session, request_id, system_id, known, previous, contents)
            self._void_acceptances_no_longer_held(
                session, request_id, system_id, known, {r for r, _, _ in review_refs}, excluded_conflicts or {}
            )
            for ref, reason, evidence in review_refs:
                item = known.get(ref)
                if item is None:
                    session.add(
                        ReviewItem(
                            request_id=request_id, system_id=system_id, record_ref=ref, reason=reason, evidence=evidence
                        )
                    )
                else:  # searched again: the decision stands, the evidence is today's
                    if item.decision == "accepted" and item.reason != reason:
                        # Held now for another reason (found by name alone before, now by the
                        # family address with another birth date): not what staff accepted.
                        self._void(session, item, system_id, "evidence_changed")
                    item.reason, item.evidence = reason, evidence
            if suggestions:
                row = self._row(session, request_id)
                merged = {tuple(s) for s in (self._open(row.suggestions_sealed, "suggestions") or [])}
                merged |= {(kind, value) for kind, value in suggestions}
                row.suggestions_sealed = self._seal(sorted(merged), "suggestions")
            self._audit(
                session,
                request_id,
                "flow",
                "system_finished",
                system=system_id,
                records=records,
                held=held_count,
                excluded=sum((excluded or {}).values()),
                files=files,
                files_missing=files_missing,
                suggestions=len(suggestions),
                unattributed=unattributed,
                status=run.status,
            )
            return _run_view(run)

    def _void(self, session: Session, item: ReviewItem, system_id: str, reason: str) -> None:
        """An acceptance that no longer stands: the item waits for staff again (audited)."""
        _undecided(item)
        self._audit(session, item.request_id, "flow", "decision_voided", item=item.id, system=system_id, reason=reason)

    def _void_acceptances_no_longer_held(
        self, session: Session, request_id: str, system_id: str, known: dict[str, ReviewItem], held: set[str],
        excluded_conflicts: dict[str, Sequence[str]],
    ) -> None:
        """An acceptance is of a group held for doubt, on the evidence staff saw. Searched again
        (a birth date added, a row corrected at the source), a group that is no longer held may
        be excluded as clearly somebody else's (the son's row the father accepted when only the
        name was known): the acceptance would release it. It is voided and audited; the group,
        if excluded, can be put to staff again (``dsar review reconsider``), whose acceptance
        then stands. (Released anyway, the acceptance changes nothing.)"""
        for ref, item in known.items():
            evidence = dict(item.evidence or {})
            if evidence.get(RECONSIDERED) and ref in excluded_conflicts:
                grown = set(excluded_conflicts[ref]) - set(evidence.get("conflicts") or [])
                if item.decision == "accepted" and grown:
                    # Put to staff as somebody else's for one reason, now excluded for more
                    # (the birth date added): not what staff accepted. Asked again.
                    item.evidence = {**evidence, "conflicts": sorted(excluded_conflicts[ref])}
                    self._void(session, item, system_id, "evidence_changed")
                continue
            if ref in held or evidence.get(RECONSIDERED) or evidence.get(NOT_HELD):
                continue
            # No longer a question: kept (its number is in the audit), out of every list, and no
            # decision is taken on it. Held again, it is asked again (its evidence replaced).
            item.evidence = {**evidence, NOT_HELD: True}
            if item.decision == "accepted":
                self._void(session, item, system_id, "not_held")

    def _renumber_changed(
        self, session: Session, request_id: str, system_id: str, known: dict[str, ReviewItem],
        previous: dict[str, str], contents: dict[str, str],
    ) -> dict[str, ReviewItem]:
        """A group whose records changed since the last search (another record now goes by
        its name, a row was added or edited) is a new question: its item gets a new number and
        any decision on it is voided. A decision is about what staff saw, and staff decide by
        number — so one given on the old number after the re-search (``review show``, then a
        colleague's re-run, then ``decide``) is refused, never carried to rows nobody saw."""
        out = dict(known)
        for ref, item in known.items():
            if previous.get(ref) == contents.get(ref):
                continue
            if item.decision is not None:
                self._audit(session, request_id, "flow", "decision_voided", item=item.id,
                            system=system_id, decision=item.decision)
            if contents.get(ref) is None:
                # The group is gone (its record now follows another): nothing to renumber.
                _undecided(item)
                continue
            fresh = ReviewItem(request_id=request_id, system_id=system_id, record_ref=ref,
                               reason=item.reason, evidence=item.evidence)
            # The new row is written before the old one goes, so its number is a new one
            # (SQLite gives a deleted highest number out again).
            item.record_ref = f"{ref}#{item.id}"
            session.flush()
            session.add(fresh)
            session.flush()
            session.delete(item)
            session.flush()
            self._audit(session, request_id, "flow", "review_item_renumbered", item=item.id, new=fresh.id,
                        system=system_id)
            out[ref] = fresh
        return out

    def suggestions(self, request_id: str) -> list[tuple[str, str]]:
        """(kind, value) found in the person's released records that the request didn't give."""
        with self._session() as session:
            row = self._row(session, request_id)
            known = set(self._open(row.subject_emails_sealed, "subject_emails")) | set(
                self._open(row.subject_phones_sealed, "subject_phones")
            )
            return [
                (kind, value)
                for kind, value in (self._open(row.suggestions_sealed, "suggestions") or [])
                if value not in known
            ]

    def add_identifiers(
        self, request_id: str, *, emails: Sequence[str] = (), phones: Sequence[str] = (), actor: str
    ) -> AccessRequest:
        """Staff add e-mails or phones the person has confirmed are theirs (checked and
        normalised here as ``Person.from_given`` does: a malformed one is an ``InputError`` and
        nothing changes); every system is searched again on the next run."""
        given = Person.from_given("-", emails=emails, phones=phones)
        emails, phones = given.emails, given.phones
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            old_emails = list(self._open(row.subject_emails_sealed, "subject_emails"))
            old_phones = list(self._open(row.subject_phones_sealed, "subject_phones"))
            new_emails = [e for e in emails if e not in old_emails]
            new_phones = [p for p in phones if p not in old_phones]
            if not (new_emails or new_phones):
                raise InputError("kravet har allerede disse identifikatorene; ingenting ble endret")
            if RequestStatus(row.status).answered:
                raise InputError(f"kravet {request_id} er {row.status}: et nytt søk er ikke lenger mulig")
            row.subject_emails_sealed = self._seal(old_emails + new_emails, "subject_emails")
            row.subject_phones_sealed = self._seal(old_phones + new_phones, "subject_phones")
            unshown = self._search_again(session, row, actor)
            self._audit(
                session, request_id, actor, "identifiers_added", emails=len(new_emails), phones=len(new_phones)
            )
        self.remove_withdrawn(request_id, unshown, actor)
        return self.get(request_id)

    def correct_name(self, request_id: str, name: str, *, actor: str) -> AccessRequest:
        """Staff correct the person's name (to the whole name the identity check showed, where
        the request gave one that can't tell people apart): checked as at registration, and
        every system is searched again on the next run. Audited without the name."""
        given = Person.from_given(name)
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            if self._open(row.subject_name_sealed, "subject_name") == given.name:
                raise InputError("kravet har allerede dette navnet; ingenting ble endret")
            if RequestStatus(row.status).answered:
                raise InputError(f"kravet {request_id} er {row.status}: navnet kan ikke rettes nå")
            # Before verification is when it is usually done (the identity check shows the whole
            # name); during a run the search would use either name (``_search_again`` refuses).
            row.subject_name_sealed = self._seal(given.name, "subject_name")
            unshown = self._search_again(session, row, actor)
            self._audit(session, request_id, actor, "name_corrected")
        self.remove_withdrawn(request_id, unshown, actor)
        return self.get(request_id)

    def add_birthdate(self, request_id: str, birthdate: str, *, actor: str) -> AccessRequest:
        """Staff add the person's birth date (as the identity check showed it, or a national id:
        only the date it shows is kept), where the request gave none: checked as at
        registration, and every system is searched again on the next run. Audited without the
        date. A request that has one keeps it: a birth date is never changed behind a search."""
        born = Person.from_given("-", birthdate=birthdate).birthdate
        if born is None:
            raise InputError("oppgi fødselsdatoen (DD.MM.ÅÅÅÅ eller ÅÅÅÅ-MM-DD) eller fødselsnummeret")
        with self._session() as session:
            row = self._row(session, request_id, for_update=True)
            if self._open(row.subject_birthdate_sealed, "subject_birthdate"):
                raise InputError(f"kravet {request_id} har allerede en fødselsdato; ingenting ble endret")
            if RequestStatus(row.status).answered:
                raise InputError(f"kravet {request_id} er {row.status}: fødselsdatoen kan ikke legges til nå")
            row.subject_birthdate_sealed = self._seal(born.isoformat(), "subject_birthdate")
            unshown = self._search_again(session, row, actor)
            self._audit(session, request_id, actor, "birthdate_added")
        self.remove_withdrawn(request_id, unshown, actor)
        return self.get(request_id)

    @staticmethod
    def _not_while_running(session: Session, request_id: str) -> None:
        """What a request is searched with never changes under a live run: the run would mark
        every system searched with the old identifiers, and the new ones would be lost. Asked
        in the changing transaction, after its writes and with the request's row locked
        (``acquire_run`` locks it too), so a run can't take the lease in between."""
        session.flush()
        lease = session.get(RunLease, request_id)
        if lease is not None and lease.expires_at > datetime.now(UTC) and _alive(lease.holder):
            raise InputError(f"kravet {request_id} kjøres nå: vent til kjøringen er ferdig, og prøv igjen")

    def _search_again(self, session: Session, row: Request, actor: str) -> list[Path]:
        """What the request is searched with changed: every system searched again on the next
        run, and an answer built before is no longer the answer. Refused (nothing changes) under
        a live run. Returns the packages nobody was shown the password of, for the caller to
        remove once this has committed (``remove_withdrawn``)."""
        if RequestStatus(row.status) in (RequestStatus.COMPLETE, RequestStatus.NEEDS_REVIEW):
            # needs_review too: every system waits to be searched again and the held items are
            # recomputed then, so staff's next step is a run, not a decision.
            self._transition(session, row, RequestStatus.INCOMPLETE, actor, reason="second_search")
        for run in row.system_runs:
            run.status = SystemStatus.PENDING.value
        # The answer built before is not the answer any more (an acceptance the new search
        # drops may be in it): not offered for delivery until the next run builds one.
        own = _own_package(row.id)
        # Withdrawn before, its removal cut short (the process died after that change
        # committed): removed now if its password is still sealed.
        unshown = _leftovers(session, row.id)
        downloaded = _downloaded(session, row.id)
        for package in session.scalars(
            select(PackageRecord).where(PackageRecord.request_id == row.id, PackageRecord.state == "built")
        ):
            path = Path(package.path)
            package.state = "superseded"
            if password_waits(path):
                if own.fullmatch(path.name):  # never another request's file, whatever the row says
                    unshown.append(path)
                # Downloaded (perhaps sent, its password to follow): with its password gone the
                # copy can't be opened, but the person may be waiting for it: staff are told.
                action = "package_downloaded_superseded" if path.name in downloaded else "package_superseded"
                self._audit(session, row.id, actor, action, file=path.name, reason="searched_again")
            else:
                # Shown: staff may have sent it, so the person may hold an answer that is no
                # longer the whole one. Its files stay (it may be with the person); staff are told.
                self._audit(session, row.id, actor, "package_shown_superseded", file=path.name,
                            reason="searched_again")
        self._not_while_running(session, row.id)
        return unshown

    def remove_withdrawn(self, request_id: str, packages: Sequence[Path], actor: str) -> None:
        """Remove superseded packages whose password was never shown, once their withdrawal
        committed (a second search, the next build, closing): nobody can open them, and they may
        hold a record the new search no longer releases (GDPR art. 5(1)(c) and (e)). The sealed
        password goes first (``remove_unshown``): one taken meanwhile keeps its package."""
        for path in packages:
            try:
                removed = remove_unshown(path)
            except OSError as exc:
                # The change stands (it committed); the file system refused: said in the audit
                # (the next change tries again while the password is sealed), not as an error.
                self.audit(request_id, actor, "package_removal_failed", file=path.name, error=type(exc).__name__)
                continue
            if not removed and path.is_file():
                # Its password was taken between the check and now: kept, and staff are told.
                self.audit(request_id, actor, "package_shown_superseded", file=path.name, reason="searched_again")

    def manual_finished(
        self,
        request_id: str,
        system_id: str,
        *,
        documents: int,
        added: int,
        actor: str,
        staged: dict[str, dict[str, object]] | None = None,
    ) -> SystemRunView:
        """Staff finished searching a system by hand: ``documents`` attached in all (0: they
        confirmed nothing was found). The next run builds the answer with it."""
        with self._session() as session:
            run = self._run(session, request_id, system_id)
            run.status = (SystemStatus.COMPLETE if documents else SystemStatus.NOTHING_FOUND).value
            run.records = documents
            run.held = 0
            run.excluded = {}
            run.files = documents
            run.staged = staged
            run.collections = {"dokumenter": documents} if documents else {}
            run.error = None
            run.finished_at = datetime.now(UTC)
            self._audit(
                session,
                request_id,
                actor,
                "manual_attached" if added else "manual_nothing_found",
                system=system_id,
                added=added,
                documents=documents,
            )
            return _run_view(run)

    def system_waiting(self, request_id: str, system_id: str) -> SystemRunView:
        """A manual system is a staff task: it waits until staff attach or confirm."""
        with self._session() as session:
            run = self._run(session, request_id, system_id)
            if run.status != SystemStatus.WAITING:
                self._audit(session, request_id, "flow", "system_waiting", system=system_id)
            run.status = SystemStatus.WAITING.value
            run.error = None
            run.finished_at = None
            return _run_view(run)

    def system_failed(self, request_id: str, system_id: str, error: str) -> None:
        with self._session() as session:
            run = self._run(session, request_id, system_id)
            run.status = SystemStatus.FAILED.value
            run.error = error
            run.finished_at = datetime.now(UTC)
            self._audit(session, request_id, "flow", "system_failed", system=system_id, error=error)

    # -- review --------------------------------------------------------------------------

    def review_items(self, request_id: str) -> list[ReviewItemView]:
        """The request's review items. One whose group the latest search no longer holds is no
        question: listed only for a rejection it carries, which stands (an acceptance of it
        was voided)."""
        with self._session() as session:
            self._row(session, request_id)
            return self._review_items(session, request_id)

    def _review_items(self, session: Session, request_id: str) -> list[ReviewItemView]:
        items = session.scalars(
            select(ReviewItem).where(ReviewItem.request_id == request_id).order_by(ReviewItem.id)
        )
        return [
            ReviewItemView(i.id, i.system_id, i.record_ref, i.reason, i.decision, i.decided_by, dict(i.evidence or {}))
            for i in items if i.decision is not None or not (i.evidence or {}).get(NOT_HELD)
        ]

    def reconsider(
        self, request_id: str, system_id: str, ref: str, reason: str, evidence: dict[str, Any], actor: str
    ) -> int:
        """Put a group the search excluded as somebody else's to a decision (``dsar.exclusions``
        checks it is one): a review item like a held group's; its number."""
        with self._session() as session:
            self._row(session, request_id)
            item = session.scalars(
                select(ReviewItem).where(
                    ReviewItem.request_id == request_id, ReviewItem.system_id == system_id,
                    ReviewItem.record_ref == ref,
                )
            ).first()
            marked = {**evidence, RECONSIDERED: True}
            if item is None:
                item = ReviewItem(
                    request_id=request_id, system_id=system_id, record_ref=ref, reason=reason, evidence=marked
                )
                session.add(item)
                session.flush()
                self._audit(session, request_id, actor, "exclusion_reconsidered", item=item.id, system=system_id,
                            reason=reason)
            elif not (item.evidence or {}).get(RECONSIDERED):
                # A held group's item, whose acceptance a later search voided when it excluded
                # the group: put to staff again as an excluded group, with today's evidence.
                item.reason, item.evidence = reason, marked
                _undecided(item)
                self._audit(session, request_id, actor, "exclusion_reconsidered", item=item.id, system=system_id,
                            reason=reason)
            return item.id

    def decide(self, request_id: str, item_id: int, decision: str, actor: str) -> None:
        """A person decides whether a held record is the person's (``accepted``) or not."""
        if decision not in ("accepted", "rejected"):
            raise InputError("velg 'accepted' (det er personens) eller 'rejected' (det er ikke personens)")
        with self._session() as session:
            self._row(session, request_id)
            item = session.get(ReviewItem, item_id)
            if item is None or item.request_id != request_id:
                renumbered = self._renumbered(session, request_id, item_id)
                if renumbered is not None:
                    raise InputError(
                        f"vurderingspost {item_id} er erstattet av {renumbered}: systemet ble søkt på nytt, og "
                        "postene i den er endret siden. Se på den igjen (dsar review show) før du avgjør"
                    )
                raise InputError(no_review_item(request_id, item_id, self._review_items(session, request_id)))
            if (item.evidence or {}).get(NOT_HELD):
                if decision == "accepted" and item.decision == "rejected":
                    # Staff take back a rejection of a group the search no longer holds: it
                    # follows the search again (released if found as the person's; excluded
                    # ones are put to staff with 'dsar review reconsider').
                    _undecided(item)
                    self._audit(session, request_id, actor, "rejection_withdrawn", item=item_id,
                                system=item.system_id)
                    return
                raise InputError(
                    f"vurderingspost {item_id} venter ikke lenger: systemet ble søkt på nytt, og postene holdes ikke "
                    "tilbake nå; de følger søket (med i svaret om søket fant dem som personens, ellers utelatt som "
                    "andres: se dsar review excluded)"
                )
            item.decision = decision
            item.decided_by = actor
            item.decided_at = datetime.now(UTC)
            self._audit(
                session, request_id, actor, "review_decided", item=item_id, system=item.system_id, decision=decision
            )

    @staticmethod
    def _renumbered(session: Session, request_id: str, item_id: int) -> int | None:
        """The number an item of the request was given when its group changed, if it was."""
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id,
                                     AuditEvent.action == "review_item_renumbered").order_by(AuditEvent.seq)
        )
        current: int | None = None
        for entry in events:
            if entry.detail.get("item") in (item_id, current):
                current = entry.detail.get("new")
        return current

    # -- redactions (mail) ---------------------------------------------------------------

    def change_redaction(
        self, request_id: str, system_id: str, record_key: str, actor: str, *, lift: int | None = None, add: str | None = None
    ) -> None:
        """Lift redaction number ``lift`` of a message, or black out ``add`` as well.

        The audit records who did what to which message, never the text added."""
        if (lift is None) == (add is None or not add.strip()):
            raise InputError("oppgi enten nummeret på en sladding som skal oppheves, eller en tekst som skal sladdes")
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

    def reserve_package(self, request_id: str, directory: Path, *, complete: bool) -> Path:
        """The next package's path, its number reserved in the store (never reused, never two
        builds with one number): one more than any number the store or the directory knows."""
        used = re.compile(rf"{re.escape(request_id)}-(\d+)")
        on_disk = [int(m.group(1)) for p in directory.iterdir() if (m := used.match(p.name))] if directory.is_dir() else []
        for attempt in range(100):
            if attempt:
                time.sleep(random.uniform(0.005, 0.05))  # two builds met: draw again, apart
            with self._session() as session:
                # The request's row locked (PostgreSQL, MariaDB) serialises builds of one
                # request; SQLite serialises writers, and the unique key settles the rest.
                self._row(session, request_id, for_update=True)
                numbers = session.scalars(
                    select(PackageRecord.number).where(PackageRecord.request_id == request_id)
                ).all()
                number = max([n or 0 for n in numbers] + on_disk + [0]) + 1
                path = directory / _package_name(request_id, number, complete)
                session.add(
                    PackageRecord(
                        request_id=request_id, number=number, state="building", path=str(path),
                        sha256="", size=0, records=0, complete=complete,
                    )
                )
                try:
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    continue
                return path
        raise RuntimeError(f"could not reserve a package number for {request_id}")

    def unfinished_packages(self, request_id: str) -> list[Path]:
        """Packages reserved but never recorded as built (their run died)."""
        with self._session() as session:
            rows = session.scalars(
                select(PackageRecord).where(PackageRecord.request_id == request_id, PackageRecord.state == "building")
            ).all()
            return [Path(r.path) for r in rows]

    def superseded(self, request_id: str, path: Path) -> None:
        """An older package replaced by a newer one, its password never shown (``remove_withdrawn``
        removes it next). One staff downloaded is audited apart: the person may be waiting for
        a file no password opens any more."""
        downloaded = path.name in self._downloaded(request_id)
        self._move_package(request_id, path, "built", "superseded",
                           "package_downloaded_superseded" if downloaded else "package_superseded")

    def _downloaded(self, request_id: str) -> set[str]:
        """The package files of a request staff downloaded (``package_downloaded``)."""
        with self._session() as session:
            return _downloaded(session, request_id)

    def package_failed(self, request_id: str, path: Path) -> None:
        self._move_package(request_id, path, "building", "failed", "package_failed")

    def _move_package(self, request_id: str, path: Path, current: str, target: str, action: str) -> None:
        with self._session() as session:
            row = session.scalars(
                select(PackageRecord).where(PackageRecord.request_id == request_id, PackageRecord.path == str(path))
            ).first()
            if row is not None and row.state == current:
                row.state = target
                self._audit(session, request_id, "flow", action, file=path.name)

    def record_package(
        self, request_id: str, *, path: Path, sha256: str, size: int, records: int, complete: bool
    ) -> None:
        with self._session() as session:
            self._row(session, request_id)
            row = session.scalars(
                select(PackageRecord).where(PackageRecord.request_id == request_id, PackageRecord.path == str(path))
            ).first()
            if row is None:
                row = PackageRecord(request_id=request_id, path=str(path))
                session.add(row)
            row.state, row.sha256, row.size, row.records, row.complete = "built", sha256, size, records, complete
            self._audit(
                session, request_id, "flow", "package_built", file=path.name, records=records, complete=complete, sha256=sha256
            )

    def latest_package(self, request_id: str) -> PackageView | None:
        with self._session() as session:
            row = session.scalars(
                select(PackageRecord)
                .where(PackageRecord.request_id == request_id, PackageRecord.state == "built")
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

    def shown_superseded(self, request_id: str) -> list[str]:
        """Packages the person may hold that a second search made stale (their password was
        shown, or the file downloaded, before it): staff's to act on until the request is
        answered with the new one."""
        with self._session() as session:
            if RequestStatus(self._row(session, request_id).status).answered:
                return []
            files = session.scalars(
                select(AuditEvent.detail).where(
                    AuditEvent.request_id == request_id,
                    AuditEvent.action.in_(("package_shown_superseded", "package_downloaded_superseded")),
                ).order_by(AuditEvent.id)
            )
            return list(dict.fromkeys(str(detail.get("file")) for detail in files))

    def identifiers_asked(self, request_id: str) -> bool:
        """Whether staff recorded that the person was asked for every e-mail and phone they use
        (``mark_asked``): the request's questions are closed (``dsar.asking``)."""
        with self._session() as session:
            self._row(session, request_id)
            found = session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.request_id == request_id, AuditEvent.action == "identifiers_asked"
                ).limit(1)
            )
            return found is not None

    def mark_asked(self, request_id: str, *, actor: str) -> None:
        """Staff asked the person for every e-mail and phone they use, and there was nothing
        to add: the request's questions (``dsar.asking``) are closed. Changes nothing else."""
        with self._session() as session:
            row = self._row(session, request_id)
            if RequestStatus(row.status).answered:
                raise InputError(f"kravet {request_id} er {row.status}: ingenting å spørre om lenger")
            self._audit(session, request_id, actor, "identifiers_asked")

    def verify_audit(self) -> audit_chain.Verification:
        """Walk the audit's hash chain: every edited, inserted or removed entry, named."""
        with self._session() as session:
            return audit_chain.verify(session)

    def audit(self, request_id: str | None, actor: str, action: str, **detail: Any) -> None:
        """Record an action that changes nothing in the store (a download, a password shown)."""
        with self._session() as session:
            self._audit(session, request_id, actor, action, **detail)

    def pauses(self, request_id: str) -> list[tuple[date, date | None]]:
        """(asked, answered) of each pause, oldest first; the reasons stay sealed."""
        with self._session() as session:
            return [(p.asked_on, p.answered_on) for p in self._row(session, request_id).pauses]

    @staticmethod
    def _audit(session: Session, request_id: str | None, actor: str, action: str, **detail: Any) -> None:
        audit_chain.record(session, request_id, actor, action, detail)

    # -- rows ----------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, request_id: str, *, for_update: bool = False) -> Request:
        # FOR UPDATE where a status or deadline changes: the row stays ours until commit
        # (PostgreSQL, MariaDB; SQLite serialises writers anyway). The per-request lock of
        # issue 8 belongs here.
        row = session.get(Request, request_id, with_for_update=for_update or None)
        if row is None:
            raise RequestNotFound(f"ingen krav {request_id!r} i dette arbeidsområdet")
        return row

    @staticmethod
    def _run(session: Session, request_id: str, system_id: str) -> SystemRun:
        run = session.get(SystemRun, (request_id, system_id))
        if run is None:
            raise RequestNotFound(f"kravet {request_id!r} har ikke noe system {system_id!r}")
        return run

    def _view(self, row: Request, today: date | None = None) -> AccessRequest:
        birthdate = self._open(row.subject_birthdate_sealed, "subject_birthdate")
        today = today or today_oslo()
        deadlines = _deadlines(row, _clock_day(row, today))
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
            # Derived afresh: while the clock stands still the stored dates are a day old
            # every day.
            due_legal=deadlines.legal,
            due_promised=deadlines.promised,
            due_extended=deadlines.extended,
            due=deadlines.due,
            extension_months=row.extension_months,
            created_at=row.created_at,
            completed_at=row.completed_at,
            extension_notified_on=row.extension_notified_on,
            extension_reason=self._open(row.extension_reason_sealed, "extension_reason"),
            delivered_on=row.delivered_on,
            delivery_channel=row.delivery_channel,
            delivered_by=row.delivered_by,
            closed_at=row.closed_at,
            close_reason=row.close_reason,
            paused=deadlines.suspended,
            clock=clock(deadlines, today, _answered_on(row)),
        )


GUARDIAN_AGE = 18
"""Parental responsibility ends at 18 (barnelova § 30)."""
OWN_SAY_AGE = 15
"""From 15 a child decides much for themselves (barnelova § 32: education, memberships; the
consent age of seed 002): a guardian asks for a child of 15 to 17 only with the child's
written consent, recorded as the mandate."""


def _check_guardian(person: Person, received_on: date, mandate: str | None) -> None:
    """A guardian asks only for a child: the birth date must say so."""
    from dsar.identity import age_on

    if person.birthdate is None:
        raise InputError("en verge spør på vegne av et barn: oppgi barnets fødselsdato (--birthdate)")
    age = age_on(person.birthdate, received_on)
    if age >= GUARDIAN_AGE:
        raise InputError(
            "personen kravet gjelder, var 18 år eller eldre da det kom inn: en verge kan ikke "
            "be om innsyn i en voksens opplysninger; personen selv spør, eller en fullmektig med skriftlig fullmakt"
        )
    if age >= OWN_SAY_AGE and not mandate:
        raise InputError(
            "barnet var 15 år eller eldre da kravet kom inn og bestemmer selv over mye (barnelova §§ 32–33): "
            "foresatte får innsyn med barnets skriftlige samtykke; oppgi referansen til det (--mandate), "
            "eller la barnet spørre selv"
        )


def _alive(holder: str) -> bool:
    """Whether a lease's holder may still be running: a process on another machine is taken
    at its word until the lease expires; one on this machine must exist."""
    import os
    import socket

    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def _answered_on(row: Request) -> date | None:
    """The day the clock stopped: delivered, or closed without an answer (withdrawn…)."""
    if row.delivered_on is not None:
        return row.delivered_on
    if row.closed_at is not None:
        return row.closed_at.astimezone(OSLO).date()
    return None


def _clock_day(row: Request, today: date) -> date:
    """The day an open pause is counted up to: today, or the day the clock stopped."""
    answered = _answered_on(row)
    return answered if answered is not None and answered < today else today


def _open_for_clock(row: Request, action: str) -> None:
    if RequestStatus(row.status).answered:
        raise InputError(f"kravet {row.id} er {row.status}; fristen kan ikke lenger endres ({action})")


def _apply_deadlines(row: Request, today: date | None = None) -> None:
    """Store the derived dates (so lists can sort and index by them) whenever what they are
    derived from changes: receipt, promise, extension, pauses."""
    deadlines = _deadlines(row, today)
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
        files=run.files or 0,
        files_missing=run.files_missing or 0,
        staged=run.staged,
        error=run.error,
        finished_at=run.finished_at,
        excluded={str(k): int(v) for k, v in (run.excluded or {}).items()},
        unattributed=run.unattributed or 0,
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


def _head_revision() -> str | None:
    """The newest migration's id, read from the migration files (without importing Alembic):
    the one revision no other names as its ``down_revision``."""
    import re

    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if (rev := re.search(r"^revision = ['\"](\w+)['\"]", text, re.MULTILINE)) is not None:
            revisions.add(rev.group(1))
        if (down := re.search(r"^down_revision = ['\"](\w+)['\"]", text, re.MULTILINE)) is not None:
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    head = _head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
    except SQLAlchemyError:
        return False  # a new database: no version table yet


def upgrade(engine: Engine) -> None:
    """Bring the store's schema to the newest migration (no-op when it is there).

    A store already at the newest revision is recognised without loading Alembic, so a
    command that only reads (or refuses) answers quickly."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _undecided(item: ReviewItem) -> None:
    """The item's decision taken away: it waits for staff."""
    item.decision, item.decided_by, item.decided_at = None, None, None


def _downloaded(session: Session, request_id: str) -> set[str]:
    return {
        str(detail.get("file")) for detail in session.scalars(
            select(AuditEvent.detail).where(AuditEvent.request_id == request_id, AuditEvent.action == "package_downloaded")
        )
    }


PARTIAL = "-delvis"


def _package_name(request_id: str, number: int, complete: bool) -> str:
    """A package's file name: the request, its number, and whether the answer is partial."""
    return f"{request_id}-{number}{'' if complete else PARTIAL}.zip"


def _own_package(request_id: str) -> re.Pattern[str]:
    """Every name ``_package_name`` gives a request's packages: a removal never touches another
    request's file, whatever a row says."""
    return re.compile(rf"{re.escape(request_id)}-\d+({re.escape(PARTIAL)})?\.zip")


def _leftovers(session: Session, request_id: str) -> list[Path]:
    """Superseded packages of the request still on disk with their password sealed: their
    removal was cut short (the process died after the change that withdrew them committed)."""
    own = _own_package(request_id)
    return [
        path for path in (
            Path(p) for p in session.scalars(
                select(PackageRecord.path).where(
                    PackageRecord.request_id == request_id, PackageRecord.state == "superseded"
                )
            )
        )
        if own.fullmatch(path.name) and password_waits(path)
    ]
