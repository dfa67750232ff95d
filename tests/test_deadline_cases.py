"""Deadlines right to the day, as staff see them: a table of cases (``dsar.deadlines.clock``).

Each row: receipt, the controller's promise, extension, pauses, the day it is looked at
and the day it was answered -> the due date, the day to send it (a promise on a weekend or
holiday: the working day before), days left and the colour. Then the validations, and
"today" in Oslo whatever the server's zone.

Calendar notes: Christmas Day 2026 is a Friday (Christmas Eve is a working day); Easter 2026:
Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6 April; 31 Jan 2026 is a
Saturday; 29 Feb 2028 a Tuesday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dsar.deadlines import (
    DeadlineInputError,
    Pause,
    Tone,
    check_extension,
    check_pause_dates,
    check_resume_date,
    clock,
    compute_deadlines,
    today_oslo,
)

D = date
NOV2 = D(2026, 11, 2)  # Monday; legal and promised (30 days) both Wed 2 Dec 2026
P1 = (Pause(D(2026, 11, 5), D(2026, 11, 15)),)  # 10 days standing still

CASES = [
    # id, received, promise, ext, pauses, today, answered -> due, send_by, days_left, tone
    ("day of receipt", NOV2, 30, 0, (), NOV2, None, D(2026, 12, 2), D(2026, 12, 2), 30, Tone.ON_TRACK),
    ("eight days left", NOV2, 30, 0, (), D(2026, 11, 24), None, D(2026, 12, 2), D(2026, 12, 2), 8, Tone.ON_TRACK),
    ("seven days left", NOV2, 30, 0, (), D(2026, 11, 25), None, D(2026, 12, 2), D(2026, 12, 2), 7, Tone.DUE_SOON),
    ("due today", NOV2, 30, 0, (), D(2026, 12, 2), None, D(2026, 12, 2), D(2026, 12, 2), 0, Tone.DUE_SOON),
    ("a day late", NOV2, 30, 0, (), D(2026, 12, 3), None, D(2026, 12, 2), D(2026, 12, 2), -1, Tone.OVERDUE),
    ("a month late", NOV2, 30, 0, (), D(2027, 1, 2), None, D(2026, 12, 2), D(2026, 12, 2), -31, Tone.OVERDUE),
    ("answered on the day", NOV2, 30, 0, (), D(2027, 1, 2), D(2026, 12, 2), D(2026, 12, 2), D(2026, 12, 2), None, Tone.ANSWERED_ON_TIME),
    ("answered a day late", NOV2, 30, 0, (), D(2027, 1, 2), D(2026, 12, 3), D(2026, 12, 2), D(2026, 12, 2), None, Tone.ANSWERED_LATE),
    ("answered early stops counting", NOV2, 30, 0, (), D(2027, 3, 1), D(2026, 11, 10), D(2026, 12, 2), D(2026, 12, 2), None, Tone.ANSWERED_ON_TIME),
    ("received on a Sunday", D(2026, 11, 1), 30, 0, (), D(2026, 11, 2), None, D(2026, 12, 1), D(2026, 12, 1), 29, Tone.ON_TRACK),
    ("promise on a Saturday: send Friday", D(2026, 11, 5), 30, 0, (), D(2026, 11, 5), None, D(2026, 12, 5), D(2026, 12, 4), 29, Tone.ON_TRACK),
    ("promise on Saturday, send day", D(2026, 11, 5), 30, 0, (), D(2026, 12, 4), None, D(2026, 12, 5), D(2026, 12, 4), 0, Tone.DUE_SOON),
    ("promise on Saturday, past send day", D(2026, 11, 5), 30, 0, (), D(2026, 12, 5), None, D(2026, 12, 5), D(2026, 12, 4), -1, Tone.OVERDUE),
    ("promise on Saturday, answered that day", D(2026, 11, 5), 30, 0, (), D(2026, 12, 9), D(2026, 12, 5), D(2026, 12, 5), D(2026, 12, 4), None, Tone.ANSWERED_ON_TIME),
    ("promise on Christmas Day: send on the Eve", D(2026, 11, 25), 30, 0, (), D(2026, 12, 20), None, D(2026, 12, 25), D(2026, 12, 24), 4, Tone.DUE_SOON),
    ("promise on Good Friday: send Wednesday", D(2026, 3, 4), 30, 0, (), D(2026, 3, 4), None, D(2026, 4, 3), D(2026, 4, 1), 28, Tone.ON_TRACK),
    ("no promise, 31 Jan to 2 Mar", D(2026, 1, 31), None, 0, (), D(2026, 2, 1), None, D(2026, 3, 2), D(2026, 3, 2), 29, Tone.ON_TRACK),
    ("leap year, 31 Jan to 29 Feb", D(2028, 1, 31), None, 0, (), D(2028, 2, 1), None, D(2028, 2, 29), D(2028, 2, 29), 28, Tone.ON_TRACK),
    ("31 Aug to 30 Sep", D(2026, 8, 31), None, 0, (), D(2026, 9, 1), None, D(2026, 9, 30), D(2026, 9, 30), 29, Tone.ON_TRACK),
    ("extended one month", NOV2, 30, 1, (), D(2026, 11, 10), None, D(2027, 1, 4), D(2027, 1, 4), 55, Tone.EXTENDED),
    ("extended two months", NOV2, 30, 2, (), D(2026, 11, 10), None, D(2027, 2, 2), D(2027, 2, 2), 84, Tone.EXTENDED),
    ("extended, within a week", NOV2, 30, 1, (), D(2026, 12, 30), None, D(2027, 1, 4), D(2027, 1, 4), 5, Tone.DUE_SOON),
    ("extended, and late", NOV2, 30, 1, (), D(2027, 1, 5), None, D(2027, 1, 4), D(2027, 1, 4), -1, Tone.OVERDUE),
    ("extended, answered on the day", NOV2, 30, 1, (), D(2027, 2, 1), D(2027, 1, 4), D(2027, 1, 4), D(2027, 1, 4), None, Tone.ANSWERED_ON_TIME),
    ("extended, answered after the first deadline", NOV2, 30, 2, (), D(2027, 2, 1), D(2027, 1, 20), D(2027, 2, 2), D(2027, 2, 2), None, Tone.ANSWERED_ON_TIME),
    ("31 Jan, one more month: 31 Mar, not 28 Mar", D(2027, 1, 31), None, 1, (), D(2027, 2, 1), None, D(2027, 3, 31), D(2027, 3, 31), 58, Tone.EXTENDED),
    ("31 Jan, two more months: Fri 30 Apr", D(2027, 1, 31), None, 2, (), D(2027, 2, 1), None, D(2027, 4, 30), D(2027, 4, 30), 88, Tone.EXTENDED),
    ("31 Jan 2027: Sun 28 Feb moves to Mon 1 Mar", D(2027, 1, 31), None, 0, (), D(2027, 2, 1), None, D(2027, 3, 1), D(2027, 3, 1), 28, Tone.ON_TRACK),
    ("ten paused days: promise Sat 12 Dec", NOV2, 30, 0, P1, D(2026, 11, 20), None, D(2026, 12, 12), D(2026, 12, 11), 21, Tone.ON_TRACK),
    ("paused, answered on the moved due day", NOV2, 30, 0, P1, D(2026, 12, 20), D(2026, 12, 12), D(2026, 12, 12), D(2026, 12, 11), None, Tone.ANSWERED_ON_TIME),
    ("paused, answered on the legal day after the promise", NOV2, 30, 0, P1, D(2026, 12, 20), D(2026, 12, 14), D(2026, 12, 12), D(2026, 12, 11), None, Tone.ANSWERED_LATE),
    ("asked and answered the same day", NOV2, 30, 0, (Pause(D(2026, 11, 5), D(2026, 11, 5)),), D(2026, 11, 10), None, D(2026, 12, 2), D(2026, 12, 2), 22, Tone.ON_TRACK),
    ("overlapping pauses counted once", NOV2, 30, 0, (Pause(D(2026, 11, 5), D(2026, 11, 15)), Pause(D(2026, 11, 10), D(2026, 11, 20))), D(2026, 11, 25), None, D(2026, 12, 17), D(2026, 12, 17), 22, Tone.ON_TRACK),
    ("two pauses add up", NOV2, 30, 0, (Pause(D(2026, 11, 5), D(2026, 11, 8)), Pause(D(2026, 11, 20), D(2026, 11, 22))), D(2026, 11, 25), None, D(2026, 12, 7), D(2026, 12, 7), 12, Tone.ON_TRACK),
    ("open pause: the clock stands", NOV2, 30, 0, (Pause(D(2026, 11, 5)),), D(2026, 11, 20), None, D(2026, 12, 17), D(2026, 12, 17), 27, Tone.PAUSED),
    ("open pause into Christmas", NOV2, 30, 0, (Pause(D(2026, 11, 5)),), D(2026, 11, 30), None, D(2026, 12, 27), D(2026, 12, 24), 24, Tone.PAUSED),
    ("open pause from the day of receipt", NOV2, 30, 0, (Pause(NOV2),), NOV2, None, D(2026, 12, 2), D(2026, 12, 2), 30, Tone.PAUSED),
    ("paused and extended", NOV2, 30, 1, P1, D(2026, 11, 20), None, D(2027, 1, 12), D(2027, 1, 12), 53, Tone.EXTENDED),
    ("answered while paused", NOV2, 30, 0, (Pause(D(2026, 11, 5)),), D(2026, 11, 20), D(2026, 11, 20), D(2026, 12, 17), D(2026, 12, 17), None, Tone.ANSWERED_ON_TIME),
    ("a long promise, the law is earlier", NOV2, 60, 0, (), NOV2, None, D(2026, 12, 2), D(2026, 12, 2), 30, Tone.ON_TRACK),
    ("a short promise, 10 days", NOV2, 10, 0, (), NOV2, None, D(2026, 11, 12), D(2026, 11, 12), 10, Tone.ON_TRACK),
]


@pytest.mark.parametrize(
    ("received", "promise", "ext", "pauses", "today", "answered", "due", "send_by", "days_left", "tone"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_deadline_as_staff_see_it(received, promise, ext, pauses, today, answered, due, send_by, days_left, tone):
    deadlines = compute_deadlines(received, promise, extension_months=ext, pauses=pauses, today=answered or today)
    state = clock(deadlines, today, answered)
    assert (state.due, state.send_by, state.days_left, state.tone) == (due, send_by, days_left, tone)
    assert state.on_time is (None if answered is None else tone == Tone.ANSWERED_ON_TIME)


BASE = compute_deadlines(NOV2, 30)  # first deadline and extension notice by: 2 Dec 2026
VALIDATIONS = [
    ("three months", lambda: check_extension(BASE, 0, 3, NOV2, NOV2), "1 eller 2"),
    ("zero months", lambda: check_extension(BASE, 0, 0, NOV2, NOV2), "1 eller 2"),
    ("1 after 2 would shorten", lambda: check_extension(BASE, 2, 1, NOV2, NOV2), "aldri kortere"),
    ("2 after 2 changes nothing", lambda: check_extension(BASE, 2, 2, NOV2, NOV2), "allerede forlenget"),
    ("notified before receipt", lambda: check_extension(BASE, 0, 1, D(2026, 11, 1), NOV2), "før kravet ble mottatt"),
    ("notified in the future", lambda: check_extension(BASE, 0, 1, D(2026, 11, 20), D(2026, 11, 10)), "fram i tid"),
    ("notified after the first deadline", lambda: check_extension(BASE, 0, 1, D(2026, 12, 3), D(2026, 12, 3)), "før den første fristen"),
    ("pause before receipt", lambda: check_pause_dates(NOV2, D(2026, 11, 1), NOV2), "før kravet ble mottatt"),
    ("pause in the future", lambda: check_pause_dates(NOV2, D(2026, 11, 9), D(2026, 11, 8)), "fram i tid"),
    ("answer before the question", lambda: check_resume_date(D(2026, 11, 5), D(2026, 11, 4), D(2026, 11, 9)), "før spørsmålet ble stilt"),
    ("answer in the future", lambda: check_resume_date(D(2026, 11, 5), D(2026, 11, 10), D(2026, 11, 9)), "fram i tid"),
    ("promise out of range", lambda: compute_deadlines(NOV2, 400), "lovet svartid"),
    ("pause answered before asked", lambda: compute_deadlines(NOV2, 30, pauses=[Pause(D(2026, 11, 5), D(2026, 11, 4))]), "før spørsmålet ble stilt"),
]


@pytest.mark.parametrize(("call", "message"), [v[1:] for v in VALIDATIONS], ids=[v[0] for v in VALIDATIONS])
def test_impossible_dates_are_refused(call, message):
    with pytest.raises(DeadlineInputError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "ok"),
    [
        (lambda: check_extension(BASE, 0, 1, D(2026, 12, 2), D(2026, 12, 2)), "on the last day"),
        (lambda: check_extension(BASE, 1, 2, NOV2, NOV2), "1 then 2"),
        (lambda: check_pause_dates(NOV2, NOV2, NOV2), "asked on the day of receipt"),
    ],
    ids=["notice on the last day", "one month then two", "pause on the day of receipt"],
)
def test_what_the_law_allows_passes(call, ok):
    call()


@pytest.mark.parametrize(
    ("utc", "oslo"),
    [
        (datetime(2026, 11, 29, 23, 30, tzinfo=UTC), D(2026, 11, 30)),  # winter: UTC+1
        (datetime(2026, 11, 29, 22, 59, tzinfo=UTC), D(2026, 11, 29)),
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), D(2026, 7, 1)),  # summer: UTC+2
        (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), D(2026, 6, 30)),
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), D(2027, 1, 1)),
    ],
)
def test_today_is_oslos_today(utc, oslo):
    assert today_oslo(utc) == oslo


def test_a_naive_time_has_no_day_in_oslo():
    with pytest.raises(ValueError, match="naive"):
        today_oslo(datetime(2026, 11, 29, 23, 30))
