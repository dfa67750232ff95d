"""What staff should ask the person before an answer is final.

A search finds what the request's e-mails and phones lead to. Some of the person's records no
given identifier leads to: the clinic's SMS log holds the mobile of a parent who asked by
e-mail; a child's own mobile is on the child's records, and a guardian asks with their own.
Those gaps are visible before any record is read — the controller's systems are searched by
a kind of identifier the request lacks — so staff are told to ask (never shown a value). A
question about a kind ends when one of that kind is added (``dsar request add-identifier``);
every question ends when staff record that the person was asked and had no more (``dsar
request asked``). Adding an address found in the person's records (``dsar review
suggestions``) is not asking: it closes no question about the child's own, nor about phones.

A name that can't tell people apart (one word, initials, empty, another script) holds every
record with a name for staff, and finds nothing by name: staff are told to correct it to the
whole name the identity check showed (``dsar request correct-name``).

A request without a birth date can't tell the person's row from a namesake's of the same name
(a father and son, a mother and daughter): every such row is held. Where the controller's
systems record birth dates, staff are told to add it from the identity check (``dsar request
add-birthdate``).

The open question of a search (``Search.unattributed``: identifiers beside the person's
records) is the other trigger; it is counted per system, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsar.config.models import SEARCHABLE, ControllerConfig, System

if TYPE_CHECKING:
    from dsar.store.domain import AccessRequest
    from dsar.store.repository import RequestStore

KIND_WORDS = {"email": "e-post", "phone": "telefon"}


@dataclass(frozen=True)
class Question:
    """One thing to ask: ``code`` (``name``, ``birthdate``, ``no_email``, ``no_phone``,
    ``child_contacts``), the titles of
    the systems it concerns, and the words staff read."""

    code: str
    systems: tuple[str, ...]
    text: str

    def how(self, request_id: str) -> str:
        """What staff do with the answer, in the words they read."""
        if self.code == "name":
            return (f'Det gjøres med dsar request correct-name {request_id} --name "…"; har personen ikke annet '
                    f"navn, noter at de er spurt med dsar request asked {request_id}.")
        if self.code == "birthdate":
            return (f"Legg den til med dsar request add-birthdate {request_id} --birthdate DD.MM.ÅÅÅÅ og kjør søket "
                    f"igjen, eller noter at personen er spurt og ikke vil oppgi den med dsar request asked {request_id}.")
        return (f"Legg til det personen oppgir med dsar request add-identifier {request_id} og kjør søket igjen, "
                f"eller noter at personen er spurt og ikke har flere med dsar request asked {request_id}.")

    def said(self, request_id: str) -> str:
        """The question and what to do with the answer, as staff read them."""
        return f"{self.text} {self.how(request_id)}"


def searched_by(systems: Iterable[System]) -> dict[str, list[str]]:
    """E-mail and phone: the titles of the systems whose records are looked up by it."""
    kinds: dict[str, list[str]] = {kind: [] for kind in sorted(SEARCHABLE)}
    for system in systems:
        if not system.searched_by_identity:
            continue
        found = {i.type for c in system.collections.values() for i in c.searchable}
        for kind in sorted(found):
            kinds[kind].append(system.title.nb)
    return kinds


def questions(
    systems: Iterable[System], *, name: str, emails: Sequence[str], phones: Sequence[str], relation: str,
    asked: bool = False, birthdate: bool = True,
) -> list[Question]:
    """What to ask the person (or the guardian) about a request that gives ``name``,
    ``emails`` and ``phones`` (and a birth date, ``birthdate``); nothing once staff recorded
    that the person was ``asked``. (A corrected name closes its question by telling people
    apart; an added birth date closes its own.)"""
    from dsar.names import Name

    found: list[Question] = []
    if asked:
        return found
    systems = list(systems)
    if not Name.parse(name).informative:
        found.append(Question(
            "name", (),
            "Navnet i kravet kan ikke skille personer fra hverandre (ett ord, initialer, tomt eller i et annet "
            "alfabet): alle poster med navn holdes tilbake, og ingenting finnes på navn. Rett det til fullt navn "
            "slik ID-kontrollen viste det.",
        ))
    if relation == "guardian":
        found.append(Question(
            "child_contacts", (),
            "Kravet gjelder et barn, og e-post og telefon i kravet er foresattes. Et barn har ofte egen mobil "
            "eller e-post, som ingen av foresattes poster fører til: be foresatte oppgi barnets egen e-post og "
            "mobil, om barnet har.",
        ))
    dated = dated_systems(systems)
    if dated and not birthdate:
        found.append(Question(
            "birthdate", tuple(dated),
            f"Kravet oppgir ingen fødselsdato, men {_and(dated)} fører fødselsdato: uten den kan "
            "ikke en post med personens navn skilles fra en annens med samme navn (en forelder, et barn, "
            "en navnebror), og slike poster holdes tilbake. Ta fødselsdatoen fra ID-kontrollen "
            "(BankID og legitimasjon viser den), eller spør personen.",
        ))
    given = {"email": emails, "phone": phones}
    for kind, titles in searched_by(systems).items():
        if titles and not given[kind]:
            found.append(Question(
                f"no_{kind}", tuple(titles),
                f"Kravet oppgir ingen {KIND_WORDS[kind]}, men {_and(titles)} søkes på {KIND_WORDS[kind]}: "
                f"be personen oppgi {'alle e-postadresser' if kind == 'email' else 'alle mobil- og telefonnumre'} "
                "de bruker eller har brukt hos oss.",
            ))
    return found


def dated_systems(systems: Iterable[System]) -> list[str]:
    """The titles of the systems whose records say when their person was born (a birth date or
    a national id): where a birth date tells a person from a namesake."""
    return [
        system.title.nb for system in systems
        if any(i.type in ("birthdate", "national_id") for c in system.collections.values() for i in c.identities)
    ]


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " og " + words[-1]


def for_request(store: RequestStore, request: AccessRequest, controller: ControllerConfig) -> list[Question]:
    """The questions a registered request leaves open."""
    return questions(
        controller.systems.values(), name=request.person.name, emails=request.person.emails,
        phones=request.person.phones, relation=request.relation, asked=store.identifiers_asked(request.id),
        birthdate=request.person.birthdate is not None,
    )


def said(store: RequestStore, request: AccessRequest, controller: ControllerConfig) -> list[str]:
    """The open questions as staff read them (``dsar run``, ``dsar request new``)."""
    return [q.said(request.id) for q in for_request(store, request, controller)]
