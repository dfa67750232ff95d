"""How the organisations' systems write what people told them.

Each function takes the value as the person knows it (a mobile as eight digits, an address in
lower case, a name in parts, a date) and returns it the way one kind of system or person writes
it, together with a short tag naming what was done (``"reversed"``, ``"ascii"``, ``"typo"``),
which the generator records in ``people.csv`` so the benchmark can say which variants cost
what. A *style* is a weighted table of spellings: what a free-text web form collects differs
from what an SMS provider or a CRM that tidies numbers on entry stores.

Nothing here looks at how the product compares values: the spellings are the ones found in
Norwegian registers and exports.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, time

from sample_data.unseen import proportions as P

# ----------------------------------------------------------------------------- phones


def phone_spellings(digits: str) -> dict[str, str]:
    """An eight-digit Norwegian number in every spelling Norwegian records hold."""
    d = digits
    return {
        "plain": d,                                            # 91234567
        "groups": f"{d[:3]} {d[3:5]} {d[5:]}",                 # 912 34 567 (mobile style)
        "pairs": f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",         # 91 23 45 67 (landline style)
        "plus_groups": f"+47 {d[:3]} {d[3:5]} {d[5:]}",        # +47 912 34 567
        "plus": f"+47{d}",                                     # +4791234567
        "plus_space": f"+47 {d}",                              # +47 91234567
        "zeros": f"0047{d}",                                   # 004791234567
        "zeros_groups": f"0047 {d[:3]} {d[3:5]} {d[5:]}",      # 0047 912 34 567
        "paren": f"(+47) {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",   # (+47) 91 72 52 02
        "cc_space": f"47 {d}",                                 # 47 91234567 (imports)
        "cc": f"47{d}",                                        # 4791234567 (SMS providers)
        "dash": f"{d[:3]}-{d[3:5]}-{d[5:]}",                   # 912-34-567
        "plus_pairs": f"+47 {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",  # +47 55 12 34 56
    }


PHONE_STYLES: dict[str, Sequence[tuple[str, float]]] = {
    # What a person types into a free text field (forms, shops, a club secretary).
    "typed": (("plain", 40), ("groups", 25), ("pairs", 8), ("plus_groups", 8), ("plus", 5),
              ("plus_space", 3), ("zeros", 3), ("zeros_groups", 1), ("paren", 2), ("cc_space", 2),
              ("dash", 2), ("plus_pairs", 1)),
    # A CRM that formats numbers on entry, with an old import that didn't.
    "crm": (("plus_groups", 45), ("plain", 25), ("cc_space", 15), ("groups", 15)),
    # An SMS provider's log: country code, no plus, no blanks.
    "sms": (("cc", 100),),
    # A person writing a request on a web form.
    "request": (("groups", 40), ("plain", 40), ("plus_groups", 15), ("plus", 5)),
    # Landlines are written in pairs by nearly everyone.
    "landline": (("pairs", 70), ("plain", 20), ("plus_pairs", 10)),
}


def spell_phone(digits: str, style: str, rng: random.Random) -> tuple[str, str]:
    """``digits`` in a spelling drawn from ``style``; returns (value, spelling name)."""
    names, weights = zip(*PHONE_STYLES[style], strict=True)
    name = rng.choices(names, weights)[0]
    return phone_spellings(digits)[name], name


# ----------------------------------------------------------------------------- e-mail


def spell_email(address: str, rng: random.Random, *, typed: bool = True,
                punycode: float = 0.0) -> tuple[str, str]:
    """An address (lower case, as the person gives it) as a system holds it.

    ``typed``: entered by the person or staff (capitals from a phone keyboard's auto-capitalise,
    blanks around it); otherwise as a tool exports it. ``punycode``: chance that an IDN domain
    is stored in its ASCII (``xn--``) form.
    """
    local, _, domain = address.partition("@")
    tag = "exact"
    if punycode and not domain.isascii() and rng.random() < punycode:
        domain = domain.encode("idna").decode("ascii")
        tag = "punycode"
    value = f"{local}@{domain}"
    if typed:
        roll = rng.random()
        if roll < 0.08:
            value = value[0].upper() + value[1:]             # Kari.hansen@… (phone keyboard)
            tag = "capital"
        elif roll < 0.11:
            value = ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
            tag = "capitals"
        elif roll < 0.12:
            value = value.upper()
            tag = "upper"
        roll = rng.random()
        if roll < 0.03:
            value += " "
            tag += "+blank"
        elif roll < 0.04:
            value = " " + value
            tag += "+blank"
    return value, tag


def tagged(address: str, tag: str) -> str:
    """``kari@gmail.example`` -> ``kari+tag@gmail.example`` (sub-addressing)."""
    local, _, domain = address.partition("@")
    return f"{local}+{tag}@{domain}"


# ------------------------------------------------------------------------------ names

ASCII_FOLDS = (
    {"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"},     # keyboard without æøå
    {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"},  # the old transliteration
)


def ascii_fold(text: str, rng: random.Random) -> str:
    table = rng.choice(ASCII_FOLDS)
    folded = "".join(table.get(ch, ch) for ch in text)
    # Other accents (é, ł, ū) dropped as a US keyboard would.
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))


def has_foldable(text: str) -> bool:
    return any(not ch.isascii() for ch in text)


def typo(word: str, rng: random.Random) -> str:
    """One slip of the fingers: two letters swapped, one dropped or one doubled."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


class NameForm:
    """A person's name as one system writes it, built up variant by variant.

    ``given`` may hold two given names (``Anne Marie``); ``middle`` is the mellomnavn; ``last``
    may be hyphenated. ``tags`` collects what was done to it.
    """

    def __init__(self, given: str, middle: str, last: str) -> None:
        self.given, self.middle, self.last = given, middle, last
        self.tags: list[str] = []

    def drop_middle(self) -> NameForm:
        if self.middle:
            self.middle = ""
            self.tags.append("middle_dropped")
        return self

    def first_given_only(self) -> NameForm:
        if " " in self.given:
            self.given = self.given.split()[0]
            self.tags.append("second_given_dropped")
        return self

    def middle_into_last(self) -> NameForm:
        """``Kari Berg Hansen`` split as first ``Kari``, last ``Berg Hansen`` (registry style)."""
        if self.middle:
            self.last = f"{self.middle} {self.last}"
            self.middle = ""
        return self

    def hyphen_part(self, rng: random.Random) -> NameForm:
        if "-" in self.last:
            parts = self.last.split("-")
            roll = rng.random()
            if roll < 0.4:
                self.last = parts[0]
            elif roll < 0.7:
                self.last = parts[-1]
            else:
                self.last = " ".join(parts)
            self.tags.append("hyphen_changed")
        return self

    def apply(self, fn_tag: str, fn: Callable[[str], str]) -> NameForm:
        before = (self.given, self.middle, self.last)
        self.given, self.middle, self.last = fn(self.given), fn(self.middle), fn(self.last)
        if (self.given, self.middle, self.last) != before:
            self.tags.append(fn_tag)
        return self

    def misc(self, rng: random.Random, *, typo_rate: float = P.NAME_TYPO, fold_rate: float = 0.0,
             nfd_rate: float = 0.0) -> NameForm:
        """A double surname shortened, typing slips, æøå folding and decomposed letters, each
        at its rate."""
        if "-" in self.last and rng.random() < P.NAME_HYPHEN_PART:
            self.hyphen_part(rng)
        if rng.random() < typo_rate:
            if rng.random() < 0.5:
                self.last = typo(self.last, rng)
            else:
                self.given = typo(self.given, rng)
            self.tags.append("typo")
        if fold_rate and has_foldable(self.given + self.middle + self.last) and rng.random() < fold_rate:
            self.apply("ascii", lambda s: ascii_fold(s, rng))
        if nfd_rate and has_foldable(self.given + self.middle + self.last) and rng.random() < nfd_rate:
            self.apply("nfd", lambda s: unicodedata.normalize("NFD", s))
        return self

    @property
    def first(self) -> str:
        """The first-name field: given names and, where a system has no middle field, the
        middle name with them."""
        return " ".join(p for p in (self.given, self.middle) if p)

    def full(self) -> str:
        return " ".join(p for p in (self.given, self.middle, self.last) if p)

    def reversed(self) -> str:
        """``Hansen, Kari Marie``."""
        self.tags.append("reversed")
        return f"{self.last}, {self.first}"

    def upper(self, text: str) -> str:
        self.tags.append("upper")
        return text.upper()


# ------------------------------------------------------------------------------ dates

DATE_STYLES: dict[str, Sequence[tuple[str, float]]] = {
    # A CRM that took birth dates from three imports and a web form, stored as text.
    "crm": (("dd.mm.yyyy", 45), ("d.m.yy", 15), ("d.m.yyyy", 5), ("iso_time", 20), ("iso_t", 5),
            ("iso", 10)),
    # A form field typed freely by the person.
    "typed": (("dd.mm.yyyy", 50), ("d.m.yyyy", 12), ("dd.mm.yy", 10), ("d.m.yy", 8),
              ("ddmmyyyy", 10), ("ddmmyy", 5), ("iso", 5)),
}


def spell_date(d: date, style: str, rng: random.Random) -> tuple[str, str]:
    names, weights = zip(*DATE_STYLES[style], strict=True)
    name = rng.choices(names, weights)[0]
    yy = f"{d.year % 100:02d}"
    value = {
        "dd.mm.yyyy": f"{d.day:02d}.{d.month:02d}.{d.year}",
        "d.m.yyyy": f"{d.day}.{d.month}.{d.year}",
        "dd.mm.yy": f"{d.day:02d}.{d.month:02d}.{yy}",
        "d.m.yy": f"{d.day}.{d.month}.{yy}",
        "ddmmyyyy": f"{d.day:02d}{d.month:02d}{d.year}",
        "ddmmyy": f"{d.day:02d}{d.month:02d}{yy}",
        "iso": d.isoformat(),
        "iso_time": f"{d.isoformat()} 00:00:00",
        "iso_t": datetime.combine(d, time()).isoformat(),
    }[name]
    return value, name
