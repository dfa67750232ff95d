"""The cover letter: ``Answer`` → context → HTML (Jinja2) and PDF (Typst), ``templates/letter/``.

``render_letter_html(answer)`` writes the letter in ``answer.language`` from the facts in the
answer and the controller's register; ``render_letter_pdf(answer)`` typesets the same letter
as a tagged A4 PDF (PDF/UA-1). Both are built from one ``LetterContext``.
"""

from dsar.letter.pdf import render_letter_pdf
from dsar.letter.render import render_letter_html

__all__ = ["render_letter_html", "render_letter_pdf"]
