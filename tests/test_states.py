"""The request's state machine: the moves it allows, the ones it refuses, and the store,
flow and CLI all going through it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from dsar.errors import InputError
from dsar.store.states import (
    TRANSITIONS,
    InvalidTransition,
    RequestStatus,
    can_transition,
    check_transition,
)

S = RequestStatus
ROOT = Path(__file__).resolve().parents[1]

ALLOWED = [
    (S.AWAITING_VERIFICATION, S.REGISTERED), (S.AWAITING_VERIFICATION, S.CLOSED),
    (S.REGISTERED, S.RUNNING), (S.REGISTERED, S.CLOSED),
    (S.RUNNING, S.RUNNING), (S.RUNNING, S.COMPLETE), (S.RUNNING, S.NEEDS_REVIEW), (S.RUNNING, S.INCOMPLETE),
    (S.NEEDS_REVIEW, S.RUNNING), (S.NEEDS_REVIEW, S.COMPLETE), (S.NEEDS_REVIEW, S.DELIVERED),
    (S.INCOMPLETE, S.RUNNING), (S.INCOMPLETE, S.DELIVERED), (S.INCOMPLETE, S.CLOSED),
    (S.COMPLETE, S.COMPLETE), (S.COMPLETE, S.DELIVERED), (S.COMPLETE, S.CLOSED),
    (S.DELIVERED, S.CLOSED),
]
REFUSED = [
    (S.AWAITING_VERIFICATION, S.RUNNING, "bekreft personens identitet"),
    (S.AWAITING_VERIFICATION, S.DELIVERED, "bekreft"),
    (S.REGISTERED, S.COMPLETE, "kjør det først"),
    (S.REGISTERED, S.DELIVERED, "kjør det først"),
    (S.RUNNING, S.DELIVERED, "vent til kjøringen er ferdig"),
    (S.COMPLETE, S.RUNNING, "kan ikke bli running"),
    (S.DELIVERED, S.RUNNING, "bare avslutning gjenstår"),
    (S.DELIVERED, S.COMPLETE, "bare avslutning gjenstår"),
    (S.CLOSED, S.RUNNING, "det er avsluttet"),
    (S.CLOSED, S.REGISTERED, "det er avsluttet"),
]


@pytest.mark.parametrize(("now", "to"), ALLOWED)
def test_allowed_moves(now, to):
    assert can_transition(now, to) and check_transition("INN-X", now, to) == to


@pytest.mark.parametrize(("now", "to", "hint"), REFUSED)
def test_refused_moves_say_what_to_do(now, to, hint):
    with pytest.raises(InvalidTransition, match=hint) as refused:
        check_transition("INN-2026-AAAAAA", now, to)
    assert "INN-2026-AAAAAA" in str(refused.value) and isinstance(refused.value, InputError)


def test_every_status_has_its_moves_and_closed_is_the_end():
    assert set(TRANSITIONS) == set(RequestStatus)
    assert TRANSITIONS[S.CLOSED] == frozenset()
    assert all(S.CLOSED in TRANSITIONS[s] for s in S if s not in (S.RUNNING, S.CLOSED))


def test_an_unknown_status_is_refused():
    with pytest.raises(InputError, match="ukjent status 'done'"):
        check_transition("INN-X", S.RUNNING, "done")


def test_status_strings_are_written_in_one_place():
    """Request statuses are spelled as strings only in the state machine: the store, flow,
    answer and CLI compare and set them through the enum. (A system's outcome in an answer,
    ``SystemReport.status``, is another vocabulary and not matched here.)"""
    names = "|".join(s.value for s in RequestStatus)
    pattern = re.compile(
        rf"""((request|row|req|summary)\.status\s*(==|!=)\s*|(request|row|req)\.status in \(|set_status\([^)]*)["']({names})["']"""
    )
    offenders = []
    for folder in ("dsar", "flows"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "states.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_store_refuses_a_move_and_changes_nothing(tmp_path, data_key):
    from dsar.deadlines import today_oslo
    from dsar.store import RequestStore
    from tests.test_store import CONTROLLER, KARI

    store = RequestStore(f"sqlite:///{tmp_path / 'store.db'}", data_key)
    request = store.register(controller=CONTROLLER, person=KARI, received_on=today_oslo(), channel="email", actor="t")
    with pytest.raises(InvalidTransition, match="verify"):
        store.set_status(request.id, S.RUNNING, "t")
    with pytest.raises(InvalidTransition):
        store.deliver(request.id, "email", today_oslo(), "t")
    assert store.get(request.id).status == S.AWAITING_VERIFICATION
    store.verify(request.id, "bankid", "t")
    store.set_status(request.id, S.RUNNING, "t")
    store.set_status(request.id, S.COMPLETE, "t")
    delivered = store.deliver(request.id, "email", today_oslo(), "t")
    assert delivered.state == S.DELIVERED and delivered.clock.on_time and delivered.clock.days_left is None
    with pytest.raises(InputError, match="kan ikke lenger endres"):
        store.pause(request.id, today_oslo(), "x", "t")
    closed = store.close_request(request.id, "answered", "t")
    assert closed.state == S.CLOSED and closed.closed_at is not None
    assert [e.detail.get("status") for e in store.audit_log(request.id) if e.action == "status"] == [
        "registered", "running", "complete", "delivered", "closed"
    ]
    store.close()


def test_grep_finds_no_complete_string_outside_the_state_machine():
    out = subprocess.run(
        ["grep", "-rn", "--include=*.py", "status.*[=!]= *\"complete\"", "dsar", "flows"],
        cwd=ROOT, capture_output=True, text=True,
    ).stdout
    assert out == ""
