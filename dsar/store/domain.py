"""What the request store hands out: plain values, personal data opened, hidden from repr.

Dataclasses here never print a person's data: fields that hold it are ``repr=False``, so an
accidental ``log.info("%s", request)`` or an exception carrying the object leaks nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from dsar.deadlines import Clock
from dsar.store.states import LABELS, RUNNABLE, RequestStatus, SystemStatus

if TYPE_CHECKING:  # imported where used: the CLI answers a refusal without loading matching
    from dsar.config.models import System
    from dsar.matching import Subject
    from dsar.records import Lookup

RELATIONS = {
    "self": "Personen selv",
    "guardian": "Foresatt på vegne av barn under 18 år",
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
DELIVERY_CHANNELS = {
    # How the (encrypted) package reached the person; the password goes by another channel.
    "email": "E-post (kryptert pakke)",
    "digipost": "Digipost",
    "post": "Brev med minnepinne",
    "in-person": "Utlevert ved oppmøte",
    "portal": "Nedlasting i kundeportal",
}
CLOSE_REASONS = {
    "answered": "Besvart",
    "withdrawn": "Trukket av personen",
    "unverified": "Identiteten kunne ikke bekreftes",
    "refused": "Avslått (art. 12 nr. 5)",
    "duplicate": "Duplikat av et annet krav",
}
STATUSES = {s.value: label for s, label in LABELS.items()}  # kept for callers that list them
__all__ = ["RUNNABLE", "RequestStatus", "SystemStatus"]  # re-exported: the state machine's names


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
        from dsar.safetext import check_identifier

        return cls(
            name=check_identifier(name, "navnet"),
            emails=tuple(dict.fromkeys(normalize_email(e) for e in emails if e)),
            phones=tuple(dict.fromkeys(normalize_phone(p) for p in phones if p)),
            birthdate=parse_birthdate(birthdate) if birthdate else None,
        )

    def notes(self) -> list[str]:
        """What staff should know about what was given (nothing is refused for these): a phone
        the numbering plan doesn't list, a name that can't tell people apart."""
        from dsar.identity import phone_note
        from dsar.names import Name

        notes = [f"telefon {i + 1}: {n}" for i, p in enumerate(self.phones) if (n := phone_note(p))]
        if not Name.parse(self.name).informative:
            notes.append(
                "navnet skiller ikke personer fra hverandre (ett ord, initialer, tomt eller i et annet "
                "alfabet): alle poster med navn holdes tilbake for vurdering. Oppgi fullt navn slik det "
                "står på legitimasjonen om dere har det"
            )
        return notes

    def lookup(self) -> Lookup:
        from dsar.records import Lookup

        return Lookup(emails=self.emails, phones=self.phones, name=self.name)

    def subject(self) -> Subject:
        from dsar.matching import Subject

        return Subject(name=self.name, birthdate=self.birthdate, emails=self.emails, phones=self.phones)


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
    extension_notified_on: date | None = None
    extension_reason: str | None = field(default=None, repr=False)
    delivered_on: date | None = None
    delivery_channel: str | None = None
    delivered_by: str | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    paused: bool = False
    clock: Clock | None = None  # the deadline on the day it was read (Oslo)

    @property
    def state(self) -> RequestStatus:
        return RequestStatus(self.status)

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
    files: int = 0
    files_missing: int = 0
    staged: dict[str, dict[str, object]] | None = None
    """What the search wrote to staging (file -> size, SHA-256); None for older runs."""
    excluded: dict[str, int] = field(default_factory=dict)
    """Records found but clearly somebody else's, per reason (``dsar.matching.REASONS``)."""
    unattributed: int = 0
    """E-mails and phones the request didn't give, in unreleased records beside the person's
    (``Search.unattributed``): staff should ask the person openly for all they use."""

    @property
    def excluded_count(self) -> int:
        return sum(self.excluded.values())

    @property
    def done(self) -> bool:
        """Searched successfully: a re-run leaves it alone."""
        return SystemStatus(self.status).done


@dataclass(frozen=True)
class RequestSummary:
    """One line of the status list. ``person_name`` is filled only when asked for (the
    dashboard and ``dsar status`` on a terminal) and never printed by ``repr``."""

    id: str
    controller_id: str
    status: str
    received_on: date
    due: date
    due_legal: date
    due_promised: date | None
    due_extended: date | None
    days_left: int | None  # to the send-by day; None once answered (the clock stopped)
    failed_systems: tuple[str, ...]
    held: int
    excluded: int = 0
    """Records found but excluded as clearly somebody else's (not put to staff)."""
    paused: bool = False
    send_by: date | None = None
    tone: str = "on_track"
    delivered_on: date | None = None
    delivery_channel: str | None = None
    on_time: bool | None = None
    systems: tuple[tuple[str, str], ...] = ()  # (system id, its search status), in order
    person_name: str | None = field(default=None, repr=False)
    interrupted: bool = False
    """Left ``running`` with nobody running it (the run was killed): run it again to go on."""

    @property
    def state(self) -> RequestStatus:
        return RequestStatus(self.status)


@dataclass(frozen=True)
class ReviewItemView:
    id: int
    system_id: str
    record_ref: str
    reason: str
    decision: str | None
    decided_by: str | None
    evidence: dict[str, object] = field(default_factory=dict)


def no_review_item(request_id: str, item: int, items: Sequence[ReviewItemView]) -> str:
    """Why ``item`` is not one of the request's review items, with the numbers that are: item
    numbers run across every request, so a request's only item may well be number 35."""
    waiting = [i.id for i in items if i.decision is None]
    decided = [i.id for i in items if i.decision is not None]
    if len(waiting) == 1:
        has = f"kravet har vurderingspost {waiting[0]}"
    elif waiting:
        has = f"kravet har vurderingspostene {_and(waiting)}"
    else:
        has = "kravet har ingen vurderingsposter som venter"
    if decided:
        has += f"; avgjort: {_and(decided)}"
    return f"kravet {request_id} har ingen vurderingspost {item}; {has} (numrene løper på tvers av alle krav)"


ACCEPTING_FETCHES_MORE = (
    "Godtar du posten, hentes også postene som henger på den (via referansene), og de vurderes "
    "på sitt eget grunnlag ved neste kjøring."
)
"""Said to staff beside a held group whose collection has references to follow: records
reached from a held group are not fetched while it is held, so accepting it brings more."""


def accepting_fetches_more(
    system: System | None, record_ref: str, collections: Iterable[str] = (), reason: str | None = None
) -> bool:
    """Whether a held group (``record_ref``, and the ``collections`` its records are in) has
    references to follow once accepted: any reference of its system to or from them — unless
    it is held for a ``reason`` that releases the record alone (a child's sign-up with the
    parent's address: what hangs on it is the child's)."""
    from dsar.matching import CONFINED
    from dsar.records import KEY_SEPARATOR

    if system is None or reason in CONFINED:
        return False
    held = {record_ref.split(KEY_SEPARATOR, 1)[0], *collections}
    return any(ref.child_collection in held or ref.parent_collection in held for ref in system.references)


def _and(numbers: Sequence[int]) -> str:
    """``35``, ``35 og 36``, ``35, 36 og 40``."""
    text = [str(n) for n in numbers]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " og " + text[-1]


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
