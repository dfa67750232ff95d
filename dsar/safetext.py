"""Text from people and source systems made safe to show and to print.

A value in a source system is whatever someone typed or an attacker planted. Shown on a
reviewer's terminal, an escape sequence can clear the screen, retitle the window, recolour or
overwrite lines (and so fake an "OK — accept"); a bidi override reorders what is read; in the
letter, control characters garble it. So, where values leave the product for a person's eyes:

- ``for_terminal``: escape sequences (CSI, OSC, DCS …) removed whole, every other C0/C1
  control and bidi control removed, line breaks and tabs shown as one space (a value is
  one line);
- ``for_letter``: the same, but line breaks kept (an address has lines);
- ``check_identifier``: what staff register is refused, with the field named, when it holds
  control characters or is too long — a registered value is shown and printed for weeks.

JSON in the package keeps every value exactly as found (the person's copy must be complete);
only the places above and the CSV (``dsar.package.tables``) change how it is written.
"""

from __future__ import annotations

import re

from dsar.errors import InputError

# ESC [ … final byte; ESC ] … BEL or ST; ESC P/X/^/_ … ST; any other ESC + one character.
# Also their 8-bit forms (CSI U+009B, OSC U+009D, DCS U+0090 …).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROLS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI}\u2028\u2029]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\t]")
_FORBIDDEN_IN_IDENTIFIER = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI}\u2028\u2029]")

MAX_NAME = 200
MAX_REFERENCE = 500


def strip_controls(text: str) -> str:
    """``text`` without escape sequences and control characters; tab, CR and LF are kept."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def for_terminal(value: object) -> str:
    """One line safe for a terminal: nothing that moves the cursor, colours or reorders."""
    return _LINE_BREAKS.sub(" ", strip_controls(str(value)))


def for_terminal_block(value: object) -> str:
    """Several lines safe for a terminal (a message's text): as ``for_terminal``, but line
    breaks kept; a lone CR (which would let a line overwrite the one shown) becomes a break."""
    text = strip_controls(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{BIDI}\u2028\u2029]")


def escape_for_json_output(text: str) -> str:
    """JSON text (already dumped) with C1 controls and bidi marks written as ``\\uXXXX``: the
    same values for a script, nothing a terminal acts on. (``json.dumps`` escapes C0 itself.)"""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def for_letter(value: object) -> str:
    """Safe for the letter: no control characters; line breaks kept as ``\\n``, tabs a space."""
    text = strip_controls(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\t", " ")


def has_controls(text: str) -> bool:
    return _FORBIDDEN_IN_IDENTIFIER.search(text) is not None


def check_identifier(value: str, what: str, limit: int = MAX_NAME) -> str:
    """``value`` stripped, or an ``InputError`` naming ``what`` (bokmål, definite form:
    "navnet") and never repeating the value."""
    text = value.strip()
    if len(text) > limit:
        raise InputError(f"{what} er for langt (høyst {limit} tegn)")
    if has_controls(text):
        raise InputError(
            f"{what} inneholder kontrolltegn (linjeskift, escape-sekvenser eller retningsmerker); skriv det inn på nytt"
        )
    return text
