"""What the dashboard's pages show, computed from the store: rows, filters, the report.

No FastAPI here: plain functions from store views to plain values, tested without a browser.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dsar.deadlines import Tone
from dsar.store.domain import DELIVERY_CHANNELS, RequestSummary
from dsar.store.states import RequestStatus, SystemStatus

FILTERS = {
    "alle": "Alle",
    "forfalt": "Fristen er passert",
    "uke": "Frist innen 7 dager",
    "vurdering": "Venter på vurdering",
    "saksbehandler": "Venter på saksbehandler",
    "besvart": "Besvart",
}


def matches(s: RequestSummary, view: str) -> bool:
    state = RequestStatus(s.status)
    if view == "forfalt":
        return s.days_left is not None and s.days_left < 0
    if view == "uke":
        return s.days_left is not None and 0 <= s.days_left <= 7
    if view == "vurdering":
        return state == RequestStatus.NEEDS_REVIEW
    if view == "saksbehandler":
        return state.waiting_for_staff
    if view == "besvart":
        return state.answered
    return True


@dataclass(frozen=True)
class Row:
    s: RequestSummary
    state_label: str
    tone: str
    tone_label: str
    deadline_text: str
    systems: list[tuple[str, str, str]]  # id, status, label
    waiting_for_staff: bool


def rows(summaries: Sequence[RequestSummary]) -> list[Row]:
    from dsar.cli.status import deadline_text

    out = []
    for s in summaries:
        state = RequestStatus(s.status)
        tone = Tone(s.tone)
        out.append(
            Row(
                s=s,
                state_label=state.label,
                tone=tone.value,
                tone_label=tone.label,
                deadline_text=deadline_text(s),
                systems=[(sid, st, SystemStatus(st).label) for sid, st in s.systems],
                waiting_for_staff=state.waiting_for_staff,
            )
        )
    return out


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    width: float
    y: float
    height: float


@dataclass(frozen=True)
class Report:
    answered: int
    on_time: int
    share_on_time: str
    median_days: str
    per_month: list[Bar]
    per_controller: list[Bar]
    by_channel: list[tuple[str, int]]
    open_: int
    overdue: int


def report(summaries: Sequence[RequestSummary], today: date) -> Report:
    """Share answered on time, median days to answer, requests per month (last 12) and per
    controller, drawn as bar charts on the server (SVG; no script, no external library)."""
    answered = [s for s in summaries if s.delivered_on is not None]
    on_time = sum(1 for s in answered if s.on_time)
    days = [(s.delivered_on - s.received_on).days for s in answered if s.delivered_on]
    months: list[str] = []
    cursor = date(today.year, today.month, 1)
    for _ in range(12):
        months.append(f"{cursor:%Y-%m}")
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    months.reverse()
    per_month = Counter(f"{s.received_on:%Y-%m}" for s in summaries)
    per_controller = Counter(s.controller_id for s in summaries)
    channels = Counter(DELIVERY_CHANNELS.get(s.delivery_channel or "", "-") for s in answered)
    return Report(
        answered=len(answered),
        on_time=on_time,
        share_on_time=f"{100 * on_time / len(answered):.0f} %" if answered else "–",
        median_days=f"{statistics.median(days):.1f}".replace(".", ",") if days else "–",
        per_month=_bars([(m, per_month.get(m, 0)) for m in months]),
        per_controller=_bars(sorted(per_controller.items())),
        by_channel=sorted(channels.items()),
        open_=sum(1 for s in summaries if s.days_left is not None),
        overdue=sum(1 for s in summaries if s.days_left is not None and s.days_left < 0),
    )


CHART_WIDTH, CHART_HEIGHT = 640.0, 180.0


def _bars(values: list[tuple[str, int]]) -> list[Bar]:
    if not values:
        return []
    top = max(v for _, v in values) or 1
    slot = CHART_WIDTH / len(values)
    bars = []
    for i, (label, value) in enumerate(values):
        height = CHART_HEIGHT * value / top
        width = min(slot * 0.7, 60.0)  # one controller is a bar, not a wall
        bars.append(Bar(label, value, i * slot + (slot - width) / 2, width, CHART_HEIGHT - height, height))
    return bars
