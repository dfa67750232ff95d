"""``dsar review``: a person decides on weak matches before anything of them is released."""

from __future__ import annotations

from typing import Annotated

import typer

from dsar.cli.common import JsonOption, WorkspaceOption, emit_json, emit_table, friendly_errors, open_workspace

app = typer.Typer(help="Decide on held records (weak matches).", no_args_is_help=True)

REASONS = {
    "name_differs": "navnet i systemet er et annet enn personens",
    "birthdate_differs": "fødselsdatoen i systemet er en annen",
}


@app.command("list")
def list_items(
    request_id: Annotated[str, typer.Argument()],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Held records of a request and the decisions taken."""
    with friendly_errors(json):
        from dsar.store import open_store

        ws = open_workspace(workspace)
        rows = [
            {
                "item": i.id,
                "system": i.system_id,
                "record": i.record_ref,
                "reason": i.reason,
                "why": REASONS.get(i.reason, i.reason),
                "decision": i.decision,
                "decided_by": i.decided_by,
            }
            for i in open_store(ws).review_items(request_id)
        ]
        if json:
            emit_json(rows)
        else:
            emit_table(rows, ["item", "system", "record", "why", "decision"])


@app.command("show")
def show(
    request_id: Annotated[str, typer.Argument()],
    item: Annotated[int, typer.Argument(help="Item number from 'dsar review list'.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Show a held record so staff can judge whether it is the person's (local screen only)."""
    with friendly_errors(json):
        from dsar.errors import InputError
        from dsar.store import open_store

        ws = open_workspace(workspace)
        store = open_store(ws)
        match = next((i for i in store.review_items(request_id) if i.id == item), None)
        if match is None:
            raise InputError(f"request {request_id} has no review item {item}")
        collection = match.record_ref.split("/", 1)[0]
        request = store.get(request_id)
        records = [
            f
            for f in ws.staging.read(request_id, match.system_id, collection)
            if f.review_key == match.record_ref
        ]
        if json:
            emit_json({"asked_name": request.person.name, "records": [r.fields for r in records]})
        else:
            typer.echo(f"Innsynet gjelder: {request.person.name}")
            for record in records:
                for key, value in record.fields.items():
                    typer.echo(f"  {key}: {value}")


@app.command("decide")
def decide(
    request_id: Annotated[str, typer.Argument()],
    item: Annotated[int, typer.Argument()],
    decision: Annotated[str, typer.Argument(help="accepted (it is the person's) or rejected.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Record the decision; run the request again to rebuild its package."""
    with friendly_errors(json):
        from dsar.store import open_store

        ws = open_workspace(workspace)
        open_store(ws).decide(request_id, item, decision, actor)
        if json:
            emit_json({"id": request_id, "item": item, "decision": decision})
        else:
            typer.echo(f"{request_id} #{item}: {decision}. Kjør 'dsar run {request_id}' for ny pakke.")


@app.command("redactions")
def redactions(
    request_id: Annotated[str, typer.Argument()],
    system: Annotated[str | None, typer.Option(help="Only this mail system.")] = None,
    message: Annotated[str | None, typer.Option(help="Show this message (its key) as it will be blacked out.")] = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """What will be blacked out of the person's mail (Art. 15(4)), before it is released.

    Without --message: each message and its number of redactions by kind. With --message: the
    message's texts with every redaction marked and numbered (local screen only), and the list
    of what is blacked out; 'dsar review lift' and 'dsar review redact' change it."""
    with friendly_errors(json):
        from dsar.cli.mail_review import message_preview, redaction_rows

        ws = open_workspace(workspace)
        if message is None:
            rows = redaction_rows(ws, request_id, system)
            if json:
                emit_json(rows)
            else:
                emit_table(rows, ["system", "message", "status", "date", "email", "phone", "name", "added", "lifted"])
            return
        preview = message_preview(ws, request_id, system, message)
        if json:
            emit_json(preview)
            return
        typer.echo(f"Innsynet gjelder: {preview['asked_name']}")
        for part in preview["texts"]:
            typer.echo(f"--- {part['where']} ---")
            typer.echo(part["text"])
        typer.echo("--- sladdet ---")
        for target in preview["targets"]:
            state = "løftet" if target["lifted"] else "sladdet"
            typer.echo(f"  #{target['id']} {target['kind']}: {', '.join(target['spellings'])} ({target['count']}x, {state})")
        for text in preview["added"]:
            typer.echo(f"  + {text} (lagt til)")


@app.command("lift")
def lift(
    request_id: Annotated[str, typer.Argument()],
    system: Annotated[str, typer.Argument(help="The mail system.")],
    message: Annotated[str, typer.Argument(help="The message's key.")],
    number: Annotated[int, typer.Argument(help="The redaction's number from 'dsar review redactions --message'.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Keep something the search would black out (it is the person's, or no one's). Audited."""
    with friendly_errors(json):
        from dsar.cli.mail_review import change

        ws = open_workspace(workspace)
        change(ws, request_id, system, message, actor, lift=number)
        if json:
            emit_json({"id": request_id, "system": system, "message": message, "lifted": number})
        else:
            typer.echo(f"{request_id}: sladding #{number} løftet. Kjør 'dsar repackage {request_id}' for ny pakke.")


@app.command("redact")
def redact(
    request_id: Annotated[str, typer.Argument()],
    system: Annotated[str, typer.Argument(help="The mail system.")],
    message: Annotated[str, typer.Argument(help="The message's key.")],
    text: Annotated[str, typer.Argument(help="Text to black out as well (every occurrence, any case).")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Black out something the search missed (a nickname, an address written oddly). Audited;
    the text itself is sealed in the store, never in the audit."""
    with friendly_errors(json):
        from dsar.cli.mail_review import change

        ws = open_workspace(workspace)
        change(ws, request_id, system, message, actor, add=text)
        if json:
            emit_json({"id": request_id, "system": system, "message": message, "added": True})
        else:
            typer.echo(f"{request_id}: lagt til sladding. Kjør 'dsar repackage {request_id}' for ny pakke.")
