"""Whose e-mails and phones a record holds: ones the request gives, ones it doesn't, or both
in one cell (``identifiers_against``, ``other_identifier``); the ones it holds, normalised
(``identifiers``); and whether a phone is a household's landline rather than one person's.
"""

from __future__ import annotations

from typing import Any

from dsar.config.models import Collection
from dsar.identity import cell_identifiers, looks_like_email, looks_like_phone, mailbox, same_mailboxes
from dsar.matching.assessment import Subject


def _landline(phone: str) -> bool:
    """A Norwegian fixed-line number (not 4 or 9 after +47): a household's, not one person's."""
    return phone.startswith("+47") and len(phone) == 11 and phone[3] not in "49"


def other_identifier(subject: Subject, collection: Collection, fields: dict[str, Any]) -> bool:
    """Whether a record holds an e-mail or phone the request doesn't give (and none it gives)."""
    given, other, _ = identifiers_against(subject, collection, fields)
    return other and not given


def identifiers_against(subject: Subject, collection: Collection, fields: dict[str, Any]) -> tuple[bool, bool, bool]:
    """Whether a record holds e-mails or phones the request gives, ones it doesn't, and both
    in one cell (``98765432 / 41234567``: two people's numbers as one contact). An annotated or
    doubly filled cell (``98765432 (Ola)``) still says whose it is."""
    mailboxes = same_mailboxes(subject.emails)
    given = other = both = False
    for identity in collection.searchable:
        for name in identity.fields:
            found = cell_identifiers(identity.type, fields.get(name))
            mine = mailboxes if identity.type == "email" else frozenset(subject.phones)
            given = given or bool(found & mine)
            other = other or bool(found - mine)
            both = both or bool(found & mine and found - mine)
    return given, other, both


def identifiers(collection: Collection, fields: dict[str, Any], *, own: bool = False) -> set[str]:
    """The normalised e-mails (as the mailboxes they reach) and phones a record holds; with
    ``own``, only those of the person it is about (not a guardian's column)."""
    found = set()
    for identity in collection.searchable:
        if own and identity.guardian:
            continue
        for name in identity.fields:
            if identity.type == "email":
                email = looks_like_email(fields.get(name))
                value = mailbox(email) if email else None
            else:
                value = looks_like_phone(fields.get(name))
            if value is not None:
                found.add(value)
    return found

