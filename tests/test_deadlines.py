"""Deadlines: calendar months, Norwegian working days, promise, extension and pauses.

Every expected date below was worked out by hand from a calendar (weekdays checked with
``datetime``), not by running the code under test. Easter Sunday is 5 Apr 2026 and 28 Mar
2027, so Ascension is 14 May 2026 / 6 May 2027 and Whit Monday 25 May 2026 / 17 May 2027.
"""

from __future__ import annotations

from datetime import date

import pytest

from dsar.deadlines import (
    Deadlines,
    Pause,
    add_calendar_months,
    compute_deadlines,
    is_working_day,
    next_working_day,
)

D = date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 8, 31), 1, D(2026, 9, 30)),  # 31 Sep doesn't exist: last day of September
        (D(2027, 1, 31), 1, D(2027, 2, 28)),  # non-leap year: 28 Feb
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year: 29 Feb
        (D(2028, 2, 29), 12, D(2029, 2, 28)),  # leap day a year on: 28 Feb
        (D(2028, 2, 29), 1, D(2028, 3, 29)),  # leap day + 1 month: same date exists
        (D(2027, 3, 5), 1, D(2027, 4, 5)),  # ordinary case: same date next month
        (D(2027, 1, 31), 2, D(2027, 3, 31)),  # counted from the start, not via 28 Feb
        (D(2026, 11, 30), 2, D(2027, 1, 30)),  # crosses the year end
        (D(2026, 12, 31), 2, D(2027, 2, 28)),  # crosses the year end into a short month
        (D(2027, 3, 31), -1, D(2027, 2, 28)),  # backwards works the same way
        (D(2027, 3, 5), 0, D(2027, 3, 5)),  # no months: the date itself
    ],
)
def test_add_calendar_months(start: date, months: int, expected: date) -> None:
    assert add_calendar_months(start, months) == expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2027, 3, 24), True),  # Wednesday before Easter: ordinary day
        (D(2027, 3, 25), False),  # Maundy Thursday
        (D(2027, 3, 26), False),  # Good Friday
        (D(2027, 3, 29), False),  # Easter Monday
        (D(2026, 5, 1), False),  # 1 May, a Friday
        (D(2027, 5, 6), False),  # Ascension Day
        (D(2027, 5, 17), False),  # Constitution Day and Whit Monday at once
        (D(2026, 5, 25), False),  # Whit Monday on its own
        (D(2026, 12, 24), True),  # Christmas Eve (Thursday) is not a public holiday
        (D(2026, 12, 25), False),  # Christmas Day
        (D(2026, 12, 26), False),  # Boxing Day (also a Saturday)
        (D(2027, 12, 27), True),  # Monday after Christmas 2027: not a holiday in Norway
        (D(2027, 1, 1), False),  # New Year's Day
        (D(2026, 10, 3), False),  # plain Saturday
        (D(2026, 10, 4), False),  # plain Sunday (the holiday calendar alone may not say so)
        (D(2026, 10, 5), True),  # plain Monday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 10, 5), D(2026, 10, 5)),  # a working day is its own next working day
        (D(2026, 10, 3), D(2026, 10, 5)),  # Saturday -> Monday
        (D(2026, 12, 25), D(2026, 12, 28)),  # Christmas Friday -> Monday 28 Dec
        (D(2027, 3, 25), D(2027, 3, 30)),  # Maundy Thursday -> Tuesday after Easter
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


@pytest.mark.parametrize(
    ("received", "legal"),
    [
        # Month ends
        (D(2027, 1, 31), D(2027, 3, 1)),  # -> 28 Feb 2027 is a Sunday -> Monday 1 Mar
        (D(2028, 1, 31), D(2028, 2, 29)),  # leap year -> 29 Feb 2028, a Tuesday
        (D(2026, 1, 31), D(2026, 3, 2)),  # -> 28 Feb 2026 is a Saturday -> Monday 2 Mar
        (D(2026, 8, 31), D(2026, 9, 30)),  # -> 30 Sep 2026, a Wednesday
        (D(2028, 2, 29), D(2028, 3, 29)),  # leap day -> 29 Mar 2028, a Wednesday
        (D(2027, 3, 5), D(2027, 4, 5)),  # -> 5 Apr 2027, a Monday (Easter was a week before)
        # Easter
        (D(2027, 2, 25), D(2027, 3, 30)),  # -> Maundy Thursday 25 Mar 2027 -> Tuesday 30 Mar
        (D(2027, 2, 26), D(2027, 3, 30)),  # -> Good Friday 26 Mar 2027 -> Tuesday 30 Mar
        (D(2027, 2, 28), D(2027, 3, 30)),  # -> Easter Sunday 28 Mar 2027 -> Tuesday 30 Mar
        (D(2026, 3, 2), D(2026, 4, 7)),  # -> Maundy Thursday 2 Apr 2026 -> Tuesday 7 Apr
        (D(2026, 3, 5), D(2026, 4, 7)),  # -> Easter Sunday 5 Apr 2026 -> Tuesday 7 Apr
        (D(2026, 3, 6), D(2026, 4, 7)),  # -> Easter Monday 6 Apr 2026 -> Tuesday 7 Apr
        # May
        (D(2026, 4, 1), D(2026, 5, 4)),  # -> 1 May 2026, a Friday -> Monday 4 May
        (D(2027, 4, 6), D(2027, 5, 7)),  # -> Ascension Day 6 May 2027 -> Friday 7 May
        (D(2026, 4, 14), D(2026, 5, 15)),  # -> Ascension Day 14 May 2026 -> Friday 15 May
        (D(2027, 4, 17), D(2027, 5, 18)),  # -> 17 May 2027: Constitution Day + Whit Monday -> 18 May
        (D(2026, 4, 25), D(2026, 5, 26)),  # -> Whit Monday 25 May 2026 -> Tuesday 26 May
        # Christmas and New Year
        (D(2026, 11, 25), D(2026, 12, 28)),  # -> 25 Dec Fri, 26 Sat, 27 Sun -> Monday 28 Dec
        (D(2026, 11, 24), D(2026, 12, 24)),  # -> Christmas Eve is a working day: stays
        (D(2026, 12, 1), D(2027, 1, 4)),  # -> 1 Jan 2027 Friday, then the weekend -> 4 Jan
        # Plain weekends
        (D(2026, 9, 3), D(2026, 10, 5)),  # -> Saturday 3 Oct 2026 -> Monday 5 Oct
        (D(2026, 9, 4), D(2026, 10, 5)),  # -> Sunday 4 Oct 2026 -> Monday 5 Oct
    ],
)
def test_legal_deadline(received: date, legal: date) -> None:
    deadlines = compute_deadlines(received, None)
    assert deadlines.legal == legal
    assert deadlines.due == legal
    assert deadlines.promised is None and deadlines.extended is None
    assert is_working_day(deadlines.legal)


@pytest.mark.parametrize(
    ("received", "promised_days", "legal", "promised", "due"),
    [
        # 31 Jan 2027 + 30 days = 2 Mar (Tue); legal 28 Feb is a Sunday -> 1 Mar: law is earlier
        (D(2027, 1, 31), 30, D(2027, 3, 1), D(2027, 3, 2), D(2027, 3, 1)),
        # leap year: promise 1 Mar 2028 (Wed), legal 29 Feb 2028 (Tue): law is earlier
        (D(2028, 1, 31), 30, D(2028, 2, 29), D(2028, 3, 1), D(2028, 2, 29)),
        # 2026: legal 28 Feb (Sat) -> 2 Mar (Mon); promise also 2 Mar: the same day
        (D(2026, 1, 31), 30, D(2026, 3, 2), D(2026, 3, 2), D(2026, 3, 2)),
        # 31-day month: promise 4 Apr 2027 is a Sunday and is NOT moved; legal 5 Apr (Mon)
        (D(2027, 3, 5), 30, D(2027, 4, 5), D(2027, 4, 4), D(2027, 4, 4)),
        # promise 25 Dec 2026 (Christmas Day) stays; legal moves to 28 Dec
        (D(2026, 11, 25), 30, D(2026, 12, 28), D(2026, 12, 25), D(2026, 12, 25)),
        # a promise longer than the law does not delay the due date
        (D(2027, 3, 5), 45, D(2027, 4, 5), D(2027, 4, 19), D(2027, 4, 5)),
        # a short promise: 14 days from 5 Mar 2027 is Friday 19 Mar
        (D(2027, 3, 5), 14, D(2027, 4, 5), D(2027, 3, 19), D(2027, 3, 19)),
    ],
)
def test_promise_and_due(received: date, promised_days: int, legal: date, promised: date, due: date) -> None:
    deadlines = compute_deadlines(received, promised_days)
    assert (deadlines.legal, deadlines.promised, deadlines.due) == (legal, promised, due)


@pytest.mark.parametrize(
    ("received", "extension_months", "extended"),
    [
        (D(2027, 1, 31), 1, D(2027, 3, 31)),  # 31 Jan + 2 months = 31 Mar (Wed), not 28 Mar
        (D(2027, 1, 31), 2, D(2027, 4, 30)),  # 31 Jan + 3 months: 31 Apr doesn't exist -> 30 Apr (Fri)
        (D(2027, 1, 26), 1, D(2027, 3, 30)),  # -> Good Friday 26 Mar 2027 -> Tuesday 30 Mar
        (D(2027, 1, 26), 2, D(2027, 4, 26)),  # -> 26 Apr 2027, a Monday
        (D(2026, 10, 25), 1, D(2026, 12, 28)),  # -> Christmas Day 2026 (Fri) -> Monday 28 Dec
        (D(2026, 10, 1), 2, D(2027, 1, 4)),  # -> New Year's Day 2027 (Fri) -> Monday 4 Jan
    ],
)
def test_extension(received: date, extension_months: int, extended: date) -> None:
    deadlines = compute_deadlines(received, 30, extension_months=extension_months)
    assert deadlines.extended == extended
    assert deadlines.due == extended
    # the first deadlines stay visible beside the extended one
    assert deadlines.legal == compute_deadlines(received, 30).legal
    assert deadlines.promised == compute_deadlines(received, 30).promised


@pytest.mark.parametrize(
    ("received", "promised_days", "notice_by"),
    [
        (D(2027, 3, 5), 30, D(2027, 4, 4)),  # the promise (4 Apr) is earlier than the law (5 Apr)
        (D(2027, 1, 31), 30, D(2027, 3, 1)),  # the law (1 Mar) is earlier than the promise (2 Mar)
        (D(2027, 3, 5), None, D(2027, 4, 5)),  # no promise: the legal deadline
    ],
)
def test_extension_notice_by_first_deadline(received: date, promised_days: int | None, notice_by: date) -> None:
    assert compute_deadlines(received, promised_days, extension_months=2).extension_notice_by == notice_by


@pytest.mark.parametrize(
    ("received", "pauses", "today", "paused_days", "legal", "promised", "suspended"),
    [
        # asked 8 Mar, answered 18 Mar 2027: 10 days; 5 Apr + 10 = Thursday 15 Apr; promise 4 Apr + 10
        (D(2027, 3, 5), [Pause(D(2027, 3, 8), D(2027, 3, 18))], None, 10, D(2027, 4, 15), D(2027, 4, 14), False),
        # 12 days: 5 Apr + 12 = Saturday 17 Apr -> Monday 19 Apr (moved after the pause is added)
        (D(2027, 3, 5), [Pause(D(2027, 3, 8), D(2027, 3, 20))], None, 12, D(2027, 4, 19), D(2027, 4, 16), False),
        # asked and answered the same day: no time lost
        (D(2027, 3, 5), [Pause(D(2027, 3, 8), D(2027, 3, 8))], None, 0, D(2027, 4, 5), D(2027, 4, 4), False),
        # asked on the day of receipt is allowed: 5 -> 10 Mar, 5 days; 5 Apr + 5 = Saturday 10 Apr -> 12 Apr
        (D(2027, 3, 5), [Pause(D(2027, 3, 5), D(2027, 3, 10))], None, 5, D(2027, 4, 12), D(2027, 4, 9), False),
        # two overlapping questions (8-18 and 15-20 Mar) cover 8-20 Mar: 12 days, not 15
        (
            D(2027, 3, 5),
            [Pause(D(2027, 3, 8), D(2027, 3, 18)), Pause(D(2027, 3, 15), D(2027, 3, 20))],
            None,
            12,
            D(2027, 4, 19),
            D(2027, 4, 16),
            False,
        ),
        # two separate pauses, 3 + 2 days: 5 Apr + 5 = Saturday 10 Apr -> 12 Apr
        (
            D(2027, 3, 5),
            [Pause(D(2027, 3, 20), D(2027, 3, 22)), Pause(D(2027, 3, 8), D(2027, 3, 11))],
            None,
            5,
            D(2027, 4, 12),
            D(2027, 4, 9),
            False,
        ),
        # still waiting: open since 8 Mar, today 18 Mar = 10 days so far; provisional dates
        (D(2027, 3, 5), [Pause(D(2027, 3, 8), None)], D(2027, 3, 18), 10, D(2027, 4, 15), D(2027, 4, 14), True),
        # one answered (8-10 Mar, 2 days), one still open (15 Mar, today 18 Mar, 3 days)
        (
            D(2027, 3, 5),
            [Pause(D(2027, 3, 8), D(2027, 3, 10)), Pause(D(2027, 3, 15), None)],
            D(2027, 3, 18),
            5,
            D(2027, 4, 12),
            D(2027, 4, 9),
            True,
        ),
    ],
)
def test_pauses(
    received: date,
    pauses: list[Pause],
    today: date | None,
    paused_days: int,
    legal: date,
    promised: date,
    suspended: bool,
) -> None:
    deadlines = compute_deadlines(received, 30, pauses=pauses, today=today)
    assert deadlines.paused_days == paused_days
    assert deadlines.legal == legal
    assert deadlines.promised == promised
    assert deadlines.suspended is suspended


def test_pause_shifts_extension_too() -> None:
    # 31 Jan 2027 + 2 months = 31 Mar; + 10 paused days = Saturday 10 Apr -> Monday 12 Apr
    pauses = [Pause(D(2027, 2, 1), D(2027, 2, 11))]
    deadlines = compute_deadlines(D(2027, 1, 31), None, extension_months=1, pauses=pauses)
    assert deadlines.extended == D(2027, 4, 12)


def test_open_pause_freezes_days_left() -> None:
    # While the clock stands still, the days left stay what they were when it stopped:
    # 5 Mar 2027, promise 4 Apr; asked on 8 Mar with 27 days left.
    received, pauses = D(2027, 3, 5), [Pause(D(2027, 3, 8), None)]
    for today in (D(2027, 3, 8), D(2027, 3, 18), D(2027, 4, 30)):
        deadlines = compute_deadlines(received, 30, pauses=pauses, today=today)
        assert deadlines.suspended
        assert deadlines.days_left(today) == 27


@pytest.mark.parametrize(
    ("today", "days_left"),
    [
        (D(2027, 3, 25), 10),  # ten days before the promise of 4 Apr 2027
        (D(2027, 4, 4), 0),  # the due day itself: still in time
        (D(2027, 4, 6), -2),  # two days overdue
    ],
)
def test_days_left(today: date, days_left: int) -> None:
    assert compute_deadlines(D(2027, 3, 5), 30).days_left(today) == days_left


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"promised_days": 0}, "lovet svartid"),  # a promise of no days is a typo
        ({"promised_days": 366}, "lovet svartid"),  # more than a year is no promise
        ({"extension_months": 3}, "høyst to måneder til"),  # Art. 12(3) allows two
        ({"extension_months": -1}, "forlengelse må være"),  # negative extension is meaningless
        ({"pauses": [Pause(D(2027, 3, 4), D(2027, 3, 8))]}, "før kravet ble mottatt"),
        ({"pauses": [Pause(D(2027, 3, 10), D(2027, 3, 8))]}, "før spørsmålet ble stilt"),
        ({"pauses": [Pause(D(2027, 3, 20), None)], "today": D(2027, 3, 18)}, "etter i dag"),
    ],
)
def test_invalid_input_is_refused(kwargs: dict, message: str) -> None:
    arguments = {"promised_days": 30, **kwargs}
    with pytest.raises(ValueError, match=message):
        compute_deadlines(D(2027, 3, 5), **arguments)


def test_deadlines_are_frozen() -> None:
    deadlines = compute_deadlines(D(2027, 3, 5), 30)
    assert isinstance(deadlines, Deadlines)
    with pytest.raises(AttributeError):
        deadlines.legal = D(2030, 1, 1)  # type: ignore[misc]
