"""Typst, once per process: letters from ``templates/letter/*.typ`` to tagged PDF/UA-1.

One compiler is made on first use and kept: the system's fonts are scanned once, the
templates parsed once, and each letter then takes milliseconds. The compiler's root is
``templates/letter/`` and it has no package source, so a template can read nothing outside
that folder and nothing from the network. Data reaches a template only as JSON in
``sys.inputs``, which the template shows as text: a name is never markup.

A template error (a missing key, a typo) raises ``typst.TypstError`` as it is: it is a bug,
not a fact about the request, and the flow records it encrypted like any unexpected error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from functools import cache
from typing import Any

from dsar.errors import DsarError
from dsar.letter.render import templates_dir

# The letters are set in Liberation Sans (the metric twin of Arial); DejaVu Sans covers
# what it lacks and DejaVu Sans Mono (which Typst carries itself) sets the reference.
REQUIRED_FONTS = ("Liberation Sans", "DejaVu Sans")

# PDF/UA-1: tagged, with title, language and reading order checked by Typst at export.
PDF_STANDARDS = ["ua-1"]

_lock = threading.Lock()


class LetterFontMissing(DsarError):
    """A font the letters are designed in is not installed on this machine."""


@cache
def _compiler() -> Any:
    import typst

    fonts = typst.Fonts(include_system_fonts=True, include_embedded_fonts=True)
    missing = [name for name in REQUIRED_FONTS if name not in fonts.families()]
    if missing:
        raise LetterFontMissing(
            f"the letter's fonts {', '.join(missing)} are not installed; install them "
            "(Debian: fonts-liberation, fonts-dejavu-core) so the PDF looks as designed"
        )
    return typst.Compiler(root=str(templates_dir()), font_paths=fonts)


def typeset(template: str, data: Mapping[str, Any]) -> tuple[bytes, list[str]]:
    """PDF/UA-1 of ``templates/letter/<template>`` given ``data`` (as ``sys.inputs.letter``).

    Returns the PDF and Typst's warnings (their messages; a template that is right has
    none). ``template`` must be a file name in ``templates/letter/``.
    """
    path = templates_dir() / template
    if path.name != template or path.suffix != ".typ" or not path.is_file():
        raise ValueError(f"no letter template {template!r} in templates/letter/")
    inputs = {"letter": json.dumps(data, ensure_ascii=False)}
    compiler = _compiler()
    # One compilation at a time: the compiler keeps its state (caches, inputs) between calls.
    with _lock:
        pdf, warnings = compiler.compile_with_warnings(
            input=str(path), sys_inputs=inputs, pdf_standards=PDF_STANDARDS
        )
    return pdf, [w.message for w in warnings]


def typeset_source(source: bytes) -> bytes:
    """Compile Typst ``source`` in the letters' world (same root, fonts and limits).

    For tests that prove what a template can and cannot reach.
    """
    compiler = _compiler()
    with _lock:
        return compiler.compile(input=source, sys_inputs=None, pdf_standards=PDF_STANDARDS)
