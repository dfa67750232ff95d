"""Which requests need a warning today, and the e-mail that tells the privacy team.

Rules (``warnings_for``), counted in calendar days to the day the answer must be sent
(``Deadlines.send_by``), in Oslo time:

- ``due_in_7``, ``due_in_3``, ``due_in_1``: the send-by day is 7, 3 or 1 days away;
- ``overdue``: the send-by day has passed — every day until the request is answered;
- ``extension_notice``: the request is not extended and the last day to send an extension
  notice (Art. 12(3)) is ``EXTENSION_NOTICE_DAYS`` days away: time to decide whether this
  one needs more time, while the notice can still go out.

Answered (delivered or closed) requests and paused ones (the clock stands still) get none.
A warning carries a request id, a controller id and dates only; the e-mail and the Prefect
artifact hold nothing else.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from dsar.config.models import NotifySettings
from dsar.errors import DsarError
from dsar.store.domain import RequestSummary

DUE_WARNING_DAYS = (7, 3, 1)
EXTENSION_NOTICE_DAYS = 10

KIND_TEXT = {
    "due_in_7": "fristen er om 7 dager",
    "due_in_3": "fristen er om 3 dager",
    "due_in_1": "fristen er i morgen",
    "overdue": "fristen er passert",
    "extension_notice": "siste dag for å varsle forlengelse nærmer seg",
}


class NotifyError(DsarError):
    """The warning e-mail could not be sent (server, port and reason; no content)."""


@dataclass(frozen=True)
class DeadlineWarning:
    request_id: str
    controller_id: str
    kind: str
    send_by: date
    due: date
    days_left: int
    extension_notice_by: date | None = None

    def row(self) -> dict[str, str | int | None]:
        return {
            "request_id": self.request_id,
            "controller": self.controller_id,
            "warning": self.kind,
            "send_by": self.send_by.isoformat(),
            "due": self.due.isoformat(),
            "days_left": self.days_left,
            "extension_notice_by": self.extension_notice_by.isoformat() if self.extension_notice_by else None,
        }


def warnings_for(summaries: Iterable[RequestSummary], today: date) -> list[DeadlineWarning]:
    out: list[DeadlineWarning] = []
    for s in summaries:
        if s.days_left is None or s.paused or s.send_by is None:
            continue
        if s.days_left < 0:
            out.append(DeadlineWarning(s.id, s.controller_id, "overdue", s.send_by, s.due, s.days_left))
        elif s.days_left in DUE_WARNING_DAYS:
            out.append(DeadlineWarning(s.id, s.controller_id, f"due_in_{s.days_left}", s.send_by, s.due, s.days_left))
        if s.due_extended is None:
            notice_by = s.due_promised if s.due_promised is not None and s.due_promised < s.due_legal else s.due_legal
            if (notice_by - today).days == EXTENSION_NOTICE_DAYS:
                out.append(
                    DeadlineWarning(s.id, s.controller_id, "extension_notice", s.send_by, s.due, s.days_left, notice_by)
                )
    return out


def compose(warnings: Sequence[DeadlineWarning], settings: NotifySettings, today: date) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    overdue = sum(1 for w in warnings if w.kind == "overdue")
    message["Subject"] = f"Innsyn: {len(warnings)} fristvarsler {today:%d.%m.%Y}" + (
        f" – {overdue} over fristen" if overdue else ""
    )
    lines = [f"Fristvarsler for innsynskrav, {today:%d.%m.%Y} (norsk tid):", ""]
    for w in warnings:
        line = f"- {w.request_id} ({w.controller_id}): {KIND_TEXT[w.kind]}; send innen {w.send_by:%d.%m.%Y}"
        if w.extension_notice_by:
            line += f"; varsle forlengelse senest {w.extension_notice_by:%d.%m.%Y}"
        lines.append(line)
    lines += ["", "Åpne dashbordet eller kjør 'dsar status' for detaljer."]
    message.set_content("\n".join(lines))
    return message


def send(message: EmailMessage, settings: NotifySettings, password: str | None) -> None:
    """Send over SMTP (STARTTLS when configured). ``NotifyError`` names server and port."""
    if not settings.recipients:
        raise NotifyError("config/dsar.toml: notify.recipients is empty; nobody would be warned")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(
            f"could not send the warning e-mail via {settings.smtp_host}:{settings.smtp_port} ({type(exc).__name__})"
        ) from exc
