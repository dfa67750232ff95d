"""E-mail addresses and phone numbers in free text: where they are and their comparable form.

Mail bodies, subjects and text attachments write identifiers the way people type them:
``Kari.Nordmann@Example.no``, ``mailto:kari@…``, ``+47 912 34 567``, ``0047 91234567``,
``912 34 567``, ``91 23 45 67``, ``9123 4567``, ``(+47) 91234567``, ``912-34-567``. The
index (``connectors.mail_index``) and the redaction (``dsar.redaction``) both find them here,
so what one finds the other finds too.

Values come out normalised as ``dsar.identity`` normalises a person's own identifiers
(e-mails trimmed and case-folded, phones in E.164), so a finding compares equal to the
person's ``Lookup`` values. The fast paths (ASCII e-mails, Norwegian numbers) give exactly
what the slow, validating normalisers give for such values; anything else goes through them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dsar.identity import looks_like_email, looks_like_phone

# Local part and domain as mail clients accept them; \w admits æøå and other letters (EAI).
EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%'-]+@(?:[\w-]+\.)+[\w-]{2,}")

_SEP = r"[ \u00a0.\-]"
_NATIONAL = (
    rf"(?:\d{{8}}|\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{3}}|\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}"
    rf"|\d{{4}}{_SEP}\d{{4}}|\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}})"
)
# A Norwegian number, with or without its country code, or any number written with "+"/"00".
# The pattern starts with what a number starts with, so the engine skips text quickly; that it
# is not a piece of a longer run of digits (card and account numbers, ids) is checked after a
# match (``_glued``) and by the look-ahead: no digit, or separator and digit, on either side.
PHONE = re.compile(
    rf"(?:(?P<cc>(?:\+|00)[ \u00a0]?47|\(\+?47\)|47(?=[ \u00a0]?\d{{8}}(?!\d)))[ \u00a0.\-]?)?"
    rf"(?P<nat>{_NATIONAL})"
    rf"(?!{_SEP}?\d)"
    rf"|(?P<intl>(?:\+|00)[1-9]\d{{0,2}}(?:[ \u00a0\-]?\(?\d+\)?){{2,6}})(?!{_SEP}?\d)"
)
# Where a number may be: eight or more digits and separators. Cheap to find (the pattern
# starts with a character class, which the engine skips to), so the precise pattern above
# runs only on these few stretches.
_DIGIT_RUN = re.compile(r"(?:\(\+?\d|\+\d|\d)[\d \u00a0.\-()+]{6,}\d")  # each branch starts with a character: the engine skips to them
_GLUED = re.compile(rf"(?:[\w+]|\d{_SEP})$")
_DATE_LIKE = re.compile(r"\d{2}\.\d{2}\.\d{4}|\d{2}\.\d{2}\.\d{2}$")
PHONE_WORDS = re.compile(r"(?i)(?:tlf|telefon|tel|mob|mobil|mobilnr|ring|sms|phone|fax|direkte|sentralbord)\W{0,3}$")


@dataclass(frozen=True)
class Found:
    """One identifier in a text: its span, its normalised value and how sure we are.

    ``strong`` for a phone: written as phones are (a country code, phone-style grouping, a
    mobile range or a word like "tlf" before it) rather than eight bare digits that may be an
    order number. E-mails are always strong.
    """

    start: int
    end: int
    kind: str  # "email" | "phone"
    value: str
    strong: bool = True


def email_key(text: str) -> str | None:
    """The comparable form of an address found in text (as ``looks_like_email`` gives it)."""
    text = text.strip().rstrip(".")
    if text.isascii() and "xn--" not in text:
        local, _, domain = text.rpartition("@")
        if not local or "." not in domain or ".." in text or local.startswith(".") or local.endswith("."):
            return None
        return text.lower()
    return looks_like_email(text)


def find_emails(text: str) -> Iterator[Found]:
    for start, end in _email_spans(text):
        stripped = text[start:end].rstrip(".'-")
        value = email_key(stripped)
        if value:
            yield Found(start, start + len(stripped), "email", value)


_LOCAL_CHARS = frozenset(".+%'-_")
_NOT_BEFORE = frozenset(".+%-_")
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[\w-]{2,}")


def _email_spans(text: str) -> Iterator[tuple[int, int]]:
    """What ``EMAIL.finditer`` finds, found from each "@" outwards: the pattern starts with
    a class nearly every character is in, so the engine would try it at every position of
    a long text; there are few "@"."""
    last_end = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > last_end and (text[start - 1].isalnum() or text[start - 1] in _LOCAL_CHARS):
            start -= 1
        if start == last_end and start > 0 and (text[start - 1].isalnum() or text[start - 1] in _NOT_BEFORE):
            # The run goes on before the previous match ended (or is glued to a word): the
            # pattern may only start after a character its look-behind allows ("'").
            start = next((p for p in range(start + 1, at) if text[p - 1] == "'"), at)
        if start < at:
            domain = _DOMAIN.match(text, at + 1)
            if domain is not None:
                last_end = domain.end()
                yield start, last_end
                at = text.find("@", last_end)
                continue
        at = text.find("@", at + 1)


def find_phones(text: str) -> Iterator[Found]:
    for run in _DIGIT_RUN.finditer(text):
        yield from _phones_in(text, run.start(), run.end())


def _phones_in(text: str, begin: int, end: int) -> Iterator[Found]:
    for match in PHONE.finditer(text, begin, end):
        start = match.start()
        if start and _GLUED.search(text, max(0, start - 2), start):
            continue
        national = match.group("nat")
        if national is not None:
            digits = re.sub(r"\D", "", national)
            if digits[0] in "01":
                continue  # no Norwegian number starts with 0 or 1
            if "." in national and _DATE_LIKE.match(national):
                continue
            cc = match.group("cc")
            grouped = len(national) > 8
            before = text[max(0, match.start() - 16) : match.start()]
            strong = bool(cc) or grouped or digits[0] in "49" or bool(PHONE_WORDS.search(before))
            yield Found(match.start(), match.end(), "phone", "+47" + digits, strong)
            continue
        value = looks_like_phone(match.group("intl"))
        if value:
            yield Found(match.start(), match.end(), "phone", value, True)


def find_identifiers(text: str) -> list[Found]:
    """E-mails and phones in ``text``, in order, overlaps resolved in favour of e-mails.

    (A phone-like run of digits inside an address, ``91234567@sms.example.no``, is part of
    the address.)
    """
    if not text:
        return []
    emails = list(find_emails(text)) if "@" in text else []
    phones = [p for p in find_phones(text) if not any(e.start <= p.start < e.end for e in emails)]
    return sorted(emails + phones, key=lambda f: f.start)
