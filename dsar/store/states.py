"""The life of a request: its statuses and the only moves between them, in one place.

Every status change goes through ``check_transition`` (the store's ``transition`` calls it
inside the transaction that writes the new status), so "complete" or "delivered" is decided
here and nowhere else. The store reads the row it changes ``FOR UPDATE`` before checking, which
is where a per-request lock or lease (issue 8) slots in: the check and the write already share
one transaction and one row.

    awaiting_verification ─verify─► registered ─run─► running ─answer─► complete
                                                        │               needs_review
                                                        │               incomplete
    needs_review / incomplete ─run again─► running      └─crash─► incomplete
    needs_review / incomplete / complete ─repackage─► complete | needs_review | incomplete
    complete / needs_review ─second search (identifiers, name, birth date)─► incomplete
    complete / needs_review / incomplete ─deliver─► delivered ─close─► closed
    any open status ─close (withdrawn, refused)─► closed

A partial answer (``incomplete`` / ``needs_review``) may be delivered while the rest is chased:
the law asks for an answer in time, and a marked partial answer is one. ``delivered`` and
``closed`` stop the clock.
"""

from __future__ import annotations

from enum import StrEnum

from dsar.errors import InputError


class RequestStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    REGISTERED = "registered"
    RUNNING = "running"
    NEEDS_REVIEW = "needs_review"
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"
    DELIVERED = "delivered"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """What staff read (bokmål)."""
        return LABELS[self]

    @property
    def answered(self) -> bool:
        """The person has their answer (or the request is closed): the clock has stopped."""
        return self in (RequestStatus.DELIVERED, RequestStatus.CLOSED)

    @property
    def runnable(self) -> bool:
        """The flow may search (again) from this status."""
        return self in RUNNABLE

    @property
    def has_package(self) -> bool:
        """An answer was built: a package exists to deliver (partial ones are marked so)."""
        return self in (RequestStatus.NEEDS_REVIEW, RequestStatus.INCOMPLETE, RequestStatus.COMPLETE)

    @property
    def waiting_for_staff(self) -> bool:
        """The flow has done its part and a person in the privacy team must act next: run a
        registered request, chase a failed system, deliver a built package. Decisions on
        held records (``needs_review``) are shown apart, as their own filter."""
        return self in (RequestStatus.REGISTERED, RequestStatus.INCOMPLETE, RequestStatus.COMPLETE)


S = RequestStatus

LABELS: dict[RequestStatus, str] = {
    S.AWAITING_VERIFICATION: "Venter på identitetskontroll",
    S.REGISTERED: "Registrert",
    S.RUNNING: "Søker",
    S.NEEDS_REVIEW: "Venter på vurdering",
    S.INCOMPLETE: "Ufullstendig",
    S.COMPLETE: "Pakke klar",
    S.DELIVERED: "Levert",
    S.CLOSED: "Avsluttet",
}

RUNNABLE = frozenset({S.REGISTERED, S.RUNNING, S.INCOMPLETE, S.NEEDS_REVIEW})
ANSWER_OUTCOMES = frozenset({S.COMPLETE, S.NEEDS_REVIEW, S.INCOMPLETE})

# from -> the statuses it may move to. Staying put is listed where it is a real event (a
# rebuilt package keeps its status); everything not listed is refused.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.AWAITING_VERIFICATION: frozenset({S.REGISTERED, S.CLOSED}),
    S.REGISTERED: frozenset({S.RUNNING, S.CLOSED}),
    # A run that died is found still "running" by the next one, which carries on; a run
    # whose answer step failed leaves it incomplete.
    S.RUNNING: frozenset({S.RUNNING, *ANSWER_OUTCOMES}),
    # A second search moves it to incomplete (already an answer outcome): every system waits
    # to be searched again, so it no longer just waits for decisions.
    S.NEEDS_REVIEW: frozenset({S.RUNNING, *ANSWER_OUTCOMES, S.DELIVERED, S.CLOSED}),
    S.INCOMPLETE: frozenset({S.RUNNING, *ANSWER_OUTCOMES, S.DELIVERED, S.CLOSED}),
    # Staff learnt of another e-mail or phone, the whole name or the birth date (a second
    # search): the answer built is no longer the whole answer.
    S.COMPLETE: frozenset({S.COMPLETE, S.INCOMPLETE, S.DELIVERED, S.CLOSED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Why a move is refused, in staff's words, for the moves people try.
_HINTS: dict[RequestStatus, str] = {
    S.AWAITING_VERIFICATION: "bekreft personens identitet først (dsar request verify ID --method …)",
    S.REGISTERED: "kjør det først (dsar run ID)",
    S.RUNNING: "vent til kjøringen er ferdig",
    S.DELIVERED: "det er levert; bare avslutning gjenstår",
    S.CLOSED: "det er avsluttet",
}


class InvalidTransition(InputError):
    """A status change the state machine does not allow; the message says what to do."""


def parse_status(value: str) -> RequestStatus:
    try:
        return RequestStatus(value)
    except ValueError:
        raise InputError(
            f"ukjent status {value!r}; velg en av: {', '.join(s.value for s in RequestStatus)}"
        ) from None


def can_transition(current: str | RequestStatus, target: str | RequestStatus) -> bool:
    return RequestStatus(target) in TRANSITIONS[RequestStatus(current)]


def check_transition(request_id: str, current: str | RequestStatus, target: str | RequestStatus) -> RequestStatus:
    """The target status, or ``InvalidTransition`` naming the request and both statuses."""
    now, to = RequestStatus(current), parse_status(str(target))
    if to not in TRANSITIONS[now]:
        hint = _HINTS.get(now, "se dsar status")
        raise InvalidTransition(f"kravet {request_id} er {now.value} og kan ikke bli {to.value}: {hint}")
    return to


class SystemStatus(StrEnum):
    """One system's search for one request (``system_runs.status``)."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"
    NOTHING_FOUND = "nothing_found"
    FAILED = "failed"
    WAITING = "waiting"
    """A system staff search by hand (``connector = "manual"``): a staff task until they
    attach what they found or confirm there is nothing."""

    @property
    def done(self) -> bool:
        """Searched successfully: a re-run leaves it alone."""
        return self in (SystemStatus.COMPLETE, SystemStatus.NOTHING_FOUND)

    @property
    def label(self) -> str:
        return SYSTEM_LABELS[self]


SYSTEM_LABELS: dict[SystemStatus, str] = {
    SystemStatus.PENDING: "venter",
    SystemStatus.RUNNING: "søker …",
    SystemStatus.COMPLETE: "ferdig",
    SystemStatus.NOTHING_FOUND: "ingenting funnet",
    SystemStatus.FAILED: "feilet",
    SystemStatus.WAITING: "venter på saksbehandler (søkes for hånd)",
}
