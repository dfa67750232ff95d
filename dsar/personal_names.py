"""People's names in free text, found from a lexicon and from names the archive knows.

A name is recognised as

- a **full name**: two to four capitalised words, the first a given name of the lexicon
  (``dsar/data/fornavn.txt``) and the last a surname of the lexicon
  (``dsar/data/etternavn.txt``) or any capitalised word that is not a common word, place or
  weekday; or any run of capitalised words that ``known(folded)`` says is a name the
  controller's own systems hold (display names in the archive's headers, say);
- a **given name alone** where mail puts one: after a greeting or before a sign-off
  ("Hei Ola,", "Hilsen Per", a line of its own under "Mvh").

Given names that are also common words (Per, Dag, Liv, Hans, Tor, Vår) count only in those
places, or followed by a surname of the lexicon. Every name comes out folded
(``dsar.identity.fold_name``: ``Ødegård`` and ``Odegard`` compare equal).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from dsar.names import fold_name

KnownName = Callable[[str], bool]

_WORD = r"[A-ZÆØÅÄÖÜÉÈ][a-zæøåäöüéèáó'’]+(?:-[A-ZÆØÅa-zæøå][a-zæøåäöüéè'’]+)?"
_RUN = re.compile(rf"(?<![\w@.\-]){_WORD}(?:[ \u00a0]+{_WORD}){{0,3}}(?![\w@])")
_GREETING = re.compile(
    r"(?i:\b(?:hei|hallo|heisann|kjære|hilsen|helsing|mvh|vh|takk|tusen takk|beste hilsen|med vennlig hilsen))"
    r"[,!.:]?[ \u00a0]*\n?[ \u00a0]*(?P<name>" + _WORD + r")(?![\w@])"
)
_REVERSED = re.compile(rf"(?<![\w@.\-])(?P<last>{_WORD}),[ \u00a0]+(?P<first>{_WORD}(?:[ \u00a0]+{_WORD})?)(?![\w@])")
"""``Nordmann, Kari``: how registers and some mail clients write a name."""
_SIGNATURE_LINE = re.compile(r"(?m)^[ \u00a0]*(?P<name>" + _WORD + r")[ \u00a0]*$")

# Capitalised words that follow a given name without being a surname ("Per Mandag" is not a
# name; "Kari Nordmann" is), or that start a sentence as often as they name someone.
_STOPWORD_TEXT = """
Mandag Tirsdag Onsdag Torsdag Fredag Lørdag Søndag Januar Februar Mars April Mai Juni Juli
August September Oktober November Desember Jul Påske Hei Hallo Takk Mvh Hilsen Vennlig Med
Stavanger Sandnes Sola Bryne Gjøvik Oslo Bergen Trondheim Tromsø Kristiansand Drammen Hamar
Lillehammer Raufoss Norge Norway Sverige Danmark Sentrum Kultursenter Kommune Foto Janteloppet
AS ASA DA SA ENK Kundeservice Kundesenter Post Postmottak Kommunikasjon Bestilling Ordre
Faktura Billett Billetter Nyhetsbrev Ja Nei Ok Re Fwd Sv Vs Videresendt Sendt Fra Til Emne Dato
Kopi Vedlegg Telefon Tlf Mobil Epost Adresse Se Vi Du Jeg De Det Den Dette Som Og Eller Men
Hvis Når Har Kan Vil Skal Ikke God Godt Gode Kjære Beste Hva Hvem Hvor Hvordan Her Der
"""
STOPWORDS = frozenset(fold_name(w) for w in _STOPWORD_TEXT.split())
# As written (lower-case): folding makes the surname "Aas" read "as", the company suffix "AS".
_STOPWORDS_AS_WRITTEN = frozenset(w.lower() for w in _STOPWORD_TEXT.split())

# Given names that are also everyday words; only a surname after them (or a greeting before)
# makes them a name.
AMBIGUOUS_GIVEN = frozenset(fold_name(w) for w in "Per Dag Liv Hans Tor Vår Sol Siv Eli Bo Jo Ole Mai Linn Stein Gro Aud Rut Finn Frank Are Even Inge Odd Tom".split())


@dataclass(frozen=True)
class Lexicon:
    given: frozenset[str]
    surnames: frozenset[str]


@cache
def lexicon() -> Lexicon:
    """The given names and surnames shipped in ``dsar/data``, folded."""

    def read(name: str) -> frozenset[str]:
        text = resources.files("dsar").joinpath("data", name).read_text(encoding="utf-8")
        words = (line.strip() for line in text.splitlines())
        return frozenset(fold_name(w) for w in words if w and not w.startswith("#"))

    return Lexicon(given=read("fornavn.txt"), surnames=read("etternavn.txt"))


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int
    value: str
    """Folded: ``"kari nordmann"``."""
    full: bool
    """A full name (given name and surname), not a given name alone."""


def find_names(text: str, known: KnownName | None = None) -> list[NameSpan]:
    """Names in ``text``, in order, not overlapping."""
    if not text:
        return []
    lex = lexicon()
    spans: list[NameSpan] = []
    for run in _RUN.finditer(text):
        words = [(m.start() + run.start(), m.end() + run.start(), m.group(0)) for m in re.finditer(r"\S+", run.group(0))]
        spans.extend(_names_in_run(words, lex, known))
    taken = [(s.start, s.end) for s in spans]
    for match in _REVERSED.finditer(text):
        first_words = [fold_name(w) for w in match.group("first").split()]
        last = fold_name(match.group("last"))
        if first_words[0] in lex.given and last not in STOPWORDS and last not in lex.given:
            start, end = match.span()
            # Replaces what the run scan found inside it ("Kari" alone, or nothing).
            spans = [s for s in spans if not (start <= s.start < end)]
            taken = [t for t in taken if not (start <= t[0] < end)]
            spans.append(NameSpan(start, end, fold_name(match.group(0)), full=True))
            taken.append((start, end))
    for pattern in (_GREETING, _SIGNATURE_LINE):
        for match in pattern.finditer(text):
            start, end = match.span("name")
            if any(a <= start < b for a, b in taken):
                continue
            folded = fold_name(match.group("name"))
            if folded in lex.given or (known is not None and known(folded)):
                spans.append(NameSpan(start, end, folded, full=False))
                taken.append((start, end))
    return sorted(spans, key=lambda s: s.start)


def _names_in_run(words: list[tuple[int, int, str]], lex: Lexicon, known: KnownName | None) -> list[NameSpan]:
    found: list[NameSpan] = []
    folded = [fold_name(w) for _, _, w in words]
    written = [w.strip(".,;:!?()\"'").lower() for _, _, w in words]
    i = 0
    while i < len(words):
        best = None
        # The longest name starting here: "Kari Anne Nordmann" before "Kari Anne".
        for j in range(len(words) - 1, i, -1):
            value = " ".join(folded[i : j + 1])
            if _is_full_name(folded[i : j + 1], lex, written[i : j + 1]) or (known is not None and known(value)):
                best = j
                break
        if best is None:
            i += 1
            continue
        found.append(NameSpan(words[i][0], words[best][1], " ".join(folded[i : best + 1]), full=True))
        i = best + 1
    return found


def _is_full_name(parts: list[str], lex: Lexicon, written: list[str] | None = None) -> bool:
    first, last, middle = parts[0], parts[-1], parts[1:-1]
    first_given = first in lex.given or (
        "-" not in first and " " in first and all(p in lex.given for p in first.split())
    )
    as_written = written or parts
    stop = [p in STOPWORDS and w in _STOPWORDS_AS_WRITTEN for p, w in zip(parts, as_written, strict=True)]
    if not first_given or any(stop[1:]):
        return False
    if any(m not in lex.given and m not in lex.surnames and is_stop for m, is_stop in zip(middle, stop[1:-1], strict=True)):
        return False
    if last in lex.surnames:
        return True
    if first in AMBIGUOUS_GIVEN:
        return False
    return last not in lex.given or len(parts) > 2  # "Kari Anne" is one person's given names


def is_own_name(value: str, person_name: str) -> bool:
    """Whether a folded name found in text is (part of) the asking person's name.

    Every word of it must be a word of the person's name: "Kari" and "Kari Nordmann" are
    Kari Anne Nordmann's; "Kari Hansen" is someone else's.
    """
    mine = set(fold_name(person_name).split())
    return bool(mine) and set(value.split()) <= mine
