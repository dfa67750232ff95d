"""Normalising the identifiers a person gives and the ones systems hold.

Systems spell the same person differently: ``Kari.Nordmann@Example.no `` and
``kari.nordmann@example.no``; ``+47 912 34 567``, ``004791234567``, ``(+47) 91 23 45 67`` and
``91234567`` (or the number 91234567.0 in a spreadsheet); a birth date as ``1985-03-04``,
``04.03.1985``, ``4.3.85`` or inside a fødselsnummer. Lookups compare normalised forms.
Names have their own module (``dsar.names``).

E-mail rule (documented, because it decides what counts as the person's mailbox): the local
part is compared as written except for the case of ASCII letters; the domain in its IDNA
(A-label) form, lower-cased. Nothing else is folded: ``große@`` and ``grosse@``, ``\u212aari@``
(Kelvin sign) and ``kari@`` are different mailboxes, as mail servers treat them. One thing is
read as the mailbox it reaches: a sub-address (RFC 5233), ``kari+butikk@example.no``, is
delivered to ``kari@example.no`` by the providers people use (Gmail, Outlook.com, iCloud,
Fastmail, Proton), so records holding either are compared as that mailbox (``mailbox``).

Error messages never repeat the value (it is personal data); they say which field is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from dsar.errors import InputError

DEFAULT_REGION = "NO"
MAX_EMAIL = 254
MAX_PHONE = 40
_ASCII_UPPER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})


# -- e-mail ------------------------------------------------------------------------------------


def normalize_email(value: str) -> str:
    """The comparable form of an e-mail address (see the module's rule); ``InputError`` if
    it is not an address."""
    candidate = value.strip()
    if len(candidate) > MAX_EMAIL or "@" not in candidate:
        raise InputError("e-postadressen er ikke gyldig (se etter skrivefeil og manglende '@')")
    try:
        validated = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        raise InputError("e-postadressen er ikke gyldig (se etter skrivefeil og manglende '@')") from None
    # email-validator NFC-normalises the local part (turning the Kelvin sign into K): take the
    # local part as written instead, and fold only its ASCII letters.
    local = candidate.rpartition("@")[0]
    return f"{local.translate(_ASCII_UPPER)}@{validated.ascii_domain.lower()}"


def mailbox(normalised: str) -> str:
    """The mailbox a normalised address reaches: its sub-address (``+detail``) dropped."""
    local, at, domain = normalised.rpartition("@")
    base, plus, _ = local.partition("+")
    return f"{base}{at}{domain}" if plus and base else normalised


def same_mailboxes(emails: Iterable[str]) -> frozenset[str]:
    """The mailboxes of normalised addresses, to test another address's ``mailbox`` against."""
    return frozenset(mailbox(e) for e in emails)


def looks_like_email(value: object) -> str | None:
    """The normalised e-mail in a system's field, or None when it isn't one."""
    if not isinstance(value, str) or "@" not in value or len(value) > 2 * MAX_EMAIL:
        return None
    try:
        return normalize_email(value)
    except InputError:
        return None


def email_spellings(normalised: str) -> list[str]:
    """Lower-cased spellings of a normalised address a database may hold: with the domain as
    A-label and as U-label (``bø.no``). A SQL ``lower(…)`` lookup is given these; every row
    it returns is checked again with ``looks_like_email``."""
    local, _, domain = normalised.rpartition("@")
    spellings = {normalised.lower(), mailbox(normalised).lower()}
    try:
        spellings.add(f"{local}@{domain.encode('ascii').decode('idna')}".lower())
    except UnicodeError:
        pass
    return sorted(spellings)


# -- phone -------------------------------------------------------------------------------------

PHONE_INVALID = "telefonnummeret er ikke gyldig (skriv 8 sifre, eller + og landskoden)"
PHONE_EXTENSION = (
    "et nummer med internnummer (x 12) er et sentralbord som flere deler, ikke personens eget: "
    "oppgi personens mobil- eller fasttelefonnummer"
)


def _parse_phone(value: str, region: str = DEFAULT_REGION) -> phonenumbers.PhoneNumber:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a spreadsheet's number typed as a number
    cleaned = value.strip()
    if len(cleaned) > MAX_PHONE:
        raise InputError(PHONE_INVALID)
    if re.fullmatch(r"\d+\.0+", cleaned):  # a spreadsheet's number typed as a number
        cleaned = cleaned.split(".")[0]
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise InputError(PHONE_INVALID) from None
    if number.extension:
        # A switchboard's line ("22 33 44 55 x 12"): its colleagues share the number, so it
        # tells no one apart. Never an identifier, in a request or in a record.
        raise InputError(PHONE_EXTENSION)
    national = phonenumbers.national_significant_number(number)  # leading zeros kept (Italy: 06 …)
    if number.national_number == 0 or len(national) < 4:  # "0020000000", "+4901": no number
        raise InputError(PHONE_INVALID)
    if number.country_code == 47:
        # Norway dials no trunk 0: "0 1000 0000" would keep the zero in E.164 (+47010000000),
        # a number none of its other spellings reach.
        if number.italian_leading_zero:
            raise InputError(PHONE_INVALID)
        # Any 8-digit Norwegian number is possible: numbering plans move faster than the
        # library that knows them (42 72 59 53 was refused that way).
        if len(national) != 8:
            raise InputError(PHONE_INVALID)
    elif not phonenumbers.is_possible_number(number):
        raise InputError(PHONE_INVALID)
    return number


def normalize_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form (``+4791234567``) of a phone number; Norwegian unless a prefix says else.

    Accepted when the number is *possible* (any 8-digit Norwegian number, a foreign number of a
    valid length), not only when the numbering plan lists it: ``phone_note`` says which.
    """
    number = _parse_phone(value, region)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # A number whose own E.164 form (or its 00 form) reads back as another number — zeros
    # where a trunk prefix would be, found by fuzzing — is no number anyone can be reached at.
    # Only a number with leading zeros can (the check costs two parses; sources hold millions).
    for spelling in (e164, "00" + e164[1:]) if number.italian_leading_zero else ():
        again = _parse_phone(spelling, region) if spelling != value else number
        if phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164) != e164:
            raise InputError(PHONE_INVALID)
    return e164


def phone_note(e164: str) -> str | None:
    """A note for staff when a number is possible but not in the numbering plan we know."""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.is_valid_number(number):
        return None
    return "nummeret finnes ikke i nummerplanen vi kjenner; det brukes likevel i søket"


def looks_like_phone(value: object) -> str | None:
    """The E.164 form of a phone number in a system's field, or None when it isn't one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        value = str(int(value))
    if not isinstance(value, str) or len(value) > 2 * MAX_PHONE:
        return None
    if len(re.sub(r"\D", "", value)) < 5:
        return None
    try:
        return normalize_phone(value)
    except InputError:
        return None


def cell_identifiers(kind: str, value: object) -> set[str]:
    """The e-mails (as mailboxes) or phones in a cell that staff annotated or filled twice
    (``98765432 (Ola)``, ``mailto:ola@x.no``, ``98765432 41234567``): not the person's
    identifier, but telling whose row it is. A clean cell gives its one value."""
    from dsar.textscan import find_emails, find_phones  # textscan reads with this module

    if kind == "email":
        one = looks_like_email(value)
        if one:
            return {mailbox(one)}
        if not isinstance(value, str):
            return set()
        return {mailbox(e) for e in (looks_like_email(f.value) for f in find_emails(value)) if e}
    one = looks_like_phone(value)
    if one:
        return {one}
    if not isinstance(value, str) or len(value) > 4 * MAX_PHONE:
        return set()
    return {f.value for f in find_phones(value)} | _phones_by_groups(value)


def _phones_by_groups(text: str) -> set[str]:
    """Numbers written one after another with nothing but spaces or dashes between them
    (``98765432 41234567``): digit groups joined until they make a whole number."""
    found: set[str] = set()
    joined = ""
    for group in re.findall(r"\+?\d+", text):
        joined += group
        digits = len(joined.lstrip("+"))
        if digits >= 8 and (number := looks_like_phone(joined)):
            found.add(number)
            joined = ""
        elif digits > 15:
            joined = ""
    return found


def phone_digit_forms(e164: str) -> list[str]:
    """The digits a system may hold for this number once every other character is stripped:
    ``91234567``, ``4791234567``, ``004791234567`` (and a trunk ``0`` for countries that dial
    one). SQL lookups compare a digits-only expression of the column with these."""
    number = phonenumbers.parse(e164, None)
    if number.extension:
        # A switchboard's line ("22 33 44 55 x 12"): its colleagues share the number, so it
        # tells no one apart. Never an identifier, in a request or in a record.
        raise InputError(PHONE_EXTENSION)
    national = phonenumbers.national_significant_number(number)  # leading zeros kept (Italy: 06 …)
    cc = str(number.country_code)
    forms = {national, cc + national, "00" + cc + national}
    if cc != "47" and not national.startswith("0"):  # a trunk 0 not already in the number
        forms.add("0" + national)
    return sorted(forms)


def phone_variants(e164: str) -> list[str]:
    """Common ways a system may have written this number, for sources that can only compare
    whole values (an API's exact search). SQL compares digits instead (``phone_digit_forms``)."""
    number = phonenumbers.parse(e164, None)
    if number.extension:
        # A switchboard's line ("22 33 44 55 x 12"): its colleagues share the number, so it
        # tells no one apart. Never an identifier, in a request or in a record.
        raise InputError(PHONE_EXTENSION)
    national = phonenumbers.national_significant_number(number)  # leading zeros kept (Italy: 06 …)
    cc = str(number.country_code)
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    natfmt = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    variants = {
        e164, "00" + e164[1:], e164[1:], intl, "00" + intl[1:], natfmt, national,
        f"+{cc} {national}", f"00{cc} {national}", f"(+{cc}) {national}",
    }
    if cc == "47" and len(national) == 8:
        groups = (
            f"{national[:3]} {national[3:5]} {national[5:]}",
            f"{national[:2]} {national[2:4]} {national[4:6]} {national[6:]}",
            f"{national[:4]} {national[4:]}",
        )
        for g in groups:
            variants.update({g, f"+47 {g}", f"0047 {g}", f"47 {g}", f"(+47) {g}"})
    return sorted(variants)


# -- dates -------------------------------------------------------------------------------------

_DMY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_INSTANT = re.compile(
    r"[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)(?:\[[^\]]*\])?$",
    re.IGNORECASE,
)
"""The time and zone of an instant written after a date (``T23:00:00.000Z``, ``T00:00:00+02:00``,
`` 23:00:00+00`` as PostgreSQL writes it, ``Z[UTC]`` as Java does, ``t…z`` as RFC 3339 allows)."""


def _instant_day(moment: datetime) -> date:
    """The day a date kept as an instant means: Oslo's midnight, written in any zone (a server
    in New York writes it 18:00-05:00), is that day in Oslo. Otherwise, written with an offset
    of its own, it is the day where it was written (midnight there, or a birth time: a birth
    certificate gives the local day). Written in UTC, a whole hour at 22:00 or 23:00 is taken
    as a European midnight (a writer may apply summer time to 1975): the next day; any other
    time, the day in Oslo."""
    from zoneinfo import ZoneInfo

    oslo = moment.astimezone(ZoneInfo("Europe/Oslo"))
    if (oslo.hour, oslo.minute, oslo.second, oslo.microsecond) == (0, 0, 0, 0):
        return oslo.date()
    if moment.utcoffset():
        return moment.date()
    if (moment.minute, moment.second, moment.microsecond) == (0, 0, 0) and moment.hour in (22, 23):
        return moment.date() + timedelta(days=1)
    return oslo.date()


def _offset(zone: str) -> str:
    """An ISO offset (``+02:00``) for a zone as written (``Z``, ``UTC``, ``+00``, ``+0530``)."""
    if zone.upper() in ("Z", "UTC", "GMT"):
        return "+00:00"
    digits = zone[1:].replace(":", "")
    return f"{zone[0]}{digits[:2]}:{digits[2:4] or '00'}"


def parse_birthdate(value: str, today: date | None = None) -> date:
    """A birth date as staff type it: ``YYYY-MM-DD``, ``DD.MM.YYYY`` or ``D.M.YYYY``, or the
    11-digit fødselsnummer or D-number staff have from BankID (spaces allowed: ``211098 34567``),
    read as the birth date it encodes. Only the date is returned: the number is not kept."""
    text = value.strip()
    parsed = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}", text):
        parsed = as_date(text)
    elif re.fullmatch(r"[\d ]+", text) and len(digits := text.replace(" ", "")) == 11:
        number = national_id(digits)
        parsed = national_id_birthdate(number) if number else None
        if parsed is None:
            raise InputError(
                "de 11 sifrene i fødselsdatoen er ikke et gyldig fødselsnummer eller D-nummer "
                "(se etter skrivefeil, eller skriv datoen som ÅÅÅÅ-MM-DD)"
            )
    if parsed is None:
        raise InputError(
            "fødselsdatoen er ikke en dato (skriv ÅÅÅÅ-MM-DD, DD.MM.ÅÅÅÅ eller et fødselsnummer med 11 sifre)"
        )
    if parsed > (today or date.today()) or parsed.year < 1900:
        raise InputError("fødselsdatoen er ikke mulig")
    return parsed


def as_date(value: object, today: date | None = None) -> date | None:
    """A date in a system's field, in the ways Norwegian systems write one, or None.

    ``date``/``datetime`` objects; ISO (``1985-03-04``, ``1985-03-04T10:00:00``,
    ``1985-03-04 10:00``); ``04.03.1985``, ``4.3.1985``, ``04/03/1985``, ``4.3.85`` (two-digit
    years in the past century when they would otherwise lie ahead of ``today``); ``19850304``;
    ``040385`` (ddmmyy).
    """
    if isinstance(value, datetime):
        return _instant_day(value) if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _date_from_number(value, today)
    if not isinstance(value, str):
        return None
    text = value.strip()[:40]
    try:
        if m := _WRITTEN.fullmatch(text.lower()):
            month = _MONTHS.get(m[2])
            return date(int(m[3]), month, int(m[1])) if month else None
        if m := _ISO.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            if instant := _INSTANT.fullmatch(text[10:]):
                try:
                    return _instant_day(datetime.fromisoformat(
                        f"{day.isoformat()}T{instant[1]}:{instant[2]}:{instant[3] or '00'}"
                        f"{'.' + instant[4][:6] if instant[4] else ''}{_offset(instant[5])}"
                    ))
                except ValueError:
                    return day
            return day  # a time without a zone is the day's own
        if m := _DMY.match(text):
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                now = today or date.today()
                year += 2000 if 2000 + year <= now.year else 1900
            return date(year, month, day)
        if re.fullmatch(r"\d{8}", text):
            # yyyymmdd, or ddmmyyyy as a form field takes it; one reading must be a date
            readings = {_try_date(int(text[:4]), int(text[4:6]), int(text[6:])),
                        _try_date(int(text[4:]), int(text[2:4]), int(text[:2]))} - {None}
            return readings.pop() if len(readings) == 1 else None
        if re.fullmatch(r"\d{6}", text):  # ddmmyy, as a form or a fødselsnummer starts
            day, month, year = int(text[:2]), int(text[2:4]), int(text[4:])
            now = today or date.today()
            year += 2000 if 2000 + year <= now.year else 1900
            return date(year, month, day)
    except ValueError:
        return None
    return None


_MONTHS = {name: n for n, names in enumerate((
    ("jan", "januar", "january"), ("feb", "februar", "february"), ("mar", "mars", "march"), ("apr", "april"),
    ("mai", "may"), ("jun", "juni", "june"), ("jul", "juli", "july"), ("aug", "august"),
    ("sep", "sept", "september"), ("okt", "oktober", "oct", "october"), ("nov", "november"),
    ("des", "desember", "dec", "december")), start=1) for name in names}
_WRITTEN = re.compile(r"(\d{1,2})\.?\s+([a-zæøå]{3,9})\.?\s+(\d{4})")
"""``4. mars 1960``, ``4 mar 1960``: a date written out (Norwegian or English month)."""

EXCEL_EPOCH = date(1899, 12, 30)


def _try_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day) if 1850 <= year <= 2100 else None
    except ValueError:
        return None


def _date_from_number(value: int, today: date | None) -> date | None:
    """A date a spreadsheet stored as a number: ``19600304``, an Excel serial (days since
    1899-12-30, a date in a General-format cell), or ``ddmmyy``/``ddmmyyyy`` whose leading
    zero was lost. Only one reading may fit; two readings are no date (the row is then held
    as unreadable, never read the convenient way)."""
    if value <= 0 or 1850 <= value <= 2100:
        return None  # a year alone is no birth date (and as a serial, a date in 1905)
    readings: set[date | None] = set()
    if len(str(value)) in (7, 8):
        readings.add(as_date(f"{value:08d}", today))
    if len(str(value)) in (5, 6):
        readings.add(as_date(f"{value:06d}", today))
    if 3_653 <= value < 80_000:  # serials from 1910 on: a living person's birth date
        readings.add(EXCEL_EPOCH + timedelta(days=value))
    readings.discard(None)
    return readings.pop() if len(readings) == 1 else None


def national_id(value: object) -> str | None:
    """A valid Norwegian fødselsnummer or D-number in a field (11 digits, checksums), or None."""
    from stdnum.exceptions import ValidationError
    from stdnum.no import fodselsnummer

    if isinstance(value, int):
        value = f"{value:011d}"
    if not isinstance(value, str):
        return None
    try:
        return fodselsnummer.validate(value)
    except ValidationError:
        digits = re.sub(r"\s", "", value)
        if not re.fullmatch(r"\d{10}", digits):
            return None
    try:  # ten digits: a number column in a CSV that went through Excel lost the leading zero
        return fodselsnummer.validate("0" + digits)
    except ValidationError:
        return None


def national_id_birthdate(number: str) -> date | None:
    """The birth date a fødselsnummer encodes (D-numbers included), or None."""
    from stdnum.exceptions import ValidationError
    from stdnum.no import fodselsnummer

    try:
        return fodselsnummer.get_birth_date(number)
    except (ValidationError, ValueError):
        return None


def age_on(birthdate: date, day: date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))
