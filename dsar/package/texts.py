"""Words the person reads in ``index.html``, in bokmål and English, and date formats.

Longer prose lives in the templates (``templates/package/``); this module holds the labels
the code and the template share, so a row rendered in Python and the frame rendered by
Jinja2 use the same words.
"""

from __future__ import annotations

from typing import Any

LABELS: dict[str, dict[str, Any]] = {
    "nb": {
        "title": "Innsyn – kopi av personopplysninger",
        "intro": (
            "Denne siden viser opplysningene vi har om deg, slik de er lagret i systemene "
            "våre. Formål, mottakere, lagringstid og rettighetene dine står i svarbrevet."
        ),
        "controller": "Behandlingsansvarlig",
        "org_nr": "Org.nr.",
        "request_id": "Saksnummer",
        "subject": "Gjelder",
        "requested_by": "Bedt om av",
        "received_on": "Forespørsel mottatt",
        "answered_on": "Besvart",
        "generated_at": "Pakken laget",
        "complete": "Svaret er fullstendig: alle systemene er søkt gjennom.",
        "partial": (
            "Svaret er ikke fullstendig. Disse systemene er ikke med ennå, og vi sender "
            "resten så snart de er søkt gjennom:"
        ),
        "contents": "Innhold",
        "systems_with_data": "Opplysninger per system",
        "records": "poster",
        "record_one": "post",
        "key": "Nøkkel",
        "key_note": "postens ID i systemet",
        "special": "Særlig kategori (art. 9)",
        "special_note": (
            "Felt merket «særlig kategori» kan si noe om for eksempel helse eller religion "
            "(GDPR art. 9). De er med fordi du har rett til dem, og sendes bare kryptert."
        ),
        "masked": "Bare første 6 og siste 4 sifre vises (PCI DSS).",
        "record_files": "Filer",
        "files_note": "bilder, lydopptak og andre filer som hører til posten",
        "file_missing": "filen er oppført i systemet, men finnes ikke lenger",
        "shortened": "forkortet her: {shown} av {total} tegn vises; hele verdien står i {json} og {csv}",
        "codes": "Koder",
        "not_exported": "Lagret, men ikke utlevert",
        "not_exported_note": (
            "Disse feltene finnes hos oss, men verdien gis ikke ut av sikkerhetshensyn "
            "(for eksempel passord-hasher og nøkler):"
        ),
        "nothing_found": "Systemer der vi ikke fant opplysninger om deg",
        "files": "Filene i pakken",
        "file_json": "maskinlesbar kopi (JSON), med forklaring av feltene",
        "file_csv": "samme opplysninger som tabell (CSV), åpnes i Excel eller LibreOffice",
        "file_letter_pdf": "svarbrevet (PDF)",
        "file_letter_html": "svarbrevet (HTML)",
        "file_manifest": "liste over alle filer med kontrollsummer (SHA-256)",
        "file_readme": "hvordan pakken åpnes",
        "no_records_held": "Ingen poster i denne pakken.",
        "yes": "ja",
        "no": "nei",
        "status": {
            "complete": "søkt gjennom",
            "nothing_found": "ingen opplysninger funnet",
            "failed": "kunne ikke søkes",
            "needs_review": "venter på manuell vurdering",
            "waiting": "søkes gjennom for hånd av saksbehandler",
        },
    },
    "en": {
        "title": "Access request – copy of personal data",
        "intro": (
            "This page shows the data we hold about you, as it is stored in our systems. "
            "Purposes, recipients, retention and your rights are set out in the cover letter."
        ),
        "controller": "Controller",
        "org_nr": "Org. no.",
        "request_id": "Reference",
        "subject": "Concerning",
        "requested_by": "Requested by",
        "received_on": "Request received",
        "answered_on": "Answered",
        "generated_at": "Package made",
        "complete": "The answer is complete: every system has been searched.",
        "partial": (
            "The answer is not complete. These systems are not included yet; we will send "
            "the rest as soon as they have been searched:"
        ),
        "contents": "Contents",
        "systems_with_data": "Data per system",
        "records": "records",
        "record_one": "record",
        "key": "Key",
        "key_note": "the record's id in the system",
        "special": "Special category (Art. 9)",
        "special_note": (
            "Fields marked “special category” may reveal, for example, health or religion "
            "(GDPR Art. 9). They are included because you are entitled to them, and are "
            "only ever sent encrypted."
        ),
        "masked": "Only the first 6 and last 4 digits are shown (PCI DSS).",
        "record_files": "Files",
        "files_note": "images, recordings and other files that belong to the record",
        "file_missing": "the file is listed in the system but no longer exists",
        "shortened": "shortened here: {shown} of {total} characters shown; the whole value is in {json} and {csv}",
        "codes": "Codes",
        "not_exported": "Stored but not released",
        "not_exported_note": (
            "These fields exist in our records, but their values are not released for "
            "security reasons (for example password hashes and keys):"
        ),
        "nothing_found": "Systems where we found no data about you",
        "files": "Files in the package",
        "file_json": "machine-readable copy (JSON), with the fields explained",
        "file_csv": "the same data as a table (CSV), opens in Excel or LibreOffice",
        "file_letter_pdf": "the cover letter (PDF)",
        "file_letter_html": "the cover letter (HTML)",
        "file_manifest": "list of every file with checksums (SHA-256)",
        "file_readme": "how to open the package",
        "no_records_held": "No records in this package.",
        "yes": "yes",
        "no": "no",
        "status": {
            "complete": "searched",
            "nothing_found": "nothing found",
            "failed": "could not be searched",
            "needs_review": "awaiting manual review",
            "waiting": "being searched by hand by staff",
        },
    },
}

def labels(language: str) -> dict[str, Any]:
    return LABELS[language]
