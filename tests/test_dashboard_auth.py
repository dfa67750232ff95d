"""The dashboard's doors: nothing without a login, no form without its CSRF token, a staff
member limited to one controller sees nothing of another; refusals change nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from dsar.deadlines import today_oslo
from dsar.store import Person, open_store
from tests import dashboard_world, flow_world


@pytest.fixture
def ws(tmp_path, monkeypatch):
    workspace = dashboard_world.build(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    return workspace


@pytest.fixture
def app(ws):
    from dsar.dashboard.app import create_app

    return create_app(ws)


def register(ws, controller: str, name: str = "Kari Nordmann") -> str:
    config = ws.config.controller(controller)
    store = open_store(ws)
    request = store.register(
        controller=config.controller,
        person=Person.from_given(name, emails=[flow_world.KARI["email"]]),
        received_on=today_oslo(),
        channel="email",
        actor="test",
        verification_method="bankid",
    )
    return request.id


def login(client: TestClient, name: str = "kari.n") -> str:
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"csrf": token, "name": name, "password": dashboard_world.PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get("/").text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def every_route(app) -> list[tuple[str, str]]:
    routes = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", None) or []):
            if method in ("HEAD",) or route.path == "/login":
                continue
            path = (
                route.path.replace("{request_id}", "INN-2026-AAAAAA").replace("{item_id}", "1")
                .replace("{kind}", "pdf").replace("{name}", "dashboard.css")
            )
            routes.append((method, path))
    return routes


def test_every_route_needs_a_login(app, ws):
    routes = every_route(app)
    assert len(routes) >= 20
    with TestClient(app) as client:
        for method, path in routes:
            response = client.request(method, path, follow_redirects=False)
            if method == "GET" and response.status_code == 303:
                assert response.headers["location"] == "/login", path
            else:
                assert response.status_code == 401, (method, path, response.status_code)
        # Static files and unknown paths too: nothing is served to a stranger.
        assert client.get("/static/progress.js").status_code == 401
        assert client.get("/no/such/page", follow_redirects=False).status_code in (401, 303)


def test_the_session_cookie_is_httponly_and_samesite(app):
    with TestClient(app) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        response = client.post("/login", data={"csrf": token, "name": "kari.n", "password": dashboard_world.PASSWORD},
                               follow_redirects=False)
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "content-security-policy" in response.headers


def test_a_wrong_password_logs_nobody_in(app, ws):
    with TestClient(app) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        response = client.post("/login", data={"csrf": token, "name": "kari.n", "password": "feil"}, follow_redirects=False)
        assert response.status_code == 401 and "dsar_session" not in response.headers.get("set-cookie", "")
    assert open_store(ws).audit_log  # the failed login is audited without a request id


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(app, ws):
    request_id = register(ws, "testbutikk")
    with TestClient(app) as client:
        csrf = login(client)
        for data in ({}, {"csrf": "forged"}):
            response = client.post(f"/requests/{request_id}/pause", data={**data, "reason": "x"}, follow_redirects=False)
            assert response.status_code == 403
        assert not open_store(ws).get(request_id).paused
        # The login form too has its own token.
        client.cookies.clear()
        assert client.post("/login", data={"name": "kari.n", "password": dashboard_world.PASSWORD}).status_code == 403
        # With the token it works.
        csrf = login(client)
        client.post(f"/requests/{request_id}/pause", data={"csrf": csrf, "reason": "adresse"})
        assert open_store(ws).get(request_id).paused


def test_staff_limited_to_one_controller_see_no_other(app, ws):
    mine = register(ws, "annenbutikk", "Ola Hansen")
    theirs = register(ws, "testbutikk", "Kari Nordmann")
    with TestClient(app) as client:
        csrf = login(client, "ola.n")
        listing = client.get("/").text
        assert mine in listing and theirs not in listing and "Kari Nordmann" not in listing
        assert "testbutikk" not in client.get("/?virksomhet=testbutikk").text.split("<table", 1)[-1]
        assert client.get(f"/requests/{theirs}").status_code == 404
        assert client.get(f"/requests/{theirs}/progress.json").status_code == 404
        assert client.get(f"/requests/{theirs}/package").status_code == 404
        response = client.post(f"/requests/{theirs}/close", data={"csrf": csrf, "reason": "withdrawn"})
        assert response.status_code == 404 and open_store(ws).get(theirs).status == "registered"
        assert "testbutikk" not in client.get("/requests/new").text
        refused = client.post("/requests", data={"csrf": csrf, "controller": "testbutikk", "name": "X Y", "emails": "x@example.no"})
        assert refused.status_code == 400
        assert "testbutikk" not in client.get("/report").text
        assert client.get(f"/requests/{mine}").status_code == 200


def test_actions_are_audited_with_the_staff_members_name(app, ws):
    request_id = register(ws, "testbutikk")
    with TestClient(app) as client:
        csrf = login(client)
        today = today_oslo().isoformat()
        client.post(f"/requests/{request_id}/extend", data={"csrf": csrf, "months": "1", "reason": "mange systemer", "notified_on": today})
        notice = client.get(f"/requests/{request_id}/extension-notice.pdf?lang=en")
        assert notice.status_code == 200 and notice.content.startswith(b"%PDF")
        assert "attachment" in notice.headers["content-disposition"]
        html = client.get(f"/requests/{request_id}/extension-notice.html?lang=nb").text
        assert "én måned" in html and "mange systemer" in html
        # A refusal is shown, and changes nothing: an extension never shortens.
        page = client.post(f"/requests/{request_id}/extend", data={"csrf": csrf, "months": "1", "reason": "igjen"}).text
        assert "aldri kortere" in page
    log = open_store(ws).audit_log(request_id)
    assert [(e.actor, e.action) for e in log if e.action in ("extended", "notice_downloaded")] == [
        ("kari.n", "extended"), ("kari.n", "notice_downloaded"), ("kari.n", "notice_downloaded")
    ]


def test_registering_a_name_that_tells_no_one_apart_warns_staff(app, ws):
    # Registered all the same (a surname is what the person wrote), but staff are told that
    # every record found by a name will wait for them, and what would help.
    with TestClient(app) as client:
        csrf = login(client)
        page = client.post("/requests", data={"csrf": csrf, "controller": "testbutikk", "name": "Rosseland",
                                              "emails": "rosseland@example.no", "method": "bankid"})
        assert page.status_code == 200 and "Registrert som" in page.text
        assert 'class="flash warn"' in page.text and "navnet skiller ikke personer" in page.text
        full = client.post("/requests", data={"csrf": csrf, "controller": "testbutikk", "name": "Kari Rosseland",
                                              "emails": "kari@example.no", "method": "bankid"})
        assert "Registrert som" in full.text and 'class="flash warn"' not in full.text


def test_registering_with_a_fodselsnummer_keeps_only_the_birth_date(app, ws):
    from datetime import date

    with TestClient(app) as client:
        csrf = login(client)
        form = client.get("/requests/new").text
        assert "lagres bare datoen, ikke nummeret" in form  # the field's title: staff see it on hover
        wrong = client.post("/requests", data={"csrf": csrf, "controller": "testbutikk", "name": "Kari Nordmann",
                                               "emails": "kari@example.no", "birthdate": "21109834567"})
        assert wrong.status_code == 400 and "er ikke et gyldig fødselsnummer" in wrong.text
        page = client.post("/requests", data={"csrf": csrf, "controller": "testbutikk", "name": "Kari Nordmann",
                                              "emails": "kari@example.no", "birthdate": "031198 12363",
                                              "method": "bankid"})
        assert "Registrert som" in page.text
    (summary,) = open_store(ws).summaries()
    assert open_store(ws).get(summary.id).person.birthdate == date(1998, 11, 3)


def test_a_held_group_with_references_says_accepting_it_fetches_what_hangs_on_it(app, ws):
    from dsar.store.domain import ACCEPTING_FETCHES_MORE

    request_id = register(ws, "testbutikk")
    store = open_store(ws)
    customer = store.reconsider(request_id, "nettbutikk", "customers/5", "surname_differs", {}, "test")
    subscriber = store.reconsider(request_id, "nyhetsbrev", "subscribers/4", "name_only", {}, "test")
    with TestClient(app) as client:
        login(client)
        page = client.get(f"/requests/{request_id}").text
    articles = {int(n): body for n, body in re.findall(r'data-item="(\d+)">(.*?)</article>', page, re.S)}
    assert ACCEPTING_FETCHES_MORE in articles[customer]  # customers → orders → order lines
    assert ACCEPTING_FETCHES_MORE not in articles[subscriber]  # the newsletter has no references


def test_the_request_page_says_to_ask_the_person_openly_and_shows_no_value(app, ws):
    request_id = register(ws, "testbutikk")
    store = open_store(ws)
    store.prepare_runs(request_id, ["nettbutikk", "nyhetsbrev"])
    store.system_finished(request_id, "nettbutikk", confirmed={"customers": 1}, held={}, review_refs=[], unattributed=2)
    store.system_finished(request_id, "nyhetsbrev", confirmed={}, held={}, review_refs=[])
    with TestClient(app) as client:
        login(client)
        page = client.get(f"/requests/{request_id}").text
    [notice] = re.findall(r'<p class="flash warn" id="open-question">(.*?)</p>', page, re.S)
    assert "Søket fant 2 e-postadresser eller telefonnumre" in notice and "Nettbutikk: 2" in notice
    assert "@" not in notice  # a count, never which


def test_a_guardians_request_page_says_to_ask_for_the_childs_own_contacts(app, ws):
    config = ws.config.controller("testbutikk")
    store = open_store(ws)
    request_id = store.register(
        controller=config.controller,
        person=Person.from_given("Emma Nordmann", emails=[flow_world.KARI["email"]], birthdate="2015-06-01"),
        received_on=today_oslo(), channel="email", actor="test", verification_method="bankid",
        relation="guardian", requested_by="Kari Nordmann",
    ).id
    with TestClient(app) as client:
        login(client)
        page = client.get(f"/requests/{request_id}").text
        assert 'id="ask-child_contacts"' in page and "barnets egen e-post og mobil" in page
        assert f"dsar request asked {request_id}" in page
        store.add_identifiers(request_id, phones=["41234567"], actor="test")  # not the child's, perhaps
        assert 'id="ask-child_contacts"' in client.get(f"/requests/{request_id}").text
        store.mark_asked(request_id, actor="test")
        assert 'class="flash warn question"' not in client.get(f"/requests/{request_id}").text
