"""The dashboard's routes (FastAPI): login, the request list, a request's page and actions,
the report. Templates in ``templates/dashboard/``; every asset is served from there.

Security, in one place:
- every route but the login form needs a session: pages redirect to ``/login``, anything
  else (JSON, files, form posts) answers 401;
- session cookie ``HttpOnly``, ``SameSite=Strict``, ``Secure`` when served over HTTPS;
- every POST carries the session's CSRF token (the login form a cookie-bound one);
- a staff member limited to some controllers sees no other: a request of another
  controller is "not found", exactly like one that does not exist;
- responses are ``no-store`` with a strict Content-Security-Policy (no inline script).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from dsar import asking
from dsar.dashboard.runs import Runs
from dsar.dashboard.views import FILTERS, matches, report, rows
from dsar.deadlines import Tone, today_oslo
from dsar.errors import DsarError, InputError, RequestNotFound
from dsar.exclusions import excluded_groups, reconsider
from dsar.i18n import in_oslo
from dsar.paths import TEMPLATES
from dsar.staff import LoggedIn, StaffDirectory
from dsar.store import RequestStore, open_store
from dsar.store.domain import (
    ACCEPTING_FETCHES_MORE,
    CHANNELS,
    CLOSE_REASONS,
    DELIVERY_CHANNELS,
    PASSWORD_CHANNELS,
    RELATIONS,
    VERIFICATION_METHODS,
    AccessRequest,
    Person,
    accepting_fetches_more,
)
from dsar.store.states import RequestStatus, SystemStatus
from dsar.workspace import Workspace

COOKIE = "dsar_session"
SEARCHED_AGAIN = "Alle systemer søkes på nytt ved neste kjøring."
LOGIN_COOKIE = "dsar_login"
STATIC = TEMPLATES / "dashboard" / "static"
LOGIN_CSS = (
    "body{font-family:'DejaVu Sans',sans-serif;background:#f4f5f7;color:#1d2330}"
    ".login{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem 2rem;border:1px solid #d5d9e0;border-radius:6px}"
    "h1{font-size:1.3rem}input{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}"
    "button{padding:.5rem 1.2rem;font-size:1rem;background:#1f4e8c;color:#fff;border:0;border-radius:4px}"
    ".flash.error{background:#fde8e8;color:#8a1c1c;padding:.5rem;border-radius:4px}"
)


def _csp() -> str:
    import base64
    import hashlib

    login_css = base64.b64encode(hashlib.sha256(LOGIN_CSS.encode()).digest()).decode()
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'sha256-{login_css}'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )



from dsar.matching import REASONS as _MATCH_REASONS  # noqa: E402 - the matching's own words

REASONS = {reason: text[0].upper() + text[1:] for reason, text in _MATCH_REASONS.items()}
ACTIONS = {
    "registered": "Registrert",
    "verified": "Identitet bekreftet",
    "status": "Status endret",
    "system_started": "System søkes",
    "system_finished": "System ferdig",
    "system_failed": "System feilet",
    "system_waiting": "System venter på manuelt søk",
    "manual_attached": "Dokumenter lagt ved (manuelt søk)",
    "manual_nothing_found": "Manuelt søk: ingenting funnet",
    "identifiers_added": "Nye identifikatorer lagt til (nytt søk)",
    "name_corrected": "Navnet rettet (nytt søk)",
    "birthdate_added": "Fødselsdato lagt til (nytt søk)",
    "identifiers_asked": "Personen er spurt og har ikke flere",
    "review_decided": "Vurdering",
    "decision_voided": "Godkjenning falt bort: nytt søk holder ikke lenger postene tilbake",
    "rejection_withdrawn": "Avvisning trukket tilbake: postene følger søket",
    "exclusion_reconsidered": "Utelatt post lagt fram til vurdering",
    "package_built": "Pakke laget",
    "paused": "Klokken stoppet",
    "resumed": "Klokken startet igjen",
    "extended": "Fristen forlenget",
    "delivered": "Levert",
    "run_requested": "Kjøring startet",
    "password_shown": "Passord vist",
    "package_downloaded": "Pakke lastet ned",
    "notice_downloaded": "Forlengelsesbrev lastet ned",
    "letter_downloaded": "Svarbrev lastet ned",
    "run_lease_taken": "Kjøring tok over kravet",
    "package_superseded": "Eldre pakke erstattet",
    "package_removal_failed": "Erstattet pakke kunne ikke slettes fra disken – fjern filen som er nevnt",
    "package_shown_superseded": "Utlevert/vist pakke er ikke lenger hele svaret – personen må få den nye",
    "package_downloaded_superseded": "Nedlastet pakke er ikke lenger hele svaret – passordet er slettet, personen må få den nye",
    "package_failed": "Pakke feilet",
    "redaction_added": "Sladding lagt til",
    "redaction_lifted": "Sladding opphevet",
    "staging_purged": "Mellomlager slettet (lagringstid)",
    "exports_purged": "Pakker slettet (lagringstid)",
}


def audit_value(value: object) -> str:
    """A detail value as staff read it: ja/nei, lists joined, never a Python repr."""
    if value is True:
        return "ja"
    if value is False:
        return "nei"
    if isinstance(value, list | tuple | set):
        return ", ".join(audit_value(v) for v in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{k} {audit_value(v)}" for k, v in value.items()) or "–"
    return str(value)


class NotLoggedIn(Exception):
    def __init__(self, page: bool) -> None:
        self.page = page


class BadCsrf(Exception):
    pass


def create_app(workspace: Workspace, *, secure_cookies: bool = False) -> FastAPI:
    """The dashboard for ``workspace``. One store and one run manager per app."""
    from fastapi.templating import Jinja2Templates

    store: RequestStore = open_store(workspace)
    staff_dir = StaffDirectory(store)
    runs = Runs(workspace)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        runs.stop_all()
        store.close()

    app = FastAPI(title="dsar", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    templates = Jinja2Templates(directory=str(TEMPLATES / "dashboard"))
    env = templates.env
    env.globals.update(
        FILTERS=FILTERS, CHANNELS=CHANNELS, DELIVERY_CHANNELS=DELIVERY_CHANNELS, CLOSE_REASONS=CLOSE_REASONS,
        VERIFICATION_METHODS=VERIFICATION_METHODS, PASSWORD_CHANNELS=PASSWORD_CHANNELS, RELATIONS=RELATIONS,
        REASONS=REASONS, ACTIONS=ACTIONS, RequestStatus=RequestStatus, SystemStatus=SystemStatus,
        TONES={t.value: t.label for t in Tone},
    )
    env.filters["audit_value"] = audit_value
    env.filters["d"] = lambda v: v.strftime("%d.%m.%Y") if v else "–"
    env.filters["dt"] = lambda v: in_oslo(v).strftime("%d.%m.%Y %H.%M") if v else "–"
    flashes: dict[str, list[tuple[str, str]]] = {}
    csp = _csp()
    app.state.store, app.state.runs, app.state.staff = store, runs, staff_dir

    # -- plumbing ------------------------------------------------------------------------

    def who(request: Request, *, page: bool = True) -> LoggedIn:
        logged_in = staff_dir.session(request.cookies.get(COOKIE))
        if logged_in is None:
            raise NotLoggedIn(page)
        return logged_in

    async def posted(request: Request) -> tuple[LoggedIn, dict[str, str]]:
        logged_in = who(request, page=False)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not staff_dir.csrf_ok(logged_in, form.get("csrf")):
            raise BadCsrf()
        return logged_in, form

    def visible(me: LoggedIn, request_id: str) -> AccessRequest:
        request = store.get(request_id)
        if not me.staff.sees(request.controller_id):
            raise RequestNotFound(f"ingen krav {request_id!r} i dette arbeidsområdet")
        return request

    def flash(me: LoggedIn, kind: str, text: str) -> None:
        flashes.setdefault(me.token, []).append((kind, text))

    def render(request: Request, me: LoggedIn | None, name: str, status_code: int = 200, **context: Any) -> Response:
        messages = flashes.pop(me.token, []) if me else []
        return templates.TemplateResponse(
            request, name, {"me": me, "messages": messages, "today": today_oslo(), **context}, status_code=status_code
        )

    def back(request_id: str | None = None, anchor: str = "") -> RedirectResponse:
        target = f"/requests/{quote(request_id)}{anchor}" if request_id else "/"
        return RedirectResponse(target, status_code=303)

    def act(request_id: str, me: LoggedIn, action: Callable[[], str | None]) -> RedirectResponse:
        """Run a staff action; its refusal is shown on the request's page, nothing changed."""
        try:
            done = action()
            if done:
                flash(me, "ok", done)
        except DsarError as exc:
            flash(me, "error", str(exc))
        return back(request_id)

    @app.middleware("http")
    async def headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(NotLoggedIn)
    async def _not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if exc.page and request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"error": "log in first"}, status_code=401)

    @app.exception_handler(BadCsrf)
    async def _bad_csrf(request: Request, exc: BadCsrf) -> Response:
        return JSONResponse({"error": "the form's CSRF token is missing or wrong; reload the page"}, status_code=403)

    @app.exception_handler(RequestNotFound)
    async def _not_found(request: Request, exc: RequestNotFound) -> Response:
        return HTMLResponse("<h1>Fant ikke kravet</h1>", status_code=404)

    @app.exception_handler(404)
    async def _no_route(request: Request, exc: Exception) -> Response:
        # An unknown path tells nothing to someone not logged in.
        if staff_dir.session(request.cookies.get(COOKIE)) is None:
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                return RedirectResponse("/login", status_code=303)
            return JSONResponse({"error": "log in first"}, status_code=401)
        return HTMLResponse("<h1>Fant ikke siden</h1>", status_code=404)

    # -- login ---------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        token = secrets.token_urlsafe(32)
        response = render(request, None, "login.html", login_csrf=token, error=None, login_css=LOGIN_CSS)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies, max_age=3600)
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        expected = request.cookies.get(LOGIN_COOKIE)
        if not expected or not secrets.compare_digest(expected, form.get("csrf", "")):
            raise BadCsrf()
        logged_in = staff_dir.login(form.get("name", "").strip(), form.get("password", ""))
        if logged_in is None:
            token = secrets.token_urlsafe(32)
            response = render(request, None, "login.html", 401, login_csrf=token, error="Feil navn eller passord.",
                              login_css=LOGIN_CSS)
            response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies, max_age=3600)
            return response
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, logged_in.token, httponly=True, samesite="strict", secure=secure_cookies)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        me, _ = await posted(request)
        staff_dir.logout(me.token)
        flashes.pop(me.token, None)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # -- list and report -----------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def request_list(request: Request, vis: str = "alle", virksomhet: str = "") -> Response:
        me = who(request)
        allowed = _controllers(workspace, me)
        chosen = [virksomhet] if virksomhet in allowed else allowed
        summaries = store.summaries(today_oslo(), controllers=chosen, with_names=True)
        view = vis if vis in FILTERS else "alle"
        shown = [s for s in summaries if matches(s, view)]
        counts = {key: sum(1 for s in summaries if matches(s, key)) for key in FILTERS}
        return render(
            request, me, "list.html", rows=rows(shown), view=view, counts=counts,
            controllers=allowed, controller=virksomhet if virksomhet in allowed else "",
        )

    @app.get("/report", response_class=HTMLResponse)
    def report_page(request: Request) -> Response:
        me = who(request)
        summaries = store.summaries(today_oslo(), controllers=_controllers(workspace, me))
        return render(request, me, "report.html", r=report(summaries, today_oslo()))

    @app.get("/static/{name}")
    def static(request: Request, name: str) -> Response:
        who(request, page=False)
        path = (STATIC / name).resolve()
        if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
            return HTMLResponse("Fant ikke filen", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "private, max-age=300"})

    # -- registering ---------------------------------------------------------------------

    @app.get("/requests/new", response_class=HTMLResponse)
    def new_form(request: Request) -> Response:
        me = who(request)
        return render(request, me, "new.html", controllers=_controllers(workspace, me), form={}, error=None)

    @app.post("/requests")
    async def register(request: Request) -> Response:
        me, form = await posted(request)
        controllers = _controllers(workspace, me)
        try:
            controller_id = form.get("controller", "")
            if controller_id not in controllers:
                raise InputError("velg en av dine virksomheter")
            config = workspace.config.controller(controller_id)
            on_behalf = form.get("on_behalf_of", "").strip()
            relation = form.get("relation", "self") if on_behalf else "self"
            if on_behalf and relation not in ("guardian", "agent"):
                raise InputError("et krav på vegne av noen kommer fra en verge eller en fullmektig")
            received = _date(form.get("received"), "mottaksdatoen") or today_oslo()
            person = Person.from_given(
                on_behalf or form.get("name", ""),
                emails=_many(form.get("emails", "")),
                phones=_many(form.get("phones", "")),
                birthdate=form.get("birthdate") or None,
            )
            if not person.name:
                raise InputError("oppgi personens navn")
            created = store.register(
                controller=config.controller,
                person=person,
                received_on=received,
                channel=form.get("channel", "email"),
                actor=me.staff.name,
                verification_method=form.get("method") or None,
                relation=relation,
                requested_by=form.get("name", "").strip() if on_behalf else None,
                mandate=form.get("mandate") or None,
                language=form.get("language") or None,
                password_channel=form.get("password_channel") or None,
                today=today_oslo(),
            )
        except DsarError as exc:
            return render(request, me, "new.html", 400, controllers=controllers, form=form, error=str(exc))
        flash(me, "ok", f"Registrert som {created.id}.")
        for note in person.notes():
            flash(me, "warn", f"Merk: {note}.")
        return back(created.id)

    # -- one request ---------------------------------------------------------------------

    @app.get("/requests/{request_id}", response_class=HTMLResponse)
    def request_page(request: Request, request_id: str) -> Response:
        me = who(request)
        req = visible(me, request_id)
        controller = workspace.config.controller(req.controller_id)
        running, run_error = runs.status(request_id)
        items = store.review_items(request_id)
        evidence = _evidence(workspace, request_id, items) if items else {}
        fetches_more = {
            item.id for item in items
            if accepting_fetches_more(
                controller.systems.get(item.system_id), item.record_ref,
                {str(fields.get("(samling)")) for fields in evidence.get(item.id, [])}, item.reason,
            )
        }
        excluded = [g for g in excluded_groups(workspace, store, request_id) if not g.reconsidered]
        audit = store.audit_log(request_id)
        return render(
            request, me, "request.html", r=req, controller=controller,
            systems=_systems(store, request_id, controller), items=items, evidence=evidence,
            fetches_more=fetches_more, ACCEPTING_FETCHES_MORE=ACCEPTING_FETCHES_MORE,
            audit=list(reversed(audit)), package=store.latest_package(request_id),
            shown_superseded=store.shown_superseded(request_id),
            sealed_password=_has_sealed_password(store, request_id), running=running, run_error=run_error,
            pauses=_pauses(store, request_id), excluded=excluded,
            questions=asking.for_request(store, req, controller),
        )

    @app.get("/requests/{request_id}/progress.json")
    def progress(request: Request, request_id: str) -> Response:
        me = who(request, page=False)
        req = visible(me, request_id)
        running, error = runs.status(request_id)
        return JSONResponse(
            {
                "id": req.id,
                "status": req.status,
                "state": req.state.label,
                "running": running or req.state == RequestStatus.RUNNING,
                "error": error,
                "systems": [
                    {"id": sid, "status": run.status, "label": SystemStatus(run.status).label,
                     "records": run.records, "held": run.held, "excluded": run.excluded_count}
                    for sid, run in store.system_runs(request_id).items()
                ],
            }
        )

    @app.post("/requests/{request_id}/verify")
    async def verify(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)
        return act(request_id, me, lambda: (store.verify(request_id, form.get("method", ""), me.staff.name), "Identiteten er registrert som bekreftet.")[1])

    @app.post("/requests/{request_id}/run")
    async def run(request: Request, request_id: str) -> Response:
        me, _ = await posted(request)
        req = visible(me, request_id)

        def start() -> str:
            from dsar.cli.running import check_runnable

            check_runnable(workspace, req.id)
            runs.start(req.id, me.staff.name)
            store.audit(req.id, me.staff.name, "run_requested", via="dashboard")
            return "Kjøringen er startet. Fremdriften vises under."

        return act(request_id, me, start)

    @app.post("/requests/{request_id}/review/{item_id}")
    async def decide(request: Request, request_id: str, item_id: int) -> Response:
        me, form = await posted(request)
        visible(me, request_id)
        decision = form.get("decision", "")
        return act(request_id, me, lambda: (store.decide(request_id, item_id, decision, me.staff.name),
                                            "Avgjørelsen er lagret. Kjør kravet igjen for ny pakke.")[1])

    @app.post("/requests/{request_id}/reconsider")
    async def reconsider_excluded(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)
        system_id, ref = form.get("system", ""), form.get("record", "")
        return act(request_id, me, lambda: (reconsider(workspace, store, request_id, system_id, ref, me.staff.name),
                                            "Lagt fram til vurdering under Kandidater.")[1])

    # The answers to the page's questions (``dsar.asking``): what the person gives is posted,
    # never put in a URL, a log line or a message; the store checks it and decides which
    # questions it closes. A refusal (``InputError``) is shown on the page, nothing changed.

    @app.post("/requests/{request_id}/add-identifiers")
    async def add_identifiers(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)

        def do() -> str:
            emails, phones = _many(form.get("emails", "")), _many(form.get("phones", ""))
            if not (emails or phones):
                raise InputError("oppgi en e-postadresse eller et telefonnummer")
            store.add_identifiers(request_id, emails=emails, phones=phones, actor=me.staff.name)
            return f"Lagt til i kravet. {SEARCHED_AGAIN}"

        return act(request_id, me, do)

    @app.post("/requests/{request_id}/correct-name")
    async def correct_name(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)

        def do() -> str:
            store.correct_name(request_id, _required(form, "name", "personens fulle navn"), actor=me.staff.name)
            return f"Navnet er rettet. {SEARCHED_AGAIN}"

        return act(request_id, me, do)

    @app.post("/requests/{request_id}/add-birthdate")
    async def add_birthdate(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)

        def do() -> str:
            store.add_birthdate(request_id, _required(form, "birthdate", "fødselsdatoen"), actor=me.staff.name)
            return f"Fødselsdatoen er lagt til. {SEARCHED_AGAIN}"

        return act(request_id, me, do)

    @app.post("/requests/{request_id}/asked")
    async def asked(request: Request, request_id: str) -> Response:
        me, _ = await posted(request)
        req = visible(me, request_id)

        def do() -> str:
            if not asking.for_request(store, req, workspace.config.controller(req.controller_id)):
                raise InputError("kravet har ingen åpne spørsmål; ingenting ble endret")
            store.mark_asked(request_id, actor=me.staff.name)
            return "Notert at personen er spurt og ikke har flere; spørsmålene er lukket."

        return act(request_id, me, do)

    @app.post("/requests/{request_id}/pause")
    async def pause(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)
        return act(request_id, me, lambda: (store.pause(
            request_id, _date(form.get("asked_on"), "dagen spørsmålet ble stilt") or today_oslo(),
            _required(form, "reason", "hva personen ble spurt om"), me.staff.name), "Klokken står.")[1])

    @app.post("/requests/{request_id}/resume")
    async def resume(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)
        return act(request_id, me, lambda: (store.resume(
            request_id, _date(form.get("answered_on"), "dagen svaret kom") or today_oslo(), me.staff.name),
            "Klokken går igjen; fristen er flyttet.")[1])

    @app.post("/requests/{request_id}/extend")
    async def extend(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)

        def do() -> str:
            months = _int(form.get("months"), "antall måneder")
            store.extend(request_id, months, _required(form, "reason", "begrunnelsen"),
                         _date(form.get("notified_on"), "varseldatoen") or today_oslo(), me.staff.name)
            return "Fristen er forlenget. Last ned forlengelsesbrevet og send det til personen."

        return act(request_id, me, do)

    @app.get("/requests/{request_id}/extension-notice.{kind}")
    def notice(request: Request, request_id: str, kind: str, lang: str = "") -> Response:
        from dsar.letter.extension import render_notice_html, render_notice_pdf

        me = who(request, page=False)
        req = visible(me, request_id)
        language = lang or req.language
        controller = workspace.config.controller(req.controller_id).controller
        try:
            html = render_notice_html(req, controller, language)  # type: ignore[arg-type]
        except InputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        store.audit(req.id, me.staff.name, "notice_downloaded", language=language, format=kind)
        name = f"{req.id}-forlengelse-{language}"
        if kind == "pdf":
            return Response(render_notice_pdf(req, controller, language), media_type="application/pdf",  # type: ignore[arg-type]
                            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
        if kind == "html":
            return HTMLResponse(html, headers={"Content-Disposition": f'attachment; filename="{name}.html"'})
        return HTMLResponse("Ukjent format", status_code=404)

    @app.get("/requests/{request_id}/letter.{kind}")
    def letter(request: Request, request_id: str, kind: str) -> Response:
        from dsar.answer import build_answer
        from dsar.letter import render_letter_html, render_letter_pdf

        me = who(request, page=False)
        req = visible(me, request_id)
        if not (req.state.has_package or req.state.answered):
            return JSONResponse({"error": "no answer yet: run the request first"}, status_code=400)
        controller = workspace.config.controller(req.controller_id)
        answer, _ = build_answer(workspace, store, req, controller, today=req.delivered_on or today_oslo())
        html = render_letter_html(answer)
        store.audit(req.id, me.staff.name, "letter_downloaded", format=kind)
        if kind == "pdf":
            return Response(render_letter_pdf(answer), media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{req.id}-svarbrev.pdf"'})
        return HTMLResponse(html, headers={"Content-Disposition": f'attachment; filename="{req.id}-svarbrev.html"'})

    @app.get("/requests/{request_id}/package")
    def package(request: Request, request_id: str) -> Response:
        me = who(request, page=False)
        visible(me, request_id)
        pkg = store.latest_package(request_id)
        if pkg is None or not Path(pkg.path).is_file():
            return JSONResponse({"error": "no package yet"}, status_code=404)
        store.audit(request_id, me.staff.name, "package_downloaded", file=Path(pkg.path).name)
        return FileResponse(pkg.path, media_type="application/zip", filename=Path(pkg.path).name)

    @app.post("/requests/{request_id}/password", response_class=HTMLResponse)
    async def password(request: Request, request_id: str) -> Response:
        from dsar.delivery import take_password

        me, _ = await posted(request)
        req = visible(me, request_id)
        pkg = store.latest_package(request_id)
        secret = take_password(workspace.data_key, Path(pkg.path)) if pkg else None
        if secret is None:
            flash(me, "error", "Passordet er allerede vist én gang og lagres ikke. Lag en ny pakke (dsar repackage) for et nytt passord.")
            return back(request_id)
        store.audit(req.id, me.staff.name, "password_shown", file=Path(pkg.path).name if pkg else None)
        return render(request, me, "password.html", r=req, password=secret, package=Path(pkg.path).name if pkg else "")

    @app.post("/requests/{request_id}/deliver")
    async def deliver(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)

        def do() -> str:
            done = store.deliver(request_id, form.get("channel", ""),
                                 _date(form.get("delivered_on"), "leveringsdatoen") or today_oslo(), me.staff.name)
            verdict = "i tide" if done.clock and done.clock.on_time else "for sent"
            return f"Registrert som levert {done.delivered_on:%d.%m.%Y} – {verdict}."

        return act(request_id, me, do)

    @app.post("/requests/{request_id}/close")
    async def close(request: Request, request_id: str) -> Response:
        me, form = await posted(request)
        visible(me, request_id)
        return act(request_id, me, lambda: (store.close_request(request_id, form.get("reason", "answered"), me.staff.name),
                                            "Kravet er avsluttet.")[1])

    return app


# -- helpers ---------------------------------------------------------------------------------


def _controllers(workspace: Workspace, me: LoggedIn) -> list[str]:
    return [c for c in sorted(workspace.config.controllers) if me.staff.sees(c)]


def _date(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what} er ikke en dato (ÅÅÅÅ-MM-DD)") from None


def _int(value: str | None, what: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise InputError(f"{what} må være et tall") from None


def _required(form: dict[str, str], key: str, what: str) -> str:
    value = form.get(key, "").strip()
    if not value:
        raise InputError(f"oppgi {what}")
    return value


def _many(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def _systems(store: RequestStore, request_id: str, controller: Any) -> list[dict[str, Any]]:
    runs = store.system_runs(request_id)
    out = []
    for system_id, system in controller.systems.items():
        run = runs.get(system_id)
        status = SystemStatus(run.status) if run else SystemStatus.PENDING
        out.append({"id": system_id, "title": system.title.get("nb"), "status": status.value, "label": status.label,
                    "records": run.records if run else 0, "held": run.held if run else 0,
                    "excluded": run.excluded_count if run else 0,
                    "excluded_why": _excluded_why(run.excluded if run else {}),
                    "unattributed": run.unattributed if run else 0,
                    "error": run.error if run else None, "attempts": run.attempts if run else 0})
    return out


def _excluded_why(excluded: dict[str, int]) -> str:
    """Why records were left out as somebody else's, in the words staff read (no values)."""
    from dsar.matching import REASONS

    return "; ".join(f"{n}: {REASONS.get(reason, reason)}" for reason, n in sorted(excluded.items(), key=lambda x: -x[1]))


def _evidence(workspace: Workspace, request_id: str, items: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """The held records' own fields, for staff to judge (decrypted from staging, shown only
    on this page; the template escapes every value). A review item names a group of records
    (``dsar.matching``): every staged record whose group resolves to it is shown."""
    by_system: dict[str, dict[str, int]] = {}
    for item in items:
        by_system.setdefault(item.system_id, {})[item.record_ref] = item.id
    out: dict[int, list[dict[str, Any]]] = {}
    for system_id, by_ref in by_system.items():
        try:
            resolution = workspace.staging.resolution(request_id, system_id)
            for collection in workspace.staging.collections(request_id, system_id):
                for finding in workspace.staging.read(request_id, system_id, collection):
                    root = resolution.root(finding.group) if resolution else finding.group
                    item_id = by_ref.get(root or "")
                    if item_id is not None:
                        fields = {k: ("" if v is None else str(v))[:200] for k, v in finding.fields.items()}
                        out.setdefault(item_id, []).append({"(samling)": collection, **fields})
        except DsarError:
            continue
    return out


def _has_sealed_password(store: RequestStore, request_id: str) -> bool:
    from dsar.delivery import SUFFIX

    pkg = store.latest_package(request_id)
    return pkg is not None and Path(pkg.path + SUFFIX).exists()


def _pauses(store: RequestStore, request_id: str) -> list[tuple[date, date | None]]:
    return store.pauses(request_id)
