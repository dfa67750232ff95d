"""The ``dsar`` command: register, run and follow access requests.

Every command takes ``--workspace DIR`` (or ``DSAR_WORKSPACE``) and ``--json`` for scripts.
Messages to staff are in bokmål; ids, statuses and JSON keys stay in English.
"""

from __future__ import annotations

from typing import Annotated

import typer

from dsar.cli import audit as audit_cli
from dsar.cli import manual as manual_cli
from dsar.cli import requests as requests_cli
from dsar.cli import review as review_cli
from dsar.cli import users as users_cli
from dsar.cli.common import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    emit_table,
    friendly_errors,
    open_workspace,
    shown_path,
    warn_stale,
)
from dsar.safetext import for_terminal
from dsar.workspace import Workspace

app = typer.Typer(
    help="Innsyn (GDPR art. 15): registrer, kjør og følg opp innsynskrav.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(requests_cli.app, name="request")
app.add_typer(review_cli.app, name="review")
app.add_typer(users_cli.app, name="user")
app.add_typer(manual_cli.app, name="manual")
app.add_typer(audit_cli.app, name="audit")

RUN_COLUMNS = ["id", "controller", "status", "package", "password"]


@app.command()
def demo(
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    scale: Annotated[float, typer.Option(help="Størrelsen på eksempelverdenen (1 = noen tusen personer).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Startverdi (seed) for eksempelverdenen; samme verdi gir samme verden.")] = 2026,
) -> None:
    """Bygg eksempelverdenen, besvar ett verifisert innsynskrav per behandlingsansvarlig og vis resultatet."""
    from pathlib import Path

    with friendly_errors(json):
        from dsar.cli.demo import run_demo

        root = workspace or Path("workspace")
        results = run_demo(root, scale=scale, seed=seed, say=lambda m: typer.echo(m, err=True))
        if json:
            emit_json(results)
        else:
            from dsar.store.states import RequestStatus

            emit_table(
                [{**r, "package": shown_path(r["package"]), "status": RequestStatus(r["status"]).label} for r in results],
                RUN_COLUMNS,
            )
            typer.echo(
                "\nPassordene vises bare nå. Send dem i en annen kanal enn pakken (SMS/telefon).",
                err=True,
            )


BATCH_COLUMNS = ["id", "controller", "status", "records", "package", "password", "error"]


@app.command()
def run(
    request_ids: Annotated[list[str] | None, typer.Argument(help="Krav-id, én eller flere.", show_default=False)] = None,
    ready: Annotated[
        bool, typer.Option("--ready", help="Alle verifiserte krav som ikke er kjørt ennå (eller der kjøringen ble avbrutt).")
    ] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    leave_password: Annotated[
        bool,
        typer.Option(
            "--leave-password",
            help="La passordet til den nye pakken ligge forseglet til 'dsar password' eller dashbordet.",
        ),
    ] = False,
) -> None:
    """Kjør et innsynskrav: søk i alle systemer og bygg pakken; passordet vises én gang.

    Én krav-id: fremdriften vises system for system (på stderr); et krav som ikke kan kjøres,
    avvises med én linje før Prefect starter. Flere krav-id-er, eller --ready: én kjøring
    besvarer alle (et krav som feiler, blir nevnt, og de andre fortsetter); en tabell viser
    status, pakke og passord for hvert krav."""
    from dsar.errors import InputError

    with friendly_errors(json):
        ids = list(request_ids or [])
        if ready and ids:
            raise InputError("oppgi krav-id-er eller --ready, ikke begge")
        if not ready and not ids:
            raise InputError("oppgi en krav-id (dsar run INN-…), flere, eller --ready")
        ws = open_workspace(workspace)
        say = None if json else (lambda line: typer.echo(line, err=True))
        if len(ids) == 1:
            from dsar.cli.running import run_request

            _show_result(run_request(ws, ids[0], say=say, take=not leave_password), json)
            _warn_stale_of(ws, ids, json)
            return
        from dsar.cli.batch import ready_ids, run_batch

        if ready:
            ids = ready_ids(ws)
            if not ids and say:
                say("ingen verifiserte forespørsler venter på å bli kjørt")
        rows = run_batch(ws, ids, say=say, take=not leave_password, checked=ready)
        if json:
            emit_json(rows)
        else:
            emit_table([{**r, "package": shown_path(r["package"])} for r in rows], BATCH_COLUMNS)
            if any(r["password"] for r in rows):
                typer.echo(
                    "\nPassordene vises bare nå. Send dem i en annen kanal enn pakken (SMS/telefon).", err=True
                )
        _warn_stale_of(ws, [r["id"] for r in rows], json)
        if any(r["error"] for r in rows):
            raise typer.Exit(code=1)


@app.command()
def repackage(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Bygg en ny pakke av det som ble funnet, uten å søke på nytt; det nye passordet vises én gang.

    Brukes når passordet er tapt, eller etter vurderinger på et ferdig krav."""
    with friendly_errors(json):
        from dsar.cli.running import repackage_request

        ws = open_workspace(workspace)
        _show_result(repackage_request(ws, request_id), json)
        _warn_stale_of(ws, [request_id], json)


def _warn_stale_of(ws: Workspace, request_ids: list[str], json: bool) -> None:
    """After a new password is shown: the packages the person may hold that it replaces."""
    if json:
        return
    from dsar.store import open_store

    store = open_store(ws)
    for request_id in request_ids:
        warn_stale(store, request_id, json)


def _show_result(result: dict, as_json: bool) -> None:  # type: ignore[type-arg]
    if as_json:
        emit_json(result)
        return
    from dsar.store.states import RequestStatus

    state = RequestStatus(result["status"])
    typer.echo(f"status:  {state.label} ({state.value})")
    typer.echo(f"pakke:   {shown_path(result['package']) or '-'}")
    if result.get("password"):
        typer.echo(f"passord: {result['password']}")
    elif result.get("package"):
        typer.echo("passord: (vist da pakken ble laget; dsar repackage lager ny pakke med nytt passord)")
    if result.get("records"):
        typer.echo(f"poster:  {result['records']}")
    if result.get("failed_systems"):
        typer.echo(f"feilet:  {', '.join(result['failed_systems'])} (svaret er ufullstendig; kjør på nytt senere)")
    if result.get("awaiting_review"):
        typer.echo(f"til vurdering: {result['awaiting_review']} (dsar review list {result['id']})")
    if result.get("ask_openly"):
        typer.echo(
            f"spør:    {result['ask_openly']} e-post/telefon som kravet ikke oppgir står ved siden av personens poster; "
            f"be personen oppgi alle de bruker (dsar review suggestions {result['id']})"
        )
    for question in result.get("ask_for") or ():
        typer.echo(f"spør:    {question}")
    if result.get("note"):
        typer.echo(f"merk:    {for_terminal(result['note'])}")


@app.command()
def status(
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    controller: Annotated[str | None, typer.Option(help="Bare krav til denne behandlingsansvarlige (id).")] = None,
    names: Annotated[bool, typer.Option("--names/--no-names", help="Vis navnene på de registrerte (bare i terminalen).")] = True,
) -> None:
    """Alle innsynskrav, det som haster mest øverst: navn, status, siste dag å sende og dager igjen.

    Samme statuser og farger som i dashbordet. Navnene hentes fra det forseglede lageret og
    vises bare i terminalen; --json (for skript) gir id-er, datoer og statuser."""
    with friendly_errors(json):
        from dsar.cli.status import show_status, status_rows
        from dsar.deadlines import today_oslo
        from dsar.store import open_store

        ws = open_workspace(workspace)
        summaries = open_store(ws).summaries(
            today_oslo(), controllers=[controller] if controller else None, with_names=names and not json
        )
        if json:
            emit_json(status_rows(summaries))
        else:
            show_status(summaries)


@app.command()
def password(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Vis passordet til den nyeste pakken hvis det ikke er vist før (f.eks. når pakken ble bygd i bakgrunnen)."""
    with friendly_errors(json):
        from pathlib import Path

        from dsar.delivery import take_password
        from dsar.errors import InputError
        from dsar.store import open_store

        ws = open_workspace(workspace)
        store = open_store(ws)
        package = store.latest_package(request_id)
        if package is None:
            raise InputError(f"kravet {request_id} har ingen pakke ennå: dsar run {request_id}")
        secret = take_password(ws.data_key, Path(package.path))
        if secret is None:
            raise InputError(
                "passordet er allerede vist én gang og tas ikke vare på; "
                f"dsar repackage {request_id} lager en ny pakke med nytt passord"
            )
        if json:
            emit_json({"id": request_id, "package": package.path, "password": secret,
                       "shown_superseded": store.shown_superseded(request_id)})
        else:
            typer.echo(secret)
        warn_stale(store, request_id, json)


@app.command()
def check(
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Kontroller konfigurasjonen og forbindelsen til hvert system; viser det som må rettes."""
    with friendly_errors(json):
        from connectors import connector_for
        from connectors.base import SearchPlan, unsettled_owners

        ws = open_workspace(workspace)
        rows = [_store_row(ws)]
        for controller in ws.config.controllers.values():
            for system in controller.systems.values():
                with connector_for(system, ws) as connector:
                    ok, problem = connector.check()
                    warnings = connector.audit_schema() if ok else []
                reached = SearchPlan.of(system).reachable() if system.searched_by_identity else {}
                for cid in system.collections:
                    if system.searched_by_identity and not reached.get(cid):
                        warnings.append(
                            f"systems.{system.id}.collections.{cid}: ingen identifikator når samlingen (den har "
                            "ingen identities for e-post, telefon eller navn, og ingen referanse til en samling "
                            "som har det); postene i den blir aldri funnet"
                        )
                for ref in unsettled_owners(system):
                    parent = ref.parent_collection
                    warnings.append(
                        f"{ref.label}: {ref.child_collection} peker til {parent} med et felt som ikke er nøkkelen "
                        f"der, så søket kan ikke slå opp hvem posten tilhører; poster i {ref.child_collection} som "
                        "har feltet utfylt og nås en annen vei, holdes til vurdering (owner_unchecked). Nevner posten bare en person "
                        f"i {parent} (en selger, en lege), skriv owner = false på referansen; er det den posten "
                        "gjelder, owner = true"
                    )
                rows.append(
                    {
                        "controller": controller.id,
                        "system": system.id,
                        "ok": ok,
                        "problem": problem,
                        "warnings": warnings,
                        "reached": {cid: reached.get(cid, []) for cid in system.collections},
                    }
                )
        if not ws.config.controllers:
            # An empty workspace searches nothing: never a passing check.
            rows.append({
                "controller": "-", "system": CONFIG_ROW, "ok": False, "warnings": [], "reached": {},
                "problem": (
                    "ingen behandlingsansvarlig virksomhet er konfigurert: legg en fil per virksomhet i "
                    f"{ws.config_dir / 'controllers'}/<id>.toml (se README, «Workspace and configuration»; "
                    "sample_data/config/stavanger-foto.toml er et fullstendig eksempel)"
                ),
            })
        if json:
            emit_json(rows)
        else:
            names = {STORE_ROW: STORE_SHOWN, CONFIG_ROW: CONFIG_SHOWN}
            shown = [{**r, "system": names.get(r["system"], r["system"])} for r in rows]
            emit_table(shown, ["controller", "system", "ok", "problem"])
            if any(r["reached"] for r in rows):
                typer.echo("")
                typer.echo("Slik nås samlingene:")
            for row in shown:
                for cid, how in row["reached"].items():
                    typer.echo(for_terminal(f"  {row['controller']}/{row['system']}.{cid}: {'; '.join(how) or 'NÅS IKKE'}"))
            for row in shown:
                for warning in row["warnings"]:
                    typer.echo(for_terminal(f"advarsel: {row['controller']}/{row['system']}: {warning}"), err=True)
        if not all(r["ok"] for r in rows):
            raise typer.Exit(code=1)


@app.command("index")
def index(
    system: Annotated[str | None, typer.Option(help="Bare dette e-postsystemet (id).")] = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Bygg eller oppdater indeksen over e-postarkivene; bare ny e-post leses."""
    with friendly_errors(json):
        from contextlib import ExitStack

        from rich.console import Console
        from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from dsar.cli.indexing import refresh_mail_indexes

        ws = open_workspace(workspace)
        with ExitStack() as stack:
            bar = None
            if not json:
                bar = stack.enter_context(Progress(
                    SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=False,
                ))

            def progress(label: str):  # type: ignore[no-untyped-def]
                if bar is None:
                    return None
                task = bar.add_task(f"{label}: meldinger lest", total=None)
                return lambda n: bar.advance(task, n)

            rows = refresh_mail_indexes(ws, system, progress)
        if json:
            emit_json(rows)
        else:
            emit_table(rows, ["controller", "system", "messages", "added", "removed", "broken", "seconds", "per_second", "known_names"])
        if any(r["broken"] for r in rows):
            typer.echo("advarsel: noen meldinger kan ikke leses; innsyn i disse systemene blir ufullstendige", err=True)
        failed = sorted({s for r in rows for s in r["names_failed"]})
        if failed:
            typer.echo(f"advarsel: navnene i {', '.join(failed)} kunne ikke leses; de sladdes bare om navnelisten kjenner dem", err=True)


@app.command()
def dashboard(
    workspace: WorkspaceOption = None,
    host: Annotated[str, typer.Option(help="Adressen dashbordet lytter på; hold den lokal eller bak TLS.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Porten dashbordet lytter på.")] = 8150,
) -> None:
    """Dashbordet for saksbehandlere i nettleseren: frister, innsynskrav, vurdering og utlevering (krever innlogging)."""
    with friendly_errors():
        from dsar.dashboard.server import serve

        ws = open_workspace(workspace)
        serve(ws, host=host, port=port)


# The request store's row in 'dsar check': --json keeps the English name for scripts.
STORE_ROW, STORE_SHOWN = "request store", "kravlageret"
CONFIG_ROW, CONFIG_SHOWN = "configuration", "konfigurasjonen"


def _store_row(ws: Workspace) -> dict[str, object]:
    """The request store reachable, migrated, and sealed with the configured data key."""
    from dsar.errors import DsarError
    from dsar.store import open_store

    row: dict[str, object] = {"controller": "-", "system": STORE_ROW, "ok": True, "problem": None,
                              "warnings": [], "reached": {}}
    try:
        if ws.store_url() == ws.default_store_url() and not ws.default_store_path().exists():
            # A check changes nothing: the store is made by the first request, not here.
            _ = ws.data_key  # the key it will be sealed with loads, or the check says why not
            row["warnings"] = ["kravlageret er ikke opprettet ennå; det opprettes ved første «dsar request new»"]
        else:
            open_store(ws).close()
    except DsarError as exc:
        row["ok"], row["problem"] = False, str(exc)
    return row


@app.command("keys-rotate")
def keys_rotate(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Bytt til en ny datanøkkel for arbeidsområdet; alt som er forseglet, forsegles på nytt.

    Lageret, mellomlagrede funn, forseglede passord og logger forsegles med den nye nøkkelen;
    den gamle nøkkelen blir liggende ved siden av den nye til du fjerner den."""
    with friendly_errors(json):
        from dsar.keys import rotate

        ws = open_workspace(workspace)
        result = rotate(ws)
        if json:
            emit_json({"values": result.values, "files": result.files, "passwords": result.passwords,
                       "indexes_dropped": result.indexes_dropped, "notes": result.notes})
        else:
            typer.echo(
                f"Ny datanøkkel: {result.values} verdier i lageret, {result.files} filer og "
                f"{result.passwords} passord forseglet på nytt; {result.indexes_dropped} søkeindekser bygges på nytt."
            )
            for note in result.notes:
                typer.echo(f"Merk: {note}")


@app.command("purge")
def purge(
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Vis hva som ville blitt slettet, uten å slette noe.")] = False,
) -> None:
    r"""Slett funn og pakker for besvarte innsynskrav når lagringstiden er ute.

    Lagringstidene står under \[retention] i config/dsar.toml; det som slettes, føres i
    revisjonsloggen. Kjøres daglig som en deployment i Prefect."""
    with friendly_errors(json):
        from dsar.retention import purge_expired
        from dsar.store import open_store

        ws = open_workspace(workspace)
        result = purge_expired(ws, open_store(ws), dry_run=dry_run)
        if json:
            emit_json({"staging": result.staging, "exports": result.exports, "files": result.files, "dry_run": dry_run})
        else:
            verb = "ville blitt slettet" if dry_run else "slettet"
            typer.echo(
                f"{len(result.staging)} forespørsler: funn {verb}; {len(result.exports)}: pakker {verb} "
                f"({result.files} filer)."
            )


@app.command("keys-init")
def keys_init(workspace: WorkspaceOption = None) -> None:
    """Opprett datanøkkelen til arbeidsområdet i hemmelighetslageret (aldri i repositoriet)."""
    with friendly_errors():
        from dsar.cli.demo import ensure_data_key

        ws = open_workspace(workspace, must_exist=False)
        created = ensure_data_key(ws)
        typer.echo("Ny datanøkkel lagret." if created else "Datanøkkelen finnes allerede.", err=True)


def main() -> None:
    app()
