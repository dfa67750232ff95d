"""``dsar review``: a person decides on weak matches before anything of them is released."""

from __future__ import annotations

from typing import Annotated

import typer

from dsar.cli.common import JsonOption, WorkspaceOption, emit_json, emit_table, friendly_errors, open_workspace
from dsar.matching import REASONS
from dsar.safetext import for_terminal, for_terminal_block

app = typer.Typer(help="Decide on held records (weak matches).", no_args_is_help=True)

EVIDENCE = {
    "email": "e-post", "phone": "telefon", "name": "navn", "birthdate": "fødselsdato",
    "national_id": "fødselsnummer",
}


def _evidence_line(evidence: dict[str, object]) -> str:
    """What a held group's evidence says, in staff's words (kinds and counts, no values)."""
    parts = []
    matched = [EVIDENCE.get(str(m), str(m)) for m in evidence.get("matched_on", []) or []]  # type: ignore[union-attr]
    if matched:
        parts.append("funnet på " + ", ".join(matched))
    agrees = [EVIDENCE.get(str(a), str(a)) for a in evidence.get("agrees", []) or []]  # type: ignore[union-attr]
    if agrees:
        parts.append("stemmer: " + ", ".join(agrees))
    conflicts = [REASONS.get(str(c), str(c)) for c in evidence.get("conflicts", []) or []]  # type: ignore[union-attr]
    if conflicts:
        parts.append("avvik: " + ", ".join(conflicts))
    if evidence.get("name_score") is not None:
        parts.append(f"navnelikhet {evidence['name_score']} av 100")
    if evidence.get("records"):
        parts.append(f"{evidence['records']} poster")
    return "; ".join(parts) or "-"


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
            {"item": i.id, **_group_row(i.system_id, i.record_ref, i.reason, i.evidence, json),
             "decision": i.decision, "decided_by": i.decided_by}
            for i in open_store(ws).review_items(request_id)
        ]
        if json:
            emit_json(rows)
        else:
            emit_table(rows, ["item", "system", "record", "why", "evidence", "decision"])


def _group_row(system: str, record: str, reason: str, evidence: dict[str, object], json: bool) -> dict[str, object]:
    """A group of records as staff read it in a table (no values), or as ``--json`` gives it."""
    return {
        "system": system, "record": record, "reason": reason, "why": REASONS.get(reason, reason),
        "evidence": evidence if json else _evidence_line(evidence),
    }


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
            raise InputError(f"kravet {request_id} har ingen vurderingspost {item}")
        request = store.get(request_id)
        resolution = ws.staging.resolution(request_id, match.system_id)
        records = [
            f
            for collection in ws.staging.collections(request_id, match.system_id)
            for f in ws.staging.read(request_id, match.system_id, collection)
            if (resolution.root(f.group) if resolution else f.group) == match.record_ref
        ]
        if json:
            emit_json(
                {
                    "asked_name": request.person.name,
                    "evidence": match.evidence,
                    "records": [{"collection": r.collection, "key": r.key, "fields": r.fields} for r in records],
                }
            )
        else:
            # Every value here may come from a source system: shown through for_terminal, so
            # an escape sequence in a field can't clear the screen or fake a line.
            typer.echo(f"Innsynet gjelder: {for_terminal(request.person.name)}")
            typer.echo(
                f"Holdt tilbake fordi {REASONS.get(match.reason, match.reason)} "
                f"({for_terminal(_evidence_line(match.evidence))})"
            )
            for record in records:
                typer.echo(f"- {for_terminal(record.collection)} {for_terminal(record.key)}")
                for key, value in record.fields.items():
                    typer.echo(f"    {for_terminal(key)}: {for_terminal(value)}")


@app.command("excluded")
def excluded(
    request_id: Annotated[str, typer.Argument()],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Groups the search excluded as clearly somebody else's (no values): to check its work."""
    with friendly_errors(json):
        from dsar.exclusions import excluded_groups
        from dsar.store import open_store

        ws = open_workspace(workspace)
        rows = [
            {**_group_row(g.system_id, g.ref, g.reason, g.evidence, json), "records": g.records,
             "reconsidered": g.reconsidered}
            for g in excluded_groups(ws, open_store(ws), request_id)
        ]
        if json:
            emit_json(rows)
        elif not rows:
            typer.echo(f"{request_id}: ingen poster utelatt som andres.")
        else:
            emit_table(rows, ["system", "record", "why", "records", "reconsidered"])


@app.command("reconsider")
def reconsider(
    request_id: Annotated[str, typer.Argument()],
    system: Annotated[str, typer.Argument(help="System id from 'dsar review excluded'.")],
    record: Annotated[str, typer.Argument(help="Record (group) from 'dsar review excluded'.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Put an excluded group to a decision: it is listed by 'dsar review list' and released
    only if accepted."""
    with friendly_errors(json):
        from dsar.exclusions import reconsider as put_to_review
        from dsar.store import open_store

        ws = open_workspace(workspace)
        item = put_to_review(ws, open_store(ws), request_id, system, record, actor)
        if json:
            emit_json({"id": request_id, "item": item})
        else:
            typer.echo(f"{request_id} #{item}: til vurdering. Se 'dsar review show {request_id} {item}'.")


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
        typer.echo(f"Innsynet gjelder: {for_terminal(preview['asked_name'])}")
        for part in preview["texts"]:
            typer.echo(f"--- {for_terminal(part['where'])} ---")
            typer.echo(for_terminal_block(part["text"]))
        typer.echo("--- sladdet ---")
        for target in preview["targets"]:
            state = "løftet" if target["lifted"] else "sladdet"
            spellings = for_terminal(", ".join(target["spellings"]))
            typer.echo(f"  #{target['id']} {target['kind']}: {spellings} ({target['count']}x, {state})")
        for text in preview["added"]:
            typer.echo(f"  + {for_terminal(text)} (lagt til)")


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


@app.command("suggestions")
def suggestions(
    request_id: Annotated[str, typer.Argument()],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """E-mails and phones found in the person's released records that the request didn't give.

    They are never searched on their own: ask the person whether they are theirs, then add
    them with 'dsar request add-identifier' and run the request again.
    """
    with friendly_errors(json):
        from dsar.store import open_store

        ws = open_workspace(workspace)
        rows = [{"kind": kind, "value": value} for kind, value in open_store(ws).suggestions(request_id)]
        if json:
            emit_json(rows)
        else:
            emit_table(rows, ["kind", "value"])
