"""The cover letter's PDF (Typst): the same words as the HTML letter, accessible, in the
letter's fonts, names printed as text, and a template world closed to everything else.

The letters are the ones ``tests/test_letter.py`` builds (a ticket system with a secret, a
masked card number and an Art. 9 field; a newsletter with a transfer, profiling and consent;
a mail archive where nothing was found; a failed system for the partial answer).
"""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from dsar.letter import render_letter_html, render_letter_pdf
from dsar.letter.context import build_context
from dsar.letter.pdf import TEMPLATE, letter_data
from dsar.report import Answer, SystemReport
from tests.test_letter import _answer


def _reader(answer: Answer) -> PdfReader:
    return PdfReader(io.BytesIO(render_letter_pdf(answer)))


def _nothing_found() -> Answer:
    answer = _answer("en")
    return Answer(**{**answer.__dict__, "systems": [SystemReport(r.system, "nothing_found") for r in answer.systems]})


# Each letter a person may get: both languages, partial, on someone's behalf, nothing found.
VARIANTS = {
    "nb": lambda: _answer("nb"),
    "en": lambda: _answer("en"),
    "nb-partial": lambda: _answer("nb", failed=True),
    "en-guardian-post": lambda: _answer("en", subject_name="Ola Nordmann", requested_by="Kari Nordmann", channel="post"),
    "en-nothing-found": _nothing_found,
}


class _VisibleText(HTMLParser):
    """The text a reader sees in the HTML letter: the body, without the stylesheet."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body":
            self._in_body = True
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._skip:
            self.parts.append(data)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_pdf_says_every_word_the_html_letter_says(variant: str) -> None:
    answer = VARIANTS[variant]()
    parser = _VisibleText()
    parser.feed(render_letter_html(answer))
    html_words = _words(" ".join(parser.parts))
    reader = _reader(answer)
    pdf_words = _words(" ".join(page.extract_text() for page in reader.pages))
    assert html_words - pdf_words == set(), "in the HTML letter but not in the PDF"
    # The PDF adds only the running header and page numbers (CSS content in the HTML).
    t = build_context(answer).t
    page_words = _words(f"{t('page')} {t('of')} {t('our_ref')}") | {str(n) for n in range(1, len(reader.pages) + 1)}
    assert pdf_words - html_words - page_words == set(), "in the PDF but not in the HTML letter"


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_template_has_no_warnings(variant: str) -> None:
    from dsar.letter.typeset import typeset

    pdf, warnings = typeset(TEMPLATE, letter_data(build_context(VARIANTS[variant]())))
    assert pdf.startswith(b"%PDF")
    assert warnings == []


@pytest.mark.parametrize(
    # language, the document's title (as the HTML <title>), its subject
    ("language", "title", "subject"),
    [
        ("nb", "Svar på forespørsel om innsyn – Gjøvik kommune, Gjøvik Kultursenter", "Vår referanse REQ-2026-0042"),
        ("en", "Your request for access to personal data – Gjøvik kommune, Gjøvik Kultursenter", "Our reference REQ-2026-0042"),
    ],
)
def test_pdf_is_tagged_pdf_ua_with_language_and_title(language: str, title: str, subject: str) -> None:
    answer = _answer(language)
    reader = _reader(answer)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == language
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # the title, not the file name
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)
    assert reader.metadata is not None
    assert reader.metadata.title == title
    assert f"<title>{title}</title>" in render_letter_html(answer)
    assert reader.metadata.author == "Gjøvik kommune, Gjøvik Kultursenter"
    assert reader.metadata.subject == subject
    assert reader.metadata["/CreationDate"] == "D:20261122093000Z"  # the answer's time, not the render's


def test_pdf_structure_has_the_letters_headings_lists_and_table() -> None:
    tags: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get"):
            if "/S" in node:
                tags.append(str(node["/S"]))
            if "/K" in node:
                walk(node["/K"])

    walk(_reader(_answer("nb"))
         .trailer["/Root"]["/StructTreeRoot"])
    # h1, the h2 sections, an h3 per system with data; lists; the counts table with its header.
    assert tags.count("/H1") == 1
    assert tags.count("/H2") == 6  # systems, without data, package, rights, complaint, questions
    assert tags.count("/H3") == 2
    assert tags.count("/Table") == 2 and "/TH" in tags
    assert "/L" in tags and "/LI" in tags


def test_pdf_is_set_in_the_letters_fonts() -> None:
    reader = _reader(_answer("nb", failed=True))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert fonts == {"LiberationSans", "LiberationSans-Bold", "DejaVuSansMono"}


def test_markup_in_names_is_printed_as_text() -> None:
    name = "*Kari* #set [x] $y$ @ref <lbl> _u_ \\ = #read(\"x\")"
    text = "".join(page.extract_text() for page in _reader(_answer("nb", subject_name=name, requested_by="= Ola")).pages)
    squashed = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", name) in squashed
    assert "v/=Ola" in squashed


def test_letters_typeset_at_once_in_threads_keep_their_own_data() -> None:
    # A worker answers several requests at a time; one compiler serves them all.
    answers = [_answer("nb", subject_name=f"Person {i}") if i % 2 else _answer("en", subject_name=f"Person {i}")
               for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        pdfs = list(pool.map(render_letter_pdf, answers))
    for i, pdf in enumerate(pdfs):
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.trailer["/Root"]["/Lang"] == ("nb" if i % 2 else "en")
        assert f"Person {i}" in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    "source",
    [
        b'#read("../../pyproject.toml")',  # a file beside the repository's templates
        b'#read("/etc/passwd")',  # absolute paths are the root's, never the machine's
        b'#image("../package/index.html.j2")',
    ],
)
def test_templates_read_nothing_outside_templates_letter(source: bytes) -> None:
    import typst

    from dsar.letter.typeset import typeset_source

    with pytest.raises(typst.TypstError):
        typeset_source(source)


def test_a_template_name_is_a_file_in_templates_letter() -> None:
    from dsar.letter.typeset import typeset

    for name in ("../package/index.html.j2", "letter.html.j2", "missing.typ", "/etc/passwd"):
        with pytest.raises(ValueError):
            typeset(name, {})


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from dsar.letter import typeset

    monkeypatch.setattr(typeset, "REQUIRED_FONTS", ("Liberation Sans", "No Such Sans"))
    typeset._compiler.cache_clear()
    try:
        with pytest.raises(typeset.LetterFontMissing, match="No Such Sans"):
            render_letter_pdf(_answer("nb"))
    finally:
        typeset._compiler.cache_clear()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_extension_notice_pdf_says_what_its_html_says(language: str) -> None:
    from datetime import date
    from types import SimpleNamespace

    from dsar.letter.extension import render_notice_html, render_notice_pdf
    from tests.test_letter import _controller

    request = SimpleNamespace(
        id="INN-2026-ABC123", extension_months=2, due_extended=date(2027, 2, 22),
        extension_notified_on=date(2026, 11, 25), received_on=date(2026, 10, 30), requested_by=None,
        person=SimpleNamespace(name="Kari *Nordmann* #x", emails=["kari@example.no"]),
        extension_reason="Mange krav etter en datalekkasje; kravet omfatter seks systemer.",
    )
    parser = _VisibleText()
    parser.feed(render_notice_html(request, _controller(), language))  # type: ignore[arg-type]
    reader = PdfReader(io.BytesIO(render_notice_pdf(request, _controller(), language)))  # type: ignore[arg-type]
    pdf_words = _words(" ".join(page.extract_text() for page in reader.pages))
    assert _words(" ".join(parser.parts)) == pdf_words
    assert reader.trailer["/Root"]["/Lang"] == language
    assert "*Nordmann*#x" in re.sub(r"\s+", "", reader.pages[0].extract_text())
