"""Dates, times and numbers as the person reads them, in bokmål or English.

Times are shown in Norwegian time (Europe/Oslo), whatever zone they were recorded in: the
person and the staff live there, and "13.45 (UTC)" reads as the wrong hour.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dsar.config.models import Language

OSLO = ZoneInfo("Europe/Oslo")

_MONTHS: dict[Language, tuple[str, ...]] = {
    "nb": (
        "januar", "februar", "mars", "april", "mai", "juni",
        "juli", "august", "september", "oktober", "november", "desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def in_oslo(value: datetime) -> datetime:
    """A timezone-aware time as Norwegian local time."""
    if value.tzinfo is None:
        raise ValueError("a naive time can't be shown in Norwegian time; record times with their zone")
    return value.astimezone(OSLO)


def format_date(value: date, language: Language) -> str:
    """``22. november 2026`` (bokmål) or ``22 November 2026`` (English)."""
    month = _MONTHS[language][value.month - 1]
    if language == "nb":
        return f"{value.day}. {month} {value.year}"
    return f"{value.day} {month} {value.year}"


def format_datetime(value: datetime, language: Language) -> str:
    """``22. november 2026 kl. 13.45`` / ``22 November 2026, 13:45``, Norwegian time."""
    local = in_oslo(value)
    day = format_date(local.date(), language)
    if language == "nb":
        return f"{day} kl. {local:%H.%M}"
    return f"{day}, {local:%H:%M} (Norwegian time)"


def format_int(n: int, language: Language) -> str:
    """Thousands grouped: ``12 345`` (bokmål, no-break space) or ``12,345`` (English)."""
    grouped = f"{n:,}"
    return grouped.replace(",", "\u00a0") if language == "nb" else grouped
