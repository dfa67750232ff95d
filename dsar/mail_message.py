"""One e-mail message read the way mail really is: any charset, any transfer encoding, broken.

``parse(raw)`` turns the bytes of a message (RFC 5322 + MIME) into a ``MailMessage``: its
address headers per role, subject, date, Message-ID and the ids it answers, its text (every
``text/*`` part decoded; HTML reduced to text) and its attachments. It never raises on a
malformed message: an unknown charset falls back to Windows-1252, broken base64 or
quoted-printable is decoded as far as it goes, a multipart without its closing boundary ends
where the message ends, and ``defects`` counts what was repaired.
``MessageUnreadable`` is for bytes that are not a message at all (no header).

The parser is written for the index's speed (thousands of messages a second): it splits
headers and MIME parts itself and uses the standard library only for encoded words and
address lists, which it gets right and which are short. ``to_eml`` writes a message back as
a standard ``.eml`` with a function applied to every header value and text, which is how the
package writes a redacted copy.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from functools import lru_cache

from dsar import mail_html, mail_parts

ADDRESS_ROLES = ("from", "to", "cc", "bcc", "reply-to", "sender", "delivered-to")
"""Headers whose addresses say whose a message is (RFC 5322 §3.6.2–3, Delivered-To)."""
FALLBACK_CHARSET = "cp1252"
TEXT_ATTACHMENT_SUFFIXES = (".txt", ".csv", ".tsv", ".md", ".ics", ".vcf", ".log", ".json", ".xml", ".html", ".htm")

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_HEADER_LINE = re.compile(r"(?m)^([^:\n]*):(.*)$")
_WS = " \t\n\r\x0b\x0c"  # what bytes.strip() strips; str.strip() would take more
_PARAM = re.compile(r';\s*([\w\-*]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)')
_QUOTE_LINE = re.compile(r"(?m)^[ \t]*>")
_ATTRIBUTION = re.compile(
    r"(?im)^.{0,120}\b(?:skrev|wrote|schrieb)\b.{0,40}:\s*$|^-+ ?(?:Original Message|Opprinnelig melding|Videresendt melding|Forwarded message) ?-+"
)
_ESCAPED = re.compile(r"\\(.)")
_MSGID = re.compile(r"<([^<>\s]+)>")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"\?=\s+=\?")
_ADDRESS = re.compile(
    r'(?:[^,:;<>"]*:)?\s*(?:"((?:[^"\\]|\\.)*)"\s*|([^,;<>"]*?)\s*)<([^<>]*)>'
    r"|([^\s,;<>\"()]+@[^\s,;<>\"()]+)(?:\s*\(([^()]*)\))?"
)


class MessageUnreadable(Exception):
    """The bytes hold no message header at all (an empty or binary file)."""


@dataclass
class Part:
    """A leaf of the MIME tree. ``text`` is set for text parts (HTML reduced to text in
    ``text`` and kept as it was in ``html``); ``data`` holds a non-text part's bytes when
    they were asked for."""

    content_type: str
    filename: str | None = None
    attachment: bool = False
    text: str | None = None
    html: str | None = None
    data: bytes | None = None
    size: int = 0


@dataclass
class MailMessage:
    raw_headers: list[tuple[str, str]]
    """(name in lower case, value as written), in order; ``headers`` decodes them."""
    addresses: dict[str, list[tuple[str, str]]]
    """Role (``ADDRESS_ROLES``) → (display name, address) as written."""
    subject: str
    date: datetime | None
    message_id: str | None
    parents: list[str]
    """Message-IDs of In-Reply-To and References, nearest first."""
    parts: list[Part] = field(default_factory=list)
    defects: int = 0
    _decoded: list[tuple[str, str]] | None = field(default=None, repr=False, compare=False)

    @property
    def headers(self) -> list[tuple[str, str]]:
        """(name in lower case, decoded value), in order. Decoded when first asked for: the
        index never needs the headers it doesn't look at."""
        if self._decoded is None:
            self._decoded = [(n, _decode_words(v)) for n, v in self.raw_headers]
        return self._decoded

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for n, v in self.headers if n == name), None)

    @property
    def body_parts(self) -> list[Part]:
        return [p for p in self.parts if p.text is not None and not p.attachment]

    @property
    def attachments(self) -> list[Part]:
        return [p for p in self.parts if p.attachment]

    @property
    def withheld(self) -> list[Part]:
        """Parts that can't be read as text, so can't be scanned or redacted (PDF, images,
        Office files …): never released, a note in their place (``mail_parts.withheld_note``).
        Attachments first, in their order, then inline ones (an image in the body)."""
        return [p for p in self.attachments if p.text is None] + [
            p for p in self.parts if p.text is None and not p.attachment]

    def texts(self) -> list[str]:
        """Every text a person could read in the message: subject, bodies, text attachments."""
        return [self.subject, *(p.text for p in self.parts if p.text)]

    @property
    def quotes(self) -> bool:
        """Whether a body quotes an earlier message ("> …", "… skrev:", a forwarded one)."""
        return any(_QUOTE_LINE.search(p.text or "") or _ATTRIBUTION.search(p.text or "") for p in self.body_parts)


def parse(raw: bytes, *, with_data: bool = False) -> MailMessage:
    """The message in ``raw``; ``with_data`` keeps non-text attachments' bytes too."""
    if raw.startswith(b"From ") and b"\n" in raw[:1000]:
        raw = raw[raw.index(b"\n") + 1 :]  # an mbox separator left on the message
    head, body, ok = _split(raw)
    if not head or not re.match(rb"[\x21-\x39\x3b-\x7e]+:", head):
        raise MessageUnreadable("no message header")
    headers = _headers(head)
    message = MailMessage(
        raw_headers=headers,
        addresses={},
        subject="",
        date=None,
        message_id=None,
        parents=[],
        defects=0 if ok else 1,
    )
    raw_by_name: dict[str, list[str]] = {}
    for name, value in headers:
        raw_by_name.setdefault(name, []).append(value)
    for role in ADDRESS_ROLES:
        values = raw_by_name.get(role)
        if values:
            message.addresses[role] = [pair for v in values for pair in parse_addresses(v)]
    message.subject = _decode_words(raw_by_name.get("subject", [""])[0]).strip()
    date = raw_by_name.get("date")
    if date:
        message.date = _date(date[0])
        if message.date is None:
            message.defects += 1
    ids = _MSGID.findall(raw_by_name.get("message-id", [""])[0])
    message.message_id = ids[0] if ids else None
    parents = _MSGID.findall(" ".join(raw_by_name.get("in-reply-to", [])))
    parents += reversed(_MSGID.findall(" ".join(raw_by_name.get("references", []))))
    message.parents = list(dict.fromkeys(parents))
    _walk(message, raw_by_name, body, with_data, depth=0)
    return message


# --------------------------------------------------------------------------- internals


_DATE = re.compile(r"(\d{1,2})\s+(\w{3})\w*\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4})?")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _date(value: str) -> datetime | None:
    """An RFC 5322 date; the common form by a regex (the library's parser costs more than
    the rest of a header), anything else by ``email.utils``."""
    match = _DATE.search(value)
    if match is not None and match.group(2).lower() in _MONTHS:
        day, month, year, hour, minute, second, zone = match.groups()
        try:
            offset = UTC
            if zone:
                minutes = int(zone[1:3]) * 60 + int(zone[3:5])
                offset = timezone(timedelta(minutes=minutes if zone[0] == "+" else -minutes))
            return datetime(int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute), int(second or 0), tzinfo=offset)
        except ValueError:
            pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _split(raw: bytes) -> tuple[bytes, bytes, bool]:
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b"", False
    return raw[: match.start()], raw[match.end() :], True


def _headers(head: bytes) -> list[tuple[str, str]]:
    unfolded = _FOLD.sub(b"", head)
    try:
        text = unfolded.decode("utf-8")
    except UnicodeDecodeError:
        return _headers_by_line(unfolded)
    # One decode and one regex pass for the whole head: most heads are UTF-8 (or ASCII).
    return [(name.strip(_WS).lower(), value.strip(_WS)) for name, value in _HEADER_LINE.findall(text)
            if name and " " not in name.strip(_WS)]


def _headers_by_line(unfolded: bytes) -> list[tuple[str, str]]:
    """A head that isn't UTF-8 throughout: each value decoded on its own (one line in
    Windows-1252 leaves the others as they are)."""
    out: list[tuple[str, str]] = []
    for line in unfolded.split(b"\n"):
        name, sep, value = line.partition(b":")
        if not sep or not name or b" " in name.strip():
            continue
        out.append((name.strip().decode("ascii", "replace").lower(), _bytes_text(value.strip())))
    return out


def _bytes_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode(FALLBACK_CHARSET, "replace")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded (``=?utf-8?q?=C3=98deg=C3=A5rd?=`` → ``Ødegård``)."""
    if "=?" not in value:
        return value
    try:
        # Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        joined = _BETWEEN_WORDS.sub("?==?", value)
        return _ENCODED_WORD.sub(_decode_word, joined)
    except (LookupError, ValueError, UnicodeError, binascii.Error):
        try:
            return str(make_header(decode_header(value)))
        except (LookupError, ValueError, UnicodeError, binascii.Error, AssertionError, HeaderParseError):
            return value  # one broken header must not make the message (or the archive) unreadable


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.group(1).split("*")[0], match.group(2).lower(), match.group(3)
    data = payload.encode("ascii", "replace")
    if encoding == "b":
        data = data.rstrip(b"=")
        if len(data) % 4 == 1:
            data = data[:-1]  # a character too many (cut short): what the rest says
        data = binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    else:
        data = binascii.a2b_qp(data, header=True)
    return _text(data, charset)


def parse_addresses(value: str) -> list[tuple[str, str]]:
    """(display name, address) of every address in an address header, encoded words decoded.

    ``"Nordmann, Kari" <kari@…>``, ``Kari N <kari@…>``, ``kari@… (Kari)``, several per header,
    groups (``Styret: a@…, b@…;``); what holds no address is skipped.
    """
    out = []
    for match in _ADDRESS.finditer(value):
        quoted, plain, angle, bare, comment = match.groups()
        if angle is not None:
            address = angle.strip()
            name = quoted if quoted is not None else (plain or "")
            if "\\" in name:
                name = _ESCAPED.sub(r"\1", name)
            name = name.strip()
        else:
            address, name = bare, comment or ""
        if "@" not in address and not name:
            continue
        out.append((_decode_words(name.strip()), address.strip()))
    return out


def _params(value: str) -> tuple[str, dict[str, str]]:
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    continued: dict[str, list[tuple[int, str, bool]]] = {}
    for key, val in _PARAM.findall(";" + rest):
        key = key.lower()
        if val.startswith('"'):
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        if "*" in key:
            name, _, index = key.partition("*")
            encoded = key.endswith("*")
            number = index.rstrip("*")
            continued.setdefault(name, []).append((int(number) if number.isdigit() else 0, val, encoded))
        else:
            params[key] = val
    for name, pieces in continued.items():
        pieces.sort()
        text = "".join(v for _, v, _ in pieces)
        if pieces[0][2] and text.count("'") >= 2:
            charset, _, rest2 = text.split("'", 2)
            try:
                from urllib.parse import unquote

                text = unquote(rest2, encoding=charset or "utf-8", errors="replace")
            except LookupError:
                text = rest2
        params[name] = text
    return main.strip().lower(), params


@lru_cache(maxsize=256)  # a few charsets recur in every archive; names are from the mail itself
def _charset(name: str | None) -> str:
    if not name:
        return "us-ascii"
    try:
        return codecs.lookup(name.strip().strip('"')).name
    except LookupError:
        return FALLBACK_CHARSET


def _decode_transfer(body: bytes, encoding: str) -> tuple[bytes, bool]:
    encoding = encoding.strip().lower()
    try:
        if encoding == "base64":
            try:
                return binascii.a2b_base64(body), True  # line breaks and stray bytes are skipped
            except binascii.Error:
                pass  # padding wrong: count the alphabet and repair it
            cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", body)
            cleaned = cleaned.rstrip(b"=")
            cleaned += b"=" * (-len(cleaned) % 4)
            if len(cleaned) % 4 == 1:
                cleaned = cleaned[:-1]
            return binascii.a2b_base64(cleaned), True
        if encoding == "quoted-printable":
            return binascii.a2b_qp(body), True
    except binascii.Error:
        return body, False
    return body, True


def _text(data: bytes, charset: str | None) -> str:
    name = _charset(charset)
    if name == "ascii":
        # Declared ASCII (or nothing) but 8-bit bytes: Norwegian mail clients meant UTF-8
        # or Windows-1252.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode(FALLBACK_CHARSET, "replace")
    try:
        return data.decode(name, "replace")
    except (LookupError, UnicodeError):
        return data.decode(FALLBACK_CHARSET, "replace")


def html_to_text(markup: str) -> str:
    """The text a reader sees in HTML (``dsar.mail_html``): what is scanned and released."""
    return mail_html.render(markup)


def _walk(message: MailMessage, headers: dict[str, list[str]], body: bytes, with_data: bool, depth: int) -> None:
    ctype, params = _params(headers.get("content-type", ["text/plain"])[0] or "text/plain")
    if "/" not in ctype:
        ctype = "text/plain"
    disposition, dparams = _params(headers.get("content-disposition", [""])[0])
    filename = dparams.get("filename") or params.get("name")
    if filename:
        filename = _decode_words(filename)
    if ctype.startswith("multipart/") and depth < 20:
        boundary = params.get("boundary")
        if not boundary:
            message.defects += 1
            ctype = "text/plain"
        else:
            for part in _split_multipart(body, boundary.encode("utf-8", "replace"), message):
                head, sub_body, _ = _split(part) if not part.startswith((b"\r\n", b"\n")) else (b"", part.lstrip(b"\r\n"), True)
                sub_headers: dict[str, list[str]] = {}
                for name, value in _headers(head):
                    sub_headers.setdefault(name, []).append(value)
                _walk(message, sub_headers, sub_body, with_data, depth + 1)
            return
    encoding = headers.get("content-transfer-encoding", ["7bit"])[0]
    attachment = disposition == "attachment" or (bool(filename) and disposition != "inline")
    is_text = ctype.startswith("text/") or (
        filename is not None and filename.lower().endswith(TEXT_ATTACHMENT_SUFFIXES)
    )
    # A forwarded message however it is labelled (message/global, an Outlook ".eml" sent as
    # octet-stream) is read as one; bytes of a type that says nothing are looked at.
    as_message = ctype in mail_parts.MESSAGE_TYPES or (filename or "").lower().endswith(".eml")
    generic = ctype in mail_parts.GENERIC_TYPES
    if not (is_text or with_data or as_message or generic):
        # A binary attachment nobody asked the bytes of (the index): not decoded at all.
        message.parts.append(Part(ctype, filename=filename, attachment=attachment, size=len(body)))
        return
    data, ok = _decode_transfer(body, encoding)
    if not ok:
        message.defects += 1
    if generic and not is_text and mail_parts.looks_like_message(data):
        as_message = True
    if as_message and depth < 20:
        # A forwarded message: its headers are text the person can read, its parts are parts.
        try:
            inner = parse(data, with_data=with_data)
        except MessageUnreadable:
            message.defects += 1
        else:
            lines = [f"{name}: {value}" for name, value in inner.headers if name in (*ADDRESS_ROLES, "subject", "date")]
            message.parts.append(Part("text/plain", text="\n".join(lines), size=len(data)))
            message.parts.extend(inner.parts)
            message.defects += inner.defects
            return
    part = Part(ctype, filename=filename, attachment=attachment, size=len(data))
    if is_text:
        text = _text(data, params.get("charset"))
        if ctype == "text/html":
            part.html = text
            part.text = html_to_text(text)
        elif mail_parts.is_directory(ctype, filename):
            part.text = mail_parts.unfold(text)  # folded lines and vCard 2.1 values read whole
        else:
            part.text = text
    elif generic or as_message:
        part.text = mail_parts.as_text(data)  # None: not text after all
    if part.text is None and with_data:
        part.data = data
    message.parts.append(part)


def _split_multipart(body: bytes, boundary: bytes, message: MailMessage) -> list[bytes]:
    # str.find, not a regex per boundary: every message has its own boundary, and compiling
    # one pattern per message would cost more than the rest of the parse.
    marker = b"--" + boundary
    parts: list[bytes] = []
    start = None
    closed = False
    pos = 0
    while True:
        at = body.find(marker, pos)
        if at < 0:
            break
        pos = at + len(marker)
        if at > 0 and body[at - 1 : at] != b"\n":
            continue  # not at a line start
        line_end = body.find(b"\n", pos)
        line_end = len(body) if line_end < 0 else line_end + 1
        rest = body[pos:line_end].strip()
        if rest not in (b"", b"--"):
            continue  # a longer boundary that starts with this one
        if start is not None:
            end = at - 1
            if end > start and body[end - 1 : end] == b"\r":
                end -= 1
            parts.append(body[start:max(end, start)])
        if rest == b"--":
            closed = True
            break
        start = line_end
        pos = line_end
    if not closed:
        message.defects += 1
        if start is not None and start < len(body):
            parts.append(body[start:])  # no closing boundary: the last part ends with the message
    return parts


# ------------------------------------------------------------------------- writing back


def to_eml(
    message: MailMessage,
    redact: Callable[[str], str] = lambda text: text,
    redact_address: Callable[[str, str], tuple[str, str]] = lambda name, address: (name, address),
) -> bytes:
    """The message as a standard ``.eml``: ``redact`` applied to the subject and every text,
    ``redact_address`` to every (display name, address) of the address headers.

    Text bodies are written as UTF-8; HTML is rebuilt from its redacted text
    (``dsar.mail_html.release``: no attributes, links, comments or scripts); text attachments
    redacted. An attachment that isn't text is withheld, a note in its place
    (``dsar.mail_parts``); Message-ID, In-Reply-To and References are replaced by stand-ins
    (``message_id_stand_in``). Mail readers open the result.
    """
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import formataddr

    out = EmailMessage(policy=SMTP)
    date = message.header("date")
    if date:
        out["Date"] = date
    for role in ADDRESS_ROLES:
        pairs = message.addresses.get(role)
        if pairs:
            shown = [redact_address(name, address) for name, address in pairs]
            value = ", ".join(formataddr((n, a)) if a else n for n, a in shown)
            name = "-".join(w.capitalize() for w in role.split("-"))
            try:
                out[name] = value
            except (ValueError, TypeError, IndexError):
                out[name] = ", ".join(a for _, a in shown)
    out["Subject"] = redact(message.subject)
    for name in ("Message-ID", "In-Reply-To", "References"):
        ids = _MSGID.findall(message.header(name) or "")
        if ids:
            out[name] = " ".join(f"<{message_id_stand_in(i)}>" for i in ids)
    bodies = message.body_parts
    plain = next((p for p in bodies if p.html is None), None)
    rich = next((p for p in bodies if p.html is not None), None)
    extra_bodies = [p for p in bodies if p is not plain and p is not rich]
    if plain is not None:
        out.set_content(redact(plain.text or ""), charset="utf-8")
    elif rich is None:
        out.set_content("", charset="utf-8")
    if rich is not None:
        if plain is not None:
            out.add_alternative(released_text(rich, redact), subtype="html", charset="utf-8")
        else:
            out.set_content(released_text(rich, redact), subtype="html", charset="utf-8")
    for part in extra_bodies:
        out.add_attachment(released_text(part, redact), subtype=_subtype(part), disposition="inline", charset="utf-8")
    for part in message.attachments:
        if part.text is not None:
            name = redact(part.filename) if part.filename else None
            out.add_attachment(released_text(part, redact), subtype=_subtype(part), filename=name, charset="utf-8")
    for number, part in enumerate(message.withheld, start=1):
        note = mail_parts.withheld_note(redact(part.filename) if part.filename else None, part.content_type, part.size)
        out.add_attachment(note, subtype="plain", filename=f"holdt-tilbake-{number}.txt", charset="utf-8")
    return out.as_bytes()


def released_text(part: Part, redact: Callable[[str], str]) -> str:
    """A text part as released: HTML rebuilt from its redacted text, anything else redacted."""
    if part.html is not None:
        return mail_html.release(part.html, redact)
    return redact(part.text or "")


_STAND_IN_KEY = secrets.token_bytes(32)
"""New for every process: a stand-in can't be traced back to the id (a sender's address, as
some mailers write it) by hashing guesses, and is the same for every message of one package."""


def message_id_stand_in(message_id: str) -> str:
    """What a released message carries for a Message-ID (its own or one it answers): ids may
    hold a sender's address (``<ola.hansen@example.com>``); the same id gives the same stand-in,
    so a mail reader still threads the released messages."""
    digest = hashlib.blake2b(message_id.encode("utf-8", "replace"), key=_STAND_IN_KEY, digest_size=16).hexdigest()
    return f"{digest}@sladdet.invalid"


def _subtype(part: Part) -> str:
    maintype, _, subtype = part.content_type.partition("/")
    return subtype if maintype == "text" and subtype else "plain"
