"""The dashboard in Debian's Chromium, as privacy staff use it, step by step.

Log in, register a request with a family e-mail (weak matches), run it through the Prefect
flow and watch the systems finish without reloading, decide both candidates, run again,
pause and resume the clock, extend (and download the notice in bokmål), take the password
once, deliver and close — checking what the list shows after each step. Screenshots go to
the test's temporary directory (``shots/``), and to ``$DSAR_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import io
import os
import re
import shutil

import pytest

from tests import dashboard_world, flow_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def dashboard(tmp_path, monkeypatch, prefect_harness):
    from prefect.settings import PREFECT_API_URL

    from flows.runtime import forget_runtimes

    # The run's child process talks to the session's Prefect server instead of starting one.
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    workspace = dashboard_world.build(tmp_path / "ws")
    monkeypatch.setenv("DSAR_WORKSPACE", str(workspace.root))
    with dashboard_world.serve(workspace) as url:
        yield workspace, url
    forget_runtimes()


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="nb-NO", timezone_id="Europe/Oslo")
        yield context.new_page()
        context.close()
        browser.close()


def list_row(page, url):
    """The first request row of the list: its status and deadline tone."""
    page.goto(url + "/")
    row = page.locator("table.requests tbody tr").first
    return row.get_attribute("data-status"), row.get_attribute("data-tone"), row.inner_text()


def test_staff_answer_a_request_from_the_browser(dashboard, page, tmp_path):
    from pypdf import PdfReader

    workspace, url = dashboard
    shots = tmp_path / "shots"
    shots.mkdir()

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    # Not logged in: the login page. A wrong password is refused.
    page.goto(url + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=name]", "kari.n")
    page.fill("input[name=password]", "feil passord")
    page.click("button[type=submit]")
    assert "Feil navn eller passord" in page.content()
    page.fill("input[name=name]", "kari.n")
    page.fill("input[name=password]", dashboard_world.PASSWORD)
    page.click("button[type=submit]")
    assert page.url == url + "/" and "Ingen krav her" in page.content()

    # Register a verified request; the family e-mail brings a weak match.
    page.click("text=Registrer krav")
    page.select_option("select[name=controller]", "testbutikk")
    page.fill("input[name=name]", flow_world.KARI["name"])
    page.fill("input[name=emails]", f"{flow_world.KARI['email']}, {flow_world.FAMILY_EMAIL}")
    page.fill("input[name=phones]", flow_world.KARI["phone"])
    page.select_option("select[name=method]", "bankid")
    shot("01-register")
    page.click("button:has-text('Registrer')")
    request_id = re.search(r"/requests/(INN-\d{4}-\w+)$", page.url).group(1)
    status, tone, text = list_row(page, url)
    assert status == "registered" and tone == "on_track" and flow_world.KARI["name"] in text
    shot("02-list-registered")

    # Run it: the systems finish on the page without a reload, then the outcome shows.
    page.goto(f"{url}/requests/{request_id}")
    page.click("#run")
    page.wait_for_selector("tr[data-system=nettbutikk].sys-running, tr[data-system=nettbutikk].sys-complete", timeout=60_000)
    shot("03-running")
    page.wait_for_selector("#state:has-text('Venter på vurdering')", timeout=120_000)
    page.wait_for_selector("article.candidate", timeout=30_000)
    assert page.locator("tr[data-system=nettbutikk] .records").inner_text() == "6"
    assert page.locator("article.candidate").count() == 1  # "Kari Nordby"; Ola's account is excluded
    # ... and counted, with why, so nothing leaves the answer unseen: his account and two orders.
    assert page.locator("tr[data-system=nettbutikk] .held").inner_text() == "1"
    excluded = page.locator("tr[data-system=nettbutikk] .excluded")
    assert excluded.inner_text() == "3" and "navnet er et annet" in (excluded.get_attribute("title") or "")
    shot("04-needs-review")
    status, tone, _ = list_row(page, url)
    assert status == "needs_review"

    # Staff look at what was excluded, and put Ola's account to a decision after all.
    page.goto(f"{url}/requests/{request_id}")
    page.click("#excluded summary")
    row = page.locator("#excluded tr[data-record='customers/2']")
    assert "Navnet er et annet" in row.inner_text() and row.locator("td").nth(3).inner_text() == "3"
    shot("04b-excluded")
    row.locator("button").click()
    assert "Lagt fram til vurdering" in page.content()
    assert page.locator("article.candidate").count() == 2
    assert page.locator("#excluded").count() == 0  # nothing else excluded

    # Decide both candidates (neither is Kari's), run again: complete.
    page.goto(f"{url}/requests/{request_id}")
    for _ in range(2):
        page.locator("article.candidate button[value=rejected]").first.click()
        assert "Avgjørelsen er lagret" in page.content()
    page.click("#run")
    page.wait_for_selector("#state:has-text('Pakke klar')", timeout=120_000)
    shot("05-complete")
    status, tone, text = list_row(page, url)
    assert status == "complete" and "venter på saksbehandler" in text

    # Pause the clock and resume it.
    page.goto(f"{url}/requests/{request_id}")
    page.fill("input[name=reason][placeholder*=adresse]", "bekreftelse av adresse")
    page.click("#pause")
    assert "Klokken står" in page.content()
    status, tone, _ = list_row(page, url)
    assert tone == "paused"
    shot("06-list-paused")
    page.goto(f"{url}/requests/{request_id}")
    page.click("#resume")
    status, tone, _ = list_row(page, url)
    assert tone in ("on_track", "due_soon")

    # Extend by two months and download the notice in bokmål.
    page.goto(f"{url}/requests/{request_id}")
    page.select_option("select[name=months]", "2")
    page.fill("input[name=reason][placeholder*=systemer]", "Kravet omfatter mange systemer")
    page.click("#extend")
    assert "Fristen er forlenget" in page.content()
    with page.expect_download() as download:
        page.click("#notice-nb")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "to måneder" in text and "Kravet omfatter mange systemer" in text and flow_world.KARI["name"] in text
    shot("07-extended")
    status, tone, _ = list_row(page, url)
    assert tone == "extended"

    # The password, once.
    page.goto(f"{url}/requests/{request_id}")
    page.click("#show-password")
    password = page.locator("#password").inner_text()
    assert len(password) >= 12
    shot("08-password")
    page.goto(f"{url}/requests/{request_id}")
    assert page.locator("#show-password").count() == 0 and "Passordet er vist" in page.content()

    # Deliver by e-mail today: answered on time. Then close.
    page.select_option("select[name=channel]", "email")
    page.click("#deliver")
    assert "i tide" in page.content()
    status, tone, text = list_row(page, url)
    assert status == "delivered" and tone == "answered_on_time" and "Besvart i tide" in text
    shot("09-list-delivered")
    page.goto(f"{url}/requests/{request_id}")
    page.click("#close")
    status, tone, _ = list_row(page, url)
    assert status == "closed" and tone == "answered_on_time"
    page.goto(f"{url}/report")
    assert page.locator("#share-on-time").inner_text() == "100 %"
    shot("10-report")

    # Every action is in the audit with the staff member's name.
    from dsar.store import open_store

    log = open_store(workspace).audit_log(request_id)
    by_kari = {e.action for e in log if e.actor == "kari.n"}
    assert {"registered", "run_requested", "review_decided", "paused", "resumed", "extended",
            "notice_downloaded", "password_shown", "delivered", "status", "exclusion_reconsidered"} <= by_kari
    assert len(os.listdir(shots)) == 11
    if os.environ.get("DSAR_SCREENSHOTS"):  # to look at them after pytest cleans its tmp dirs
        shutil.copytree(shots, os.environ["DSAR_SCREENSHOTS"], dirs_exist_ok=True)
