"""What every ``dsar`` command shares: the workspace option, output, errors, Prefect setup."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dsar.errors import DsarError, InputError
from dsar.safetext import escape_for_json_output, for_terminal
from dsar.workspace import ENV_VAR, Workspace

if TYPE_CHECKING:
    from dsar.store import RequestStore

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", envvar=ENV_VAR, help="Mappen til arbeidsområdet (eller DSAR_WORKSPACE)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Skriv ut JSON for skript.")]


def open_workspace(path: Path | None, *, must_exist: bool = True) -> Workspace:
    """The workspace named by ``--workspace`` or the environment. One that doesn't exist is an
    error, not a folder to start filling (a mistyped path would otherwise get a new store)."""
    workspace = Workspace.from_env(path)
    if must_exist and not workspace.root.is_dir():
        raise InputError(f"arbeidsområdet {workspace.root} finnes ikke (skrivefeil i --workspace eller {ENV_VAR}?)")
    os.environ[ENV_VAR] = str(workspace.root)  # the flow finds the workspace here
    return workspace


def prepare_prefect(workspace: Workspace) -> None:
    """Point Prefect at the workspace before it is imported, unless the operator chose.

    With no ``PREFECT_API_URL``, Prefect starts a temporary local server whose database
    lives in ``PREFECT_HOME``: keeping it in the workspace keeps one request's traces in
    one place. Analytics stay off: this machine talks to nobody.
    """
    if "prefect" in sys.modules and "PREFECT_HOME" not in os.environ:
        return
    os.environ.setdefault("PREFECT_HOME", str(workspace.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect 3.9 builds a new server database by running its migrations (about 17 s on this
    # kind of machine) inside the 20 s it waits for a temporary server by default.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # The console stays quiet for staff; the run's own lines (ids and counts) still reach
    # Prefect's database, where operators look.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    if "prefect" not in sys.modules and not os.environ.get("PREFECT_API_URL"):
        # Our own temporary server rather than Prefect's: it dies with this process, even
        # when the process is killed outright (dsar.prefect_server).
        from dsar.prefect_server import start

        start(Path(os.environ["PREFECT_HOME"]))


def shown_path(path: str | None) -> str | None:
    """A path as staff would type it: relative to where they are, when it is below."""
    if not path:
        return path
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def emit_json(data: Any) -> None:
    # Values stay exact for scripts; C1 controls and bidi marks are \u-escaped so a terminal
    # showing the output acts on none of them (dsar.safetext).
    typer.echo(escape_for_json_output(json.dumps(data, ensure_ascii=False, indent=2, default=_default)))


# Column headings as staff read them; the keys stay English, as in --json.
HEADINGS = {
    "id": "Krav", "controller": "Virksomhet", "status": "Status", "package": "Pakke", "password": "Passord",
    "system": "System", "ok": "OK", "problem": "Problem", "messages": "Meldinger", "added": "Lagt til",
    "removed": "Fjernet", "broken": "Ødelagte", "seconds": "Sekunder", "per_second": "Per sekund",
    "documents": "Dokumenter", "title": "Tittel", "item": "Nr", "record": "Post", "why": "Hvorfor",
    "evidence": "Grunnlag", "decision": "Avgjørelse", "message": "Melding", "date": "Dato", "email": "E-post",
    "phone": "Telefon", "name": "Navn", "lifted": "Opphevet", "kind": "Type", "value": "Verdi",
    "known_names": "Kjente navn", "records": "Poster", "reconsidered": "Til vurdering",
}  # fmt: skip


def emit_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    if not rows:
        typer.echo("(ingen)")
        return
    text = [[_cell(r.get(c)) for c in columns] for r in rows]
    headings = [HEADINGS.get(c, c) for c in columns]
    widths = [max(len(h), *(len(t[i]) for t in text)) for i, h in enumerate(headings)]
    typer.echo("  ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True)).rstrip())
    for t in text:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(t, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    """One table cell, safe for the terminal: values may come from source systems."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, (list, tuple)):
        return for_terminal(",".join(str(v) for v in value)) or "-"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return for_terminal(value)


@contextmanager
def friendly_errors(as_json: bool = False) -> Iterator[None]:
    """Turn the product's own errors into one line and exit code 2; bugs stay tracebacks."""
    try:
        yield
    except DsarError as exc:
        if as_json:
            emit_json({"error": str(exc), "kind": type(exc).__name__})
        else:
            typer.echo(f"feil: {for_terminal(exc)}", err=True)
        raise typer.Exit(code=2) from None


def parse_date(value: str | None, what: str) -> date | None:
    from dsar.errors import InputError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what} er ikke en dato (skriv ÅÅÅÅ-MM-DD)") from None


def warn_stale(store: RequestStore, request_id: str, json: bool) -> None:
    """Packages whose password was shown before the request was searched again may already be
    with the person: staff must send the new one and say it replaces it (as the request page
    says, until the request is answered)."""
    stale = store.shown_superseded(request_id)
    if stale and not json:
        typer.echo(
            f"advarsel: {', '.join(stale)} ble vist eller lastet ned før kravet ble søkt på nytt og kan være "
            "sendt til personen, men er ikke lenger hele svaret (en pakke som bare ble lastet ned, kan ikke åpnes "
            "lenger): kjør søket, send den nye pakken og si at den erstatter den forrige",
            err=True,
        )
