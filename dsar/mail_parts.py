"""What an attachment holds, read so that what a reader reads is what gets scanned.

- Calendar invitations and contact cards (RFC 5545, RFC 6350, vCard 2.1) fold long lines
  ("mailto:ola.h\\r\\n ansen@…") and vCard 2.1 writes values in quoted-printable
  ("ola.hansen=40example.com"): ``unfold`` gives the lines whole and the values decoded.
- An attachment sent as ``application/octet-stream`` (or another type that says nothing) may
  be plain text or a whole forwarded message: ``looks_like_message`` and ``as_text`` tell.
- Anything else that isn't text (PDF, RTF, Word, images, archives) can't be scanned here, so
  it can't be redacted: it is withheld from the copy, and ``withheld_note`` says so in its
  place, to the person and to staff, who can go through it by hand.
"""

from __future__ import annotations

import binascii
import re

DIRECTORY_TYPES = frozenset({"text/calendar", "text/x-vcalendar", "text/vcard", "text/x-vcard", "text/directory"})
DIRECTORY_SUFFIXES = (".ics", ".ical", ".ifb", ".vcs", ".vcf", ".vcard")
GENERIC_TYPES = frozenset({
    "application/octet-stream", "application/unknown", "application/x-unknown", "application/binary",
    "binary/octet-stream", "application/download", "application/force-download", "application/x-download",
})
"""Types that say nothing of what the bytes are: what they are is read from the bytes."""
MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})

_FOLD = re.compile(r"\r?\n[ \t]")
_QP_PARAM = re.compile(r"(?i);(?:encoding=)?quoted-printable(?=[;:])")
_CHARSET_PARAM = re.compile(r"(?i);charset=([^;:]+)(?=[;:])")
_MAIL_HEADER = re.compile(
    rb"(?i)(?:from|to|cc|subject|date|message-id|mime-version|received|return-path|reply-to|sender|"
    rb"content-type|delivered-to|x-[\w-]+)[ \t]*:"
)
# Formats that are plain bytes but not plain text: their text can hide in escapes
# (RTF's \'40 is "@"), streams or markup this module does not read.
_NOT_TEXT = (b"%PDF", b"{\\rtf", b"%!PS", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"GIF8", b"\xff\xd8\xff")


def is_directory(content_type: str, filename: str | None) -> bool:
    return content_type in DIRECTORY_TYPES or (filename or "").lower().endswith(DIRECTORY_SUFFIXES)


def unfold(text: str) -> str:
    """An iCalendar or vCard text with its folded lines joined and quoted-printable values
    decoded (the parameter dropped, line breaks in a value written ``\\n`` as vCard 3 does)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        name, colon, value = line.partition(":")
        if colon and _QP_PARAM.search(name + ":"):
            # vCard 2.1: a quoted-printable value goes on after a soft break ("=" at the end).
            while value.endswith("=") and i + 1 < len(lines):
                i += 1
                value = value[:-1] + lines[i]
            charset = _CHARSET_PARAM.search(name + ":")
            value = _qp(value, charset.group(1) if charset else "utf-8")
            name = _CHARSET_PARAM.sub("", _QP_PARAM.sub("", name + ":"))[:-1]
            line = f"{name}:{value}"
        out.append(line)
        i += 1
    return _FOLD.sub("", newline.join(out) + (newline if text.endswith(("\n", "\r")) else ""))


def _qp(value: str, charset: str) -> str:
    data = binascii.a2b_qp(value.encode("utf-8", "replace"))
    try:
        decoded = data.decode(charset.strip().strip('"'), "replace")
    except LookupError:
        decoded = data.decode("cp1252", "replace")
    return decoded.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def looks_like_message(data: bytes) -> bool:
    """Whether bytes sent as something else are an RFC 5322 message (a forwarded ``.eml``):
    they start with a mail header line."""
    return _MAIL_HEADER.match(data.lstrip()[:200]) is not None


def as_text(data: bytes) -> str | None:
    """The bytes as text when they are text: no NUL, hardly any control characters, UTF-8
    (or Windows-1252 with few bytes above ASCII); None for anything else."""
    if not data or b"\x00" in data or data.lstrip().startswith(_NOT_TEXT):
        return None
    controls = sum(data.count(bytes([c])) for c in (*range(0, 9), 11, 14, *range(16, 27), *range(28, 32), 127))
    if controls * 200 > len(data):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = sum(1 for b in data if b >= 0x80)
    if high * 10 > len(data):
        return None
    return data.decode("cp1252", "replace")


WITHHELD_TITLE = "Vedlegg holdt tilbake: kan ikke sladdes automatisk"


def withheld_note(name: str | None, content_type: str, size: int) -> str:
    """What the person (and staff) read in place of an attachment that is withheld."""
    shown = f"«{name}»" if name else "uten filnavn"
    return (
        f"{WITHHELD_TITLE}\n\n"
        f"Vedlegget {shown} ({content_type}, {_size(size)}) i denne e-posten er en fil vi ikke kan lese og "
        "sladde automatisk (for eksempel PDF, bilde, RTF eller et Office-dokument). Det kan inneholde "
        "opplysninger om andre enn deg, og er derfor ikke tatt med i denne kopien.\n\n"
        "Vil du ha vedlegget, kan du be oss om det. Vi går da gjennom det for hånd og sender det til deg "
        "med andres opplysninger sladdet.\n"
    )


def _size(size: int) -> str:
    return f"{size:,} byte".replace(",", "\u00a0")
