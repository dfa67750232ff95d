"""``dsar user``: staff accounts for the dashboard (argon2 hashes; passwords never echoed)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dsar.cli.common import JsonOption, WorkspaceOption, emit_json, emit_table, friendly_errors, open_workspace

app = typer.Typer(help="Brukerkontoer for saksbehandlere i dashbordet.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    from dsar.errors import InputError

    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise InputError("ikke noe passord på standard input")
        return password
    first = typer.prompt("Passord", hide_input=True)
    second = typer.prompt("Gjenta passordet", hide_input=True)
    if first != second:
        raise InputError("passordene er ulike; ingenting ble endret")
    return first


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Brukernavn, f.eks. kari.n")],
    controller: Annotated[
        list[str] | None, typer.Option(help="Bare denne behandlingsansvarlige (kan gjentas); standard er alle.")
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Les passordet fra standard input.")] = False,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "admin",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Opprett en brukerkonto for en saksbehandler; passordet oppgis i terminalen (eller leses fra standard input)."""
    with friendly_errors(json):
        from dsar.staff import StaffDirectory, check_name
        from dsar.store import open_store

        check_name(name)
        ws = open_workspace(workspace)
        for controller_id in controller or []:
            ws.config.controller(controller_id)  # an unknown id is refused by name
        password = _read_password(password_stdin)
        staff = StaffDirectory(open_store(ws)).add(name, password, controllers=controller or None, actor=actor)
        if json:
            emit_json({"name": staff.name, "controllers": list(staff.controllers) if staff.controllers else None})
        else:
            scope = ", ".join(staff.controllers) if staff.controllers else "alle virksomheter"
            typer.echo(f"{staff.name}: opprettet ({scope})")


@app.command("list")
def list_staff(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Brukerkontoene og hvilke behandlingsansvarlige hver konto har tilgang til."""
    with friendly_errors(json):
        from dsar.staff import StaffDirectory
        from dsar.store import open_store

        rows = [
            {
                "name": staff.name,
                "controllers": list(staff.controllers) if staff.controllers else None,
                "active": active,
            }
            for staff, active in StaffDirectory(open_store(open_workspace(workspace))).list()
        ]
        if json:
            emit_json(rows)
        else:
            emit_table(
                [
                    {
                        "navn": r["name"],
                        "virksomheter": ", ".join(r["controllers"]) if r["controllers"] else "alle",
                        "aktiv": "ja" if r["active"] else "nei",
                    }
                    for r in rows
                ],
                ["navn", "virksomheter", "aktiv"],
            )


@app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="Brukernavn.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Les passordet fra standard input.")] = False,
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "admin",
    workspace: WorkspaceOption = None,
) -> None:
    """Sett nytt passord; saksbehandlerens åpne økter avsluttes."""
    with friendly_errors():
        from dsar.staff import StaffDirectory
        from dsar.store import open_store

        ws = open_workspace(workspace)
        StaffDirectory(open_store(ws)).set_password(name, _read_password(password_stdin), actor)
        typer.echo(f"{name}: nytt passord satt")


@app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="Brukernavn.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "admin",
    workspace: WorkspaceOption = None,
) -> None:
    """Deaktiver en konto (den beholdes for revisjonsloggen); åpne økter avsluttes."""
    with friendly_errors():
        from dsar.staff import StaffDirectory
        from dsar.store import open_store

        StaffDirectory(open_store(open_workspace(workspace))).disable(name, actor)
        typer.echo(f"{name}: deaktivert")
