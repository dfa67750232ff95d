"""``dsar request``: register a request as it reached the controller, verify it."""

from __future__ import annotations

from typing import Annotated

import typer

from dsar.cli.common import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    friendly_errors,
    open_workspace,
    parse_date,
    warn_stale,
)
from dsar.deadlines import today_oslo
from dsar.store import Person, open_store
from dsar.store.domain import CHANNELS, CLOSE_REASONS, DELIVERY_CHANNELS, PASSWORD_CHANNELS, VERIFICATION_METHODS

app = typer.Typer(help="Registrer og verifiser innsynskrav.", no_args_is_help=True)

METHODS = ", ".join(VERIFICATION_METHODS)


@app.command("new")
def new(
    controller: Annotated[str, typer.Option(help="Id-en til den behandlingsansvarlige i konfigurasjonen.")],
    name: Annotated[str, typer.Option(help="Navnet på den som ber om innsyn.")],
    email: Annotated[list[str] | None, typer.Option(help="E-postadresse det skal søkes på (kan gjentas).")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="Telefonnummer det skal søkes på (kan gjentas).")] = None,
    birthdate: Annotated[str | None, typer.Option(help="Fødselsdatoen til den registrerte (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ), eller fødselsnummeret eller D-nummeret (11 sifre, mellomrom er greit): da lagres bare fødselsdatoen nummeret viser, ikke nummeret.")] = None,
    received: Annotated[str | None, typer.Option(help="Dagen kravet kom inn til den behandlingsansvarlige (ÅÅÅÅ-MM-DD); standard er i dag.")] = None,
    verified_by: Annotated[str | None, typer.Option("--method", "--verified-by", help=f"Hvordan identiteten ble bekreftet: {METHODS}. Utelates mens identitetskontrollen pågår.")] = None,
    on_behalf_of: Annotated[str | None, typer.Option(help="Navnet på den registrerte når noen andre ber om innsyn (foresatt eller fullmektig).")] = None,
    relation: Annotated[str | None, typer.Option(help="Med --on-behalf-of: guardian (foresatt for barn under 18; fra 15 år med barnets skriftlige samtykke i --mandate) eller agent (fullmektig).")] = None,
    mandate: Annotated[str | None, typer.Option(help="Referanse til den skriftlige fullmakten (fullmektig), eller til barnets samtykke (foresatt for barn på 15–17).")] = None,
    channel: Annotated[str, typer.Option(help=f"Hvordan kravet kom inn: {', '.join(CHANNELS)}.")] = "email",
    language: Annotated[str | None, typer.Option(help="Språket i svarbrevet: nb eller en; standard er språket til den behandlingsansvarlige.")] = None,
    password_by: Annotated[str | None, typer.Option(help=f"Hvordan passordet sendes: {', '.join(PASSWORD_CHANNELS)}.")] = None,
    actor: Annotated[str, typer.Option(help="Saksbehandleren som registrerer kravet.", envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Registrer et innsynskrav; skriver ut krav-id-en."""
    with friendly_errors(json):
        from dsar.errors import InputError

        ws = open_workspace(workspace)
        config = ws.config.controller(controller)
        if on_behalf_of and relation not in ("guardian", "agent"):
            raise InputError("--on-behalf-of trenger --relation guardian eller --relation agent")
        if relation and not on_behalf_of:
            raise InputError("--relation gjelder krav på vegne av noen: legg til --on-behalf-of")
        person = Person.from_given(
            on_behalf_of or name, emails=email or [], phones=phone or [], birthdate=birthdate
        )
        store = open_store(ws)
        request = store.register(
            controller=config.controller,
            person=person,
            received_on=parse_date(received, "--received") or today_oslo(),
            channel=channel,
            actor=actor,
            verification_method=verified_by,
            relation=relation or "self",
            requested_by=name.strip() if on_behalf_of else None,
            mandate=mandate,
            language=language,
            password_channel=password_by,
        )
        notes = person.notes()
        from dsar.asking import for_request

        # Asked now, while the person is at hand; the thin name is among the notes already.
        ask = [q.said(request.id) for q in for_request(store, request, config) if q.code != "name"]
        out = {"id": request.id, "status": request.status, "due": request.due, "notes": notes, "ask_for": ask}
        if json:
            emit_json(out)
        else:
            typer.echo(request.id)
            for note in notes:
                typer.echo(f"Merk: {note}", err=True)
            for question in ask:
                typer.echo(f"Spør: {question}", err=True)
            if not request.verified:
                typer.echo(
                    f"Venter på identitetskontroll: dsar request verify {request.id} --method …", err=True
                )


@app.command("add-identifier")
def add_identifier(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    email: Annotated[list[str] | None, typer.Option(help="E-postadresse den registrerte har bekreftet er sin (kan gjentas).")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="Telefonnummer den registrerte har bekreftet er sitt (kan gjentas).")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Legg til e-post eller telefon for et nytt søk (se 'dsar review suggestions'); alle systemer søkes på nytt ved neste kjøring."""
    with friendly_errors(json):
        from dsar.errors import InputError

        if not (email or phone):
            raise InputError("oppgi --email eller --phone")
        ws = open_workspace(workspace)
        given = Person.from_given("-", emails=email or [], phones=phone or [])
        store = open_store(ws)
        request = store.add_identifiers(
            request_id, emails=given.emails, phones=given.phones, actor=actor
        )
        if json:
            emit_json({"id": request.id, "status": request.status,
                       "shown_superseded": store.shown_superseded(request.id)})
        else:
            typer.echo(f"{request.id}: lagt til; kjør 'dsar run {request.id}' for å søke på nytt")
        warn_stale(store, request.id, json)


@app.command("asked")
def asked(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Noter at personen er spurt om alle e-postadresser og telefonnumre de bruker, og ikke hadde flere (lukker spørsmålene 'dsar run' viser)."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        open_store(ws).mark_asked(request_id, actor=actor)
        if json:
            emit_json({"id": request_id, "asked": True})
        else:
            typer.echo(f"{request_id}: notert at personen er spurt")


@app.command("correct-name")
def correct_name(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    name: Annotated[str, typer.Option(help="Fullt navn slik ID-kontrollen viste det.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Rett navnet i kravet (et navn som ikke skiller personer, til fullt navn); alle systemer søkes på nytt ved neste kjøring."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        store = open_store(ws)
        request = store.correct_name(request_id, name, actor=actor)
        if json:
            emit_json({"id": request.id, "status": request.status,
                       "shown_superseded": store.shown_superseded(request.id)})
        else:
            typer.echo(f"{request.id}: navnet er rettet; kjør 'dsar run {request.id}' for å søke på nytt")
        warn_stale(store, request.id, json)


@app.command("add-birthdate")
def add_birthdate(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    birthdate: Annotated[str, typer.Option(help="Fødselsdatoen slik ID-kontrollen viste den (DD.MM.ÅÅÅÅ eller ÅÅÅÅ-MM-DD), eller fødselsnummeret (da lagres bare datoen det viser).")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Legg til fødselsdatoen i et krav som ikke har den; alle systemer søkes på nytt ved neste kjøring."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        store = open_store(ws)
        request = store.add_birthdate(request_id, birthdate, actor=actor)
        if json:
            emit_json({"id": request.id, "status": request.status,
                       "shown_superseded": store.shown_superseded(request.id)})
        else:
            typer.echo(f"{request.id}: fødselsdatoen er lagt til; kjør 'dsar run {request.id}' for å søke på nytt")
        warn_stale(store, request.id, json)


@app.command("verify")
def verify(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    method: Annotated[str, typer.Option(help=f"Hvordan identiteten ble bekreftet: {METHODS}.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Registrer hvordan identiteten til den registrerte ble bekreftet (metoden, aldri dokumentet)."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).verify(request_id, method, actor)
        if json:
            emit_json({"id": request.id, "status": request.status})
        else:
            from dsar.store.states import RequestStatus

            typer.echo(f"{request.id}: {RequestStatus(request.status).label}")


@app.command("extend")
def extend(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    months: Annotated[int, typer.Option(min=1, max=2, help="Antall måneder fristen forlenges med (høyst 2, Art. 12(3)).")],
    reason: Annotated[str, typer.Option(help="Begrunnelse: kravet er sammensatt, eller kravene er mange.")],
    notified: Annotated[str | None, typer.Option(help="Dagen den registrerte fikk beskjed (ÅÅÅÅ-MM-DD); standard er i dag.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Forleng fristen; den registrerte må få beskjed, med begrunnelse, før den opprinnelige fristen går ut."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).extend(
            request_id, months, reason, parse_date(notified, "--notified") or today_oslo(), actor
        )
        _show_due(request, json)


@app.command("pause")
def pause(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    reason: Annotated[str, typer.Option(help="Hva den registrerte ble bedt om (identifikasjon, presisering).")],
    asked: Annotated[str | None, typer.Option(help="Dagen den registrerte ble spurt (ÅÅÅÅ-MM-DD); standard er i dag.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Stans fristen mens dere venter på svar fra den registrerte (EDPB Guidelines 01/2022 §159)."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).pause(request_id, parse_date(asked, "--asked") or today_oslo(), reason, actor)
        _show_due(request, json)


@app.command("resume")
def resume(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    answered: Annotated[str | None, typer.Option(help="Dagen svaret kom (ÅÅÅÅ-MM-DD); standard er i dag.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Start fristen igjen; fristene flyttes med antall dager den sto stille."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).resume(request_id, parse_date(answered, "--answered") or today_oslo(), actor)
        _show_due(request, json)


@app.command("deliver")
def deliver(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    channel: Annotated[str, typer.Option(help=f"Hvordan pakken ble utlevert til den registrerte: {', '.join(DELIVERY_CHANNELS)}.")],
    on: Annotated[str | None, typer.Option(help="Dagen pakken ble sendt (ÅÅÅÅ-MM-DD); standard er i dag.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Registrer at svaret er utlevert; fristen stanser, i tide eller for sent."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).deliver(request_id, channel, parse_date(on, "--on") or today_oslo(), actor)
        on_time = request.clock.on_time if request.clock else None
        if json:
            emit_json({"id": request.id, "status": request.status, "delivered_on": request.delivered_on, "due": request.due, "on_time": on_time})
        else:
            verdict = "i tide" if on_time else "for sent"
            typer.echo(f"{request.id}: levert {request.delivered_on:%d.%m.%Y}, {verdict} (frist {request.due:%d.%m.%Y})")


@app.command("close")
def close(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    reason: Annotated[str, typer.Option(help=f"Årsak: {', '.join(CLOSE_REASONS)}.")] = "answered",
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Avslutt et innsynskrav: answered (etter utlevering), withdrawn, unverified, refused eller duplicate."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).close_request(request_id, reason, actor)
        if json:
            emit_json({"id": request.id, "status": request.status, "reason": reason})
        else:
            typer.echo(f"{request.id}: avsluttet ({CLOSE_REASONS[reason].lower()})")


def _show_due(request, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    out = {
        "id": request.id,
        "due": request.due,
        "due_legal": request.due_legal,
        "due_promised": request.due_promised,
        "due_extended": request.due_extended,
    }
    if as_json:
        emit_json(out)
    else:
        send_by = request.clock.send_by if request.clock else request.due
        typer.echo(f"{request.id}: send innen {send_by:%d.%m.%Y} (frist {request.due:%d.%m.%Y})")
