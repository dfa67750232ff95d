"""HTML mail as a reader sees it (``render``) and as it is released (``release``).

A redaction plan is made from the text a reader sees, never from the markup: an address
written ``ola&#64;example.com``, split as ``<span>ola</span>@example.com`` or hidden in an
``href``, ``alt`` or comment reads (or hides) differently in the markup. So the released HTML
is not the original markup with text replaced in it: it is rebuilt from the rendered text,
redacted as one string, with only plain formatting tags (no attributes, so no links, image
sources or styles) put back between the pieces. Whatever the person gets is text the plan
was made from; comments, scripts, attributes and link targets are not released at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

# A tag starts with a letter, "/", "!" or "?" ("a < b" is text). Quoted attribute values may
# hold ">"; a tag whose quotes don't close ends at the first ">" as browsers end it.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style)\b.*?(?:</\1\s*>|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)"
    r"|<(?=[/!?a-zA-Z])(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|<(?=[/!?a-zA-Z])[^>]*>",
    re.S | re.I,
)
_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)")
_BLOCK = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
_CLOSING_BLOCK = frozenset({"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
_KEPT = frozenset({
    "p", "br", "div", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "table", "thead", "tbody",
    "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "sub", "sup",
})
_VOID = frozenset({"br", "hr"})

Piece = tuple[str, str]
"""(text as read, safe tag or ""): a text run, or a tag (with the line break a block tag reads as)."""
Spans = Callable[[str], Sequence[tuple[int, int, str]]]


def pieces(markup: str) -> list[Piece]:
    out: list[Piece] = []
    last = 0
    for match in _TOKEN.finditer(markup):
        if match.start() > last:
            out.append((html.unescape(markup[last : match.start()]), ""))
        last = match.end()
        name = _NAME.match(match.group(0))
        if name is None:
            continue  # a comment, script, style, CDATA, doctype: nothing a reader sees
        closing, tag = name.group(1), name.group(2).lower()
        breaks = tag in _BLOCK if not closing else tag in _CLOSING_BLOCK
        safe = ""
        if tag in _KEPT:
            safe = f"<{tag}>" if tag in _VOID else f"<{closing}{tag}>"
        if breaks or safe:
            out.append(("\n" if breaks else "", safe))
    if last < len(markup):
        out.append((html.unescape(markup[last:]), ""))
    return out


def render(markup: str) -> str:
    """The text a reader sees: tags, comments, scripts and styles gone, block ends as line
    breaks, entities decoded (each text run on its own, as a browser decodes them)."""
    return "".join(text for text, _ in pieces(markup))


def release(markup: str, redact: Callable[[str], str]) -> str:
    """The HTML to release: the rendered text redacted by ``redact`` as one string, with the
    plain formatting tags put back where they were. ``redact`` with a ``spans`` method (an
    ``Applier``) keeps the formatting; any other function gives the redacted text as HTML."""
    parts = pieces(markup)
    text = "".join(t for t, _ in parts)
    spans: Spans | None = getattr(redact, "spans", None)
    if spans is None:
        body = html.escape(redact(text)).replace("\n", "<br>\n")
        return _page(body)
    cuts = sorted(spans(text))
    out: list[str] = []
    at = 0  # where in ``text`` the next piece starts
    cut = 0  # the first span that may still matter
    for piece, tag in parts:
        out.append(tag)
        end = at + len(piece)
        pos = at
        while pos < end:
            while cut < len(cuts) and cuts[cut][1] <= pos:
                cut += 1
            if cut == len(cuts) or cuts[cut][0] >= end:
                out.append(html.escape(text[pos:end]))
                break
            start, stop, mark = cuts[cut]
            if start > pos:
                out.append(html.escape(text[pos:start]))
                pos = start
            if pos == start:
                out.append(html.escape(mark))  # once, where the span begins
            pos = min(end, stop)
        at = end
    return _page("".join(out))


def _page(body: str) -> str:
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>{body}</body></html>\n'
