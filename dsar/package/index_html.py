"""``index.html``: the whole copy, readable offline in any browser, streamed row by row.

The frame (summary, headings, column explanations) comes from ``templates/package/
index.html`` with autoescaping; the rows come from :meth:`CollectionExport.html_rows`,
escaped with markupsafe, and Jinja2's ``generate()`` passes them through one at a time.
No rows are held in memory; the template must keep the row loop outside macros and
``{% set %}`` blocks, which would buffer.

The page needs no JavaScript and loads nothing: CSS is inline and a Content-Security-
Policy forbids scripts and remote resources, a second guard behind escaping.
"""

from __future__ import annotations

from dsar.i18n import format_date, format_datetime
from dsar.package import texts
from dsar.package.formats import MANIFEST, letter_names, readme_name
from dsar.package.tables import SystemExport
from dsar.package.zipwriter import MemberWriter
from dsar.report import Answer
from dsar.templating import environment


def write_index(out: MemberWriter, answer: Answer, systems: list[SystemExport]) -> None:
    """Render ``index.html`` for ``answer`` into ``out``, reading records from staging."""
    language = answer.language
    words = texts.labels(language)
    letter_pdf, letter_html = letter_names(language)
    status = words["status"]
    context = {
        "lang": language,
        "w": words,
        "controller": answer.controller,
        "request_id": answer.request_id,
        "subject_name": answer.subject_name,
        "requested_by": answer.requested_by,
        "received_on": format_date(answer.received_on, language),
        "answered_on": format_date(answer.answered_on, language),
        "generated_at": format_datetime(answer.generated_at, language),
        "complete": answer.complete,
        "missing": [s for s in systems if s.status in ("failed", "needs_review", "waiting")],
        "nothing_found": [s for s in systems if s.status == "nothing_found" and not s.records],
        # Whatever was staged is shown, so the page never omits what data/ holds.
        "with_data": [s for s in systems if s.collections],
        "status": status,
        "has_special": any(c.has_special for s in systems for c in s.with_records),
        "letter_pdf": letter_pdf,
        "letter_html": letter_html,
        "readme": readme_name(language),
        "manifest": MANIFEST,
    }
    for chunk in environment("package").get_template("index.html").generate(**context):
        out.write_text(chunk)
