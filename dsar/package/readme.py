"""``LES-MEG.txt`` / ``README.txt``: what the files are and how to open the package.

Plain text, so it reads the same in Notepad, TextEdit and a terminal; the templates are
``templates/package/LES-MEG.txt`` (bokmål) and ``README.txt`` (English).
"""

from __future__ import annotations

from dsar.i18n import format_datetime
from dsar.package.formats import letter_names, readme_name
from dsar.report import Answer
from dsar.templating import environment


def render_readme(answer: Answer, zip_name: str) -> tuple[str, bytes]:
    """The readme's member name and its bytes (UTF-8) in the answer's language."""
    name = readme_name(answer.language)
    letter_pdf, letter_html = letter_names(answer.language)
    text = environment("package").get_template(name).render(
        controller=answer.controller,
        request_id=answer.request_id,
        generated_at=format_datetime(answer.generated_at, answer.language),
        complete=answer.complete,
        zip_name=zip_name,
        letter_pdf=letter_pdf,
        letter_html=letter_html,
    )
    return name, text.encode("utf-8")
