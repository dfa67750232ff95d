"""``dsar audit``: the audit log's hash chain checked end to end."""

from __future__ import annotations

import typer

from dsar.cli.common import JsonOption, WorkspaceOption, emit_json, friendly_errors, open_workspace

# What staff read; --json keeps the English kinds for scripts.
KINDS = {
    "edited": "endret etter at den ble skrevet",
    "inserted": "satt inn i ettertid",
    "removed": "fjernet",
    "head": "kjedens hode stemmer ikke med siste oppføring",
}

app = typer.Typer(help="Revisjonsloggen (hash-kjedet).", no_args_is_help=True)


@app.command("verify")
def verify(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Kontroller hver oppføring i revisjonsloggen mot sin hash og oppføringen før.

    Avslutter med kode 1 ved brudd i kjeden (en oppføring endret, satt inn eller fjernet)."""
    with friendly_errors(json):
        from dsar.store import open_store

        ws = open_workspace(workspace)
        store = open_store(ws)
        try:
            result = store.verify_audit()
        finally:
            store.close()
    if json:
        emit_json({"ok": result.ok, "entries": result.entries, "head_seq": result.head_seq,
                   "head_hash": result.head_hash,
                   "problems": [{"seq": p.seq, "kind": p.what, "detail": p.detail} for p in result.problems]})
    elif result.ok:
        typer.echo(f"Revisjonsloggen er hel: {result.entries} oppføringer, siste hash {result.head_hash}.")
    else:
        typer.echo(f"Revisjonsloggen er endret: {len(result.problems)} brudd i kjeden.", err=True)
        for problem in result.problems:
            where = f"oppføring {problem.seq}" if problem.seq is not None else "kjeden"
            typer.echo(f"  {where}: {KINDS.get(problem.what, problem.what)} ({problem.detail})", err=True)
    if not result.ok:
        raise typer.Exit(code=1)
