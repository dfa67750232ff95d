"""The shapes records take on their way from a system into the package.

``Lookup``    what a connector is asked for: the person's normalised e-mails and phones (and the
              name, for candidates).
``RawRecord`` what a connector yields: one row of one collection, how it was reached (``Link``)
              and the files that belong to it (``FileRef``).
``Finding``   a record after matching and shaping: staged (encrypted) and later packed.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import field as dc_field
from typing import Any, BinaryIO, Literal

KEY_SEPARATOR = "/"
GUARDIAN_PREFIX = "guardian_"
"""``RawRecord.matched_on`` says ``guardian_email`` / ``guardian_phone`` for a match in a
column declared ``guardian = true``."""


@dataclass(frozen=True)
class Lookup:
    """The person's identifiers in comparable form (see ``dsar.identity``), and the name the
    request gives (used only to find *candidates*, never to confirm a record)."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    name: str = field(default="", repr=False)

    def values(self, identity_type: str) -> tuple[str, ...]:
        if identity_type == "email":
            return self.emails
        if identity_type == "phone":
            return self.phones
        return ()

    def __bool__(self) -> bool:
        return bool(self.emails or self.phones)


Direction = Literal["down", "up"]


@dataclass(frozen=True)
class Link:
    """How a record was reached by a reference: from ``(collection, key)``, along
    ``reference`` (``"child.col -> parent.col"``), ``down`` to a child or ``up`` to a parent.

    ``ambiguous``: the value followed down doesn't pin the parent down (another row of the
    parent collection holds it too: an order number a spreadsheet repeats), so whose the
    record is, nothing says; the matcher holds it (``key_not_unique``)."""

    collection: str
    key: str
    reference: str
    direction: Direction
    ambiguous: bool = False

    def __str__(self) -> str:
        return f"{self.collection}{KEY_SEPARATOR}{self.key}"


@dataclass(frozen=True)
class FileRef:
    """A file that belongs to a record (an uploaded photo, a call recording).

    ``name`` is a safe file name for the package; ``open()`` returns a binary stream the
    caller closes. ``size`` is known for local files, None for streamed downloads.
    """

    field: str
    name: str
    media_type: str
    open: Callable[[], BinaryIO] = dc_field(compare=False, repr=False)
    size: int | None = None


@dataclass
class RawRecord:
    """One row as a system holds it, and how the search reached it.

    ``matched_on``: identifier kinds that found it by lookup (``("email",)``; ``("name",)``
    for a candidate found by name alone; ``"shared"`` beside them when the connector knows the
    identifier is one somebody else uses under another name). ``via``: the reference it was reached by, when it
    wasn't found by lookup. ``shared``: the record can be reached more than once (several
    references, a lookup and a reference, a value many rows share). ``files``: files that
    belong to it. ``group`` is set by whoever consumes the stream (the matching step) before
    asking for the next record; the search uses it to carry a record's fate to the records
    reached from it.
    """

    collection: str
    key: str
    fields: dict[str, Any]
    matched_on: tuple[str, ...] = ()
    via: Link | None = None
    shared: bool = False
    files: tuple[FileRef, ...] = ()
    group: str | None = None
    redaction: list[dict[str, Any]] | None = None
    """Others' data to black out of the record when it is released (``dsar.redaction``): mail."""


Status = Literal["confirmed", "held", "excluded"]
"""``excluded`` only in ``dsar.search.final_findings``: clearly somebody else's; never staged as released."""


@dataclass
class Finding:
    """A record of the person's, ready to stage.

    ``group`` names the record whose evidence decides this one's fate (``"<collection>/<key>"``):
    itself when it says who it is about, or the record it was reached from. Whether a group is
    released is decided when the system's search ends (``dsar.matching.Resolution``) and, for a
    weak match, by a person (``dsar review``). ``status`` is the verdict known when the record
    was staged: ``held`` ones never become confirmed by themselves. ``files`` lists the staged
    files that belong to the record.
    """

    system: str
    collection: str
    key: str
    fields: dict[str, Any]
    status: Status = "confirmed"
    reason: str | None = None
    matched_on: list[str] = field(default_factory=list)
    via: str | None = None
    group: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    redaction: list[dict[str, Any]] | None = None
    """The redaction plan decided at search time (mail), applied when the package is built."""

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
            "group": self.group,
            "files": self.files,
            **({"redaction": self.redaction} if self.redaction is not None else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


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


_EXCEL_ERROR = re.compile(r"#(?:[^\W\d_][\w/.]*[!?]|[^\W\d_]+/[^\W\d_]+|GETTING_DATA)", re.IGNORECASE)
"""An error value a spreadsheet shows in a cell (``#N/A``, ``#REF!``, ``#VALUE!``, ``#DIV/0!``,
``#NAME?``; Norwegian Excel's ``#I/T``, ``#VERDI!``, ``#NAVN?`` in a CSV it saved). Never a key:
``#`` and a letter, ending in ``!`` or ``?`` or holding a ``/`` (an order number ``#1042`` is
not one)."""
_ABSENT = frozenset({
    "n", "na", "nan", "nat", "nil", "nul", "null", "none", "undefined", "unknown", "missing",
    "empty", "blank", "void", "ukjent", "mangler", "ingen", "ikkeoppgitt", "ikkeaktuelt",
    "ikketilgjengelig", "ikkeregistrert",
})
"""Words for "none", compared with everything but letters and digits taken out and case folded,
so every spelling tools and people use is one entry: ``NULL``, ``(null)``, ``\\N``, ``n/a``,
``N/A``, ``n.a.``, ``<NA>``, ``NaN``, ``-nan``, ``NaT``, ``None``, ``nil``, ``undefined``,
``ukjent``, ``ikke oppgitt``."""


def no_value(value: Any) -> bool:
    """Whether a field's value says there is none: never followed as a reference (it would
    reach every row holding the same placeholder: the guest orders of a web shop), never read
    as a written birth date.

    General rules first, a vocabulary last: no value (``None``, a float or Decimal NaN); text
    without one letter or digit (blank, ``-``, ``--``, ``?``, ``.``, ``*``, ``—``); a
    spreadsheet's error value (``_EXCEL_ERROR``); a word for "none" (``_ABSENT``). What no rule
    here recognises is still stopped when two parent rows hold it (``Connector._unpinned``)."""
    if value is None:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, str):
        text = value.strip()
        if not any(c.isalnum() for c in text) or _EXCEL_ERROR.fullmatch(text):
            return True
        return "".join(c for c in text.casefold() if c.isalnum()) in _ABSENT
    try:
        return value != value  # a Decimal NaN (or anything else unequal to itself)
    except Exception:  # noqa: BLE001 - a value that can't even compare is no reference
        return True
