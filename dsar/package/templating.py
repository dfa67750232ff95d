"""The Jinja2 environment for the package's templates (``templates/package/``).

HTML templates are autoescaped: record values and even configuration text are treated as
untrusted. Plain-text templates are not escaped (there is nothing to escape in a .txt).
The environment is built on first use, never at import.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2


def template_dir() -> Path:
    """``<repository>/templates/package``, beside the other template folders."""
    return Path(__file__).resolve().parents[2] / "templates" / "package"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html",), default_for_string=True, default=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
