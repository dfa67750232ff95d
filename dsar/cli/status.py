"""``dsar status`` for people: names, the dashboard's states and colours, no Python reprs.

Colours are ANSI styles; click drops them when the output is not a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer

from dsar.deadlines import Tone
from dsar.safetext import for_terminal
from dsar.store.domain import DELIVERY_CHANNELS, RequestSummary
from dsar.store.states import RequestStatus, SystemStatus

TONE_COLOURS = {
    Tone.ON_TRACK: "green",
    Tone.DUE_SOON: "yellow",
    Tone.OVERDUE: "red",
    Tone.EXTENDED: "cyan",
    Tone.PAUSED: "blue",
    Tone.ANSWERED_ON_TIME: "green",
    Tone.ANSWERED_LATE: "magenta",
}


def status_rows(summaries: Sequence[RequestSummary]) -> list[dict[str, Any]]:
    """What ``--json`` prints: ids, dates, statuses and counts (no names)."""
    return [
        {
            "id": s.id,
            "controller": s.controller_id,
            "status": s.status,
            "state": "Avbrutt – kjør på nytt" if s.interrupted else s.state.label,
            "interrupted": s.interrupted,
            "received": s.received_on,
            "due": s.due,
            "send_by": s.send_by,
            "days_left": s.days_left,
            "tone": s.tone,
            "due_legal": s.due_legal,
            "due_promised": s.due_promised,
            "due_extended": s.due_extended,
            "paused": s.paused,
            "delivered_on": s.delivered_on,
            "delivery_channel": s.delivery_channel,
            "on_time": s.on_time,
            "failed_systems": list(s.failed_systems),
            "held": s.held,
            "excluded": s.excluded,
            "systems": {system: status for system, status in s.systems},
            "waiting_for_staff": s.state.waiting_for_staff,
        }
        for s in summaries
    ]


def deadline_text(s: RequestSummary) -> str:
    tone = Tone(s.tone)
    if s.days_left is None:
        if s.delivered_on is None:
            return "avsluttet"
        how = DELIVERY_CHANNELS.get(s.delivery_channel or "", s.delivery_channel or "")
        return f"{tone.label} {s.delivered_on:%d.%m.%Y} ({how.lower()})"
    if s.days_left < 0:
        left = f"{-s.days_left} {'dag' if s.days_left == -1 else 'dager'} på overtid"
    elif s.days_left == 0:
        left = "send i dag"
    else:
        left = f"{s.days_left} {'dag' if s.days_left == 1 else 'dager'} igjen"
    if tone == Tone.PAUSED:
        return f"{tone.label} ({left})"
    return left + (" (forlenget)" if tone == Tone.EXTENDED else "")


def systems_text(s: RequestSummary) -> str:
    if not s.systems:
        return "ikke kjørt"
    done = sum(1 for _, st in s.systems if SystemStatus(st).done)
    failed = [sid for sid, st in s.systems if st == SystemStatus.FAILED]
    text = f"{done}/{len(s.systems)} søkt"
    if failed:
        text += f", feilet: {', '.join(failed)}"
    if s.held:
        text += f", {s.held} til vurdering"
    if s.excluded:
        text += f", {s.excluded} utelatt som andres"
    return text


def show_status(summaries: Sequence[RequestSummary]) -> None:
    if not summaries:
        typer.echo("Ingen innsynskrav registrert.")
        return
    show_names = any(s.person_name for s in summaries)
    headers = ["Krav", *(["Navn"] if show_names else []), "Virksomhet", "Mottatt", "Send innen", "Status", "Frist", "Systemer"]
    rows: list[tuple[list[str], Tone]] = []
    for s in summaries:
        cells = [
            s.id,
            *([_plain(s.person_name or "-")] if show_names else []),
            s.controller_id,
            f"{s.received_on:%d.%m.%Y}",
            f"{s.send_by:%d.%m.%Y}" if s.send_by else "-",
            _state_text(s),
            deadline_text(s),
            systems_text(s),
        ]
        rows.append((cells, Tone(s.tone)))
    widths = [max(len(h), *(len(c[i]) for c, _ in rows)) for i, h in enumerate(headers)]
    last = len(headers) - 1
    typer.echo(
        "  ".join(
            typer.style(h if i == last else h.ljust(w), bold=True)
            for i, (h, w) in enumerate(zip(headers, widths, strict=True))
        )
    )
    deadline_col = headers.index("Frist")
    for cells, tone in rows:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            text = cell if i == len(cells) - 1 else cell.ljust(width)
            out.append(typer.style(text, fg=TONE_COLOURS[tone]) if i == deadline_col else text)
        typer.echo("  ".join(out).rstrip())


def _state_text(s: RequestSummary) -> str:
    state = RequestStatus(s.status)
    if s.interrupted:
        return "Avbrutt – kjør på nytt (dsar run)"
    text = state.label
    if state.waiting_for_staff and state != RequestStatus.REGISTERED:
        text += " – venter på saksbehandler"
    return text


def _plain(text: str) -> str:
    """A name as one safe terminal line: control characters (escapes) dropped."""
    return "".join(ch for ch in for_terminal(text) if ch.isprintable())[:40]
