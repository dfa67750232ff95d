"""The mail connector end to end: a sample world's archives searched for a person, the
package holding redacted .eml files, staff lifting and adding redactions, and the ways a
mail system fails (a corrupt message, a mailbox gone away, an IMAP server down) ending the
system — named — as failed, so the request is incomplete."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from connectors import connector_for
from dsar.errors import ConnectorError
from dsar.search import final_findings as findings
from dsar.search import search_system
from dsar.store import Person, open_store
from dsar.workspace import Workspace


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sample_data.generate import build_world

    return build_world(tmp_path_factory.mktemp("mail-world"), scale=0.05).workspace


def _someone_with_mail(root: Path, controller: str) -> tuple[dict[str, str], set[str], str]:
    owned: dict[str, set[str]] = {}
    system = ""
    with (root / "sources" / "ground_truth.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["controller"] == controller and row["collection"] == "messages":
                owned.setdefault(row["person_id"], set()).add(row["key"])
                system = row["system"]
    with (root / "sources" / "people.csv").open(encoding="utf-8") as handle:
        people = {p["person_id"]: p for p in csv.DictReader(handle)}
    pid = max((p for p in owned if not people[p]["shares_email_with"] and people[p]["email"]), key=lambda p: (len(owned[p]), p))
    return people[pid], owned[pid], system


def _person(row: dict[str, str]) -> Person:
    return Person.from_given(row["name"], emails=[row["email"]], phones=[row["phone"]])


@pytest.mark.parametrize("controller", ["stavanger-sentrum", "stavanger-foto", "gjovik-kultursenter", "janteloppet"])
def test_a_persons_messages_are_found_in_each_archive_and_others_are_blacked_out(world: Path, controller: str):
    ws = Workspace(world)
    row, mine, system_id = _someone_with_mail(world, controller)
    system = ws.config.controllers[controller].systems[system_id]
    with connector_for(system, ws) as connector:
        found = list(findings(connector, system, _person(row)))
    confirmed = {f.key for f in found if f.status == "confirmed"}
    assert mine <= confirmed
    for finding in found:
        assert finding.redaction is not None
        kinds = {t["kind"] for t in finding.redaction}
        values = {t["value"] for t in finding.redaction}
        assert row["email"] not in values and row["phone"] not in values
        assert kinds <= {"email", "phone", "name"}


def test_the_index_is_refreshed_when_mail_arrives(world: Path, tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(world, root)
    ws = Workspace(root)
    row, mine, system_id = _someone_with_mail(root, "stavanger-sentrum")
    system = ws.config.controllers["stavanger-sentrum"].systems[system_id]
    with connector_for(system, ws) as connector:
        connector.refresh()
        inbox = root / "sources" / "stavanger-sentrum" / "epost" / "post" / "new"
        (inbox / "1800000000.M1P1.new").write_bytes(
            f"From: {row['email']}\r\nTo: post@byen.no\r\nSubject: Ny sak\r\nMessage-ID: <new@x>\r\n\r\nHei igjen\r\n".encode()
        )
        found = {f.fields["subject"] for f in findings(connector, system, _person(row))}
        assert "Ny sak" in found
        assert connector.refreshed is not None and connector.refreshed.added == 1


def test_a_third_party_the_member_register_knows_is_blacked_out_by_name(world: Path, tmp_path: Path):
    """A name no lexicon has, held by the controller's member register, is found in the
    person's mail and blacked out of their copy; the person's own name stays."""
    import sqlite3

    from dsar.known_names import build_known_names, known_names_path
    from dsar.mail_message import parse, to_eml
    from dsar.personal_names import find_names, lexicon
    from dsar.redaction import MARK, Applier, Plan

    ws = _fresh(world, tmp_path)
    row, _, system_id = _someone_with_mail(ws.root, "stavanger-sentrum")
    first, last = "Quorbinta", "Zylvestrud"
    assert {first.lower(), last.lower()}.isdisjoint(lexicon().given | lexicon().surnames)
    assert find_names(f"Jeg snakket med {first} {last} i går.") == []  # the lexicon alone misses it
    with sqlite3.connect(ws.root / "sources" / "stavanger-sentrum" / "medlemsregister.db") as db:
        company = db.execute("SELECT company_id FROM member_companies LIMIT 1").fetchone()[0]
        db.execute(
            "INSERT INTO contact_persons (contact_id, company_id, first_name, last_name, role, receives_newsletter, "
            "registered_at, updated_at) VALUES (987654, ?, ?, ?, 'Daglig leder', 0, '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
            (company, first, last),
        )
    inbox = ws.root / "sources" / "stavanger-sentrum" / "epost" / "post" / "new"
    (inbox / "1800000001.M2P2.third").write_bytes((
        f"From: {row['name']} <{row['email']}>\r\nTo: post@byen.no\r\nSubject: Om {first} {last}\r\n"
        f"Message-ID: <third-party@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hei,\r\n\r\nJeg snakket med {first} {last} i går om standplassen.\r\n\r\nHilsen\r\n{row['name']}\r\n"
    ).encode())
    controller = ws.config.controllers["stavanger-sentrum"]
    stats = build_known_names(ws, controller)  # what 'dsar index' does
    assert stats.names > 0 and stats.systems == ["medlemsregister", "kundeklubb", "arrangementer"] and not stats.failed
    stored = known_names_path(ws, controller.id).read_bytes()
    assert first.encode() not in stored and first.lower().encode() not in stored  # hashes only
    system = controller.systems[system_id]
    with connector_for(system, ws) as connector:
        found = [f for f in findings(connector, system, _person(row)) if f.fields["subject"].endswith(last)]
    assert len(found) == 1 and found[0].status == "confirmed"
    names = {t["value"] for t in found[0].redaction if t["kind"] == "name"}
    assert f"{first} {last}".lower() in names
    message = parse((inbox / "1800000001.M2P2.third").read_bytes())
    redact = Applier(Plan.from_json(found[0].redaction))
    copy = parse(to_eml(message, redact, redact.address))
    text = "\n".join(copy.texts())
    assert first not in text and last not in text and f"Jeg snakket med {MARK} i går" in text
    assert copy.subject == f"Om {MARK}"
    assert row["name"] in text and copy.addresses["from"][0] == (row["name"], row["email"])


def test_a_register_that_cant_be_read_is_named_and_the_others_names_still_count(world: Path, tmp_path: Path):
    from dsar.known_names import build_known_names

    ws = _fresh(world, tmp_path)
    (ws.root / "sources" / "stavanger-sentrum" / "kundeklubb.csv").unlink()
    stats = build_known_names(ws, ws.config.controllers["stavanger-sentrum"])
    assert stats.failed == ["kundeklubb"] and stats.systems == ["medlemsregister", "arrangementer"] and stats.hashes > 0


def _request(ws: Workspace, controller: str, person: Person) -> str:
    store = open_store(ws)
    config = ws.config.controllers[controller]
    request = store.register(
        controller=config.controller, person=person, received_on=date(2026, 11, 2),
        channel="email", actor="test", verification_method="email-code",
    )
    store.prepare_runs(request.id, list(config.systems))
    return request.id


def _fresh(world: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(world, root)
    return Workspace(root)


def test_a_corrupt_message_fails_the_system_by_name(world: Path, tmp_path: Path):
    ws = _fresh(world, tmp_path)
    row, _, system_id = _someone_with_mail(ws.root, "stavanger-sentrum")
    cur = ws.root / "sources" / "stavanger-sentrum" / "epost" / "post" / "cur"
    (cur / "1700000000.M9P9.broken:2,S").write_bytes(b"\x00\x01\x02\x03 not a message")
    person = _person(row)
    request = open_store(ws).get(_request(ws, "stavanger-sentrum", person))
    system = ws.config.controllers["stavanger-sentrum"].systems[system_id]
    with pytest.raises(ConnectorError, match=f"systemet '{system_id}'.*kan ikke leses") as caught:
        search_system(ws, open_store(ws), request, system)
    assert row["email"] not in str(caught.value)
    run = open_store(ws).system_runs(request.id)[system_id]
    assert run.status == "failed" and system_id in str(caught.value)


def test_a_mailbox_gone_away_fails_the_system_by_name(world: Path, tmp_path: Path):
    ws = _fresh(world, tmp_path)
    row, _, system_id = _someone_with_mail(ws.root, "stavanger-foto")
    shutil.rmtree(ws.root / "sources" / "stavanger-foto" / "epost")
    request = open_store(ws).get(_request(ws, "stavanger-foto", _person(row)))
    system = ws.config.controllers["stavanger-foto"].systems[system_id]
    with pytest.raises(ConnectorError, match=f"systemet '{system_id}'.*mangler"):
        search_system(ws, open_store(ws), request, system)
    assert open_store(ws).system_runs(request.id)[system_id].status == "failed"


def test_an_imap_server_down_fails_the_system_as_transient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from connectors.mail import MailSystem

    monkeypatch.setenv("DSAR_TEST_IMAP_PASSWORD", "x")
    system = MailSystem.model_validate({
        "id": "epost", "title": "E-post", "connector": "mail", "format": "imap",
        "imap": {"host": "127.0.0.1", "port": 1, "user": "arkiv", "password_env": "DSAR_TEST_IMAP_PASSWORD", "tls": "none", "timeout_seconds": 3},
        "register": _register(),
    })
    ws = Workspace(tmp_path)
    with connector_for(system, ws) as connector:
        ok, problem = connector.check()
        assert not ok and "kan ikke nås" in problem
        with pytest.raises(ConnectorError, match="systemet 'epost'") as caught:
            list(connector.find(Person.from_given("Kari Nordmann", emails=["kari@example.no"]).lookup()))
    assert caught.value.transient


def _register() -> dict:
    return {
        "purposes": ["Kundeservice"], "legal_basis": ["Avtale"], "categories": ["E-post"], "recipients": [],
        "retention": "Ett år", "sources": [], "transfers": [], "profiling": False, "automated_decisions": False,
    }


def test_imap_archive_searched_against_dovecot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from connectors.mail import MailSystem
    from tests.dovecot import Dovecot, temporary_root
    from tests.test_mail_sources import mail

    server = Dovecot(temporary_root()).start()
    try:
        server.append("INBOX", mail(1, body="Ring meg på 912 34 567. Hilsen Kari Nordmann"))
        server.append("Arkiv", mail(2, sender="per.hansen@example.com", body="Om Kari Nordmann: tlf 91234567"))
        monkeypatch.setenv("DSAR_TEST_IMAP_PASSWORD", server.password)
        system = MailSystem.model_validate({
            "id": "epost", "title": "E-post", "connector": "mail", "format": "imap",
            "imap": {"host": server.host, "port": server.port, "user": server.user,
                     "password_env": "DSAR_TEST_IMAP_PASSWORD", "tls": "none"},
            "role_addresses": ["post@byen.no"], "register": _register(),
        })
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "dsar.toml").write_text("")
        ws = Workspace(tmp_path)
        with connector_for(system, ws) as connector:
            person = Person.from_given("Kari Nordmann", emails=["kari.nordmann@example.no"], phones=["91234567"])
            found = list(findings(connector, system, person))
        assert len(found) == 2 and all(f.status == "confirmed" for f in found)
        other = next(f for f in found if "per.hansen" in json.dumps(f.redaction))
        assert {t["kind"] for t in other.redaction} >= {"email"}
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def test_the_package_holds_redacted_eml_files_and_staff_changes_apply_without_a_new_search(world: Path, tmp_path: Path):
    import pyzipper

    from dsar.answer import answer_request
    from dsar.delivery import take_password
    from dsar.mail_message import parse

    ws = _fresh(world, tmp_path)
    row, mine, system_id = _someone_with_mail(ws.root, "stavanger-sentrum")
    store = open_store(ws)
    request = store.get(_request(ws, "stavanger-sentrum", _person(row)))
    store.set_status(request.id, "running", "test")
    controller = ws.config.controllers["stavanger-sentrum"]
    for system in controller.systems.values():
        search_system(ws, store, request, system)

    def package() -> tuple[dict, dict[str, bytes]]:
        outcome = answer_request(ws, store, store.get(request.id), controller)
        password = take_password(ws.data_key, outcome.package)
        with pyzipper.AESZipFile(outcome.package) as z:
            z.setpassword(password.encode())
            members = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
        return json.loads(members["manifest.json"]), members

    manifest, members = package()
    emls = {n: b for n, b in members.items() if n.endswith(".eml")}
    assert {f"attachments/{system_id}/messages/{key}/{key}.eml" for key in mine} <= set(emls)
    counts = next(s for s in manifest["systems"] if s["id"] == system_id)["redactions"]
    assert counts["email"] + counts["phone"] + counts["name"] > 0
    for name in members:
        assert row["name"].split()[-1] not in name and "@" not in name  # member names are not encrypted
    rows = json.loads(members[f"data/{system_id}/messages.json"])["records"]
    assert all("redactions" in r for r in rows)
    staged = [f for f in ws.staging.read(request.id, system_id, "messages") if f.redaction]
    finding = next(f for f in staged if f.redaction)
    target = finding.redaction[0]
    before = emls[f"attachments/{system_id}/messages/{finding.key}/{finding.key}.eml"].decode()
    assert target["spellings"][0] not in before
    store.change_redaction(request.id, system_id, finding.key, "saksbehandler", lift=target["id"])
    store.change_redaction(request.id, system_id, finding.key, "saksbehandler", add="Hei")
    _, members = package()
    after = members[f"attachments/{system_id}/messages/{finding.key}/{finding.key}.eml"].decode()
    text = "\n".join(parse(after.encode()).texts()) + after
    assert target["spellings"][0] in text or target["value"] in text.lower()
    assert "Hei" not in "\n".join(parse(after.encode()).texts()[1:])
    log = [(e.action, e.detail) for e in store.audit_log(request.id)]
    assert ("redaction_lifted", {"system": system_id, "record": finding.key, "target": target["id"]}) in log
    assert any(a == "redaction_added" and "Hei" not in json.dumps(d) for a, d in log)


def test_cli_index_preview_lift_and_redact(world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from dsar.cli import app

    ws = _fresh(world, tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(ws.root))
    runner = CliRunner()
    result = runner.invoke(app, ["index", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["system"] for r in rows} == {"epost", "kundeservice"} and all(r["messages"] > 0 for r in rows)
    assert json.loads(runner.invoke(app, ["index", "--json"]).stdout)[0]["added"] == 0  # nothing new

    row, _, system_id = _someone_with_mail(ws.root, "janteloppet")
    store = open_store(ws)
    request = store.get(_request(ws, "janteloppet", _person(row)))
    search_system(ws, store, request, ws.config.controllers["janteloppet"].systems[system_id])
    listed = json.loads(runner.invoke(app, ["review", "redactions", request.id, "--json"]).stdout)
    message = next(r for r in listed if r["email"] + r["phone"] + r["name"])
    shown = json.loads(runner.invoke(app, ["review", "redactions", request.id, "--message", message["message"], "--json"]).stdout)
    number = shown["targets"][0]["id"]
    assert runner.invoke(app, ["review", "lift", request.id, system_id, message["message"], str(number)]).exit_code == 0
    assert runner.invoke(app, ["review", "redact", request.id, system_id, message["message"], "takk"]).exit_code == 0
    again = json.loads(runner.invoke(app, ["review", "redactions", request.id, "--json"]).stdout)
    assert next(r for r in again if r["message"] == message["message"])["lifted"] == 1
    wrong = runner.invoke(app, ["review", "lift", request.id, system_id, message["message"], "999"])
    assert wrong.exit_code != 0 and "ingen sladding #999" in wrong.output


@pytest.mark.parametrize("controller", ["stavanger-sentrum", "stavanger-foto", "gjovik-kultursenter", "janteloppet"])
def test_the_demo_subject_has_mail_and_none_of_it_is_held(world: Path, controller: str):
    from sample_data.generate import choose_demo_subject

    ws = Workspace(world)
    subject = choose_demo_subject(world, controller)
    person = Person.from_given(subject["name"], emails=[subject["email"]], phones=[subject["phone"]])
    system = next(s for s in ws.config.controllers[controller].systems.values() if s.connector == "mail")
    with connector_for(system, ws) as connector:
        found = list(findings(connector, system, person))
    assert found and all(f.status == "confirmed" for f in found)
