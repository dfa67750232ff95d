"""The Jinja2 environments for the product's templates (``templates/<kind>/``).

HTML templates (``.html`` and ``.html.j2``) are autoescaped: names, record values and even
configuration text are untrusted. Plain-text templates are not (there is nothing to escape
in a ``.txt``). ``StrictUndefined`` makes a template typo an error, never a gap in a letter.
Built on first use, never at import.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from dsar.paths import TEMPLATES


def template_dir(kind: str) -> Path:
    return TEMPLATES / kind


@cache
def environment(kind: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir(kind)),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "j2"), default_for_string=True, default=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
