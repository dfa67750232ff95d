"""When an access request must be answered: legal, promised and extended due dates.

The rules, and where they come from:

- The period starts on the day the request *reaches* the controller; that day is not
  counted (Reg. 1182/71 Art. 3(1)).
- The controller answers within one calendar month (GDPR Art. 12(3)): the same date in the
  next month, or the last day of that month where the date does not exist (1182/71 Art. 3(2)(c)).
- A period whose last day is a Saturday, Sunday or public holiday ends on the next working
  day (1182/71 Art. 3(4); EDPB Guidelines 01/2022 §161). Holidays are Norway's national ones.
- The period may be extended by up to two further months (Art. 12(3)); the person must be
  told before the first period ends.
- While the controller waits for information it asked for to identify the person or to
  clarify the request, the clock stands still (EDPB Guidelines 01/2022 §159-160).
- A controller may promise to answer sooner (the five controllers here say 30 days); staff
  work to the earlier of the promise and the law.

Nothing here reads the clock or builds a calendar at import time: holidays are computed
per year on first use and cached.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from dsar.errors import InputError

OSLO = ZoneInfo("Europe/Oslo")
MAX_EXTENSION_MONTHS = 2  # GDPR Art. 12(3): "by two further months where necessary"
MAX_PROMISED_DAYS = 365
_SATURDAY = 5


class DeadlineInputError(InputError, ValueError):
    """Dates or periods given for a request's deadline are impossible or out of range.

    A ``ValueError`` for callers that treat it as bad arguments, and a ``DsarError`` so the
    CLI shows the message to staff. Messages carry dates and numbers, never personal data.
    """


@dataclass(frozen=True)
class Pause:
    """The controller asked the person for information and is waiting (EDPB §159).

    ``asked_on`` is the day the controller asked for what it needs to identify the person or
    to clarify the request; ``answered_on`` the day the answer reached it, or ``None`` while
    it is still awaited. The clock stands still for ``answered_on - asked_on`` days: the day
    of asking is lost to the controller, the day of the answer counts again, so asking and
    receiving the answer on the same day loses nothing.
    """

    asked_on: date
    answered_on: date | None = None


def today_oslo(now: datetime | None = None) -> date:
    """Today in Norway. Every "today" a deadline is decided or shown against is this one:
    a server running on UTC would otherwise be a day behind for an hour or two each night."""
    moment = now if now is not None else datetime.now(OSLO)
    if moment.tzinfo is None:
        raise ValueError("a naive time can't be placed in Norway; give a timezone-aware time")
    return moment.astimezone(OSLO).date()


def add_calendar_months(start: date, months: int) -> date:
    """The same date ``months`` calendar months later (earlier, if negative).

    Where that date does not exist, the last day of that month (1182/71 Art. 3(2)(c)):
    31 Aug + 1 -> 30 Sep, 31 Jan + 1 -> 28 or 29 Feb, 29 Feb 2028 + 12 -> 28 Feb 2029.
    """
    year, month_index = divmod(start.year * 12 + (start.month - 1) + months, 12)
    month = month_index + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    # include_sundays=False: `holidays` can mark every Sunday as a "helligdag"; weekends are
    # handled in is_working_day instead so the rule is visible here and does not depend on a
    # library default. Easter Sunday and Whit Sunday stay listed, which is harmless.
    import holidays  # on first use: the CLI's quick refusals never need a calendar

    return frozenset(holidays.Norway(years=year, include_sundays=False))


def is_working_day(d: date) -> bool:
    """Not a Saturday, not a Sunday and not a Norwegian public holiday (1182/71 Art. 3(4)).

    Holidays: New Year's Day, Maundy Thursday, Good Friday, Easter Monday, 1 May, Ascension
    Day, 17 May, Whit Monday, Christmas Day and Boxing Day (helligdagsloven, 1 May and
    17 May by law of 1947). Christmas Eve and New Year's Eve are not public holidays.
    """
    if d.weekday() >= _SATURDAY:
        return False
    return d not in _public_holidays(d.year)


def next_working_day(d: date) -> date:
    """``d`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def previous_working_day(d: date) -> date:
    """``d`` itself if it is a working day, else the last working day before it."""
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


@dataclass(frozen=True)
class Deadlines:
    """A request's due dates, all kept so staff see both the law and the promise.

    ``legal``     one calendar month after receipt, on a working day, later by paused days.
    ``promised``  the controller's own promise (receipt + N calendar days, later by paused
                  days), or ``None``. Not moved off weekends or holidays: it is a commitment
                  to answer *at the latest* by then, not a legal period, and moving it would
                  make it later than what was promised.
    ``extended``  receipt + 1 + (1 or 2) calendar months, on a working day, later by paused
                  days; ``None`` unless an extension was granted (Art. 12(3)).
    ``paused_days`` calendar days the clock stood still (EDPB §159), overlapping pauses
                  counted once.
    ``suspended`` a pause is still awaiting the person's answer: the dates are provisional,
                  computed as if the answer arrived on the ``today`` given to
                  ``compute_deadlines``; they move one day later for every further day of
                  waiting, so recompute each day until the answer arrives.
    """

    received: date
    legal: date
    promised: date | None
    extended: date | None
    paused_days: int
    suspended: bool

    @property
    def first_deadline(self) -> date:
        """The earlier of the legal deadline and the promise: the deadline before extension."""
        if self.promised is not None and self.promised < self.legal:
            return self.promised
        return self.legal

    @property
    def due(self) -> date:
        """The date staff work to: the extended deadline if granted, else the first one."""
        return self.extended if self.extended is not None else self.first_deadline

    @property
    def extension_notice_by(self) -> date:
        """The last day to tell the person about an extension, with reasons (Art. 12(3)).

        Art. 12(3) asks for the notice "within one month of receipt"; we use the first
        deadline, i.e. the promise where it is earlier than the legal deadline: a person
        promised an answer in 30 days should not learn of a delay after that day has passed.
        The date may fall on a weekend when the promise does; staff send it before.
        """
        return self.first_deadline

    @property
    def send_by(self) -> date:
        """The day staff must send the answer: ``due``, or the working day before it when a
        promise falls on a weekend or holiday (nobody is at work to send it then). The legal
        and extended deadlines are working days already."""
        return previous_working_day(self.due)

    def days_left(self, today: date) -> int:
        """Calendar days from ``today`` to ``due``: 0 on the due day, negative when overdue.

        While ``suspended``, call it with the same ``today`` given to ``compute_deadlines``:
        the result is then the days left when the clock stopped, frozen until the answer.
        """
        return (self.due - today).days


def compute_deadlines(
    received: date,
    promised_days: int | None,
    *,
    extension_months: int = 0,
    pauses: Sequence[Pause] = (),
    today: date | None = None,
) -> Deadlines:
    """The due dates of a request that reached the controller on ``received``.

    ``promised_days``     the controller's promise in calendar days (1-365), or ``None``.
    ``extension_months``  0, or 1-2 further months granted under GDPR Art. 12(3).
    ``pauses``            requests for identification or clarification (EDPB §159).
    ``today``             only used for a pause still awaiting an answer: days up to
                          ``today`` count as paused. Defaults to the current date.

    Raises ``DeadlineInputError`` (a ``ValueError``) for a promise or extension out of range
    or a pause that starts before receipt, ends before it starts or starts after ``today``.

    Paused days are added to the end of the period before it is moved off a weekend or
    holiday, so the legal and extended deadlines always fall on a working day.
    """
    if promised_days is not None and not 1 <= promised_days <= MAX_PROMISED_DAYS:
        raise DeadlineInputError(
            f"lovet svartid må være mellom 1 og {MAX_PROMISED_DAYS} dager (fikk {promised_days}); "
            "oppgi antall kalenderdager virksomheten lover, eller ingen"
        )
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise DeadlineInputError(
            f"forlengelse må være mellom 0 og {MAX_EXTENSION_MONTHS} måneder (fikk {extension_months}): "
            "GDPR art. 12 nr. 3 tillater høyst to måneder til"
        )

    suspended = any(p.answered_on is None for p in pauses)
    if suspended and today is None:
        today = today_oslo()  # read at call time, never at import
    paused_days = _paused_days(received, pauses, today)
    pause = timedelta(days=paused_days)

    # Paused days stretch the period itself (the clock stood still); 1182/71 Art. 3(4) then
    # applies to the period's real last day, so the result is always a working day.
    legal = next_working_day(add_calendar_months(received, 1) + pause)
    # A promise is a commitment to answer by a date, not a legal period: never moved later.
    # It stands still during a pause like the legal clock, since the controller cannot
    # answer before it knows who is asking or what is asked.
    promised = received + timedelta(days=promised_days) + pause if promised_days is not None else None
    extended = None
    if extension_months:
        # Counted from receipt, not chained from the (possibly moved) first deadline:
        # 31 Jan + 2 months is 31 Mar, not 28 Feb + 1 month = 28 Mar.
        extended = next_working_day(add_calendar_months(received, 1 + extension_months) + pause)

    return Deadlines(
        received=received,
        legal=legal,
        promised=promised,
        extended=extended,
        paused_days=paused_days,
        suspended=suspended,
    )


def _paused_days(received: date, pauses: Sequence[Pause], today: date | None) -> int:
    """Calendar days covered by the pauses; an open pause runs until ``today``.

    Overlapping pauses (two questions outstanding at once) are merged so a day is never
    counted twice.
    """
    spans: list[tuple[date, date]] = []
    for number, p in enumerate(pauses, start=1):
        if p.asked_on < received:
            raise DeadlineInputError(
                f"pause {number}: spurt {p.asked_on.isoformat()}, før kravet ble "
                f"mottatt {received.isoformat()}; sjekk datoene"
            )
        end = p.answered_on
        if end is None:
            assert today is not None  # set by compute_deadlines whenever a pause is open
            if today < p.asked_on:
                raise DeadlineInputError(
                    f"pause {number}: spurt {p.asked_on.isoformat()}, etter i dag "
                    f"({today.isoformat()}); sjekk datoene"
                )
            end = today
        elif end < p.asked_on:
            raise DeadlineInputError(
                f"pause {number}: svar {end.isoformat()}, før spørsmålet ble stilt "
                f"{p.asked_on.isoformat()}; sjekk datoene"
            )
        spans.append((p.asked_on, end))

    total = 0
    covered_until: date | None = None
    for start, end in sorted(spans):
        if covered_until is not None and start < covered_until:
            start = covered_until  # the overlap was already counted
        if end > start:
            total += (end - start).days
            covered_until = end
    return total


def check_pause_dates(received: date, asked_on: date, today: date) -> None:
    """A pause can't start before the request arrived nor in the future."""
    if asked_on < received:
        raise DeadlineInputError(
            f"klokken kan ikke stoppes ({asked_on.isoformat()}) før kravet ble mottatt ({received.isoformat()})"
        )
    if asked_on > today:
        raise DeadlineInputError(f"pausen starter fram i tid ({asked_on.isoformat()}); i dag er {today.isoformat()}")


def check_resume_date(asked_on: date, answered_on: date, today: date) -> None:
    """The person's answer can't arrive before the question nor in the future."""
    if answered_on < asked_on:
        raise DeadlineInputError(
            f"svaret ({answered_on.isoformat()}) kan ikke komme før spørsmålet ble stilt ({asked_on.isoformat()})"
        )
    if answered_on > today:
        raise DeadlineInputError(f"svardatoen er fram i tid ({answered_on.isoformat()}); i dag er {today.isoformat()}")


def check_extension(deadlines: Deadlines, current_months: int, months: int, notified_on: date, today: date) -> None:
    """Refuse an extension the law or common sense does not allow; changes nothing.

    Art. 12(3): at most two further months, the person told (with reasons) within the first
    period. An extension never shortens a deadline already given to the person, and the
    notice date is a real day between receipt and today.
    """
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise DeadlineInputError(
            f"en forlengelse er 1 eller {MAX_EXTENSION_MONTHS} måneder til (fikk {months}; GDPR art. 12 nr. 3)"
        )
    if months <= current_months:
        raise DeadlineInputError(
            f"kravet er allerede forlenget med {current_months} måned(er); {months} flytter ikke "
            "fristen senere, og en frist personen har fått, blir aldri kortere"
        )
    if notified_on < deadlines.received:
        raise DeadlineInputError(
            f"varseldatoen {notified_on.isoformat()} er før kravet ble mottatt "
            f"({deadlines.received.isoformat()})"
        )
    if notified_on > today:
        raise DeadlineInputError(
            f"varseldatoen {notified_on.isoformat()} er fram i tid; i dag er {today.isoformat()}"
        )
    if notified_on > deadlines.extension_notice_by:
        raise DeadlineInputError(
            f"personen må varsles før den første fristen ({deadlines.extension_notice_by.isoformat()}); "
            "kravet kan ikke lenger forlenges"
        )


class Tone(StrEnum):
    """How a request stands against its deadline: the colour staff see."""

    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    EXTENDED = "extended"
    PAUSED = "paused"
    ANSWERED_ON_TIME = "answered_on_time"
    ANSWERED_LATE = "answered_late"

    @property
    def label(self) -> str:
        return TONE_LABELS[self]


TONE_LABELS = {
    Tone.ON_TRACK: "I rute",
    Tone.DUE_SOON: "Frist innen 7 dager",
    Tone.OVERDUE: "Fristen er passert",
    Tone.EXTENDED: "Forlenget",
    Tone.PAUSED: "Klokken står",
    Tone.ANSWERED_ON_TIME: "Besvart i tide",
    Tone.ANSWERED_LATE: "Besvart for sent",
}
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class Clock:
    """A request's deadline as staff see it on ``today``.

    ``days_left``  calendar days to ``send_by``; ``None`` once answered (the clock stopped).
    ``on_time``    answered on or before ``due``; ``None`` while unanswered.
    """

    deadlines: Deadlines
    today: date
    answered_on: date | None
    days_left: int | None
    on_time: bool | None
    tone: Tone

    @property
    def due(self) -> date:
        return self.deadlines.due

    @property
    def send_by(self) -> date:
        return self.deadlines.send_by


def clock(deadlines: Deadlines, today: date, answered_on: date | None = None) -> Clock:
    """Where ``deadlines`` stand on ``today``, or where they stood when answered.

    An answered request stops counting: it is on time when answered by ``due``. Otherwise
    the tone is, first match wins: clock paused, overdue (past the send-by day), due within
    seven days, extended, on track.
    """
    if answered_on is not None:
        on_time = answered_on <= deadlines.due
        tone = Tone.ANSWERED_ON_TIME if on_time else Tone.ANSWERED_LATE
        return Clock(deadlines, today, answered_on, None, on_time, tone)
    days = (deadlines.send_by - today).days
    if deadlines.suspended:
        tone = Tone.PAUSED
    elif days < 0:
        tone = Tone.OVERDUE
    elif days <= DUE_SOON_DAYS:
        tone = Tone.DUE_SOON
    elif deadlines.extended is not None:
        tone = Tone.EXTENDED
    else:
        tone = Tone.ON_TRACK
    return Clock(deadlines, today, None, days, None, tone)
