"""Comparing a name a system holds with the name a request gives.

A name corroborates or contradicts a record found by e-mail or phone; it never confirms a
record alone. So the question is asked carefully:

- A name says something only when it is *informative*: at least two words of two letters or
  more. An empty, one-word (``Rosseland``), initials-only (``K. N.``) or unreadable name
  (``?``, ``-``) never agrees with anything: records with a name are then held for review.
- Spellings are brought together before comparing: letter case, accents and NFD/NFC forms,
  ``æ``/``ae``, ``ø``/``oe``/``o``, ``å``/``aa``/``a``, ``Etternavn, Fornavn``, hyphens.
- A name in another script than the Latin one (``Наталія Шевченко``, ``李``) can't be compared
  with the Latin spelling a register holds (transliterations vary): it is not informative, and
  a held name in another script neither agrees nor differs.
- Two names *agree* when the asked first name and one part of the asked surname both occur
  in the held name (middle names may be missing on either side; one typo in a long word is
  forgiven). A held name that is only the asked first name or surname is *partial*: it
  neither confirms nor contradicts. Another first name *differs*: another first name under
  the same surname is the family sharing an e-mail. The same first name under another
  surname is *surname_differs*: somebody else, or the person before a change of surname
  (marriage), which only a person can tell.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "œ": "oe"})
# Transliterations written without the Norwegian letters, brought to one form. Applied to both
# sides alike, so a rare false equality ("joel"/"jol") costs nothing.
_DIGRAPHS = (("aa", "a"), ("oe", "o"), ("ue", "u"))
MAX_NAME = 200
_CONJUNCTIONS = {("og",), ("and",)}
"""Words joining two people's names on one row (``Kari og Per Hansen``)."""


class NameMatch(Enum):
    AGREE = "agree"
    PARTIAL = "partial"
    DIFFER = "differ"
    SURNAME_DIFFERS = "surname_differs"
    GIVEN_PART = "given_part"
    """The surname agrees and the asked first name is only part of the held given name, or the
    other way round (``Per`` / ``Per-Erik``, ``Anne`` / ``Kari Anne``): the same person going by
    part of their name, or a relative who shares part of it."""
    CLOSE = "close"
    """The surname agrees and the first name is one letter off: a typo (``Stin``) or another
    person of the family (``Tine`` and ``Trine``); nothing tells which."""
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Name:
    """A name as comparable words; each word is a tuple of its hyphen-separated parts."""

    words: tuple[tuple[str, ...], ...]
    latin: bool = True
    """Every letter of the name is a Latin one (with or without accents)."""

    @classmethod
    def parse(cls, value: object) -> Name:
        text = str(value or "")[:MAX_NAME].strip()
        if text.count(",") == 1:
            last, first = (part.strip() for part in text.split(","))
            text = f"{first} {last}"
        words = []
        for word in re.split(r"[\s,;/]+", text):
            parts = tuple(p for p in (canonical(part) for part in word.split("-")) if p)
            if parts:
                words.append(parts)
        return cls(tuple(words), latin=is_latin(text))

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(part for word in self.words for part in word)

    @property
    def informative(self) -> bool:
        """Two words of two letters or more, in Latin letters: enough to tell one person from
        another in a Norwegian register."""
        return self.latin and sum(1 for word in self.words if any(len(p) >= 2 for p in word)) >= 2

    @property
    def first(self) -> str:
        return self.words[0][0]

    @property
    def surname_parts(self) -> tuple[str, ...]:
        return self.words[-1]


def is_latin(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin letter (``ø``, ``ł`` and accents included)."""
    for ch in unicodedata.normalize("NFC", text):
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


def canonical(token: str) -> str:
    """One word in its comparable form: ``Ødegård`` → ``odegard``, ``Aasen`` → ``asen``."""
    text = unicodedata.normalize("NFKC", token).casefold().translate(_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and (ch.isalnum()))
    # Until none is left ("aaa" → "aa" → "a"), so a folded name folds to itself (a key
    # stored folded, e.g. in the mail index, is found by the name folded again).
    while any(digraph in text for digraph, _ in _DIGRAPHS):
        for digraph, single in _DIGRAPHS:
            text = text.replace(digraph, single)
    return text


def fold_name(value: str) -> str:
    """A name reduced for display-free comparison: ``"Ødegård, Kari-Anne"`` → ``"kari anne odegard"``."""
    return " ".join(Name.parse(value).tokens)


def names_several(held: object) -> bool:
    """Whether a name field names two people (``Kari og Per Hansen``): what else the row says
    of a person (a birth date) may be the other's."""
    return any(word in _CONJUNCTIONS for word in Name.parse(held).words)


def compare_names(asked: object, held: object) -> tuple[NameMatch, int]:
    """How a held name relates to the asked one, and a 0–100 score of how closely."""
    a, h = Name.parse(asked), Name.parse(held)
    if not h.tokens:
        return NameMatch.UNKNOWN, 0
    score = _score(a, h)
    if not a.informative or not h.latin:
        return NameMatch.UNKNOWN, score
    held_tokens = h.tokens
    first_ok = any(_same(a.first, t) for t in held_tokens)
    initial_ok = any(len(t) == 1 and t == a.first[0] for t in held_tokens)
    # The surname agrees in its place: the held surname is in the asked name, or the asked
    # surname is the held surname (or the first word, in a register that puts it first).
    last_ok = (
        any(_same(p, t, surname=True) for p in a.surname_parts for t in h.surname_parts)
        or any(_same(p, t, surname=True) for p in h.surname_parts for t in a.tokens[1:])
        or (any(_same(p, t, surname=True) for p in a.surname_parts for t in h.words[0])
            and any(_same(a.first, t) for t in h.words[-1]))
    )
    if first_ok and last_ok:
        if _given_part_only(a, h) or _middle_names_differ(a, h):
            return NameMatch.GIVEN_PART, score
        return NameMatch.AGREE, score
    if first_ok and any(_same(p, t, surname=True) for p in a.surname_parts for t in held_tokens):
        # "Ida Sandmo" asked, "Ida Sandmo Solås" held: the mother's maiden name as her
        # daughter's middle name, or the mother with a surname added at marriage.
        return NameMatch.SURNAME_DIFFERS, score
    if initial_ok and last_ok:
        return NameMatch.PARTIAL, score  # "K. Nordmann" may be Kari or Knut
    if len(h.words) == 1 and len(h.tokens) == 1:
        only = held_tokens[0]
        if _same(only, a.first) or any(_same(only, p) for p in a.surname_parts):
            return NameMatch.PARTIAL, score
    if first_ok and any(len(t) == 1 and any(p[0] == t for p in a.tokens[1:]) for t in held_tokens):
        return NameMatch.PARTIAL, score  # "Hege T.": the surname as an initial
    if last_ok and any(_one_off(a.first, t) for t in held_tokens):
        return NameMatch.CLOSE, score
    if first_ok and len(h.words) >= 2:
        return NameMatch.SURNAME_DIFFERS, score
    return NameMatch.DIFFER, score


def names_compatible(asked: str, held: str) -> bool:
    """Whether a held name can be the asking person's (agrees, or only part of it)."""
    return compare_names(asked, held)[0] in (NameMatch.AGREE, NameMatch.PARTIAL)


def lookup_forms(asked: str) -> tuple[list[str], list[str]]:
    """Lower-case spellings a register may hold, for an exact (indexed) name lookup:
    (full names, surnames). Full names in both orders and ``Etternavn, Fornavn``, with and
    without the asked middle names, with ``ø``/``å``/``æ`` written both ways."""
    name = Name.parse(asked)
    if not name.informative:
        return [], []
    raw_words = [w for w in re.split(r"[\s,]+", _reorder(str(asked)[:MAX_NAME])) if w]
    first, last = raw_words[0], raw_words[-1]
    middles = raw_words[1:-1]
    fulls = {
        f"{first} {last}", f"{last} {first}", f"{last}, {first}",
        " ".join(raw_words), f"{last}, {' '.join(raw_words[:-1])}",
    }
    if middles:
        fulls.add(f"{' '.join(raw_words[:-1])} {last}")
    forms = {variant for full in fulls for variant in _spellings(full.lower())}
    # A middle name a register keeps as part of the surname (etternavn "Kleivås Vikstad" for
    # Elias Kleivås Vikstad): the asked surname with the middle names before it, too.
    # A double surname with a hyphen on one side and a space on the other, too.
    parts = [last, *last.split("-"), *(" ".join(raw_words[i:]) for i in range(1, len(raw_words) - 1))]
    parts += [alt for part in parts for alt in (part.replace("-", " "), part.replace(" ", "-"))]
    surnames = {variant for part in dict.fromkeys(parts) for variant in _spellings(part.lower())}
    return sorted(forms), sorted(surnames)


MAX_PREFIXES = 64
"""More spellings than this of the prefixes below (names with many letters beyond ASCII) are
not tried: each is a range of an index to read."""


def lookup_prefixes(asked: str) -> list[str]:
    """Lower-case beginnings of a register's name that may go on with middle names the request
    left out: asked "Martin Fløyby", the register's "Fløyby, Martin Fosseby" begins with
    "fløyby, martin ". Only ``Etternavn, Fornavn`` forms, where the middle names come last, so
    an indexed range can find them (``connectors.sql``); every row found is compared again."""
    name = Name.parse(asked)
    raw_words = [w for w in re.split(r"[\s,]+", _reorder(str(asked)[:MAX_NAME])) if w]
    if not name.informative or len(raw_words) != 2:
        return []
    first, last = raw_words
    # Only with the comma: "FLØYBY MARTIN FOSSEBY" can't be told from a first name "Fløyby".
    prefixes = {variant + " " for variant in _spellings(f"{last}, {first}".lower())}
    return sorted(prefixes) if len(prefixes) <= MAX_PREFIXES else []


def _reorder(text: str) -> str:
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        return f"{first} {last}"
    return text.strip()


def _spellings(text: str) -> set[str]:
    """The text with Norwegian letters as written, and as written without them; with its
    non-ASCII letters also in capitals (``ULVGÅRD`` lower-cased by a database that folds only
    ASCII, as SQLite's ``lower()`` does, is ``ulvgÅrd``) and decomposed (NFD)."""
    plain = unicodedata.normalize("NFC", text)
    out = {plain}
    for mapping in ({"ø": "o", "å": "a", "æ": "ae"}, {"ø": "oe", "å": "aa", "æ": "ae"}):
        out.add("".join(mapping.get(ch, ch) for ch in plain))
    # And the other way: "Kleivaas" asked, "Kleivås" held; "Soerensen", "Sørensen".
    out |= {plain.replace("aa", "å"), plain.replace("oe", "ø"), plain.replace("aa", "å").replace("oe", "ø")}
    for form in list(out):
        if not form.isascii():
            cased = _non_ascii_cases(form)
            out |= cased | {unicodedata.normalize("NFD", c) for c in cased}
    return out


CASE_LETTERS = 5
"""Up to this many non-ASCII letters in a name, every mix of their capitals is tried (2⁵
spellings); beyond it, each word in small letters, capitalised or in capitals."""


def _non_ascii_cases(form: str) -> set[str]:
    """``form`` with its non-ASCII letters in small letters and capitals, in every mix a
    register may hold after a database that folds only ASCII lowered it: ``Åsås, Nils`` is
    ``Åsås, nils`` after SQLite's ``lower()``, ``ØYVIND BØHAUG`` is ``Øyvind bØhaug``.
    Only letters whose capital is still non-ASCII ("ß".upper() is "SS", which lower() folds)."""
    places = [i for i, ch in enumerate(form) if not ch.isascii() and not ch.upper().isascii() and ch.upper() != ch]
    if len(places) > CASE_LETTERS:
        # Each word in small letters, with a capital first letter or in capitals (≤ 3⁴ mixes).
        words: list[list[set[int]]] = []
        for start in [i for i in range(len(form)) if form[i].isalpha() and (i == 0 or not form[i - 1].isalpha())][:4]:
            end = next((j for j in range(start, len(form)) if not form[j].isalpha()), len(form))
            inside = {i for i in places if start <= i < end}
            words.append([set(), inside & {start}, inside])
        choices = [set().union(*mix) for mix in itertools.product(*words)]
    else:
        choices = [{p for bit, p in enumerate(places) if mask >> bit & 1} for mask in range(1 << len(places))]
    return {"".join(ch.upper() if i in upper else ch for i, ch in enumerate(form)) for upper in choices} | {form}


def _same(x: str, y: str, *, surname: bool = False, shortest: int = 5) -> bool:
    """One typo (a letter added, dropped, changed, or two swapped: ``Johasnen``) forgiven in a
    word of ``shortest`` letters or more (five: ``Lund`` and ``Lind`` are two families)."""
    if x == y:
        return True
    if min(len(x), len(y)) < shortest or abs(len(x) - len(y)) > 1:
        return False
    from rapidfuzz.distance import OSA

    return OSA.distance(x, y) <= 1


def _given_part_only(a: Name, h: Name) -> bool:
    """Whether the asked first name agrees with only part of the held given name, or the other
    way round: one side hyphenated and the other holding only one of its parts (``Per`` and
    ``Per-Erik``), or the asked first name found after another given name the request doesn't
    hold (``Anne`` in ``Kari Anne Hansen``; ``Hansen Kari Anne``, surname first, is fine)."""
    # "Kari og Per Hansen": two people on one row; each name is judged on its own.
    names: list[list[tuple[str, ...]]] = [[]]
    for word in h.words:
        if word in _CONJUNCTIONS:
            names.append([])
        else:
            names[-1].append(word)
    hit = next(((name, i) for name in names for i, word in enumerate(name) if any(_same(a.first, p) for p in word)), None)
    if hit is None:
        return False
    words, at = hit
    asked, held = set(a.tokens), set(h.tokens)
    if not all(any(_same(p, t) for t in asked) for p in words[at]):
        return True  # "Per" asked, "Per-Erik" held
    if not all(any(_same(p, t) for t in held) for p in a.words[0]):
        return True  # "Per-Erik" asked, "Per" held
    if 0 < at < len(words) - 1:
        before = words[0]
        surname_first = any(_same(p, t, surname=True) for p in a.surname_parts for t in before)
        return not surname_first and not all(any(_same(p, t) for t in asked) for p in before)
    return False


def _middle_names_differ(a: Name, h: Name) -> bool:
    """Whether both names, written first name first, give middle names and none of them is
    the other's (``Per Olav Hansen`` and ``Per Arne Hansen``: twins share the rest, birth date
    too; ``Anne Lise`` and ``Anne Line`` too, so a typo in one is a person's to judge). A middle
    name left out, or written as its initial (``Per O. Hansen``), is no difference."""
    if len(a.words) < 3 or len(h.words) < 3 or any(word in _CONJUNCTIONS for word in h.words):
        return False  # (``Fredrik og Kjersti Haugby``: two people, each named in full)
    if not any(_same(a.first, t) for t in h.words[0]):
        return False  # a register writing the surname first: which words are middle names is unclear
    if not any(_same(p, t, surname=True) for p in a.surname_parts for t in h.words[-1]):
        return False
    asked = [t for word in a.words[1:-1] for t in word]
    held = [t for word in h.words[1:-1] for t in word]

    def meets(x: str, y: str) -> bool:  # the same, or its initial (one letter off: Lise and Line are twins)
        return _same(x, y) or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))

    return not any(meets(x, y) for x in asked for y in held)


def _one_off(x: str, y: str) -> bool:
    """Another word, but one typo away in words of three letters or more (the short first
    names ``_same`` won't forgive: ``Stin``/``Stian``, ``Nah``/``Noah``)."""
    return x != y and _same(x, y, shortest=3)


def _score(a: Name, h: Name) -> int:
    from rapidfuzz import fuzz

    return int(round(fuzz.token_set_ratio(" ".join(a.tokens), " ".join(h.tokens))))
