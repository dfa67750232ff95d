"""Small generators the controllers share: dates, amounts, organisation numbers, slugs."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from sample_data.people import ascii_local

TIMESTAMP = sa.DateTime().with_variant(
    sqlite.DATETIME(
        storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"
    ),
    "sqlite",
)
"""A timestamp to the second. SQLite would otherwise store ``….000000`` on every value, which
the person would then read in their copy."""


# The helpers below draw with ``int(rng.random() * n)`` rather than ``randint``: they run
# millions of times at large scales, and randint costs several times as much.


def day_between(rng: random.Random, start: date, end: date) -> date:
    span = max((end - start).days, 0) + 1
    return start + timedelta(days=int(rng.random() * span))


def moment_between(rng: random.Random, start: date | datetime, end: date | datetime) -> datetime:
    """A moment in waking hours (07:00–22:59) between two dates, to the second."""
    day = day_between(rng, _as_date(start), _as_date(end))
    return datetime.combine(day, _MORNING) + timedelta(seconds=int(rng.random() * _WAKING_SECONDS))


def after(rng: random.Random, moment: datetime, *, min_minutes: int, max_minutes: int) -> datetime:
    """A moment between ``min_minutes`` and ``max_minutes`` (plus seconds) after ``moment``."""
    seconds = min_minutes * 60 + int(rng.random() * ((max_minutes - min_minutes + 1) * 60))
    return moment + timedelta(seconds=seconds)


_MORNING = time(7, 0)
_WAKING_SECONDS = 16 * 3600


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def money(rng: random.Random, low: float, high: float, step: float = 1.0) -> Decimal:
    """An amount in NOK rounded to ``step`` (prices end in whole kroner or 9s)."""
    steps = int((high - low) / step)
    return Decimal(str(round(low + rng.randint(0, steps) * step, 2))).quantize(Decimal("0.01"))


def org_nr(rng: random.Random) -> str:
    """A nine-digit organisation number with a valid mod-11 check digit (starts with 8 or 9)."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.choice((8, 9))] + [rng.randint(0, 9) for _ in range(7)]
        check = 11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def slug(text: str) -> str:
    """``Frisør Kari Nordmann`` → ``frisor-kari-nordmann`` (for web and mail domains)."""
    parts = [ascii_local(p) for p in text.replace("&", " ").split()]
    return "-".join(p for p in parts if p)


def ipv4(rng: random.Random) -> str:
    """A public-looking address from the documentation ranges (RFC 5737), never a real host."""
    net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
    return f"{net}.{rng.randint(1, 254)}"


def pick(rng: random.Random, weighted: dict[str, float]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def count(rng: random.Random, mean: float, *, low: int = 0, high: int = 50) -> int:
    """A small count around ``mean`` (geometric-ish, like orders per customer)."""
    if mean <= 0:
        return low
    p = 1.0 / (1.0 + mean - low)
    n = low
    while n < high and rng.random() > p:
        n += 1
    return n
