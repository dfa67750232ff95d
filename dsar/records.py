"""The shapes records take on their way from a system into the package.

``Lookup``    what a connector is asked for: the person's normalised e-mails and phones.
``RawRecord`` what a connector yields: one row of one collection, and how it was found.
``Finding``   a record after matching and shaping: staged (encrypted) and later packed.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

KEY_SEPARATOR = "/"


@dataclass(frozen=True)
class Lookup:
    """The person's identifiers in comparable form (see ``dsar.identity``)."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    name: str | None = field(default=None, repr=False)
    """The person's name: never a lookup by itself; mail uses it for candidates and to keep
    the person's own name in a redacted copy."""

    def values(self, identity_type: str) -> tuple[str, ...]:
        if identity_type == "email":
            return self.emails
        if identity_type == "phone":
            return self.phones
        return ()

    def __bool__(self) -> bool:
        return bool(self.emails or self.phones)


@dataclass(frozen=True)
class RawRecord:
    """One row as a system holds it.

    ``matched_on``: identity types whose lookup found it (``("email",)``); empty when the row
    was reached by following a reference, and ``via`` then names the parent
    ``(collection, key)``.
    """

    collection: str
    key: str
    fields: dict[str, Any]
    matched_on: tuple[str, ...] = ()
    via: tuple[str, str] | None = None
    redaction: list[dict[str, Any]] | None = None
    """Others' data to black out of this record when it is released (``dsar.redaction``)."""
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    """Files that belong to the record (a message's ``.eml``), staged encrypted beside it."""


Status = Literal["confirmed", "held"]


@dataclass
class Finding:
    """A record of the person's, ready to stage.

    ``status`` is ``confirmed`` (released in the package) or ``held``: a weak match (the name
    differs, a shared family address) that a person must decide on; ``reason`` says why.
    ``review_key`` (``"<collection>/<key>"``) names the held record a person decides on; the
    records reached from it (its orders, their lines) carry the same key and follow that
    decision.
    """

    system: str
    collection: str
    key: str
    fields: dict[str, Any]
    status: Status = "confirmed"
    reason: str | None = None
    matched_on: list[str] = field(default_factory=list)
    via: str | None = None
    review_key: str | None = None
    redaction: list[dict[str, Any]] | None = None
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    """Staged beside the finding, not in it (``Staging.read_file``); empty when read back."""

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "collection": self.collection,
            "key": self.key,
            "fields": self.fields,
            "status": self.status,
            "reason": self.reason,
            "matched_on": self.matched_on,
            "via": self.via,
            "review_key": self.review_key,
            **({"redaction": self.redaction} if self.redaction is not None else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(**data)


def make_key(values: list[Any]) -> str:
    """A record's key as one string: ``42`` or ``2024/17`` for a composite key."""
    return KEY_SEPARATOR.join("" if v is None else str(to_jsonable(v)) for v in values)


def to_jsonable(value: Any) -> Any:
    """A value as JSON can hold it, losing nothing a person would read.

    Decimals become strings (amounts keep their øre), dates ISO 8601, bytes base64.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)
