"""The cover letter as HTML: ``Answer`` → context → ``templates/letter/letter.html.j2``.

The HTML is self-contained (the stylesheet is inlined), so the same string is written into
the package and handed to ``render_letter_pdf``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dsar.letter.context import build_context
from dsar.report import Answer


def templates_dir() -> Path:
    """``templates/letter/`` at the repository root."""
    return Path(__file__).resolve().parents[2] / "templates" / "letter"


@cache
def _environment() -> Environment:
    # Built on first use, not at import. Autoescape is always on: subject names and register
    # texts are untrusted. StrictUndefined turns a template typo into an error, not a gap.
    return Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_letter_html(answer: Answer) -> str:
    """The cover letter for ``answer`` in ``answer.language`` as one HTML document.

    Raises ``KeyError`` or ``jinja2.UndefinedError`` when a phrase or template value is
    missing, rather than render a letter with a hole in it.
    """
    context = build_context(answer)
    return _environment().get_template("letter.html.j2").render(c=context, t=context.t)
