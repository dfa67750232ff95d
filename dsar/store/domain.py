"""What the request store hands out: plain values, personal data opened, hidden from repr.

Dataclasses here never print a person's data: fields that hold it are ``repr=False``, so an
accidental ``log.info("%s", request)`` or an exception carrying the object leaks nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from dsar.matching import Subject
from dsar.records import Lookup

RELATIONS = {
    "self": "Personen selv",
    "guardian": "Foresatt på vegne av barn under 15 år",
    "agent": "Fullmektig med skriftlig fullmakt",
}
CHANNELS = {
    "email": "E-post",
    "web-form": "Nettskjema",
    "letter": "Brev",
    "phone": "Telefon",
    "in-person": "Oppmøte",
    "digipost": "Digipost",
}
VERIFICATION_METHODS = {
    # EDPB Guidelines 01/2022 §65–79: ask for no more than needed; no ID copies kept.
    "email-code": "Kode sendt til e-postadresse vi allerede har",
    "sms-code": "Kode sendt til mobilnummer vi allerede har",
    "login": "Innlogget med eksisterende brukerkonto",
    "bankid": "BankID / ID-porten",
    "in-person": "Legitimert ved oppmøte (kopi ikke tatt)",
}
PASSWORD_CHANNELS = {
    "sms": "SMS til oppgitt mobilnummer",
    "phone": "Oppringning",
    "post": "Brev i posten",
    "digipost": "Digipost",
}
STATUSES = {
    "awaiting_verification": "Venter på identitetskontroll",
    "registered": "Registrert",
    "running": "Søker",
    "complete": "Fullført",
    "incomplete": "Ufullstendig",
    "needs_review": "Venter på vurdering",
}
RUNNABLE = frozenset({"registered", "running", "incomplete", "needs_review"})


@dataclass(frozen=True)
class Person:
    """The person the request is about, as the request gives them (normalised)."""

    name: str = field(repr=False)
    emails: tuple[str, ...] = field(default=(), repr=False)
    phones: tuple[str, ...] = field(default=(), repr=False)
    birthdate: date | None = field(default=None, repr=False)

    @classmethod
    def from_given(
        cls,
        name: str,
        *,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        birthdate: str | None = None,
    ) -> Person:
        """The person as staff type them in: identifiers checked and normalised (an
        ``InputError`` names what is wrong), duplicates dropped, empty values ignored."""
        from dsar.identity import normalize_email, normalize_phone, parse_birthdate

        return cls(
            name=name.strip(),
            emails=tuple(dict.fromkeys(normalize_email(e) for e in emails if e)),
            phones=tuple(dict.fromkeys(normalize_phone(p) for p in phones if p)),
            birthdate=parse_birthdate(birthdate) if birthdate else None,
        )

    def lookup(self) -> Lookup:
        return Lookup(emails=self.emails, phones=self.phones, name=self.name)

    def subject(self) -> Subject:
        return Subject(name=self.name, birthdate=self.birthdate)


@dataclass(frozen=True)
class AccessRequest:
    id: str
    controller_id: str
    status: str
    language: str
    person: Person = field(repr=False)
    relation: str
    requested_by: str | None = field(repr=False)
    mandate: str | None = field(repr=False)
    received_on: date
    channel: str
    password_channel: str
    verification_method: str | None
    verified_at: datetime | None
    verified_by: str | None
    due_legal: date
    due_promised: date | None
    due_extended: date | None
    due: date
    extension_months: int
    created_at: datetime
    completed_at: datetime | None

    @property
    def verified(self) -> bool:
        return self.verified_at is not None and self.verification_method is not None


@dataclass(frozen=True)
class SystemRunView:
    system_id: str
    status: str
    records: int
    held: int
    collections: dict[str, int]
    attempts: int
    error: str | None
    finished_at: datetime | None

    @property
    def done(self) -> bool:
        """Searched successfully: a re-run leaves it alone."""
        return self.status in ("complete", "nothing_found")


@dataclass(frozen=True)
class RequestSummary:
    """One line of the status list: no personal data."""

    id: str
    controller_id: str
    status: str
    received_on: date
    due: date
    due_legal: date
    due_promised: date | None
    due_extended: date | None
    days_left: int
    failed_systems: tuple[str, ...]
    held: int
    paused: bool = False


@dataclass(frozen=True)
class ReviewItemView:
    id: int
    system_id: str
    record_ref: str
    reason: str
    decision: str | None
    decided_by: str | None


@dataclass(frozen=True)
class PackageView:
    path: str
    sha256: str
    size: int
    records: int
    complete: bool
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, object]
