"""The cover letter as PDF: ``Answer`` → context → ``templates/letter/letter.typ`` (Typst).

The PDF is made from the same ``LetterContext`` as the HTML letter (``render_letter_html``),
so both say the same thing in the same order; ``letter.typ`` lays it out as ``letter.css``
does. It is a tagged PDF/UA-1 with the letter's language, title, author and date, set in
the fonts the HTML names. See ``dsar.letter.typeset`` for how Typst is run.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from dsar.letter.context import LetterContext, build_context
from dsar.letter.typeset import typeset
from dsar.report import Answer

TEMPLATE = "letter.typ"


def render_letter_pdf(answer: Answer) -> bytes:
    """A4 PDF of the cover letter for ``answer`` in ``answer.language`` (milliseconds)."""
    pdf, _warnings = typeset(TEMPLATE, letter_data(build_context(answer)))
    return pdf


def letter_data(context: LetterContext) -> dict[str, Any]:
    """What ``letter.typ`` reads: the context's values, the fixed phrases, the time made."""
    t = context.t
    values = {
        f.name: plain(getattr(context, f.name)) for f in dataclasses.fields(context) if f.name != "t"
    }
    return {
        "letter": values,
        "t": t.fixed(),
        "consent": t("right_consent", systems=context.consent_systems) if context.consent_systems else None,
        "created": utc_parts(datetime.fromisoformat(context.generated_at)),
    }


def utc_parts(when: datetime) -> list[int]:
    """``[year, month, day, hour, minute, second]`` in UTC: the PDF's creation date."""
    utc = when.astimezone(UTC)
    return [utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second]


def plain(value: Any) -> Any:
    """Dataclasses (sections, letterhead, …) as dicts, lists as lists, text as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
