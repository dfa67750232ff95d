"""``dsar review``: a person decides on weak matches before anything of them is released."""

from __future__ import annotations

from typing import Annotated

import typer

from dsar.cli.common import JsonOption, WorkspaceOption, emit_json, emit_table, friendly_errors, open_workspace
from dsar.matching import REASONS
from dsar.safetext import for_terminal, for_terminal_block

app = typer.Typer(help="Vurder tilbakeholdte poster (svake treff) før noe utleveres.", no_args_is_help=True)

EVIDENCE = {
    "email": "e-post", "phone": "telefon", "name": "navn", "birthdate": "fødselsdato",
    "national_id": "fødselsnummer", "guardian_email": "foresattes e-post", "guardian_phone": "foresattes telefon",
}


# Decisions and the parts of a message as staff read them; --json keeps the English values.
DECISIONS = {"accepted": "godtatt", "rejected": "avvist"}
PARTS = {"header": "avsender og mottakere", "subject": "emne"}


def _where(part: str) -> str:
    """A part of a message in staff's words: an attachment keeps its file name."""
    if part in PARTS:
        return PARTS[part]
    number = part.removeprefix("part ")
    return f"del {number}" if number != part and number.isdigit() else part


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
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Tilbakeholdte poster i et innsynskrav og avgjørelsene som er tatt."""
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
            for row in rows:
                row["decision"] = DECISIONS.get(str(row["decision"]), row["decision"])
            emit_table(rows, ["item", "system", "record", "why", "evidence", "decision"])
            if rows:
                # Item numbers run across every request: say which column to take them from.
                typer.echo(
                    f"\nNr er vurderingspostens nummer: 'dsar review show {request_id} NR', "
                    f"'dsar review decide {request_id} NR accepted|rejected'."
                )


def _group_row(system: str, record: str, reason: str, evidence: dict[str, object], json: bool) -> dict[str, object]:
    """A group of records as staff read it in a table (no values), or as ``--json`` gives it."""
    return {
        "system": system, "record": record, "reason": reason, "why": REASONS.get(reason, reason),
        "evidence": evidence if json else _evidence_line(evidence),
    }


@app.command("show")
def show(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    item: Annotated[int, typer.Argument(help="Nummeret fra 'dsar review list'.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Vis en tilbakeholdt post, så du kan vurdere om den gjelder den registrerte (bare på lokal skjerm)."""
    with friendly_errors(json):
        from dsar.errors import InputError
        from dsar.store import open_store
        from dsar.store.domain import ACCEPTING_FETCHES_MORE, accepting_fetches_more, no_review_item

        ws = open_workspace(workspace)
        store = open_store(ws)
        items = store.review_items(request_id)
        match = next((i for i in items if i.id == item), None)
        if match is None:
            raise InputError(no_review_item(request_id, item, items))
        request = store.get(request_id)
        resolution = ws.staging.resolution(request_id, match.system_id)
        records = [
            f
            for collection in ws.staging.collections(request_id, match.system_id)
            for f in ws.staging.read(request_id, match.system_id, collection)
            if (resolution.root(f.group) if resolution else f.group) == match.record_ref
        ]
        controller = ws.config.controllers.get(request.controller_id)
        system = controller.systems.get(match.system_id) if controller else None
        fetches_more = match.decision != "accepted" and accepting_fetches_more(
            system, match.record_ref, {r.collection for r in records}, match.reason
        )
        if json:
            emit_json(
                {
                    "item": match.id,
                    "system": match.system_id,
                    "record": match.record_ref,
                    "decision": match.decision,
                    "asked_name": request.person.name,
                    "evidence": match.evidence,
                    "records": [{"collection": r.collection, "key": r.key, "fields": r.fields} for r in records],
                    "accepting_fetches_more": fetches_more,
                }
            )
        else:
            # Every value here may come from a source system: shown through for_terminal, so
            # an escape sequence in a field can't clear the screen or fake a line.
            typer.echo(
                f"Vurderingspost {match.id} i {request_id}: "
                f"{for_terminal(match.system_id)} {for_terminal(match.record_ref)}"
            )
            typer.echo(f"Innsynet gjelder: {for_terminal(request.person.name)}")
            typer.echo(
                f"Holdt tilbake fordi {REASONS.get(match.reason, match.reason)} "
                f"({for_terminal(_evidence_line(match.evidence))})"
            )
            if match.decision:
                shown = DECISIONS.get(match.decision, match.decision)
                typer.echo(f"Avgjort: {shown} av {for_terminal(match.decided_by or '-')}")
            for record in records:
                typer.echo(f"- {for_terminal(record.collection)} {for_terminal(record.key)}")
                for key, value in record.fields.items():
                    typer.echo(f"    {for_terminal(key)}: {for_terminal(value)}")
            if fetches_more:
                typer.echo(ACCEPTING_FETCHES_MORE)
            typer.echo(f"Avgjør: dsar review decide {request_id} {match.id} accepted|rejected")


@app.command("excluded")
def excluded(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Grupper som søket utelot fordi de åpenbart gjelder noen andre (uten verdier), så du kan kontrollere søket."""
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
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    system: Annotated[str, typer.Argument(help="System-id fra 'dsar review excluded'.")],
    record: Annotated[str, typer.Argument(help="Post (gruppe) fra 'dsar review excluded'.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Send en utelatt gruppe til vurdering; den vises i 'dsar review list' og utleveres bare hvis den godtas."""
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
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    item: Annotated[int, typer.Argument(help="Nummeret fra 'dsar review list'.")],
    decision: Annotated[str, typer.Argument(help="accepted (gjelder den registrerte) eller rejected.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Registrer avgjørelsen; kjør kravet på nytt for å bygge en ny pakke."""
    with friendly_errors(json):
        from dsar.store import open_store

        ws = open_workspace(workspace)
        open_store(ws).decide(request_id, item, decision, actor)
        if json:
            emit_json({"id": request_id, "item": item, "decision": decision})
        else:
            shown = DECISIONS.get(decision, decision)
            typer.echo(f"{request_id} #{item}: {shown}. Kjør 'dsar run {request_id}' for ny pakke.")


@app.command("redactions")
def redactions(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    system: Annotated[str | None, typer.Option(help="Bare dette e-postsystemet.")] = None,
    message: Annotated[str | None, typer.Option(help="Vis denne meldingen (nøkkelen) slik den blir sladdet.")] = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Hva som sladdes i e-posten til den registrerte (Art. 15(4)) før den utleveres.

    Uten --message: hver melding og antall sladdinger per type. Med --message: teksten i
    meldingen med hver sladding markert og nummerert (bare på lokal skjerm), og listen over
    det som sladdes; endre den med 'dsar review lift' og 'dsar review redact'."""
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
            typer.echo(f"--- {for_terminal(_where(part['where']))} ---")
            typer.echo(for_terminal_block(part["text"]))
        typer.echo("--- sladdet ---")
        for target in preview["targets"]:
            state = "løftet" if target["lifted"] else "sladdet"
            spellings = for_terminal(", ".join(target["spellings"]))
            kind = EVIDENCE.get(target["kind"], target["kind"])
            typer.echo(f"  #{target['id']} {kind}: {spellings} ({target['count']}x, {state})")
        for text in preview["added"]:
            typer.echo(f"  + {for_terminal(text)} (lagt til)")


@app.command("lift")
def lift(
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    system: Annotated[str, typer.Argument(help="E-postsystemet.")],
    message: Annotated[str, typer.Argument(help="Nøkkelen til meldingen.")],
    number: Annotated[int, typer.Argument(help="Nummeret på sladdingen fra 'dsar review redactions --message'.")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Behold noe søket ville sladdet (det gjelder den registrerte, eller ingen); føres i revisjonsloggen."""
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
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    system: Annotated[str, typer.Argument(help="E-postsystemet.")],
    message: Annotated[str, typer.Argument(help="Nøkkelen til meldingen.")],
    text: Annotated[str, typer.Argument(help="Tekst som også skal sladdes (alle forekomster, uansett store og små bokstaver).")],
    actor: Annotated[str, typer.Option(envvar="DSAR_ACTOR", help="Hvem som gjør dette (føres i revisjonsloggen).")] = "staff",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Sladd noe søket gikk glipp av (et kallenavn, en adresse skrevet på en uvanlig måte).

    Endringen føres i revisjonsloggen; selve teksten forsegles i lageret og står aldri i
    revisjonsloggen."""
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
    request_id: Annotated[str, typer.Argument(help="Krav-id.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """E-postadresser og telefonnumre som ikke står i kravet, men som finnes i postene som utleveres.

    Det søkes aldri på dem uten videre: spør den registrerte om de tilhører vedkommende, legg
    dem så til med 'dsar request add-identifier' og kjør kravet på nytt.
    """
    with friendly_errors(json):
        from dsar.asking import for_request
        from dsar.store import open_store

        ws = open_workspace(workspace)
        store = open_store(ws)
        rows = [{"kind": kind, "value": value} for kind, value in store.suggestions(request_id)]
        if json:
            emit_json(rows)
            return
        emit_table(rows, ["kind", "value"])
        unattributed = {s: run.unattributed for s, run in store.system_runs(request_id).items() if run.unattributed}
        if unattributed:
            where = ", ".join(f"{system}: {n}" for system, n in unattributed.items())
            total = sum(unattributed.values())
            typer.echo(
                f"\nSøket fant også {total} e-postadresse(r) eller telefonnummer/-numre som kravet ikke oppgir, i "
                f"poster ved siden av personens egne som ikke utleveres ({where}). De kan være en annens: vis dem "
                "ikke til personen, men be personen oppgi alle e-postadresser og telefonnumre de bruker eller har "
                "brukt hos oss, og legg dem til med 'dsar request add-identifier'.",
                err=True,
            )
        request = store.get(request_id)
        for question in for_request(store, request, ws.config.controller(request.controller_id)):
            typer.echo(f"\n{question.said(request_id)}", err=True)
