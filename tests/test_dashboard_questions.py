"""Staff answer the request page's questions (``dsar.asking``) on the page: an e-mail or a
phone, the whole name, the birth date, or that the person was asked and had no more. Each
answer is posted with the session's CSRF token, checked by the store, and audited with the
staff member's name; a refusal is shown on the page and changes nothing; what the person gave
is never echoed in a message, a URL or a log line."""

from __future__ import annotations

import logging
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dsar.deadlines import today_oslo
from dsar.store import Person, open_store
from dsar.workspace import Workspace
from tests import dashboard_world, flow_world

SEARCHED_AGAIN = "Alle systemer søkes på nytt ved neste kjøring."
FORMS = ("answer-name", "answer-birthdate", "answer-identifiers", "answer-asked")


def dated_world(root: Path) -> Workspace:
    """The dashboard world, with the newsletter recording its subscribers' birth dates: a
    request without one is asked for it."""
    dashboard_world.build(root)
    config = root / "config" / "controllers" / "testbutikk.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        'identities = [{ type = "email", column = "epost" }]',
        'identities = [{ type = "email", column = "epost" }, { type = "birthdate", column = "fodt" }]',
    ).replace('fields = { epost = { nb = "E-post", en = "E-mail" },',
              'fields = { epost = { nb = "E-post", en = "E-mail" }, fodt = { nb = "Født", en = "Born" },')
    config.write_text(text, encoding="utf-8")
    return Workspace(root)


@pytest.fixture
def ws(tmp_path, monkeypatch):
    workspace = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    return workspace


@pytest.fixture
def app(ws):
    from dsar.dashboard.app import create_app

    return create_app(ws)


def register(ws, *, name: str = "Kari Nordmann", emails=(flow_world.KARI["email"],), phones=(),
             birthdate: str | None = None, controller: str = "testbutikk", **more) -> str:
    store = open_store(ws)
    return store.register(
        controller=ws.config.controller(controller).controller,
        person=Person.from_given(name, emails=emails, phones=phones, birthdate=birthdate),
        received_on=today_oslo(), channel="email", actor="test", verification_method="bankid", **more,
    ).id


def thin(ws) -> str:
    """A request naming the person by one word, with an e-mail but no phone or birth date."""
    return register(ws, name="Kari")


THIN = {"name", "birthdate", "no_phone"}


def guardians(ws) -> str:
    """A guardian's request for a child (named by one word), with the guardian's e-mail."""
    return register(ws, name="Emma", birthdate="2015-06-01", relation="guardian", requested_by="Kari Nordmann")


def login(client: TestClient, name: str = "kari.n") -> str:
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf": token, "name": name, "password": dashboard_world.PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)


def asked_about(page: str) -> set[str]:
    return set(re.findall(r'class="flash warn question" id="ask-([a-z_]+)"', page))


def flashes(page: str, kind: str) -> list[str]:
    return re.findall(rf'<p class="flash {kind}" role="[a-z]+">(.*?)</p>', page, re.S)


def answer(client: TestClient, request_id: str, route: str, csrf: str, **data: str):
    """Post an answer; the redirect goes back to the request's page, whose text is returned."""
    response = client.post(f"/requests/{request_id}/{route}", data={"csrf": csrf, **data}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/requests/{request_id}"
    return client.get(response.headers["location"]).text


def snapshot(ws, request_id: str):
    store = open_store(ws)
    request = store.get(request_id)
    return request.person, request.status, len(store.audit_log(request_id)), {
        sid: run.status for sid, run in store.system_runs(request_id).items()
    }


def test_each_open_question_has_its_form_and_none_without_questions(app, ws):
    every = thin(ws)
    child = guardians(ws)
    none = register(ws, phones=[flow_world.KARI["phone"]], birthdate="1985-03-04")
    only_phone = register(ws, birthdate="1985-03-04")
    with TestClient(app) as client:
        login(client)
        page = client.get(f"/requests/{every}").text
        assert asked_about(page) == THIN
        for form in FORMS:
            assert f'id="{form}"' in page
        assert 'Personen er spurt og har ikke flere' in page
        # The answers sit under the questions, inside the systems' section.
        assert page.index('id="ask-no_phone"') < page.index('id="answers"') < page.index('id="run-status"')
        # Every answer form carries the session's token.
        for form in re.findall(r'<form method="post" action="/requests/[^"]+/(?:correct-name|add-birthdate|'
                               r'add-identifiers|asked)".*?</form>', page, re.S):
            assert 'name="csrf" value="' in form
        page = client.get(f"/requests/{child}").text
        assert asked_about(page) == {"name", "child_contacts", "no_phone"}
        assert 'id="answer-birthdate"' not in page and 'id="answer-identifiers"' in page
        page = client.get(f"/requests/{none}").text
        assert not asked_about(page) and 'id="answers"' not in page
        page = client.get(f"/requests/{only_phone}").text
        assert asked_about(page) == {"no_phone"}
        assert 'id="answer-identifiers"' in page and 'id="answer-asked"' in page
        assert 'id="answer-name"' not in page and 'id="answer-birthdate"' not in page


def test_a_phone_given_on_the_page_is_added_and_every_system_searched_again(app, ws, caplog):
    request_id = register(ws, birthdate="1985-03-04")
    store = open_store(ws)
    store.prepare_runs(request_id, ["nettbutikk", "nyhetsbrev"])
    store.system_finished(request_id, "nettbutikk", confirmed={"customers": 1}, held={}, review_refs=[])
    store.system_finished(request_id, "nyhetsbrev", confirmed={}, held={}, review_refs=[])
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        csrf = login(client)
        page = answer(client, request_id, "add-identifiers", csrf, emails="", phones="912 34 567")
    [ok] = flashes(page, "ok")
    assert SEARCHED_AGAIN in ok and "912" not in ok and not flashes(page, "error")
    assert "no_phone" not in asked_about(page) and 'id="answers"' not in page
    request = open_store(ws).get(request_id)
    assert request.person.phones == ("+4791234567",)
    assert {run.status for run in open_store(ws).system_runs(request_id).values()} == {"pending"}
    [event] = [e for e in open_store(ws).audit_log(request_id) if e.action == "identifiers_added"]
    assert event.actor == "kari.n" and event.detail == {"emails": 0, "phones": 1}
    assert "912" not in caplog.text and "91234567" not in caplog.text


def test_the_childs_own_email_and_phone_are_added_together(app, ws):
    request_id = guardians(ws)
    with TestClient(app) as client:
        csrf = login(client)
        page = answer(client, request_id, "add-identifiers", csrf,
                      emails="emma.nordmann@example.no", phones="+47 412 34 567")
    assert SEARCHED_AGAIN in flashes(page, "ok")[0]
    person = open_store(ws).get(request_id).person
    assert person.emails == (flow_world.KARI["email"], "emma.nordmann@example.no")
    assert person.phones == ("+4741234567",)
    # A phone closes the question about phones; whose e-mail and phone they are, only
    # staff know: the child's own stays asked until staff record that the guardian was asked.
    assert "no_phone" not in asked_about(page) and "child_contacts" in asked_about(page)


def test_the_whole_name_is_corrected_on_the_page(app, ws):
    request_id = register(ws, name="Kari", phones=[flow_world.KARI["phone"]], birthdate="1985-03-04")
    with TestClient(app) as client:
        csrf = login(client)
        assert asked_about(client.get(f"/requests/{request_id}").text) == {"name"}
        page = answer(client, request_id, "correct-name", csrf, name="  Kari Nordmann ")
    [ok] = flashes(page, "ok")
    assert "Navnet er rettet" in ok and SEARCHED_AGAIN in ok and "Nordmann" not in ok
    assert not asked_about(page)
    assert open_store(ws).get(request_id).person.name == "Kari Nordmann"
    [event] = [e for e in open_store(ws).audit_log(request_id) if e.action == "name_corrected"]
    assert event.actor == "kari.n" and "Nordmann" not in str(event.detail)


@pytest.mark.parametrize(("given", "born"), [
    ("04.03.1985", date(1985, 3, 4)),
    ("1985-03-04", date(1985, 3, 4)),
    ("031198 12363", date(1998, 11, 3)),  # a fødselsnummer: only the date it shows is kept
])
def test_the_birth_date_is_added_on_the_page(app, ws, given, born):
    request_id = register(ws, phones=[flow_world.KARI["phone"]])
    with TestClient(app) as client:
        csrf = login(client)
        assert asked_about(client.get(f"/requests/{request_id}").text) == {"birthdate"}
        page = answer(client, request_id, "add-birthdate", csrf, birthdate=given)
    [ok] = flashes(page, "ok")
    assert "Fødselsdatoen er lagt til" in ok and SEARCHED_AGAIN in ok
    assert not asked_about(page) and 'id="answers"' not in page
    assert given not in ok and "12363" not in page  # the page shows the date, never the number
    assert open_store(ws).get(request_id).person.birthdate == born
    assert [e.actor for e in open_store(ws).audit_log(request_id) if e.action == "birthdate_added"] == ["kari.n"]


def test_staff_record_that_the_person_was_asked(app, ws):
    request_id = guardians(ws)
    with TestClient(app) as client:
        csrf = login(client)
        page = answer(client, request_id, "asked", csrf)
        assert "Notert at personen er spurt" in flashes(page, "ok")[0]
        assert not asked_about(page) and 'id="answers"' not in page
        # A second press (a stale page) is refused: nothing is open.
        again = answer(client, request_id, "asked", csrf)
        assert "ingen åpne spørsmål" in flashes(again, "error")[0] and not flashes(again, "ok")
    events = [e for e in open_store(ws).audit_log(request_id) if e.action == "identifiers_asked"]
    assert [e.actor for e in events] == ["kari.n"]


BAD = [
    ("add-identifiers", {"emails": "kari.nordmann(at)example.no"}, "e-postadressen er ikke gyldig"),
    ("add-identifiers", {"emails": "emma@example.no", "phones": "12ab34"}, "telefon"),
    ("add-identifiers", {"emails": " ", "phones": ""}, "oppgi en e-postadresse eller et telefonnummer"),
    ("add-identifiers", {"emails": flow_world.KARI["email"]}, "har allerede disse"),
    ("correct-name", {"name": "Emma\x1b[31m Nordmann"}, "kontrolltegn"),
    ("correct-name", {"name": "   "}, "oppgi personens fulle navn"),
    ("add-birthdate", {"birthdate": "31.02.2015"}, "fødselsdatoen"),
    ("add-birthdate", {"birthdate": "21109834567"}, "ikke et gyldig fødselsnummer"),
    ("add-birthdate", {"birthdate": "01.01.2999"}, "ikke mulig"),
    ("add-birthdate", {"birthdate": ""}, "oppgi fødselsdatoen"),
]


@pytest.mark.parametrize(("route", "data", "said"), BAD, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(BAD)])
def test_a_refused_answer_is_shown_and_changes_nothing(app, ws, caplog, route, data, said):
    request_id = thin(ws)
    before = snapshot(ws, request_id)
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        csrf = login(client)
        response = client.post(f"/requests/{request_id}/{route}", data={"csrf": csrf, **data}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/requests/{request_id}"
        page = client.get(response.headers["location"]).text
    [error] = flashes(page, "error")
    assert said in error and not flashes(page, "ok")
    assert snapshot(ws, request_id) == before
    assert asked_about(page) == THIN
    for value in data.values():
        value = value.strip()
        if value and value != flow_world.KARI["email"]:  # Kari's own is on the page as the request's
            assert value not in page and value not in caplog.text


def test_an_answered_request_takes_no_answer(app, ws):
    request_id = thin(ws)
    open_store(ws).close_request(request_id, "withdrawn", "test")
    before = snapshot(ws, request_id)
    with TestClient(app) as client:
        csrf = login(client)
        assert 'id="answers"' not in client.get(f"/requests/{request_id}").text
        for route, data, said in [
            ("add-identifiers", {"phones": "41234567"}, "et nytt søk er ikke lenger mulig"),
            ("correct-name", {"name": "Emma Nordmann"}, "navnet kan ikke rettes nå"),
            ("add-birthdate", {"birthdate": "01.06.2015"}, "fødselsdatoen kan ikke legges til nå"),
            ("asked", {}, "ingenting å spørre om lenger"),
        ]:
            page = answer(client, request_id, route, csrf, **data)
            assert said in flashes(page, "error")[0], route
    assert snapshot(ws, request_id) == before


@pytest.mark.parametrize("route", ["add-identifiers", "correct-name", "add-birthdate", "asked"])
def test_an_answer_without_its_csrf_token_is_refused_and_changes_nothing(app, ws, route):
    request_id = thin(ws)
    before = snapshot(ws, request_id)
    data = {"emails": "emma@example.no", "name": "Emma Nordmann", "birthdate": "01.06.2015"}
    with TestClient(app) as client:
        login(client)
        for csrf in ({}, {"csrf": "forged"}):
            response = client.post(f"/requests/{request_id}/{route}", data={**data, **csrf}, follow_redirects=False)
            assert response.status_code == 403
        client.cookies.clear()  # and without a session: not even the token helps
        assert client.post(f"/requests/{request_id}/{route}", data=data).status_code == 401
    assert snapshot(ws, request_id) == before


@pytest.mark.parametrize("route", ["add-identifiers", "correct-name", "add-birthdate", "asked"])
def test_staff_of_another_controller_cannot_answer(app, ws, route):
    request_id = thin(ws)
    before = snapshot(ws, request_id)
    with TestClient(app) as client:
        csrf = login(client, "ola.n")  # sees only annenbutikk
        response = client.post(f"/requests/{request_id}/{route}",
                               data={"csrf": csrf, "phones": "41234567", "name": "Emma Nordmann",
                                     "birthdate": "01.06.2015"})
        assert response.status_code == 404
    assert snapshot(ws, request_id) == before


# -- in the browser ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_staff_add_the_birth_date_in_the_browser(tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    workspace = dated_world(tmp_path / "ws")
    monkeypatch.setenv("DSAR_WORKSPACE", str(workspace.root))
    request_id = thin(workspace)
    with dashboard_world.serve(workspace) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                      timezone_id="Europe/Oslo")
        page = context.new_page()
        try:
            page.goto(url + "/login")
            page.fill("input[name=name]", "kari.n")
            page.fill("input[name=password]", dashboard_world.PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{url}/requests/{request_id}")
            assert page.locator("#ask-birthdate").count() == 1
            page.locator("section.systems-section").screenshot(path="/tmp/questions.png")
            page.screenshot(path=str(tmp_path / "questions-page.png"), full_page=True)

            page.fill("#answer-birthdate input[name=birthdate]", "01.06.2015")
            page.click("#answer-birthdate button[type=submit]")
            page.wait_for_url(f"{url}/requests/{request_id}")
            assert SEARCHED_AGAIN in page.locator("p.flash.ok").inner_text()
            assert page.locator("#ask-birthdate").count() == 0
            assert page.locator("#answer-birthdate").count() == 0
            # The other questions are still open, with their forms.
            assert page.locator("#ask-name").count() == 1 and page.locator("#answer-name").count() == 1
            assert "01.06.2015" not in page.locator("p.flash").all_inner_texts()[0]
            page.screenshot(path=str(tmp_path / "questions-answered.png"), full_page=True)
        finally:
            context.close()
            browser.close()
    assert open_store(workspace).get(request_id).person.birthdate == date(2015, 6, 1)
