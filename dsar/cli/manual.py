"""``dsar manual``: staff's part in systems searched by hand (``connector = "manual"``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dsar.cli.common import JsonOption, WorkspaceOption, emit_json, emit_table, friendly_errors, open_workspace
from dsar.safetext import for_terminal_block

app = typer.Typer(help="Systemer som søkes manuelt: se hva som skal gjøres, og legg ved det som ble funnet.", no_args_is_help=True)


@app.command("list")
def list_tasks(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Systemene i kravet som søkes manuelt, hva som skal gjøres, og om det er gjort."""
    with friendly_errors(json):
        from dsar.store import open_store

        ws = open_workspace(workspace)
        store = open_store(ws)
        request = store.get(request_id)
        controller = ws.config.controller(request.controller_id)
        runs = store.system_runs(request_id)
        rows = []
        for system in controller.systems.values():
            if system.searched_by_identity:
                continue
            run = runs.get(system.id)
            status = run.status if run else "pending"
            rows.append(
                {
                    "system": system.id,
                    "title": system.title.get("nb"),
                    "status": {"waiting": "venter på deg", "complete": "dokumenter lagt ved",
                               "nothing_found": "ingenting funnet"}.get(status, "ikke startet"),
                    "documents": run.records if run else 0,
                    "instructions": system.instructions.get("nb"),  # type: ignore[attr-defined]
                }
            )
        if json:
            emit_json(rows)
        else:
            emit_table(rows, ["system", "status", "documents", "title"])
            for row in rows:
                typer.echo(f"\n{row['system']}: {for_terminal_block(row['instructions'])}")


@app.command("attach")
def attach_files(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    system: Annotated[str, typer.Argument(help="System-id (se 'dsar manual list').")],
    files: Annotated[list[Path], typer.Argument(help="Dokumenter som ble funnet om den registrerte.")],
    note: Annotated[str | None, typer.Option(help="Hva det ble søkt i; vises for den registrerte og dokumenterer søket.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Legg ved det som ble funnet; dokumentene tas med i pakken (kryptert frem til da)."""
    with friendly_errors(json):
        from dsar.manual import attach
        from dsar.store import open_store

        ws = open_workspace(workspace)
        run = attach(ws, open_store(ws), request_id, system, files, note=note, actor=actor)
        if json:
            emit_json({"id": request_id, "system": system, "documents": run.records})
        else:
            typer.echo(f"{request_id} {system}: {run.records} dokument(er). Kjør 'dsar run {request_id}' for ny pakke.")


@app.command("none")
def nothing_found(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    system: Annotated[str, typer.Argument(help="System-id (se 'dsar manual list').")],
    note: Annotated[str | None, typer.Option(help="Hva det ble søkt i.")] = None,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Bekreft at systemet er søkt i manuelt og ikke har noe om den registrerte."""
    with friendly_errors(json):
        from dsar.manual import confirm_nothing
        from dsar.store import open_store

        ws = open_workspace(workspace)
        confirm_nothing(ws, open_store(ws), request_id, system, note=note, actor=actor)
        if json:
            emit_json({"id": request_id, "system": system, "documents": 0})
        else:
            typer.echo(f"{request_id} {system}: bekreftet at ingenting ble funnet. Kjør 'dsar run {request_id}'.")
