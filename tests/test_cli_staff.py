"""The command line as staff meet it: one line for every refusal before Prefect starts,
progress while a request runs, ``dsar status`` with names and states, staff accounts,
delivery and closing; no Python reprs in human output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from dsar.cli import app
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world

runner = CliRunner()
REPR = re.compile(r"\[\s*'|'\s*\]|\bNone\b|\bTrue\b|\bFalse\b")


@pytest.fixture
def ws(tmp_path, monkeypatch):
    from flows.runtime import forget_runtimes

    flow_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    yield Workspace(tmp_path)
    forget_runtimes()


def new(*extra: str) -> str:
    result = runner.invoke(app, ["request", "new", "--controller", "testbutikk", "--name", flow_world.KARI["name"],
                                 "--email", flow_world.KARI["email"], *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_an_unknown_id_is_one_line_without_prefect(ws):
    """In a fresh interpreter: the refusal is one line and Prefect is never imported."""
    code = (
        "import sys\n"
        "from dsar.cli import app\n"
        "try:\n"
        "    app(['run', 'NO-SUCH-ID'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, file=sys.stderr)\n"
        "print('prefect loaded' if 'prefect' in sys.modules else 'prefect not loaded')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(),
                          timeout=120)
    assert done.stdout.strip().endswith("prefect not loaded"), done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == ["feil: ingen krav 'NO-SUCH-ID' i dette arbeidsområdet"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "NO-SUCH-ID"], "ingen krav 'NO-SUCH-ID'"),
        (["request", "deliver", "NO-SUCH-ID", "--channel", "email"], "ingen krav"),
        (["request", "close", "NO-SUCH-ID"], "ingen krav"),
        (["status", "--controller", "nope"], None),
    ],
)
def test_refusals_are_one_line(ws, args, message):
    result = runner.invoke(app, args)
    if message is None:
        assert result.exit_code == 0 and "Ingen innsynskrav" in result.stdout
        return
    assert result.exit_code == 2 and result.stderr.strip().count("\n") == 0 and message in result.stderr


def test_unverified_and_closed_requests_are_refused_before_prefect(ws):
    unverified = new()
    result = runner.invoke(app, ["run", unverified])
    assert result.exit_code == 2 and "er ikke verifisert" in result.stderr and "prefect" not in result.output.lower()
    closed = new("--method", "bankid")
    assert runner.invoke(app, ["request", "close", closed, "--reason", "withdrawn"]).exit_code == 0
    result = runner.invoke(app, ["run", closed])
    assert result.exit_code == 2 and "det er avsluttet" in result.stderr


def test_extension_validations_on_the_command_line(ws):
    request_id = new("--method", "bankid")
    assert runner.invoke(app, ["request", "extend", request_id, "--months", "2", "--reason", "mange"]).exit_code == 0
    shorter = runner.invoke(app, ["request", "extend", request_id, "--months", "1", "--reason", "mange"])
    assert shorter.exit_code == 2 and "aldri kortere" in shorter.stderr
    other = new("--method", "bankid")
    future = runner.invoke(app, ["request", "extend", other, "--months", "1", "--reason", "x", "--notified", "2099-01-01"])
    assert future.exit_code == 2 and "fram i tid" in future.stderr
    before = runner.invoke(app, ["request", "extend", other, "--months", "1", "--reason", "x", "--notified", "2000-01-01"])
    assert before.exit_code == 2 and "før kravet ble mottatt" in before.stderr
    assert open_store(ws).get(other).extension_months == 0


def test_run_shows_progress_and_status_shows_names_and_states(ws, prefect_harness):
    request_id = new("--method", "bankid")
    result = runner.invoke(app, ["run", request_id])
    assert result.exit_code == 0, result.output
    assert "starter Prefect" in result.stderr
    assert re.search(r"nettbutikk\s+ferdig: 6 poster", result.stderr)
    assert re.search(r"nyhetsbrev\s+ferdig: 1 post\b", result.stderr)
    assert "status:  Pakke klar (complete)" in result.stdout and "passord:" in result.stdout
    assert not REPR.search(result.stdout)

    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0
    assert flow_world.KARI["name"] in status.stdout and "Pakke klar" in status.stdout
    assert "dager igjen" in status.stdout and "2/2 søkt" in status.stdout
    assert not REPR.search(status.stdout)
    rows = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert rows[0]["status"] == "complete" and rows[0]["waiting_for_staff"] is True
    assert flow_world.KARI["name"] not in json.dumps(rows)  # names stay on the terminal

    delivered = runner.invoke(app, ["request", "deliver", request_id, "--channel", "email"])
    assert delivered.exit_code == 0 and "i tide" in delivered.stdout
    status = runner.invoke(app, ["status"]).stdout
    assert "Levert" in status and "Besvart i tide" in status and "dager igjen" not in status
    again = runner.invoke(app, ["run", request_id])
    assert again.exit_code == 2 and "bare avslutning gjenstår" in again.stderr
    assert runner.invoke(app, ["request", "close", request_id]).exit_code == 0
    assert json.loads(runner.invoke(app, ["status", "--json"]).stdout)[0]["status"] == "closed"


def test_staff_accounts(ws):
    added = runner.invoke(app, ["user", "add", "kari.n", "--password-stdin"], input="et langt passord\n")
    assert added.exit_code == 0 and "kari.n: opprettet (alle virksomheter)" in added.stdout
    limited = runner.invoke(app, ["user", "add", "ola.n", "--controller", "testbutikk", "--password-stdin"],
                            input="et annet langt passord\n")
    assert limited.exit_code == 0 and "(testbutikk)" in limited.stdout
    assert runner.invoke(app, ["user", "add", "per", "--controller", "nope", "--password-stdin"], input="x" * 20).exit_code == 2
    short = runner.invoke(app, ["user", "add", "per", "--password-stdin"], input="kort\n")
    assert short.exit_code == 2 and "minst 12" in short.stderr
    twice = runner.invoke(app, ["user", "add", "kari.n", "--password-stdin"], input="et langt passord\n")
    assert twice.exit_code == 2 and "finnes allerede" in twice.stderr
    listing = runner.invoke(app, ["user", "list", "--json"])
    assert [(u["name"], u["controllers"]) for u in json.loads(listing.stdout)] == [("kari.n", None), ("ola.n", ["testbutikk"])]

    from dsar.staff import StaffDirectory
    from dsar.store.models import StaffUser

    store = open_store(ws)
    with store.transaction() as session:
        hashes = [u.password_hash for u in session.query(StaffUser)]
    assert all(h.startswith("$argon2id$") for h in hashes) and not any("langt" in h for h in hashes)
    directory = StaffDirectory(store)
    assert directory.login("kari.n", "feil") is None
    session = directory.login("kari.n", "et langt passord")
    assert session is not None and directory.session(session.token).staff.name == "kari.n"
    directory.logout(session.token)
    assert directory.session(session.token) is None
