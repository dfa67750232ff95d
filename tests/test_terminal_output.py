"""Control characters never reach a terminal or the letter: a source field with an escape
sequence (window title, clear screen, colour) or a bidi override shown in `dsar review show`,
`dsar review list`, `dsar status` or the letter is shown without them."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dsar.cli import app
from dsar.records import Finding
from dsar.safetext import escape_for_json_output, for_letter, for_terminal, for_terminal_block, strip_controls
from dsar.store import open_store
from dsar.workspace import Workspace
from tests import flow_world

FAKE_OK = "\x1b]0;OK — godta\x07\x1b[2J\x1b[H\x1b[32mOK — godta (accepted)\x1b[0m"
BIDI = "Ola \u202eannamdroN\u202c"
runner = CliRunner()
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("value, shown", [
    (FAKE_OK, "OK — godta (accepted)"),
    ("\x1b[31mrød\x1b[0m", "rød"),
    ("a\x1bPqtest\x1b\\b", "ab"),
    ("x\x9b2Jy", "xy"),
    (BIDI, "Ola annamdroN"),
    ("linje 1\r\nlinje 2\rOK", "linje 1 linje 2 OK"),
    ("Åse\tØvre", "Åse Øvre"),
])
def test_for_terminal(value, shown):
    assert for_terminal(value) == shown


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(["\x1b", "[", "]", "P", "\x07", "\x9b", "\x9d", "\\", "\r", "\n", "\t",
                                          "2", "J", ";", "a", "ø", "\u202e", "\u2066", "\x00", "\x85"]),
               max_size=60) | st.text(max_size=100))
def test_nothing_a_terminal_acts_on_survives(text):
    shown = for_terminal(text)
    assert not UNSAFE.search(shown) and "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    assert for_terminal(shown) == shown  # idempotent
    block = for_terminal_block(text)
    assert not UNSAFE.search(block) and "\r" not in block
    letter = for_letter(text)
    assert not UNSAFE.search(letter) and "\r" not in letter and "\t" not in letter
    assert strip_controls(strip_controls(text)) == strip_controls(text)
    # JSON for scripts keeps the value exactly and shows nothing a terminal acts on.
    dumped = escape_for_json_output(json.dumps({"v": text}, ensure_ascii=False))
    assert json.loads(dumped) == {"v": text} and not UNSAFE.search(dumped)


@pytest.fixture
def ws(tmp_path, monkeypatch):
    from flows.runtime import forget_runtimes

    flow_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    yield Workspace(tmp_path)
    forget_runtimes()


def _held_item(ws: Workspace) -> str:
    made = runner.invoke(app, ["request", "new", "--controller", "testbutikk", "--name", "Kari Nordmann",
                               "--email", "kari.nordmann@example.no", "--verified-by", "bankid"])
    request_id = made.stdout.strip()
    store = open_store(ws)
    store.prepare_runs(request_id, ["nettbutikk"])
    store.system_started(request_id, "nettbutikk")
    stager = ws.staging.begin(request_id, "nettbutikk")
    stager.add(Finding(system="nettbutikk", collection="customers", key="2\x1b[2J",
                       fields={"first_name": BIDI, "note": FAKE_OK, "last\x1b[8m": "x"},
                       status="held", reason="name_differs", group="customers/2"))
    stager.commit()
    store.system_finished(request_id, "nettbutikk", confirmed={}, held={"customers": 1},
                          review_refs=[("customers/2", "name_differs", {"name": FAKE_OK})])
    return request_id


def test_review_show_and_list_strip_escapes(ws):
    request_id = _held_item(ws)
    listed = runner.invoke(app, ["review", "list", request_id])
    assert listed.exit_code == 0, listed.output
    item = re.search(r"^(\d+)\s", listed.stdout.splitlines()[1]).group(1)
    shown = runner.invoke(app, ["review", "show", request_id, item])
    assert shown.exit_code == 0, shown.output
    for output in (listed.stdout, shown.stdout):
        assert "\x1b" not in output and not UNSAFE.search(output)
    assert "note: OK — godta (accepted)" in shown.stdout  # shown, but as plain text on its line
    assert "first_name: Ola annamdroN" in shown.stdout
    as_json = runner.invoke(app, ["review", "show", request_id, item, "--json"])
    assert not UNSAFE.search(as_json.stdout)
    assert json.loads(as_json.stdout)["records"][0]["fields"]["note"] == FAKE_OK  # exact for scripts


def test_status_strips_escapes_from_names(ws):
    store = open_store(ws)
    from dsar.store import Person

    # A name from before registration refused control characters, written as it was then.
    person = Person(name=FAKE_OK, emails=("kari.nordmann@example.no",))
    store.register(controller=ws.config.controller("testbutikk").controller, person=person,
                   received_on=date.today(), channel="email", actor="test", verification_method="bankid")
    result = runner.invoke(app, ["status", "--names"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and not UNSAFE.search(result.stdout)


def test_the_letter_gets_no_control_characters(ws):
    from dsar.letter.context import build_context
    from tests.test_package import _answer

    answer = _answer()
    from dataclasses import replace

    hostile = replace(answer, subject_name=FAKE_OK + BIDI, requested_by="Per\x00\x1b[2J Hansen")
    context = build_context(hostile)
    assert context.subject_name == "OK — godta (accepted)Ola annamdroN"
    assert context.requested_by == "Per Hansen"
    assert FAKE_OK not in context.intro and not UNSAFE.search(context.intro)
    from dsar.letter.render import render_letter_html

    html = render_letter_html(hostile)
    assert "\x1b" not in html and not UNSAFE.search(html)
