"""How a system spells a person: the variants real registers hold for one identity.

Every variant here normalises back to the canonical form with ``dsar.identity``: e-mails
differ only in case and trailing spaces (MariaDB's PAD SPACE collation ignores trailing,
never leading, spaces), phone numbers only in spellings ``dsar.identity.phone_variants``
lists, names only in ways ``names_compatible`` accepts (order, case, æøå folded, a middle or
second given name left out).
"""

from __future__ import annotations

import random

from sample_data.people import Person

_FOLD = str.maketrans(
    {"Ø": "O", "ø": "o", "Æ": "Ae", "æ": "ae", "Å": "A", "å": "a", "é": "e", "É": "E"}
)

PHONE_STYLES = ("e164", "intl_spaced", "0047", "national", "national_spaced", "pairs", "msisdn")


def phone(e164: str, style: str) -> str:
    """``+4791234567`` written in one of ``PHONE_STYLES``."""
    national = e164[3:]
    if style == "e164":
        return e164
    if style == "intl_spaced":
        return f"+47 {national[:3]} {national[3:5]} {national[5:]}"
    if style == "0047":
        return f"0047{national}"
    if style == "national":
        return national
    if style == "national_spaced":
        return f"{national[:3]} {national[3:5]} {national[5:]}"
    if style == "pairs":
        return " ".join(national[i : i + 2] for i in range(0, 8, 2))
    if style == "msisdn":
        return f"47{national}"
    raise ValueError(f"unknown phone style {style!r}")


def phone_as_typed(rng: random.Random, e164: str) -> str:
    """The number as a person types it into a web form."""
    style = rng.choices(
        PHONE_STYLES, weights=(10, 20, 8, 35, 17, 8, 2)
    )[0]
    return phone(e164, style)


def email_as_typed(rng: random.Random, email: str, *, sloppy: float = 0.3) -> str:
    """The address as typed: sometimes capitalised, sometimes with trailing spaces."""
    if not email or rng.random() >= sloppy:
        return email
    local, domain = email.split("@", 1)
    kind = rng.randrange(4)
    if kind == 0:
        local = ".".join(part.capitalize() for part in local.split("."))
    elif kind == 1:
        domain = domain.capitalize()
        local = ".".join(part.capitalize() for part in local.split("."))
    elif kind == 2:
        local, domain = local.upper(), domain.upper()
    typed = f"{local}@{domain}"
    if kind == 3 or rng.random() < 0.3:
        typed += " " * rng.randint(1, 2)
    return typed


def fold_letters(text: str) -> str:
    """``Ødegård`` → ``Odegard``: what systems without æøå make of a name."""
    return text.translate(_FOLD)


def name_parts(rng: random.Random, person: Person, *, fold: float = 0.1) -> tuple[str, str]:
    """(first name, last name) as a two-field form holds them."""
    first = person.first_name
    if " " in first and rng.random() < 0.4:
        first = first.split()[0]
    last = person.last_name
    if person.middle_name and rng.random() < 0.5:
        last = f"{person.middle_name} {last}"
    if rng.random() < fold:
        first, last = fold_letters(first), fold_letters(last)
    return first, last


def full_name(rng: random.Random, person: Person, *, reversed_: float = 0.15, fold: float = 0.1) -> str:
    """The name in one field: ``Kari Nordmann``, ``Nordmann, Kari``, ``KARI NORDMANN``."""
    first, last = name_parts(rng, person, fold=fold)
    roll = rng.random()
    if roll < reversed_:
        return f"{last}, {first}"
    if roll < reversed_ + 0.03:
        return f"{first} {last}".upper()
    return f"{first} {last}"
