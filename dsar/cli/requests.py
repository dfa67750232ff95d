"""``dsar request``: register a request as it reached the controller, verify it."""

from __future__ import annotations

from typing import Annotated

import typer

from dsar.cli.common import JsonOption, WorkspaceOption, emit_json, friendly_errors, open_workspace, parse_date
from dsar.deadlines import today_oslo
from dsar.store import Person, open_store
from dsar.store.domain import CHANNELS, CLOSE_REASONS, DELIVERY_CHANNELS, PASSWORD_CHANNELS, VERIFICATION_METHODS

app = typer.Typer(help="Register and verify access requests.", no_args_is_help=True)

METHODS = ", ".join(VERIFICATION_METHODS)


@app.command("new")
def new(
    controller: Annotated[str, typer.Option(help="Controller id from the configuration.")],
    name: Annotated[str, typer.Option(help="Name of the person asking.")],
    email: Annotated[list[str] | None, typer.Option(help="E-mail to search by (repeatable).")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="Phone to search by (repeatable).")] = None,
    birthdate: Annotated[str | None, typer.Option(help="Birth date of the person the data is about.")] = None,
    received: Annotated[str | None, typer.Option(help="Day the request reached the controller (YYYY-MM-DD); default today.")] = None,
    verified_by: Annotated[str | None, typer.Option("--method", "--verified-by", help=f"How identity was verified: {METHODS}. Omit while verification is pending.")] = None,
    on_behalf_of: Annotated[str | None, typer.Option(help="Name of the person the data is about, when someone else asks (a guardian, an agent).")] = None,
    relation: Annotated[str | None, typer.Option(help="With --on-behalf-of: guardian (child under 15) or agent.")] = None,
    mandate: Annotated[str | None, typer.Option(help="Agent's written mandate: its reference.")] = None,
    channel: Annotated[str, typer.Option(help=f"How the request arrived: {', '.join(CHANNELS)}.")] = "email",
    language: Annotated[str | None, typer.Option(help="Letter language: nb or en; default the controller's.")] = None,
    password_by: Annotated[str | None, typer.Option(help=f"How the password is sent: {', '.join(PASSWORD_CHANNELS)}.")] = None,
    actor: Annotated[str, typer.Option(help="Staff member registering.", envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Register a request; prints its id."""
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
        out = {"id": request.id, "status": request.status, "due": request.due, "notes": notes}
        if json:
            emit_json(out)
        else:
            typer.echo(request.id)
            for note in notes:
                typer.echo(f"Merk: {note}", err=True)
            if not request.verified:
                typer.echo(
                    f"Venter på identitetskontroll: dsar request verify {request.id} --method …", err=True
                )


@app.command("add-identifier")
def add_identifier(
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    email: Annotated[list[str] | None, typer.Option(help="E-mail the person confirmed is theirs (repeatable).")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="Phone the person confirmed is theirs (repeatable).")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Add identifiers for a second search (see 'dsar review suggestions'); every system is
    searched again on the next run."""
    with friendly_errors(json):
        from dsar.errors import InputError

        if not (email or phone):
            raise InputError("oppgi --email eller --phone")
        ws = open_workspace(workspace)
        given = Person.from_given("-", emails=email or [], phones=phone or [])
        request = open_store(ws).add_identifiers(
            request_id, emails=given.emails, phones=given.phones, actor=actor
        )
        if json:
            emit_json({"id": request.id, "status": request.status})
        else:
            typer.echo(f"{request.id}: lagt til; kjør 'dsar run {request.id}' for å søke på nytt")


@app.command("verify")
def verify(
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    method: Annotated[str, typer.Option(help=f"How identity was verified: {METHODS}.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Record how the person's identity was verified (the method, never the document)."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).verify(request_id, method, actor)
        if json:
            emit_json({"id": request.id, "status": request.status})
        else:
            typer.echo(f"{request.id}: {request.status}")


@app.command("extend")
def extend(
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    months: Annotated[int, typer.Option(min=1, max=2, help="Further months (at most 2, Art. 12(3)).")],
    reason: Annotated[str, typer.Option(help="Why: the request is complex, or requests are many.")],
    notified: Annotated[str | None, typer.Option(help="Day the person was told (YYYY-MM-DD); default today.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Extend the deadline; the person must be told, with reasons, before the first one passes."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).extend(
            request_id, months, reason, parse_date(notified, "--notified") or today_oslo(), actor
        )
        _show_due(request, json)


@app.command("pause")
def pause(
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    reason: Annotated[str, typer.Option(help="What was asked of the person (identification, clarification).")],
    asked: Annotated[str | None, typer.Option(help="Day it was asked (YYYY-MM-DD); default today.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Stop the clock while waiting for the person's answer (EDPB Guidelines 01/2022 §159)."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).pause(request_id, parse_date(asked, "--asked") or today_oslo(), reason, actor)
        _show_due(request, json)


@app.command("resume")
def resume(
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    answered: Annotated[str | None, typer.Option(help="Day the answer arrived (YYYY-MM-DD); default today.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Start the clock again: the due dates move by the days it stood still."""
    with friendly_errors(json):
        ws = open_workspace(workspace)
        request = open_store(ws).resume(request_id, parse_date(answered, "--answered") or today_oslo(), actor)
        _show_due(request, json)


@app.command("deliver")
def deliver(
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    channel: Annotated[str, typer.Option(help=f"How the package reached the person: {', '.join(DELIVERY_CHANNELS)}.")],
    on: Annotated[str | None, typer.Option(help="Day it was sent (YYYY-MM-DD); default today.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Record that the answer was sent: the clock stops, on time or late."""
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
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    reason: Annotated[str, typer.Option(help=f"Why: {', '.join(CLOSE_REASONS)}.")] = "answered",
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Close a request: answered (after delivery), withdrawn, unverified, refused, duplicate."""
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
