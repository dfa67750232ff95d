"""The cover letter: ``Answer`` → HTML (Jinja2, ``templates/letter/``) → PDF (WeasyPrint).

``render_letter_html(answer)`` writes the letter in ``answer.language`` from the facts in the
answer and the controller's register; ``render_letter_pdf(html)`` prints that HTML to A4.
"""

from dsar.letter.pdf import render_letter_pdf
from dsar.letter.render import render_letter_html

__all__ = ["render_letter_html", "render_letter_pdf"]
