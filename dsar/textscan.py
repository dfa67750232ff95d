"""E-mail addresses and phone numbers in free text: where they are and their comparable form.

Mail bodies, subjects and text attachments write identifiers the way people type them:
``Kari.Nordmann@Example.no``, ``mailto:kari@…``, ``+47 912 34 567``, ``0047 91234567``,
``912 34 567``, ``91 23 45 67``, ``9123 4567``, ``(+47) 91234567``, ``912-34-567``. The
index (``connectors.mail_index``) and the redaction (``dsar.redaction``) both find them here,
so what one finds the other finds too.

People also hide or mangle them, on purpose or by accident, and a reader still reads them:
``kari [at] example.no``, ``kari at example dot no``, ``kari @ example.no``, an address or a
number wrapped over two lines (in a "> " quote too), zero-width spaces and soft hyphens
inside, thin spaces between a number's groups, fullwidth ``＠`` and ``＋４７``. The text is
scanned as a reader sees it (``_reading``: invisible characters taken out, look-alike
spaces and fullwidth forms made plain) and every span is given back in the original text.

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

# -- reading the text as a reader sees it ---------------------------------------------------

# Characters no reader sees: soft hyphen, zero-width spaces and joiners, direction marks,
# word joiner, BOM. Taken out before scanning ("exam\u200bple.com" reads "example.com").
_INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
                       "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Look-alikes replaced one for one: the many widths of space read as a space (NBSP, which
# the patterns know), line and paragraph separators as a line break, fullwidth ASCII
# (U+FF01–FF5E: "＠", "＋", "４") as ASCII.
_PLAIN = {c: "\u00a0" for c in (*range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)}
_PLAIN |= {0x2028: "\n", 0x2029: "\n"}
_PLAIN |= {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_ODD = re.compile("[\u00ad\u180e\u2000-\u200f\u2028\u2029\u202a-\u202f\u205f-\u2064\u2066-\u2069\u3000\ufeff\uff01-\uff5e]")


def _reading(text: str) -> tuple[str, list[int] | None]:
    """The text as read, and where each of its characters is in ``text`` (None: the same
    place; most texts hold nothing odd and are scanned as they are)."""
    if not _ODD.search(text):
        return text, None
    view = text.translate(_PLAIN)
    if not any(c in _INVISIBLE for c in view):
        return view, None
    kept = [i for i, c in enumerate(view) if c not in _INVISIBLE]
    return "".join(view[i] for i in kept), kept


def _placed(found: Iterator[Found], where: list[int] | None) -> Iterator[Found]:
    """Findings in the reading moved back to the original text."""
    if where is None:
        yield from found
        return
    for f in found:
        yield Found(where[f.start], where[f.end - 1] + 1, f.kind, f.value, f.strong)


# -- e-mail ---------------------------------------------------------------------------------

# Local part and domain as mail clients accept them; \w admits æøå and other letters (EAI).
EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%'-]+@(?:[\w-]+\.)+[\w-]{2,}")

# A local part is RFC 5322 atext: "ola&kari.nordmann@…" is one mailbox, not Kari's with
# "ola&" before it. Left out: "{|}`", which data and text use around or between values
# ("Kari|kari@…" in an export). In a URL ("…?to=kari@…&x=1") "&", "=", "/", "?", "#" and ":"
# separate its pieces, so there the address starts after them.
_LOCAL_CHARS = frozenset(".+%'-_&/=!#$*?^~")
_URL_STOPS = frozenset("&/=?#:")
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[\w-]{2,}")
# Between "@" and the domain (or the local part and "@"): spaces, and one line break, which
# may go on with a reply's quote marks ("ola@\n> example.com": a wrapped line).
_GAP = r"[ \t\u00a0]*(?:\r?\n[ \t]*(?:>[ \t>]*)?)?"
_GAP_AFTER = re.compile(_GAP)


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
    view, where = _reading(text)
    yield from _placed(_emails(view), where)


def _emails(text: str) -> Iterator[Found]:
    found = []
    if "@" in text:
        for start, local_end, domain_start, end in _email_spans(text):
            domain = text[domain_start:end].rstrip(".'-")
            value = email_key(f"{text[start:local_end]}@{domain}")
            if value:
                found.append(Found(start, domain_start + len(domain), "email", value))
    if _loose_hint(text):
        taken = [(f.start, f.end) for f in found]
        for f in _loose_emails(text):
            if not any(s < f.end and f.start < e for s, e in taken):
                found.append(f)
        found.sort(key=lambda f: f.start)
    return iter(found)


def _email_spans(text: str) -> Iterator[tuple[int, int, int, int]]:
    """(start, end of local part, start of domain, end) of each address around an "@",
    found from each "@" outwards (there are few "@"; a pattern starting with a class nearly
    every character is in would be tried at every position of a long text)."""
    last_end = 0
    at = text.find("@")
    while at >= 0:
        local_end = at
        while local_end > last_end and text[local_end - 1] in " \t\u00a0\r\n>":
            local_end -= 1  # "ola.hansen @ example.com", "ola.hansen\n@example.com"
        if local_end < at and not _GAP_AFTER.fullmatch(text, local_end, at):
            local_end = at  # more than a gap: nothing of the address before
        stops = _URL_STOPS if _in_url(text, local_end) else ()
        start = local_end
        while start > last_end and (text[start - 1].isalnum() or (text[start - 1] in _LOCAL_CHARS and text[start - 1] not in stops)):
            start -= 1
        while start < local_end and not (text[start].isalnum() or text[start] == "_"):
            start += 1  # a local part starts with a letter or digit ("'kari@…'", "…/kari@…")
        if start < local_end:
            gap = _GAP_AFTER.match(text, at + 1)
            domain = _DOMAIN.match(text, gap.end()) if gap is not None else None
            if domain is not None:
                last_end = domain.end()
                yield start, local_end, domain.start(), last_end
                at = text.find("@", last_end)
                continue
        at = text.find("@", at + 1)


def _in_url(text: str, end: int) -> bool:
    """Whether the word ending at ``end`` is a URL ("https://…", "www.…")."""
    start = end
    while start > 0 and end - start < 2000 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end]
    return "://" in word or word.lower().startswith("www.")


# Addresses written so that a program won't see them, which a reader reads as addresses:
# "ola[at]example.com", "ola (at) example (dot) com", "ola at example dot com", "ola
# krøllalfa example punktum com", "ola%40example.com". A bare word "at" (Norwegian for
# "that") counts only with a spelt-out dot ("tror at nrk.no er …" is no address).
_AT_WORDS = r"(?:at|@|krøllalfa|alfakrøll|snabel-a)"
_DOT_WORDS = r"(?:dot|punktum|prikk)"


def _bracketed(words: str) -> str:
    return r"[ \t\u00a0]*[\[({<]" + words + r"[\])}>][ \t\u00a0]*"


def _spelt(words: str) -> str:
    return r"[ \t\u00a0]+" + words + r"[ \t\u00a0]+"


_LOOSE_LOCAL = r"(?<![\w.+'-])(?P<local>\w[\w.+'-]*)"
_LABEL = r"[\w-]+"
_LOOSE = re.compile(
    rf"(?i){_LOOSE_LOCAL}(?:"
    # a marked "@" ([at], (at), %40, a spaced or wrapped "@"): dots as dots or spelt
    rf"(?P<at>{_bracketed(_AT_WORDS)}|%40|{_GAP}@{_GAP})"
    rf"(?P<domain>{_LABEL}(?:(?:\.|{_bracketed(_DOT_WORDS)}|{_spelt(_DOT_WORDS)}){_LABEL})+)"
    # a spelt "at": at least one spelt dot
    rf"|(?P<word>{_spelt(_AT_WORDS)})"
    rf"(?P<spelt>{_LABEL}(?:\.{_LABEL})*(?:(?:{_bracketed(_DOT_WORDS)}|{_spelt(_DOT_WORDS)}){_LABEL})+)"
    rf")"
)
_BRACKET_HINT = re.compile(r"(?:at|@|krøllalfa|alfakrøll)\s*[\])}>]")  # starts with a literal: found fast


def _loose_hint(text: str) -> bool:
    """Whether ``text`` may hold an address written so (cheap: plain substring searches;
    the pattern itself would be tried at every position)."""
    low = text.lower()
    return ("%40" in low or "dot" in low or "punktum" in low or "prikk" in low or "krøllalfa" in low
            or "alfakrøll" in low or "snabel-a" in low or _BRACKET_HINT.search(low) is not None)
_DOT_SPELT = re.compile(rf"(?i){_bracketed(_DOT_WORDS)}|{_spelt(_DOT_WORDS)}")


_TLD = re.compile(r"(?<![^.])[^\W\d_]{2,6}$")


def _loose_emails(text: str) -> Iterator[Found]:
    for match in _LOOSE.finditer(text):
        domain = match.group("domain") or match.group("spelt")
        domain = _DOT_SPELT.sub(".", domain)
        if not _TLD.search(domain):
            # A top-level domain is a few letters: "ola at 10 dot 30" is no address, nor is
            # "tror at setningen punktum slutter".
            continue
        value = email_key(f"{match.group('local')}@{domain}")
        if value:
            yield Found(match.start(), match.end(), "email", value)


# -- phone ----------------------------------------------------------------------------------

_SEP = r"[ \u00a0.\-]"
# Between a number's groups a line may break, and a quoted reply goes on with "> ".
_IN = rf"(?:{_SEP}|[ \u00a0]*\r?\n[ \t>]*)"
_NATIONAL = (
    rf"(?:\d{{8}}|\d{{3}}{_IN}\d{{2}}{_IN}\d{{3}}|\d{{2}}{_IN}\d{{2}}{_IN}\d{{2}}{_IN}\d{{2}}"
    rf"|\d{{4}}{_IN}\d{{4}}|\d{{2}}{_IN}\d{{3}}{_IN}\d{{3}})"
)
# A Norwegian number, with or without its country code, or any number written with "+"/"00".
# The pattern starts with what a number starts with, so the engine skips text quickly; that it
# is not a piece of a longer run of digits (card and account numbers, ids) is checked after a
# match (``_glued``) and by the look-ahead: no digit, or separator and digit, on either side.
PHONE = re.compile(
    rf"(?:(?P<cc>(?:\+|00)[ \u00a0]?47|\(\+?47\)|47(?=[ \u00a0]?\d{{8}}(?!\d))){_IN}?)?"
    rf"(?P<nat>{_NATIONAL})"
    rf"(?!{_SEP}?\d)"
    rf"|(?P<intl>(?:\+|00)[1-9]\d{{0,2}}(?:[ \u00a0\-]?\(?\d+\)?){{2,6}})(?!{_SEP}?\d)"
)
# Where a number may be: eight or more digits and separators. Cheap to find (the pattern
# starts with a character class, which the engine skips to), so the precise pattern above
# runs only on these few stretches.
_DIGIT_RUN = re.compile(r"(?:\(\+?\d|\+\d|\d)[\d \u00a0.\-()+\r\n\t>]{6,}\d")  # each branch starts with a character: the engine skips to them
_GLUED = re.compile(rf"(?:[\w+]|\d{_SEP})\Z")  # \Z: "$" would also match before a line break
_DATE_LIKE = re.compile(r"\d{2}\.\d{2}\.\d{4}|\d{2}\.\d{2}\.\d{2}$")
# Words that say the number after them is a phone: "tlf", "Tlf.nr.", "Telefonnummer:",
# "Fasttelefon", "mobilnr", "ring", "sms" …; and "ring Ola på", "send en sms til Per på".
PHONE_WORDS = re.compile(
    r"(?i)(?:(?:tlf|tel|telefon|mob|mobil|ring|sms|phone|fax|faks|direkte|sentralbord)"
    r"(?:[.\- ]?(?:nr|nummer|no|number))?\.?"
    r"|\b(?:ring|ringe|ringer|sms|sende?\s+(?:en\s+)?sms)\s+(?:til\s+)?(?:[\w.-]+\s+){1,3}?(?:på|til|on|at))\W{0,3}$"
)


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


def find_phones(text: str) -> Iterator[Found]:
    view, where = _reading(text)
    yield from _placed(_phones(view), where)


def _phones(text: str) -> Iterator[Found]:
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
            before = text[max(0, match.start() - 40) : match.start()]
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
    view, where = _reading(text)
    emails = list(_emails(view))
    phones = [p for p in _phones(view) if not any(e.start <= p.start < e.end for e in emails)]
    return sorted(_placed(iter(emails + phones), where), key=lambda f: f.start)
