"""What one record says about whether it is the person's (``assess``).

Its name, birth date and national id against what the request says (``Subject``): they agree,
conflict, can't tell people apart, or say nothing (``Assessment``); and the birth date a record
holds, read the ways Norwegian registers write it (a minor's: ``MINOR_AGE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dsar.config.models import Collection
from dsar.identity import age_on, as_date, national_id, national_id_birthdate
from dsar.matching.reasons import STRONG
from dsar.names import Name, NameMatch, compare_names, names_several
from dsar.records import no_value

MINOR_AGE = 18
"""A record of somebody under this age, found for a person who gave no birth date, is held."""


@dataclass(frozen=True)
class Subject:
    """What the request says about the person, for corroboration."""

    name: str
    birthdate: date | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    for_child: bool = False
    """A guardian asks for a child: the e-mails and phones given are the guardian's."""
    requester: str = ""
    """The name of whoever asks for the person (a guardian), when it isn't the person."""

    def names_requester(self, held: str) -> bool:
        """The record names the guardian asking (the invoice of a child's place, to the payer)."""
        return self.for_child and bool(self.requester) and compare_names(self.requester, held)[0] is NameMatch.AGREE


@dataclass
class Assessment:
    """What a record says about whether it is the person's. No values, only findings."""

    agrees: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unverifiable: bool = False
    name_score: int | None = None
    names_requester: bool = False
    """It names the guardian asking, not the child (``Subject.names_requester``)."""

    @property
    def state(self) -> str:
        if self.conflicts:
            return "conflict"
        if self.agrees:
            return "agree"
        if self.unverifiable:
            return "weak"
        return "neutral"


def assess(subject: Subject, collection: Collection, fields: dict[str, Any]) -> Assessment:
    """Compare a record's name, birth date and national id with the request."""
    result = Assessment()
    asked_informative = Name.parse(subject.name).informative
    several = False
    for identity in collection.identities:
        if identity.type == "name":
            held = " ".join(str(fields.get(f) or "").strip() for f in identity.fields).strip()
            if not held:
                continue
            match, score = compare_names(subject.name, held)
            several |= match is NameMatch.AGREE and names_several(held)
            if match in (NameMatch.DIFFER, NameMatch.SURNAME_DIFFERS) and subject.names_requester(held):
                # The guardian's own name on the child's record says nothing of which child it
                # is about, as the guardian's e-mail doesn't: its path up to a child decides.
                result.names_requester = True
                continue
            result.name_score = score if result.name_score is None else max(result.name_score, score)
            if match is NameMatch.AGREE:
                result.agrees.append("name")
            elif match is NameMatch.DIFFER:
                result.conflicts.append("name_differs")
            elif match is NameMatch.SURNAME_DIFFERS:
                result.conflicts.append("surname_differs")
            elif match is NameMatch.CLOSE:
                result.conflicts.append("first_name_close")
            elif match is NameMatch.GIVEN_PART:
                result.conflicts.append("given_name_part")
            elif match is NameMatch.UNKNOWN and not asked_informative:
                result.unverifiable = True
        elif identity.type in ("birthdate", "national_id") and subject.birthdate is None and not subject.for_child:
            value = fields.get(identity.fields[0])
            held_date = _date_in(identity.type, value)
            if held_date is not None and age_on(held_date, date.today()) < MINOR_AGE:
                # Somebody asking for themselves without a birth date, and a minor's record:
                # a parent with the child's name (Jr./Sr.)? A person decides.
                result.conflicts.append("child_record")
            elif held_date is None and not no_value(value):
                # Whether it is a minor's (the son of the same name), nothing can tell.
                result.conflicts.append("birthdate_unreadable")
        elif identity.type == "birthdate" and subject.birthdate is not None:
            value = fields.get(identity.fields[0])
            held_date = _held_date(value)
            if held_date is not None:
                if held_date == subject.birthdate:
                    result.agrees.append("birthdate")
                elif _swapped(held_date, subject.birthdate):
                    # 04.03 typed for 03.04: a register's typing error as likely as somebody
                    # else. Held, never excluded (nor released).
                    result.conflicts.append("birthdate_swapped")
                else:
                    result.conflicts.append("birthdate_differs")
            elif not no_value(value):
                # A date written in a way we can't read (or read two ways) may be another's:
                # never taken as "no birth date", which would let a namesake's row through.
                result.conflicts.append("birthdate_unreadable")
        elif identity.type == "national_id":
            value = fields.get(identity.fields[0])
            number = national_id(value)
            born = national_id_birthdate(number) if number else None
            if born is None and subject.birthdate is not None and not no_value(value):
                result.conflicts.append("birthdate_unreadable")
            if born is not None and subject.birthdate is not None:
                if born == subject.birthdate:
                    result.agrees.append("national_id")
                else:
                    result.conflicts.append("national_id_differs")
    result.agrees = list(dict.fromkeys(result.agrees))
    result.conflicts = list(dict.fromkeys(result.conflicts))
    if several and "birthdate_differs" in result.conflicts:
        # "Beata Woźniak og Jakub Wójcik" with one birth date: the person is named, and the
        # date may be the other's (who filled in the form). Not clearly somebody else: held.
        result.conflicts[result.conflicts.index("birthdate_differs")] = "birthdate_of_another_named"
    if subject.for_child and "name" in result.agrees and not STRONG & set(result.agrees) and not result.conflicts:
        # For a child, found through the guardian's identifiers: a name without a birth date
        # may be the parent's of the same name. A person decides.
        result.agrees.remove("name")
        result.unverifiable = True
    return result


def _born_on(collection: Collection, fields: dict[str, Any]) -> date | None:
    """The birth date a record holds (its first ``birthdate`` or ``national_id`` identity)."""
    for identity in collection.identities:
        if identity.type in ("birthdate", "national_id"):
            born = _date_in(identity.type, fields.get(identity.fields[0]))
            if born is not None:
                return born
    return None


def _date_in(kind: str, value: Any) -> date | None:
    """The birth date a ``birthdate`` or ``national_id`` field's value says."""
    if kind == "birthdate":
        return _held_date(value)
    number = national_id(value)
    return national_id_birthdate(number) if number else None


def _swapped(held: date, asked: date) -> bool:
    """The asked birth date with day and month swapped (the year the same)."""
    return held.year == asked.year and (held.day, held.month) == (asked.month, asked.day)


def _is_minor(born: date | None) -> bool:
    return born is not None and age_on(born, date.today()) < MINOR_AGE


def _named(assessment: Assessment) -> bool:
    """The record's name is the person's, or a form of it that may be theirs or a sibling's
    (``given_name_part``: ``Per Olav`` beside ``Per Arne``, ``Kristoffer`` beside ``Christoffer``)."""
    return "name" in assessment.agrees or "given_name_part" in assessment.conflicts


def _held_date(value: Any) -> date | None:
    held = as_date(value)
    if held is None and (number := national_id(value)):
        held = national_id_birthdate(number)  # a fødselsnummer in a birth date column
    return held

