"""Mail archives (``connector = "mail"``): Maildir, mbox or an IMAP mailbox.

Configuration::

    [systems.epost]
    connector = "mail"
    format = "maildir"                     # maildir | mbox | imap
    path = "sources/stavanger-sentrum/epost"   # maildir / mbox: a directory (or one mbox file)
    mbox_variant = "mboxrd"                # mboxrd | mboxo
    imap = { host = "…", port = 143, user = "…", password_env = "…", tls = "starttls" }
    role_addresses = ["post@byen.no", "51 89 51 51"]   # kept in the copy: they name no one

The system has one collection, ``messages`` (declared for you; declare it to give your own
title and field texts). A message is the person's when one of their e-mails is in an address
header (From, To, Cc, Bcc, Reply-To, Sender, Delivered-To), when their e-mail or phone is
written in the subject, a body or a text attachment, or when it is a reply in the thread of a
message they wrote and quotes that message's own text (checked word for word; through a
Message-ID only one message carries). A phone counts only written as one (``Found.strong``:
a country code, grouped, a mobile range, "tlf" before it): eight bare digits may be an order
number. A message that names them only by name (also a reply in their thread quoting someone
else) is a candidate: held for a person to decide; a reply that neither names nor quotes
them, or bare digits alone, is not theirs. A message whose only link is the person's address
written beside someone else's name (a display name; "Ola Hansen, e-post …"; a form's "Navn:"
line near it; a family's shared address) is held or excluded, and so is one found only by an
address that other messages show someone else uses.

The search reads the archive's index (``connectors.mail_index``), refreshing the folders that
changed first, and then only the messages the index points at. Each record carries the
redaction plan for its message (``dsar.redaction``), decided now and applied when the package
is built; the message itself is staged encrypted beside the record.

A message that can't be read at all, a mailbox gone away, an IMAP server down: each a
``ConnectorError`` naming the system and folder (the request ends ``incomplete``).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from connectors.base import Condition, Connector
from connectors.mail_index import AUTHOR_ROLES, Hit, IndexedMessage, MailIndex, RefreshStats, index_path
from connectors.mail_sources import ImapSettings, ImapSource, MaildirSource, MailSource, MboxSource
from connectors.mail_terms import _CAPITAL_RUN
from dsar.config.models import Collection, ConfigModel, IdentityField, LocalText, System, env_name
from dsar.errors import ConnectorError
from dsar.identity import looks_like_email, looks_like_phone
from dsar.known_names import KnownNames, open_known_names
from dsar.mail_message import ADDRESS_ROLES, MailMessage, MessageUnreadable, parse
from dsar.names import names_compatible
from dsar.records import FileRef, Link, Lookup, RawRecord
from dsar.redaction import Own, Redactor
from dsar.textscan import email_key

COLLECTION = "messages"
FIELDS = {
    "key": ("Meldingens nøkkel i arkivet", "The message's key in the archive"),
    "date": ("Dato og tid meldingen ble sendt", "When the message was sent"),
    "from": ("Avsender", "Sender"),
    "to": ("Mottakere", "Recipients"),
    "cc": ("Kopimottakere", "Copy recipients"),
    "subject": ("Emne", "Subject"),
    "folder": ("Mappen meldingen ligger i", "The folder the message is filed in"),
    "attachments": ("Vedlegg (filnavn)", "Attachments (file names)"),
    "addresses": ("Dine e-postadresser i meldingens adressefelt", "Your e-mail addresses in the message's address fields"),
    "name_at_address": ("Navnet som står ved din e-postadresse i meldingen", "The name written next to your e-mail address"),
    "redactions": ("Antall steder andres opplysninger er sladdet", "How many places others' data is blacked out"),
    "eml": ("Meldingen som fil (.eml, åpnes i et e-postprogram)", "The message as a file (.eml, opens in a mail program)"),
}


def message_key(folder: str, locator: str) -> str:
    """A message's record key: stable for as long as the message stays where it is, and
    naming nothing (folder names may be staff members' names; keys are shown to staff)."""
    return hashlib.blake2b(f"{folder}\x00{locator}".encode(), digest_size=8).hexdigest()


# -- configuration -------------------------------------------------------------------------------


class ImapConnection(ConfigModel):
    host: str = Field(min_length=1)
    port: int = Field(default=143, ge=1, le=65535)
    user: str = Field(min_length=1)
    password_env: str = Field(description="Environment variable (or secret) holding the password.")
    tls: Literal["none", "starttls", "tls"] = "starttls"
    timeout_seconds: float = Field(default=30, gt=0, le=600)

    _check_env = field_validator("password_env")(classmethod(lambda cls, v: env_name(v)))


class MailCollection(Collection):
    """The archive's messages; nothing to say where they are (the system says that)."""


def _default_collection() -> dict[str, MailCollection]:
    return {
        COLLECTION: MailCollection(
            id=COLLECTION,
            title=LocalText(nb="E-poster", en="E-mails"),
            key=["key"],
            identities=[
                IdentityField(type="email", column="addresses"),
                IdentityField(type="name", column="name_at_address"),
            ],
            fields={name: LocalText(nb=nb, en=en) for name, (nb, en) in FIELDS.items()},
        )
    }


class MailSystem(System):
    """``connector = "mail"``: a mail archive."""

    connector: Literal["mail"]
    format: Literal["maildir", "mbox", "imap"]
    path: str | None = Field(default=None, description="Maildir or mbox: relative to the workspace or with {workspace}.")
    mbox_variant: Literal["mboxrd", "mboxo"] = "mboxrd"
    imap: ImapConnection | None = None
    role_addresses: list[str] = Field(
        default_factory=list,
        description="The organisation's role addresses and numbers (post@…, the switchboard): kept in the copy.",
    )
    collections: dict[str, MailCollection] = Field(default_factory=_default_collection)

    @model_validator(mode="after")
    def _where(self) -> MailSystem:
        if self.format == "imap" and self.imap is None:
            raise ValueError("an imap archive needs [imap] with host, user and password_env")
        if self.format != "imap" and not self.path:
            raise ValueError(f"a {self.format} archive needs 'path'")
        if list(self.collections) != [COLLECTION]:
            raise ValueError(f"a mail system has one collection, {COLLECTION!r}")
        for value in self.role_addresses:
            if looks_like_email(value) is None and looks_like_phone(value) is None:
                raise ValueError(f"role_addresses: {value!r} is neither an e-mail address nor a phone number")
        return self


# -- the connector -------------------------------------------------------------------------------


class MailConnector(Connector):
    kind = "mail"
    config = MailSystem
    system: MailSystem
    reference_chunk = None

    def __init__(self, system: System, workspace: Any) -> None:
        super().__init__(system, workspace)
        self._source: MailSource | None = None
        self._index: MailIndex | None = None
        self._names: KnownNames | None = None
        self.refreshed: RefreshStats | None = None
        """What the search's own refresh did, when the index was stale."""

    # -- plumbing -------------------------------------------------------------------------------

    def source(self) -> MailSource:
        if self._source is None:
            system = self.system
            if system.format == "imap":
                assert system.imap is not None
                from dsar.secrets import resolve_secret

                imap = system.imap
                self._source = ImapSource(system.id, ImapSettings(
                    imap.host, imap.port, imap.user, resolve_secret(imap.password_env), imap.tls, imap.timeout_seconds))
            elif system.format == "maildir":
                self._source = MaildirSource(system.id, self.workspace.resolve_path(system.path or ""))
            else:
                self._source = MboxSource(system.id, self.workspace.resolve_path(system.path or ""), system.mbox_variant)
        return self._source

    def index(self) -> MailIndex:
        if self._index is None:
            self._index = MailIndex(self.index_file(), self.workspace.data_key).open()
        return self._index

    def index_file(self) -> Path:
        """``cache/mail-index/<system>-<where>.sqlite``: system ids are unique only within a
        controller, so the archive's location (path, or IMAP server and user) names it too."""
        system = self.system
        if system.format == "imap" and system.imap is not None:
            where = f"imap:{system.imap.host}:{system.imap.port}:{system.imap.user}"
        else:
            where = str(self.workspace.resolve_path(system.path or ""))
        tag = hashlib.blake2b(where.encode(), digest_size=6).hexdigest()
        return index_path(self.workspace.root / "cache", f"{system.id}-{tag}")

    def close(self) -> None:
        if self._names is not None:
            self._names.close()
            self._names = None
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._source is not None:
            self._source.close()
            self._source = None

    def known_names(self) -> KnownNames | None:
        """The names the controller's other systems hold (``dsar.known_names``), or None for
        a system outside the workspace's configuration."""
        if self._names is None:
            controller = next((c for c in self.workspace.config.controllers.values()
                               if c.systems.get(self.system.id) is self.system), None)
            if controller is None:
                return None
            self._names = open_known_names(self.workspace, controller)
        return self._names

    def refresh(self, progress: Any = None) -> RefreshStats:
        """Bring the index up to date (``dsar index``)."""
        return self.index().refresh(self.source(), progress=progress)

    def role_values(self) -> tuple[frozenset[str], frozenset[str]]:
        emails = {looks_like_email(v) for v in self.system.role_addresses}
        phones = {looks_like_phone(v) for v in self.system.role_addresses}
        return frozenset(e for e in emails if e), frozenset(p for p in phones if p)

    # -- the contract ---------------------------------------------------------------------------

    def check(self) -> tuple[bool, str | None]:
        try:
            source = self.source()
            for folder in source.folders():
                source.signature(folder)
        except ConnectorError as exc:
            return False, exc.args[0].removeprefix(ConnectorError.prefix(self.system.id))
        except Exception as exc:  # noqa: BLE001 - check reports, it never raises
            return False, f"arkivet kan ikke leses ({type(exc).__name__})"
        return True, None

    def audit_schema(self) -> list[str]:
        try:
            stale = self.index().stale_folders(self.source())
            broken = self.index().broken()
        except ConnectorError:
            return []
        # Not indexed yet, or folders changed since: the next request indexes what is new
        # itself, so that is no problem to fix. Unreadable messages are.
        del stale
        warnings = []
        if broken:
            warnings.append(f"systems.{self.system.id}: {len(broken)} messages can't be read; every request will be incomplete until they are fixed or removed")
        return warnings

    def select(self, collection: Collection, conditions: Sequence[Condition]) -> Iterator[dict[str, Any]]:
        """Messages holding any of the conditions' e-mails or phones (through the index)."""
        emails = [v for c in conditions if c.kind == "email" for v in c.values]
        phones = [v for c in conditions if c.kind == "phone" for v in c.values]
        lookup = Lookup(emails=tuple(emails), phones=tuple(phones))
        for record in self._records(lookup, None):
            yield record.fields

    def find(self, lookup: Lookup, tracker: Any = None) -> Iterator[RawRecord]:
        """The person's messages (and candidates), oldest first, each with its redaction plan
        and its ``.eml``. A reply quoting one of the person's messages is reached from it (a
        ``Link`` along ``In-Reply-To``), so it shares that message's fate."""
        yield from self._records(lookup, lookup.name or None)

    # -- searching ------------------------------------------------------------------------------

    def _records(self, lookup: Lookup, name: str | None) -> Iterator[RawRecord]:
        index = self.index()
        source = self.source()
        stale = index.stale_folders(source)
        if stale:
            # Mail arrived (or was deleted) since the index was built: read just that.
            self.refreshed = index.refresh(source, folders=stale)
        broken = index.broken()
        if broken:
            folder, _ = broken[0]
            raise ConnectorError(
                self.system.id,
                f"{len(broken)} meldinger kan ikke leses (den første i mappen {folder!r}); "
                "reparer eller fjern dem, og kjør så 'dsar index'",
            )
        hits = index.find(lookup.emails, lookup.phones, name)
        role_emails, role_phones = self.role_values()
        own = Own(
            name=name or "",
            emails=frozenset(lookup.emails),
            phones=frozenset(lookup.phones),
            role_emails=role_emails,
            role_phones=role_phones,
        )
        redactor = Redactor(own, known=_either(index.known_name, self.known_names()))
        messages = index.messages(hits)
        # First pass: the names written beside the person's addresses across all their
        # messages. An address someone else also uses under their own name (a family's, a
        # guardian's) can't by itself say a message is the person's.
        shared: str | None = None
        if name:
            for indexed in messages:
                message = self._parse(source, indexed)
                other = next((n for n in _names_at(message, set(lookup.emails)) if not names_compatible(name, n)), None)
                if other is not None:
                    shared = other
                    break
        authored: dict[str, tuple[RawRecord, _OwnText]] = {}
        """Message-ID -> a message written from the person's address, yielded, and its text."""
        thread = _Thread()
        for indexed in messages:
            raw = source.read(indexed.folder, indexed.locator, indexed.hint)
            message = self._parse(source, indexed, raw)
            thread.saw(message)
            hit = hits[indexed.id]
            matched = _matched_on(message, hit, lookup)
            if matched is None:
                continue  # the index's hash matched, the message doesn't (it changed)
            key = message_key(indexed.folder, indexed.locator)
            fields = _fields(message, indexed.folder, indexed.locator, lookup)
            via = group = None
            if matched == ("thread",):
                origin = thread.quoted_origin(message, authored, index.reused_ids)
                if origin is not None:
                    # Quotes the text of a message the person wrote (one of its ancestors):
                    # it shares that message's fate.
                    via = Link(COLLECTION, origin.key, REPLY_REFERENCE, "down")
                    group = origin.group
                    matched = ()
                elif hit.name:
                    matched = ("name",)  # in their thread, names them, quotes someone else: held
                else:
                    # In their thread, but neither to, from nor copied to them, nor quoting
                    # what they wrote (a list's reply to another member): nothing of theirs.
                    continue
            elif matched == ("reference",):
                continue  # a reply that neither names nor quotes them holds nothing of theirs
            elif matched == (WEAK_PHONE,):
                # Only eight bare digits equal to their landline, which may as well be an
                # order number (redaction doesn't black such a number out either).
                continue
            elif set(matched) == {"email"} and not fields["name_at_address"] and shared is not None:
                # Found only by an address someone else also uses under their own name:
                # matching holds it for a person to decide (``identifier_shared``).
                matched = ("email", "shared")
            elif (
                {"email", "phone"} & set(matched) and not fields["name_at_address"] and name
                and _beside_only_others(message, lookup, name)
            ):
                # Their address or number written beside somebody else's name, and beside no
                # name that can be theirs (a form's "Navn: Ola Hansen" above "E-post: …", a
                # child's sign-up with the parent's details): held as the shared address is.
                matched = (*matched, "shared")
            record = RawRecord(
                collection=COLLECTION,
                key=key,
                fields=fields,
                matched_on=matched,
                via=via,
                files=(_eml(key, raw),),
                group=group,
                redaction=redactor.plan(message).to_json(),
            )
            yield record
            if message.message_id and _authored_by(message, set(lookup.emails)):
                authored.setdefault(message.message_id, (record, _OwnText.of(message)))

    def _parse(self, source: MailSource, indexed: IndexedMessage, raw: bytes | None = None) -> MailMessage:
        if raw is None:
            raw = source.read(indexed.folder, indexed.locator, indexed.hint)
        try:
            return parse(raw, with_data=True)
        except MessageUnreadable as exc:
            raise ConnectorError(self.system.id, f"en melding i mappen {indexed.folder!r} kan ikke leses") from exc


REPLY_REFERENCE = "messages.in_reply_to -> messages.message_id"


def _either(archive: Callable[[str], bool], registers: KnownNames | None) -> Callable[[str], bool]:
    """A name is known when the archive's headers or the controller's registers hold it."""
    if registers is None:
        return archive
    return lambda folded: archive(folded) or registers.known(folded)


def _eml(key: str, raw: bytes) -> FileRef:
    return FileRef(field="eml", name=f"{key}.eml", media_type="message/rfc822", open=lambda: io.BytesIO(raw), size=len(raw))


WEAK_PHONE = "weak_phone"


def _matched_on(message: MailMessage, hit: Hit, lookup: Lookup) -> tuple[str, ...] | None:
    """Why the message may be the person's, checked on the message itself (not only the index).

    ``email``/``phone``: an identifier in a header or the text; ``thread``: a reply in their
    thread that quotes something (the caller checks that what it quotes is theirs);
    ``name``: only their name (held); ``reference``: a reply in their thread that neither
    quotes nor names them; ``weak_phone``: only eight bare digits equal to their number,
    which ``dsar.textscan`` rates as maybe an order number (``Found.strong``) and redaction
    leaves alone, so it can't say the message is theirs either.
    """
    from dsar.textscan import find_identifiers

    matched: list[str] = []
    weak = False
    emails, phones = set(lookup.emails), set(lookup.phones)
    for role in ADDRESS_ROLES:
        for _, address in message.addresses.get(role, []):
            if email_key(address) in emails:
                matched.append("email")
    for text in message.texts():
        for found in find_identifiers(text):
            if found.kind == "email" and found.value in emails:
                matched.append("email")
            elif found.kind == "phone" and found.value in phones:
                if found.strong:
                    matched.append("phone")
                else:
                    weak = True
    if matched:
        return tuple(dict.fromkeys(matched))
    if hit.thread and message.quotes:
        return ("thread",)
    if hit.name:
        return ("name",)
    if weak:
        return (WEAK_PHONE,)
    if hit.thread:
        return ("reference",)
    return None


def _authored_by(message: MailMessage, own_emails: set[str]) -> bool:
    """Written from one of the person's addresses (From, Sender, Reply-To)."""
    return any(email_key(a) in own_emails for role in AUTHOR_ROLES for _, a in message.addresses.get(role, []))


# -- threads: whether a reply quotes what the person wrote ----------------------------------------

_ATTRIBUTION = re.compile(
    r"(?i)^.{0,120}\b(?:skrev|wrote|schrieb)\b.{0,40}:\s*$"
    r"|^\s*-+ ?(?:Original Message|Opprinnelig melding|Videresendt melding|Forwarded message) ?-+"
)
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_WORD = re.compile(r"\w+")
QUOTE_RUN = 8
"""Words of the person's text in a row that a reply must quote (all of it, when shorter)."""
QUOTE_MIN = 3
"""A text of fewer words (a "Ja takk") can't be told apart from anybody else's."""


def _words(lines: list[str]) -> tuple[str, ...]:
    return tuple(_WORD.findall("\n".join(lines).lower()))


def _own_lines(text: str) -> list[str]:
    """What the writer wrote themselves: the lines before the first attribution or
    forwarded-message line, quoted lines ("> …") left out."""
    out = []
    for line in text.splitlines():
        if _ATTRIBUTION.match(line):
            break
        if not _QUOTE_MARKS.match(line):
            out.append(line)
    return out


def _quoted_lines(text: str) -> list[str]:
    """What a reply quotes: lines marked "> …" (their marks taken off) or, where it marks
    none, everything below its attribution or forwarded-message line."""
    lines = text.splitlines()
    marked = [_QUOTE_MARKS.sub("", line) for line in lines if line.lstrip().startswith(">")]
    if marked:
        return marked
    start = next((i for i, line in enumerate(lines) if _ATTRIBUTION.match(line)), None)
    return [] if start is None else lines[start + 1 :]


@dataclass(frozen=True)
class _OwnText:
    """The words of a message the person wrote (each body part's), to recognise a quote of it."""

    parts: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, message: MailMessage) -> _OwnText:
        parts = (_words(_own_lines(p.text or "")) for p in message.body_parts)
        return cls(tuple(p for p in parts if len(p) >= QUOTE_MIN))

    def quoted_in(self, quoted: list[tuple[str, ...]]) -> bool:
        """Whether one of ``quoted`` (a reply's quoted words, per body part) holds a run of
        ``QUOTE_RUN`` words of this text in a row (or all of a shorter one)."""
        if not self.parts or not quoted:
            return False
        padded = [f" {' '.join(q)} " for q in quoted]
        for own in self.parts:
            run = min(len(own), QUOTE_RUN)
            grams = {f" {' '.join(own[i : i + run])} " for i in range(len(own) - run + 1)}
            if any(gram in text for text in padded for gram in grams):
                return True
        return False


class _Thread:
    """The Message-IDs read so far and what each answers, to find a reply's ancestors."""

    def __init__(self) -> None:
        self._parents: dict[str, list[str]] = {}

    def saw(self, message: MailMessage) -> None:
        if message.message_id:
            known = self._parents.setdefault(message.message_id, [])
            known += [p for p in message.parents if p not in known and p != message.message_id]

    def ancestors(self, message: MailMessage, skip: Set[str] = frozenset()) -> list[str]:
        """The ids ``message`` answers and, through the messages read, what those answer,
        nearest first; never through an id in ``skip``."""
        out: list[str] = []
        queue = [p for p in message.parents if p not in skip]
        seen = set(queue) | {message.message_id}
        while queue:
            current = queue.pop(0)
            out.append(current)
            for parent in self._parents.get(current, []):
                if parent not in seen and parent not in skip:
                    seen.add(parent)
                    queue.append(parent)
        return out

    def quoted_origin(
        self,
        message: MailMessage,
        authored: dict[str, tuple[RawRecord, _OwnText]],
        reused: Callable[[list[str]], set[str]],
    ) -> RawRecord | None:
        """The record of the person's message, among the reply's ancestors, whose text the
        reply quotes; None when it quotes nothing of theirs. A Message-ID two different
        messages carry links nothing (``MailIndex.reused_ids``)."""
        ancestors = self.ancestors(message)
        if not any(a in authored for a in ancestors):
            return None
        skip = reused(ancestors)
        quoted = [_words(_quoted_lines(p.text or "")) for p in message.body_parts]
        quoted = [q for q in quoted if q]
        for ancestor in self.ancestors(message, skip):
            if ancestor in authored:
                record, text = authored[ancestor]
                if text.quoted_in(quoted):
                    return record
        return None


# -- names beside the person's address ------------------------------------------------------------


def _names_at(message: MailMessage, own_emails: set[str]) -> list[str]:
    """Names written beside the person's addresses: in the headers, and in forwarded or
    quoted headers in the text ("Fra: Name <address>")."""
    names = [n for role in ADDRESS_ROLES for n, a in message.addresses.get(role, []) if n and email_key(a) in own_emails]
    for text in message.texts():
        if "<" in text:
            names += [n.strip() for n, a in _QUOTED_HEADER.findall(text) if email_key(a) in own_emails]
        names += _names_before(text, own_emails)
    if any(email_key(a) in own_emails for _, a in message.addresses.get("from", [])):
        # Written from the address: the name it is signed with.
        for part in message.body_parts:
            signed = _signature_name(part.text or "")
            if signed:
                names.append(signed)
                break
    return names


def _names_before(text: str, own_emails: set[str]) -> list[str]:
    """Full names written just before one of the addresses ("Kari Lie (kari@…)")."""
    from dsar.personal_names import find_names
    from dsar.textscan import find_emails

    spots = [f.start for f in find_emails(text) if f.value in own_emails]
    if not spots:
        return []
    out = []
    for span in find_names(text):
        if span.full and any(0 <= start - span.end <= 3 for start in spots):
            out.append(text[span.start : span.end])
    return out


NEAR_GAP = 24
"""Characters between a name and the address on one line for the name to be beside it
("Ola Hansen, e-post kari@…", "Ola Hansen | kari@… | …", "kari@… (Ola Hansen)")."""
NEAR_LINES = 2
"""Lines above or below the address a form's "Navn: …" line may be, in the same block."""
_LABELLED = re.compile(r"^\s*([^\W\d_][\w .()/-]{0,40}?)\s*[:=]\s*(.*?)\s*$")
_MAIL_HEADER_LABELS = frozenset({
    "fra", "from", "til", "to", "kopi", "cc", "bcc", "blindkopi", "dato", "date", "sendt", "sent",
    "emne", "subject", "svar til", "reply-to", "sendt av", "sender", "vedlegg", "attachments",
})
"""Labels of a quoted or forwarded message's header block: its names are its sender's and
recipients', each beside their own address (``_QUOTED_HEADER``), not a form's fields."""
_NOT_TOGETHER = re.compile(r"(?i)\b(?:og|eller|samt|men|and|or|but)\b|[.!?;](?:\s|$)|\n")
"""In the gap between a name and an address: they are two things, not one person's."""


def _beside_only_others(message: MailMessage, lookup: Lookup, name: str) -> bool:
    """Whether the person's address or number is written beside somebody else's name in the
    message's text (a form's "Navn: Ola Hansen" above "E-post: <address>", "Ola Hansen,
    e-post <address>") and nowhere beside a name that can be theirs."""
    near = _names_near(message, set(lookup.emails), set(lookup.phones))
    return bool(near) and not any(names_compatible(name, form) for forms in near for form in forms)


def _names_near(message: MailMessage, own_emails: Set[str], own_phones: Set[str] = frozenset()) -> list[tuple[str, ...]]:
    """Full names written near the person's addresses (and numbers written as phones) in the
    texts: on the same line with little between (no other address, number or name, no
    "og"/"eller", no sentence's end), as a form's labelled line ("Navn: …", not a quoted
    header's "Til: …") up to ``NEAR_LINES`` lines away in the same block, or alone on the
    line right above or below (a signature). Each as the ways it may be read: the name the
    lexicon recognises and the run of capitalised words around it ("Ali Dahl" in
    "Signe-Ann Ali Dahl")."""
    from dsar.personal_names import find_names
    from dsar.textscan import find_identifiers

    out: list[tuple[str, ...]] = []
    for text in message.texts():
        emails = find_identifiers(text)  # every address and number: what separates a name from hers
        spots = [e for e in emails if e.value in own_emails or (e.kind == "phone" and e.strong and e.value in own_phones)]
        if not spots:
            continue
        names = [n for n in find_names(text) if n.full]
        runs = [r.span() for r in _CAPITAL_RUN.finditer(text)]
        lines = text.split("\n")
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        for spot in spots:
            # The same line.
            for span in names:
                a, b = (span.end, spot.start) if span.end <= spot.start else (spot.end, span.start)
                if b < a or b - a > NEAR_GAP or _NOT_TOGETHER.search(text, a, b):
                    continue
                if any(a <= e.start < b for e in emails) or any(a <= n.start < b for n in names if n is not span):
                    continue
                run = next(((x, y) for x, y in runs if x <= span.start and span.end <= y), (span.start, span.end))
                out.append((text[span.start : span.end], text[run[0] : run[1]]))
            # The lines around it, within its block.
            row = max(i for i, start in enumerate(starts) if start <= spot.start)
            for step in (-1, 1):
                for distance in range(1, NEAR_LINES + 1):
                    i = row + step * distance
                    if not 0 <= i < len(lines):
                        break
                    line = _QUOTE_MARKS.sub("", lines[i]).strip()
                    if not line:
                        break  # a blank line ends the block
                    labelled = _LABELLED.match(line)
                    if labelled and labelled.group(1).strip().lower() not in _MAIL_HEADER_LABELS:
                        value = labelled.group(2)
                    elif distance == 1 and not labelled:
                        value = line
                    else:
                        continue
                    value = value.strip().rstrip(",.;")
                    if _CAPITAL_RUN.fullmatch(value) and len(value.split()) <= 4 and any(n.full for n in find_names(value)):
                        out.append((value,))
    return out


_SIGN_OFF = re.compile(r"(?i)^\s*(?:med vennlig hilsen|vennlig hilsen|beste hilsen|hilsen|helsing|mvh|vh|regards|best regards)[,.!]?\s*$")


def _signature_name(text: str) -> str | None:
    """The full name on the line after the sign-off of the message's own (unquoted) text."""
    from dsar.personal_names import find_names

    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    for i, line in enumerate(lines[:-1]):
        if _SIGN_OFF.match(line):
            candidate = lines[i + 1].strip()
            spans = find_names(candidate)
            if len(spans) == 1 and spans[0].full and spans[0].end - spans[0].start == len(candidate):
                return candidate
    return None


_QUOTED_HEADER = re.compile(r'(?im)^[> ]*(?:fra|from|til|to|kopi|cc|sendt av)\s*:\s*"?([^"<>\n]{2,80}?)"?\s*<([^<>\s]+@[^<>\s]+)>')


def _fields(message: MailMessage, folder: str, locator: str, lookup: Lookup) -> dict[str, Any]:
    def shown(role: str) -> str:
        return ", ".join(f"{n} <{a}>" if n else a for n, a in message.addresses.get(role, []))

    own_emails = set(lookup.emails)
    addresses = [a for role in ADDRESS_ROLES for _, a in message.addresses.get(role, [])]
    names_at_own = _names_at(message, own_emails)
    return {
        "key": message_key(folder, locator),
        "date": message.date.isoformat() if message.date else None,
        "from": shown("from"),
        "to": shown("to"),
        "cc": shown("cc"),
        "subject": message.subject,
        "folder": folder,
        "attachments": [p.filename for p in message.attachments if p.filename],
        "addresses": ", ".join(dict.fromkeys(a for a in addresses if email_key(a) in own_emails)),
        "name_at_address": names_at_own[0] if names_at_own else None,
    }

