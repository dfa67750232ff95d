"""What a finished search amounts to: the facts the package and the cover letter state.

Built by the flow from the request store and the configuration; read by
``dsar.package`` and ``dsar.letter``. Holds no records, only counts and the register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from dsar.config.models import Controller, Language, System

SystemStatus = Literal["complete", "nothing_found", "failed", "needs_review", "waiting"]
"""``waiting``: a system staff search by hand, not done yet (``connectors.manual``)."""
PasswordChannel = Literal["sms", "phone", "post", "digipost"]


@dataclass(frozen=True)
class SystemReport:
    """One system's outcome for one request.

    ``collections`` counts what is released per collection (confirmed, or held and then
    accepted by staff), and ``records`` is their sum; ``held`` counts groups of weak matches still
    waiting for a decision; ``error`` is a safe message
    (no personal data) when the system could not be searched.
    """

    system: System
    status: SystemStatus
    held: int = 0
    collections: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def records(self) -> int:
        return sum(self.collections.values())

    @property
    def has_data(self) -> bool:
        return self.records > 0

    @property
    def by_staff(self) -> bool:
        """Searched (or to be searched) by staff rather than by the product."""
        return not self.system.searched_by_identity


@dataclass(frozen=True)
class Answer:
    """Everything about one answer except the records themselves."""

    request_id: str
    controller: Controller
    language: Language
    subject_name: str
    received_on: date
    answered_on: date
    generated_at: datetime
    systems: list[SystemReport]
    password_channel: PasswordChannel
    subject_email: str | None = None
    requested_by: str | None = None
    """Who asked, where not the person (a guardian for a child under 18, an agent)."""

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None:
            raise ValueError("Answer.generated_at must carry its timezone (datetime.now(UTC))")

    @property
    def complete(self) -> bool:
        return all(s.status in ("complete", "nothing_found") for s in self.systems)

    @property
    def with_data(self) -> list[SystemReport]:
        return [s for s in self.systems if s.has_data]

    @property
    def without_data(self) -> list[SystemReport]:
        return [s for s in self.systems if s.status == "nothing_found"]

    @property
    def not_searched(self) -> list[SystemReport]:
        """Systems that failed, wait for staff's own search, or still wait for review: the
        answer is partial without them."""
        return [s for s in self.systems if s.status in ("failed", "needs_review", "waiting")]
