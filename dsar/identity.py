"""Normalising the identifiers a person gives and the ones systems hold.

Systems spell the same person differently: ``Kari.Nordmann@Example.no `` and
``kari.nordmann@example.no``; ``+47 912 34 567``, ``004791234567`` and ``91234567``;
``Ødegård`` and ``Odegard``; ``Nordmann, Kari``. Lookups compare normalised forms, and SQL
lookups ask for every common spelling of a phone number at once so a plain index serves them.

Error messages never repeat the value (it is personal data); they say which field is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from dsar.errors import InputError

DEFAULT_REGION = "NO"

# Letters NFKD does not decompose, folded the way Norwegians write them without them.
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "đ": "d", "ł": "l", "þ": "th"})


def normalize_email(value: str) -> str:
    """The comparable form of an e-mail address: trimmed and lower-cased.

    The local part is case-sensitive by the RFC, but no Norwegian mail system treats it so,
    and the people asking don't either.
    """
    candidate = value.strip()
    try:
        validated = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        raise InputError("the e-mail address is not valid (check for typos and missing '@')") from None
    return validated.normalized.casefold()


def looks_like_email(value: object) -> str | None:
    """The normalised e-mail in a system's field, or None when it isn't one."""
    if not isinstance(value, str) or "@" not in value:
        return None
    try:
        return normalize_email(value)
    except InputError:
        return None


def normalize_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form (``+4791234567``) of a phone number; Norwegian unless a prefix says else."""
    cleaned = value.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise InputError("the phone number is not valid (give 8 digits or +47…)") from None
    if not phonenumbers.is_valid_number(number):
        raise InputError("the phone number is not valid (give 8 digits or +47…)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(value: object) -> str | None:
    """The E.164 form of a phone number in a system's field, or None when it isn't one."""
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not re.search(r"\d{5}", re.sub(r"\D", "", value) or "x"):
        return None
    try:
        return normalize_phone(value)
    except InputError:
        return None


def phone_variants(e164: str) -> list[str]:
    """Every common way a system may have stored this number, for an indexed ``IN`` lookup.

    Norwegian numbers are kept as ``91234567``, ``+4791234567``, ``004791234567``,
    ``4791234567``, ``+47 912 34 567``, ``912 34 567``, ``91 23 45 67`` and the like.
    """
    number = phonenumbers.parse(e164, None)
    national = str(number.national_number)
    cc = str(number.country_code)
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    natfmt = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    variants = {
        e164,
        "00" + e164[1:],
        e164[1:],
        intl,
        "00" + intl[1:],
        natfmt,
        national,
        f"+{cc} {national}",
        f"00{cc} {national}",
        f"({'+'}{cc}) {national}",
    }
    if cc == "47" and len(national) == 8:
        # Mobile style 912 34 567 and landline style 51 89 51 51, with and without +47.
        groups = (
            f"{national[:3]} {national[3:5]} {national[5:]}",
            f"{national[:2]} {national[2:4]} {national[4:6]} {national[6:]}",
            f"{national[:4]} {national[4:]}",
        )
        for g in groups:
            variants.update({g, f"+47 {g}", f"0047 {g}", f"47 {g}"})
    return sorted(variants)


def fold_name(value: str) -> str:
    """A name reduced for comparison: ``"Ødegård, Kari-Anne"`` → ``"kari anne odegard"``."""
    text = value.strip()
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        text = f"{first} {last}"
    text = text.casefold().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def names_compatible(asked: str, held: str, threshold: float = 88.0) -> bool:
    """Whether a name a system holds can be the asking person's.

    A part of the name ("Kari", "Nordmann") is compatible; another first name under the same
    surname (a family sharing an e-mail) is not.
    """
    from rapidfuzz import fuzz

    a, b = fold_name(asked), fold_name(held)
    if not a or not b:
        return True
    return fuzz.token_set_ratio(a, b) >= threshold


def parse_birthdate(value: str) -> date:
    """A birth date as ``YYYY-MM-DD`` or Norwegian ``DD.MM.YYYY``."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
            d, m, y = (int(p) for p in text.split("."))
            parsed = date(y, m, d)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        raise InputError("the birth date is not a date (give YYYY-MM-DD or DD.MM.YYYY)") from None
    if parsed > date.today() or parsed.year < 1900:
        raise InputError("the birth date is not plausible")
    return parsed
