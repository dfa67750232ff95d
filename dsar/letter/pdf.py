"""The cover letter as PDF (WeasyPrint), with no network access.

The letter HTML is self-contained; the only files WeasyPrint may read are those under
``templates/letter/`` (fonts come from the system through fontconfig). Any other URL is
refused rather than fetched; WeasyPrint then logs a warning and leaves the resource out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from dsar.errors import DsarError
from dsar.letter.render import templates_dir


class LetterResourceRefused(DsarError):
    """The letter referred to a resource outside ``templates/letter/``."""


def check_local(url: str) -> None:
    """Raise ``LetterResourceRefused`` unless ``url`` is a file under ``templates/letter/``."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(url2pathname(parsed.path)).resolve()
        if path.is_relative_to(templates_dir().resolve()):
            return
    # The URL is not repeated: it could come from text in the letter.
    raise LetterResourceRefused(
        "the letter refers to a resource outside templates/letter/; "
        "only local template files may be used"
    )


@cache
def _fetcher_class() -> type:
    # Built on first use: WeasyPrint is slow to import and only the PDF step needs it.
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            check_local(url)
            return super().fetch(url, headers)

    return LocalOnlyFetcher


def render_letter_pdf(html: str) -> bytes:
    """A4 PDF of ``html`` (from ``render_letter_html``); takes about a second."""
    from weasyprint import HTML

    fetcher = _fetcher_class()(allowed_protocols=["file"])
    document = HTML(string=html, base_url=str(templates_dir()) + "/", url_fetcher=fetcher)
    return document.write_pdf()
