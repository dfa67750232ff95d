"""Deciding whether a record a lookup found is the asking person's.

A record found by e-mail or phone is confirmed unless the same record says otherwise: a name
that can't be the person's (a family sharing an e-mail, a reused phone number) or a different
birth date. Such a record is *held*: staged, but never released until a person decides.
A record reached by following a reference shares its parent's fate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dsar.config.models import Collection
from dsar.identity import fold_name, names_compatible
from dsar.records import Finding, RawRecord, to_jsonable

CONFIRMING = frozenset({"email", "phone", "thread"})
"""What makes a found record the person's: their e-mail or phone, or (mail) a reply quoting
a message of theirs."""


@dataclass(frozen=True)
class Subject:
    """What the request says about the person, for corroboration."""

    name: str
    birthdate: date | None = None


def held_reason(subject: Subject, record: RawRecord, collection: Collection) -> str | None:
    """Why a record found by lookup should not be released without review, or None."""
    for identity in collection.identities:
        if identity.type == "name":
            held = " ".join(str(record.fields.get(f) or "").strip() for f in identity.fields)
            if fold_name(held) and not names_compatible(subject.name, held):
                return "name_differs"
        elif identity.type == "birthdate" and subject.birthdate is not None:
            value = record.fields.get(identity.fields[0])
            held_date = _as_date(value)
            if held_date is not None and held_date != subject.birthdate:
                return "birthdate_differs"
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value if not hasattr(value, "date") else value.date()  # datetime → date
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


class Classifier:
    """Turns a connector's stream of raw records into findings, remembering parents' fate.

    Only held records are remembered (with the review key they answer to), so memory follows
    the number of held records, not the size of the person's data.
    """

    def __init__(self, system_id: str, subject: Subject, collections: dict[str, Collection]):
        self._system = system_id
        self._subject = subject
        self._collections = collections
        self._held: dict[tuple[str, str], str] = {}  # (collection, key) -> review key

    def is_held(self, collection: str, key: str) -> bool:
        """Whether a record already classified was held (for ``Connector.find``'s ordering)."""
        return (collection, key) in self._held

    def classify(self, record: RawRecord) -> Finding:
        collection = self._collections[record.collection]
        review_key = None
        if record.via is not None:
            review_key = self._held.get(record.via)
            reason = "parent_held" if review_key else None
        else:
            reason = held_reason(self._subject, record, collection)
            if reason is None and record.matched_on and not CONFIRMING.intersection(record.matched_on):
                # Found by the name alone, or a reply in their thread that doesn't quote them:
                # a candidate, never released by itself.
                reason = f"{record.matched_on[0]}_only"
            if reason:
                review_key = f"{record.collection}/{record.key}"
        if review_key is not None:
            self._held[(record.collection, record.key)] = review_key
        return Finding(
            system=self._system,
            collection=record.collection,
            key=record.key,
            fields={k: to_jsonable(v) for k, v in record.fields.items()},
            status="held" if reason else "confirmed",
            reason=reason,
            matched_on=list(record.matched_on),
            via="/".join(record.via) if record.via else None,
            review_key=review_key,
            redaction=record.redaction,
            files=record.files,
        )
