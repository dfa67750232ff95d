"""The cover letter as HTML: ``Answer`` → context → ``templates/letter/letter.html.j2``.

The HTML is self-contained (the stylesheet is inlined), so the same string is written into
the package and handed to ``render_letter_pdf``.
"""

from __future__ import annotations

from pathlib import Path

from dsar.letter.context import build_context
from dsar.report import Answer
from dsar.templating import environment, template_dir


def templates_dir() -> Path:
    """``templates/letter/``: the template, and the only place the PDF may read from."""
    return template_dir("letter")


def render_letter_html(answer: Answer) -> str:
    """The cover letter for ``answer`` in ``answer.language`` as one HTML document.

    Raises ``KeyError`` or ``jinja2.UndefinedError`` when a phrase or template value is
    missing, rather than render a letter with a hole in it.
    """
    context = build_context(answer)
    return environment("letter").get_template("letter.html.j2").render(c=context, t=context.t)
