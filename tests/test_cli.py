"""The ``dsar`` command: bad input gets a clear error and changes nothing; --json for scripts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dsar.cli import app
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world

runner = CliRunner()


@pytest.fixture
def ws(tmp_path, monkeypatch):
    from flows.runtime import forget_runtimes

    flow_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    yield Workspace(tmp_path)
    forget_runtimes()


def new(*extra: str):
    args = ["request", "new", "--controller", "testbutikk", "--name", "Kari Nordmann", *extra]
    return runner.invoke(app, args)


def test_repackage_needs_a_run_first(ws):
    request_id = new("--email", "kari.nordmann@example.no", "--verified-by", "bankid").stdout.strip()
    result = runner.invoke(app, ["repackage", request_id])
    assert result.exit_code == 2 and "er ikke kjørt ennå" in result.stderr


def test_register_prints_the_id_and_json(ws):
    plain = new("--email", "Kari.Nordmann@Example.no", "--phone", "912 34 567", "--verified-by", "email-code")
    assert plain.exit_code == 0, plain.output
    request_id = plain.stdout.strip()
    assert request_id.startswith("INN-")
    as_json = new("--email", "kari.nordmann@example.no", "--verified-by", "bankid", "--json")
    data = json.loads(as_json.stdout)
    assert data["status"] == "registered" and data["id"] != request_id
    rows = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert {r["id"] for r in rows} == {request_id, data["id"]}
    assert {"id", "controller", "status", "received", "due", "days_left"} <= set(rows[0])
    # What the store keeps is normalised: one lower-case address, E.164 phone.
    person = open_store(ws).get(request_id).person
    assert person.emails == ("kari.nordmann@example.no",) and person.phones == ("+4791234567",)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--email", "kari.nordmann"], "e-postadressen er ikke gyldig"),
        (["--email", "kari@example.no", "--phone", "12"], "telefonnummeret er ikke gyldig"),
        (["--phone", "abc"], "telefonnummeret er ikke gyldig"),
        ([], "e-post eller telefon"),  # a name alone is never searched
        (["--email", "kari@example.no", "--verified-by", "id-copy"], "ukjent verifiseringsmetode"),
        (["--email", "kari@example.no", "--received", "31.12.2026"], "er ikke en dato"),
        (["--email", "kari@example.no", "--on-behalf-of", "Emma Nordmann"], "--relation guardian"),
        (["--email", "kari@example.no", "--birthdate", "2031-01-01"], "fødselsdatoen er ikke mulig"),
        (["--email", "kari@example.no", "--birthdate", "21109834567"], "er ikke et gyldig fødselsnummer"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(ws, args, message):
    result = new(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "kari" not in result.stderr.lower()  # the error never repeats the value
    assert open_store(ws).summaries() == []


def test_unknown_controller(ws):
    result = runner.invoke(app, ["request", "new", "--controller", "nope", "--name", "K", "--email", "k@example.no"])
    assert result.exit_code == 2 and "ukjent virksomhet 'nope'" in result.stderr and "testbutikk" in result.stderr


def test_errors_as_json(ws):
    result = new("--email", "kari.nordmann", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "error": "e-postadressen er ikke gyldig (se etter skrivefeil og manglende '@')",
        "kind": "InputError",
    }


def test_a_fodselsnummer_gives_the_birth_date_and_is_not_kept(ws):
    from datetime import date

    result = new("--email", "kari.nordmann@example.no", "--birthdate", "031198 12363", "--verified-by", "bankid")
    assert result.exit_code == 0, result.output
    person = open_store(ws).get(result.stdout.strip()).person
    assert person.birthdate == date(1998, 11, 3)
    assert "12363" not in repr(person)  # only the date is stored, never the number
    helped = runner.invoke(app, ["request", "new", "--help"], env={"COLUMNS": "200"})
    text = " ".join(helped.stdout.replace("│", " ").split())  # the help as one line, unwrapped
    assert "eller fødselsnummeret eller D-nummeret" in text and "lagres bare fødselsdatoen" in text


def test_guardian_request_records_who_asked(ws):
    result = new(
        "--email", "kari.nordmann@example.no", "--on-behalf-of", "Emma Nordmann", "--relation", "guardian",
        "--birthdate", "2016-05-01", "--verified-by", "bankid", "--json",
    )
    assert result.exit_code == 0, result.output
    request = open_store(ws).get(json.loads(result.stdout)["id"])
    assert request.person.name == "Emma Nordmann" and request.requested_by == "Kari Nordmann"
    assert request.relation == "guardian"


def test_a_guardian_for_a_child_of_16_needs_the_childs_consent(ws):
    from datetime import date

    born = date(date.today().year - 16, 1, 1).isoformat()
    args = ("--email", "kari.nordmann@example.no", "--on-behalf-of", "Emma Nordmann", "--relation", "guardian",
            "--birthdate", born, "--verified-by", "bankid", "--json")
    refused = new(*args)
    assert refused.exit_code == 2 and "barnets skriftlige samtykke" in json.loads(refused.stdout)["error"]
    result = new(*args, "--mandate", "samtykke fra Emma, skjema 2026-11-02")
    assert result.exit_code == 0, result.output
    assert open_store(ws).get(json.loads(result.stdout)["id"]).mandate == "samtykke fra Emma, skjema 2026-11-02"


def test_run_verify_and_password_once(ws, prefect_harness):
    request_id = new("--email", "kari.nordmann@example.no").stdout.strip()
    refused = runner.invoke(app, ["run", request_id, "--json"])
    assert refused.exit_code == 2 and json.loads(refused.stdout)["kind"] == "RequestNotVerified"
    assert runner.invoke(app, ["request", "verify", request_id, "--method", "sms-code"]).exit_code == 0
    result = runner.invoke(app, ["run", request_id, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "complete" and data["password"] and data["package"].endswith(".zip")
    again = runner.invoke(app, ["password", request_id])
    assert again.exit_code == 2 and "allerede vist" in again.stderr and "dsar repackage" in again.stderr
    # A lost password: a new package from what was found, nothing searched again.
    rebuilt = json.loads(runner.invoke(app, ["repackage", request_id, "--json"]).stdout)
    assert rebuilt["status"] == "complete" and rebuilt["password"] and rebuilt["password"] != data["password"]
    assert rebuilt["package"] != data["package"] and rebuilt["records"] == data["records"]
    assert open_store(ws).system_runs(request_id)["nettbutikk"].attempts == 1


def test_broken_configuration_is_reported_with_file_and_key(ws):
    config = ws.config_dir / "controllers" / "testbutikk.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('table = "orders"', 'tabel = "orders"'), encoding="utf-8")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert "testbutikk.toml: systems.nettbutikk.collections.orders.tabel: unknown key" in result.stderr


def test_check_reaches_every_system(ws):
    result = runner.invoke(app, ["check", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["system"], r["ok"]) for r in rows} == {
        ("request store", True), ("nettbutikk", True), ("nyhetsbrev", True),
    }
    (ws.sources_dir / "newsletter.csv").write_text("epost;samtykke\nx;y;z\n", encoding="utf-8")
    broken = runner.invoke(app, ["check", "--json"])
    assert broken.exit_code == 1
    assert "linje" in next(r for r in json.loads(broken.stdout) if r["system"] == "nyhetsbrev")["problem"]


def test_check_fails_on_a_workspace_without_a_controller(tmp_path):
    (tmp_path / "config" / "controllers").mkdir(parents=True)
    result = runner.invoke(app, ["check", "--workspace", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "ingen behandlingsansvarlig virksomhet er konfigurert" in result.stdout
    assert f"{tmp_path / 'config' / 'controllers'}/<id>.toml" in result.stdout and "README" in result.stdout
    assert "Slik nås samlingene" not in result.stdout
    rows = json.loads(runner.invoke(app, ["check", "--workspace", str(tmp_path), "--json"]).stdout)
    assert [(r["system"], r["ok"]) for r in rows] == [("request store", True), ("configuration", False)]
    # A check changes nothing: the store is made by the first request, and the check says so.
    assert not (tmp_path / "store.db").exists()
    assert "opprettes ved første" in rows[0]["warnings"][0]


@pytest.mark.parametrize("command", [["check"], ["status"], ["review", "list", "INN-2026-AAAAAA"]])
def test_a_workspace_that_does_not_exist_is_an_error_and_is_not_made(tmp_path, command):
    missing = tmp_path / "arbeidsomrade-skrivefeil"
    result = runner.invoke(app, [*command, "--workspace", str(missing)])
    assert result.exit_code == 2, result.output
    assert f"arbeidsområdet {missing} finnes ikke" in result.stderr
    assert "Traceback" not in result.output
    assert not missing.exists()


def test_staff_list_what_was_excluded_and_put_one_to_a_decision(ws):
    request_id = new("--email", "kari.nordmann@example.no", "--email", flow_world.FAMILY_EMAIL,
                     "--verified-by", "bankid").stdout.strip()
    assert runner.invoke(app, ["run", request_id]).exit_code == 0
    (row,) = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert (row["held"], row["excluded"]) == (1, 3)
    table = runner.invoke(app, ["review", "excluded", request_id])
    assert table.exit_code == 0 and "customers/2" in table.stdout and "navnet er et annet" in table.stdout
    (group,) = json.loads(runner.invoke(app, ["review", "excluded", request_id, "--json"]).stdout)
    assert (group["system"], group["record"], group["records"], group["reconsidered"]) == (
        "nettbutikk", "customers/2", 3, False)
    wrong = runner.invoke(app, ["review", "reconsider", request_id, "nettbutikk", "customers/1"])
    assert wrong.exit_code == 2 and "ingen utelatt gruppe" in wrong.stderr
    done = runner.invoke(app, ["review", "reconsider", request_id, "nettbutikk", "customers/2"])
    assert done.exit_code == 0 and "til vurdering" in done.stdout
    items = json.loads(runner.invoke(app, ["review", "list", request_id, "--json"]).stdout)
    assert {(i["record"], i["reason"]) for i in items} == {("customers/5", "surname_differs"),
                                                           ("customers/2", "name_differs")}


def test_a_name_that_tells_no_one_apart_is_registered_with_a_note(ws):
    result = runner.invoke(app, ["request", "new", "--controller", "testbutikk", "--name", "Rosseland",
                                 "--email", "rosseland@example.no", "--verified-by", "bankid"])
    assert result.exit_code == 0 and result.stdout.strip().startswith("INN-")
    assert "Merk: navnet skiller ikke personer" in result.stderr and "legitimasjonen" in result.stderr


def test_a_review_item_number_that_is_not_the_requests_names_the_ones_that_are(ws):
    first, second = (
        new("--email", "kari.nordmann@example.no", "--email", flow_world.FAMILY_EMAIL,
            "--verified-by", "bankid").stdout.strip()
        for _ in range(2)
    )
    assert runner.invoke(app, ["run", first]).exit_code == 0
    assert runner.invoke(app, ["run", second]).exit_code == 0
    (mine,) = json.loads(runner.invoke(app, ["review", "list", second, "--json"]).stdout)
    (theirs,) = json.loads(runner.invoke(app, ["review", "list", first, "--json"]).stdout)
    # Numbers run across requests: the first request's item is not the second's.
    for command in (["review", "decide", second, str(theirs["item"]), "accepted"],
                    ["review", "show", second, str(theirs["item"])]):
        wrong = runner.invoke(app, command)
        assert wrong.exit_code == 2
        assert f"har ingen vurderingspost {theirs['item']}; kravet har vurderingspost {mine['item']} " in wrong.stderr
    assert open_store(ws).review_items(first)[0].decision is None  # the other request's item untouched
    # The list and the item show the number to use.
    listed = runner.invoke(app, ["review", "list", second])
    assert listed.stdout.splitlines()[0].startswith("Nr ")
    assert f"dsar review decide {second} NR accepted|rejected" in listed.stdout
    shown = runner.invoke(app, ["review", "show", second, str(mine["item"])])
    assert shown.stdout.startswith(f"Vurderingspost {mine['item']} i {second}: nettbutikk {mine['record']}")
    assert f"dsar review decide {second} {mine['item']} accepted|rejected" in shown.stdout
    # Decided, it no longer waits: the error says so, and names it as decided.
    assert runner.invoke(app, ["review", "decide", second, str(mine["item"]), "rejected"]).exit_code == 0
    none_left = runner.invoke(app, ["review", "decide", second, "999", "accepted"])
    assert none_left.exit_code == 2
    assert f"ingen vurderingsposter som venter; avgjort: {mine['item']}" in none_left.stderr


def test_review_item_numbers_are_listed_in_bokmal():
    from dsar.store.domain import ReviewItemView, no_review_item

    def items(*waiting: int, decided: tuple[int, ...] = ()) -> list[ReviewItemView]:
        return [ReviewItemView(i, "s", "r", "name_only", None, None) for i in waiting] + [
            ReviewItemView(i, "s", "r", "name_only", "accepted", "kari") for i in decided]

    assert "; kravet har vurderingspostene 35, 36 og 40 (" in no_review_item("INN-X", 1, items(35, 36, 40))
    assert "; kravet har vurderingspostene 35 og 36 (" in no_review_item("INN-X", 1, items(35, 36))
    assert "; kravet har ingen vurderingsposter som venter (" in no_review_item("INN-X", 1, items())
    assert "; kravet har vurderingspost 40; avgjort: 35 (" in no_review_item("INN-X", 1, items(40, decided=(35,)))


def test_review_show_says_accepting_a_held_group_fetches_what_hangs_on_it(ws):
    from dsar.store.domain import ACCEPTING_FETCHES_MORE

    request_id = new("--email", "kari.nordmann@example.no", "--email", flow_world.FAMILY_EMAIL,
                     "--verified-by", "bankid").stdout.strip()
    assert runner.invoke(app, ["run", request_id]).exit_code == 0
    (item,) = json.loads(runner.invoke(app, ["review", "list", request_id, "--json"]).stdout)
    assert item["record"] == "customers/5"  # a customer: orders and their lines hang on it
    shown = runner.invoke(app, ["review", "show", request_id, str(item["item"])])
    assert shown.exit_code == 0 and ACCEPTING_FETCHES_MORE in shown.stdout
    as_json = json.loads(runner.invoke(app, ["review", "show", request_id, str(item["item"]), "--json"]).stdout)
    assert as_json["accepting_fetches_more"] is True
    assert runner.invoke(app, ["review", "decide", request_id, str(item["item"]), "accepted"]).exit_code == 0
    accepted = runner.invoke(app, ["review", "show", request_id, str(item["item"])])
    assert "Avgjort: godtatt" in accepted.stdout and ACCEPTING_FETCHES_MORE not in accepted.stdout


def test_only_a_group_with_references_to_follow_fetches_more_when_accepted(ws):
    from dsar.store.domain import accepting_fetches_more

    config = ws.config.controller("testbutikk")
    assert accepting_fetches_more(config.systems["nettbutikk"], "customers/5")
    assert accepting_fetches_more(config.systems["nettbutikk"], "order_lines/3")  # up to its order
    assert not accepting_fetches_more(config.systems["nyhetsbrev"], "subscribers/4")
    assert not accepting_fetches_more(None, "customers/5")  # a system no longer configured
    # A child's record held for the parent's own address: only the row itself can be released.
    assert not accepting_fetches_more(config.systems["nettbutikk"], "customers/5", reason="child_with_own_contact")


def test_a_guardians_request_tells_staff_to_ask_for_the_childs_own_contacts(ws, capsys):
    from dsar.cli import _show_result

    result = new(
        "--email", "kari.nordmann@example.no", "--on-behalf-of", "Emma Nordmann", "--relation", "guardian",
        "--birthdate", "2016-05-01", "--verified-by", "bankid", "--json",
    )
    request_id = json.loads(result.stdout)["id"]
    suggestions = runner.invoke(app, ["review", "suggestions", request_id])
    assert suggestions.exit_code == 0 and "barnets egen e-post og mobil" in suggestions.stderr
    _show_result({"id": request_id, "status": "complete", "package": None, "ask_for": ["Spør om noe."]}, False)
    assert "spør:    Spør om noe." in capsys.readouterr().out
    assert f"dsar request asked {request_id}" in suggestions.stderr
    asked = runner.invoke(app, ["request", "asked", request_id])
    assert asked.exit_code == 0 and "notert" in asked.stdout
    assert "barnets egen" not in runner.invoke(app, ["review", "suggestions", request_id]).stderr
    unknown = runner.invoke(app, ["request", "asked", "R-nope", "--json"])
    assert unknown.exit_code == 2 and "R-nope" in json.loads(unknown.stdout)["error"]


def test_a_thin_name_is_corrected_from_the_command_line_and_bad_input_changes_nothing(ws):
    request_id = new("--email", "kari.nordmann@example.no", "--name", "Nordmann").stdout.strip()
    refused = runner.invoke(app, ["request", "correct-name", request_id, "--name", "Kari\x07Nordmann", "--json"])
    assert refused.exit_code == 2 and open_store(ws).get(request_id).person.name == "Nordmann"
    done = runner.invoke(app, ["request", "correct-name", request_id, "--name", "Kari Nordmann"])
    assert done.exit_code == 0 and "navnet er rettet" in done.stdout and "Kari" not in done.stdout
    assert open_store(ws).get(request_id).person.name == "Kari Nordmann"


def test_registering_a_request_without_a_phone_asks_for_one_at_once(ws):
    result = new("--email", "kari.nordmann@example.no")
    assert result.exit_code == 0, result.output
    assert "Spør: Kravet oppgir ingen telefon" in result.stderr and "@" not in result.stderr
    data = json.loads(new("--email", "kari.nordmann@example.no", "--phone", "41234567", "--json").stdout)
    assert data["ask_for"] == []


def test_a_birth_date_is_added_from_the_command_line_and_bad_input_changes_nothing(ws):
    request_id = new("--email", "kari.nordmann@example.no", "--phone", "41234567").stdout.strip()
    refused = runner.invoke(app, ["request", "add-birthdate", request_id, "--birthdate", "31.02.1980", "--json"])
    assert refused.exit_code == 2 and open_store(ws).get(request_id).person.birthdate is None
    done = runner.invoke(app, ["request", "add-birthdate", request_id, "--birthdate", "15.03.1985"])
    assert done.exit_code == 0 and "fødselsdatoen er lagt til" in done.stdout and "1985" not in done.stdout
    assert str(open_store(ws).get(request_id).person.birthdate) == "1985-03-15"
    again = runner.invoke(app, ["request", "add-birthdate", request_id, "--birthdate", "15.03.1985", "--json"])
    assert again.exit_code == 2 and "allerede" in json.loads(again.stdout)["error"]
