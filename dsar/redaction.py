"""Other people's data blacked out of the person's copy (GDPR Art. 15(4)).

A message the person receives may name others: a colleague in Cc, a neighbour in the text, a
staff member's direct line in a signature, a quoted reply from someone else. Their e-mail
addresses, phone numbers and names are replaced by a visible ``[sladdet]``; the person's own
identifiers stay, and so do the organisation's role addresses and numbers (post@…, the
switchboard), which identify no one.

Redaction happens in two steps, so staff can see and change it before anything is released:

``Redactor.plan(message)``  at search time: every identifier of someone else becomes a
    ``Target`` (kind, normalised value, every spelling seen, where and how often). The plan
    is staged encrypted with the message (it holds others' data in clear).
``apply(plan, text, …)``     when the package is built: every spelling of every target not
    lifted by staff, and every text staff added, is replaced. E-mails and phones are found
    again by value, so a number spelt two ways is blacked out both ways.

The plan is made from the text a reader sees, and only that text is released: HTML is rebuilt
from its redacted text (``dsar.mail_html``), and an attachment that can't be read as text is
withheld with a note (``dsar.mail_parts``), never released as it was.

Nothing here is stored or logged; counts (``RedactionCounts``) are safe to show.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dsar.mail_message import ADDRESS_ROLES, MailMessage
from dsar.names import fold_name
from dsar.personal_names import KnownName, find_names, is_own_name
from dsar.textscan import email_key, find_identifiers

MARK = "[sladdet]"
MARK_ADDRESS = "sladdet@sladdet.invalid"
"""What a blacked-out address becomes inside an address header, so the ``.eml`` stays a
valid message (RFC 2606 reserves ``.invalid``); the display name next to it reads ``[sladdet]``."""
KINDS = ("email", "phone", "name")


@dataclass
class Target:
    """One other person's identifier in one message."""

    id: int
    kind: str
    value: str
    spellings: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "value": self.value, "spellings": self.spellings,
                "places": self.places, "count": self.count}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        return cls(**data)


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)

    def to_json(self) -> list[dict[str, Any]]:
        return [t.to_json() for t in self.targets]

    @classmethod
    def from_json(cls, data: Iterable[dict[str, Any]] | None) -> Plan:
        return cls([Target.from_json(d) for d in data or ()])

    def counts(self) -> Counter[str]:
        return Counter({kind: sum(t.count for t in self.targets if t.kind == kind) for kind in KINDS})


@dataclass(frozen=True)
class Own:
    """What stays: the person's identifiers and the organisation's role addresses/numbers."""

    name: str
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    role_emails: frozenset[str] = frozenset()
    role_phones: frozenset[str] = frozenset()

    def keeps_email(self, value: str) -> bool:
        return value in self.emails or value in self.role_emails

    def keeps_phone(self, value: str) -> bool:
        return value in self.phones or value in self.role_phones

    def keeps_name(self, value: str) -> bool:
        return is_own_name(value, self.name)


class Redactor:
    """Decides what to black out of messages for one person."""

    def __init__(self, own: Own, known: KnownName | None = None) -> None:
        self.own = own
        self.known = known

    def plan(self, message: MailMessage) -> Plan:
        targets: dict[tuple[str, str], Target] = {}

        def add(kind: str, value: str, spelling: str, place: str) -> None:
            target = targets.get((kind, value))
            if target is None:
                target = targets[(kind, value)] = Target(id=len(targets) + 1, kind=kind, value=value)
            target.count += 1
            if spelling not in target.spellings:
                target.spellings.append(spelling)
            if place not in target.places:
                target.places.append(place)

        for role in ADDRESS_ROLES:
            place = f"header:{role}"
            for display, address in message.addresses.get(role, []):
                key = email_key(address) if "@" in address else None
                kept = key is not None and self.own.keeps_email(key)
                if key is not None and not kept:
                    add("email", key, address, place)
                elif key is None:
                    self._scan(address, place, add)  # an SMS gateway's "<+4741322456>"
                display = display.strip()
                whole = bool(display) and "@" not in display and not kept and not self.own.keeps_name(fold_name(display))
                if whole:
                    add("name", fold_name(display), display, place)
                if display:
                    # What else the name says, beside the person's own address too ("Kari / Ola
                    # 41322456" in an address book); a name blacked out whole is not counted twice.
                    self._scan(display, place, add, names=not whole)
        self._scan(message.subject, "subject", add)
        for number, part in enumerate(message.parts, start=1):
            place = f"attachment:{part.filename}" if part.attachment and part.filename else f"part:{number}"
            if part.text is not None:
                self._scan(part.text, place, add)
            if part.filename:
                self._scan(part.filename, place, add)  # withheld or not, its name is released
        return Plan(sorted(targets.values(), key=lambda t: t.id))

    def _scan(self, text: str, place: str, add: Callable[[str, str, str, str], None], names: bool = True) -> None:
        if not text:
            return
        others: list[Any] | None = None  # others' names, found when first needed (it costs)
        for found in find_identifiers(text):
            if found.kind == "email" and not self.own.keeps_email(found.value):
                add("email", found.value, text[found.start : found.end], place)
            elif found.kind == "phone" and not self.own.keeps_phone(found.value):
                if not found.strong and others is None:
                    others = self._others(text)
                if found.strong or _after_a_name(text, found.start, others or []):
                    add("phone", found.value, text[found.start : found.end], place)
        if names:
            for span in others if others is not None else self._others(text):
                add("name", span.value, text[span.start : span.end], place)

    def _others(self, text: str) -> list[Any]:
        return [span for span in find_names(text, self.known) if not self.own.keeps_name(span.value)]


_BETWEEN_NAME_AND_NUMBER = re.compile(r"[ \t\u00a0]*[,:;/(\-–]?[ \t\u00a0]*(?:\(?(?:tlf|mob|telefon)\.?:?[ \t\u00a0]*)?")


def _after_a_name(text: str, start: int, names: list[Any]) -> bool:
    """Whether a number that could be an order number is written right after someone else's
    name ("Ola Hansen, 55512345"): there it is that person's number."""
    return any(span.end <= start and _BETWEEN_NAME_AND_NUMBER.fullmatch(text, span.end, start) for span in names)


class Applier:
    """Replaces the active targets of one message's plan in each text it is given.

    ``lifted``: target ids staff decided to keep. ``added``: texts staff decided to black
    out as well (matched case-insensitively). ``count`` says how many replacements were made.
    """

    def __init__(
        self,
        plan: Plan,
        lifted: Iterable[int] = (),
        added: Iterable[str] = (),
        render: Callable[[Target | None, str], str] | None = None,
    ) -> None:
        lifted_ids = set(lifted)
        active = [t for t in plan.targets if t.id not in lifted_ids]
        self._values = {(t.kind, t.value): t for t in active if t.kind in ("email", "phone")}
        self._spelt = {s.casefold(): t for t in active for s in t.spellings if s.strip()}
        self._render = render or (lambda target, original: MARK)
        spellings = {s for t in active for s in t.spellings if s.strip()}
        spellings |= {a for a in added if a.strip()}
        self._literal = (
            re.compile(
                "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True)),
                re.IGNORECASE,
            )
            if spellings
            else None
        )
        self.count = 0

    def __call__(self, text: str) -> str:
        if not text:
            return text
        spans = self.spans(text)
        if not spans:
            return text
        pieces, last = [], 0
        for start, end, mark in spans:
            pieces.append(text[last:start])
            pieces.append(mark)
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, what replaces it) of every redaction in ``text``, in order, not
        overlapping; counted. ``dsar.mail_html`` rebuilds HTML around them."""
        if not text:
            return []
        # One pass over the original text: e-mails and phones found by value, then every
        # spelling and added text; where two overlap the earlier (then longer) one wins.
        spans: list[tuple[int, int, Target | None]] = []
        if self._values:
            for found in find_identifiers(text):
                target = self._values.get((found.kind, found.value))
                if target is not None:
                    spans.append((found.start, found.end, target))
        if self._literal is not None:
            for match in self._literal.finditer(text):
                spans.append((match.start(), match.end(), self._spelt.get(match.group(0).casefold())))
        spans.sort(key=lambda s: (s[0], s[0] - s[1]))
        out: list[tuple[int, int, str]] = []
        last = 0
        for start, end, target in spans:
            if start < last:
                continue
            out.append((start, end, self._render(target, text[start:end])))
            last = end
            self.count += 1
        return out

    def address(self, display: str, address: str) -> tuple[str, str]:
        """One (display name, address) of an address header, redacted."""
        shown = self(display) if display else ""
        if self(address) != address:
            return shown or MARK, MARK_ADDRESS
        return shown, address


def preview_mark(target: Target | None, original: str) -> str:
    """How staff see a redaction before release: what is blacked out, and its number."""
    if target is None:
        return f"[sladdet (lagt til): {original}]"
    return f"[sladdet #{target.id} {target.kind}: {original}]"
