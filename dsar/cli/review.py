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
