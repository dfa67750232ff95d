"""The daily deadline watch against a local SMTP server: exactly the expected warnings.

A workspace with requests whose answer must be sent in 1, 3 and 7 days, one overdue, one
ten days before the last day for an extension notice, and some that must stay quiet (due
later, answered, paused, extended far ahead). The e-mail and the Prefect artifact carry
request ids and dates, never a name or an e-mail address.
"""

from __future__ import annotations

import socket
from datetime import date, timedelta

import pytest

from dsar.deadlines import compute_deadlines
from dsar.store import Person, open_store
from dsar.workspace import Workspace
from tests import flow_world

TODAY = date(2026, 3, 2)  # a Monday
PROMISE = 30  # testbutikk's promise


def received_for(days_left: int, *, notice_in: int | None = None) -> date:
    """A receipt day whose send-by day is ``days_left`` days after TODAY."""
    for back in range(0, 120):
        received = TODAY - timedelta(days=back)
        d = compute_deadlines(received, PROMISE, today=TODAY)
        if notice_in is not None:
            if (d.extension_notice_by - TODAY).days == notice_in and (d.send_by - TODAY).days not in (1, 3, 7):
                return received
        elif (d.send_by - TODAY).days == days_left and (d.extension_notice_by - TODAY).days != 10:
            return received
    raise AssertionError(f"no receipt day gives {days_left} days left")


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            self.messages.append(envelope.content)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler.messages
    controller.stop()


@pytest.fixture
def world(tmp_path, monkeypatch, smtp_server):
    port, _ = smtp_server
    flow_world.build(tmp_path)
    (tmp_path / "config" / "dsar.toml").write_text(
        f'[notify]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsender = "innsyn@testbutikken.no"\n'
        'recipients = ["personvern@testbutikken.no"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    return Workspace(tmp_path)


def register(store, config, received: date, name: str = "Kari Nordmann") -> str:
    return store.register(
        controller=config.controller,
        person=Person.from_given(name, emails=[flow_world.KARI["email"]]),
        received_on=received,
        channel="email",
        actor="test",
        verification_method="bankid",
        today=TODAY,
    ).id


def test_warnings_at_7_3_1_days_overdue_and_before_the_extension_notice(world, smtp_server, prefect_harness):
    import email

    from prefect.client.orchestration import get_client

    from flows.sla_watch import sla_watch

    _, messages = smtp_server
    store = open_store(world)
    config = world.config.controller("testbutikk")
    expected = {
        (register(store, config, received_for(1)), "due_in_1"),
        (register(store, config, received_for(3)), "due_in_3"),
        (register(store, config, received_for(7)), "due_in_7"),
        (register(store, config, received_for(-3)), "overdue"),
        (register(store, config, received_for(0, notice_in=10)), "extension_notice"),
    }
    quiet_later = register(store, config, received_for(21))
    answered = register(store, config, received_for(-5))
    store.set_status(answered, "running", "test")
    store.set_status(answered, "complete", "test")
    store.deliver(answered, "email", TODAY - timedelta(days=1), "test", today=TODAY)
    paused = register(store, config, received_for(3))
    store.pause(paused, TODAY - timedelta(days=1), "bekreftelse", "test", today=TODAY)
    extended = register(store, config, received_for(7))
    store.extend(extended, 2, "mange systemer", TODAY, "test", today=TODAY)

    result = sla_watch(today=TODAY.isoformat())
    assert result["warnings"] == len(expected) and result["sent"]
    assert len(messages) == 1
    mail = email.message_from_bytes(messages[0])
    body = mail.get_payload(decode=True).decode("utf-8")
    found = set()
    for request_id, kind in expected:
        assert request_id in body, kind
        found.add(request_id)
    for quiet in (quiet_later, answered, paused, extended):
        assert quiet not in body
    assert body.count("- INN-") == len(expected)
    assert "fristen er passert" in body and "varsle forlengelse senest" in body
    assert "Kari" not in body and flow_world.KARI["email"] not in body
    assert "over fristen" in mail["Subject"]

    # The artifact: request ids, kinds and dates only.
    import anyio

    async def artifact_rows():
        async with get_client() as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

            artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["sla-watch"])))
            return artifacts[-1].data

    data = anyio.run(artifact_rows)
    text = str(data)
    assert all(request_id in text for request_id, _ in expected)
    assert "Kari" not in text and "@" not in text


def test_nothing_to_warn_sends_nothing(world, smtp_server, prefect_harness):
    from flows.sla_watch import sla_watch

    _, messages = smtp_server
    store = open_store(world)
    register(store, world.config.controller("testbutikk"), received_for(21))
    result = sla_watch(today=TODAY.isoformat())
    assert result == {"day": TODAY.isoformat(), "warnings": 0, "kinds": {}, "sent": False}
    assert messages == []


def test_an_unreachable_smtp_server_is_named_without_content(world):
    from dsar.sla import DeadlineWarning, NotifyError, compose, send

    settings = world.config.settings.notify.model_copy(update={"smtp_port": 1})
    warning = DeadlineWarning("INN-2026-AAAAAA", "testbutikk", "overdue", TODAY, TODAY, -1)
    with pytest.raises(NotifyError, match="127.0.0.1:1"):
        send(compose([warning], settings, TODAY), settings, None)
