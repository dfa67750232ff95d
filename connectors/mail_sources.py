"""Where mail archives keep their messages: Maildir (and Maildir++), mbox, IMAP.

A source lists its **folders**, says cheaply whether a folder changed (``signature``), lists
what a folder holds now (``listing``: locator → hint, no message read) and reads messages
(``read``). The index (``connectors.mail_index``) builds on these four to read only what is
new: files it hasn't seen (Maildir), the tail of a grown file (mbox), UIDs above the last it
indexed (IMAP).

Locators name a message within its folder and survive what mail software does to it:

Maildir   the file's unique name without its ``:2,`` flags (flags change the file name;
          a message moved from ``new/`` to ``cur/`` keeps its unique name).
mbox      ``<offset>:<length>`` of the message in the file; a file that only grew keeps
          every earlier locator.
IMAP      ``<UIDVALIDITY>:<UID>``; a new UIDVALIDITY makes every old locator stale.

Errors are ``ConnectorError`` naming the system, the folder and what failed, never a message's
content or an address (``transient=True`` where trying again may help: server down, timeout).
"""

from __future__ import annotations

import imaplib
import mmap
import os
import re
import ssl
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dsar.errors import ConnectorError

MboxFormat = str  # "mboxrd" | "mboxo"


@dataclass(frozen=True)
class Stored:
    """One message as a source holds it."""

    folder: str
    locator: str
    hint: str
    """Where it was last seen (a Maildir file name), to read it again without a listing."""
    raw: bytes


class MailSource(ABC):
    def __init__(self, system_id: str) -> None:
        self.system_id = system_id

    def error(self, message: str, *, transient: bool = False) -> ConnectorError:
        return ConnectorError(self.system_id, message, transient=transient)

    @abstractmethod
    def folders(self) -> list[str]:
        """Every folder, as a person reads its name (``INBOX``, ``Arkiv/2024``)."""

    @abstractmethod
    def signature(self, folder: str) -> str:
        """Changes whenever the folder's messages change; cheap (a stat, a STATUS)."""

    @abstractmethod
    def listing(self, folder: str) -> dict[str, str]:
        """Locator → hint of every message now in ``folder``."""

    @abstractmethod
    def read_new(self, folder: str, known: dict[str, str]) -> Iterator[Stored]:
        """The messages of ``folder`` whose locators are not in ``known``."""

    def new_files(self, folder: str, known: dict[str, str]) -> Iterator[tuple[str, str, str]] | None:
        """(locator, hint, file path) of the messages ``read_new`` would read, where each is
        a file of its own (Maildir): the index's workers then read them, not this process.
        None where messages aren't files."""
        return None

    @abstractmethod
    def read(self, folder: str, locator: str, hint: str) -> bytes:
        """One message's bytes. Raises ``ConnectorError`` when it is gone."""

    def close(self) -> None:  # noqa: B027 - only IMAP holds a connection
        pass


# ---------------------------------------------------------------------------- Maildir


def maildir_unique(filename: str) -> str:
    """``1700000000.M1P2.host,S=1234:2,RS`` → ``1700000000.M1P2.host,S=1234``."""
    for separator in (":2,", ";2,", "!2,"):  # ';' and '!' where ':' isn't allowed in names
        if separator in filename:
            return filename.split(separator, 1)[0]
    return filename


class MaildirSource(MailSource):
    """A directory of Maildirs: one mailbox, or several (``post/``, ``kari.ansatt/``), each
    with Maildir++ subfolders (``.Arkiv.2024/``) or nested folders (``Arkiv/2024/``)."""

    def __init__(self, system_id: str, root: Path) -> None:
        super().__init__(system_id)
        self.root = root

    def _check_root(self) -> None:
        if not self.root.is_dir():
            raise self.error(f"e-postarkivets mappe {self.root} mangler (flyttet eller avmontert?)")

    def folders(self) -> list[str]:
        self._check_root()
        found = []
        for directory, subdirs, _ in os.walk(self.root):
            if "cur" in subdirs and "new" in subdirs:
                found.append(self._folder_name(Path(directory)))
            subdirs[:] = sorted(d for d in subdirs if d not in ("cur", "new", "tmp"))
        return sorted(found)

    def _folder_name(self, directory: Path) -> str:
        parts = []
        for part in directory.relative_to(self.root).parts:
            parts.extend(part[1:].split(".") if part.startswith(".") else [part])
        return "/".join(parts) or "INBOX"

    def _directory(self, folder: str) -> Path:
        if folder == "INBOX":
            return self.root
        candidates = [self.root.joinpath(*folder.split("/"))]
        # Maildir++: the subfolders of one mailbox are ".A.B" beside its cur/new/tmp.
        pieces = folder.split("/")
        for i in range(len(pieces)):
            candidates.append(self.root.joinpath(*pieces[:i], "." + ".".join(pieces[i:])))
        for candidate in candidates:
            if (candidate / "cur").is_dir():
                return candidate
        raise self.error(f"e-postmappen {folder!r} mangler i {self.root}")

    def signature(self, folder: str) -> str:
        directory = self._directory(folder)
        try:
            return ":".join(str((directory / sub).stat().st_mtime_ns) for sub in ("cur", "new"))
        except OSError as exc:
            raise self.error(f"e-postmappen {folder!r} kan ikke leses ({exc.strerror})") from exc

    def listing(self, folder: str) -> dict[str, str]:
        directory = self._directory(folder)
        out: dict[str, str] = {}
        for sub in ("new", "cur"):
            try:
                with os.scandir(directory / sub) as entries:
                    for entry in entries:
                        if not entry.name.startswith("."):
                            out[maildir_unique(entry.name)] = f"{sub}/{entry.name}"
            except FileNotFoundError as exc:
                raise self.error(f"e-postmappen {folder!r} mangler undermappen {sub}/") from exc
            except OSError as exc:
                raise self.error(f"e-postmappen {folder!r} kan ikke leses ({exc.strerror})") from exc
        return out

    def new_files(self, folder: str, known: dict[str, str]) -> Iterator[tuple[str, str, str]]:
        directory = f"{self._directory(folder)}{os.sep}"  # a str: pathlib costs more than the read
        for locator, hint in sorted(self.listing(folder).items()):
            if locator not in known:
                yield locator, hint, directory + hint

    def read_new(self, folder: str, known: dict[str, str]) -> Iterator[Stored]:
        for locator, hint, path in self.new_files(folder, known):
            try:
                with open(path, "rb") as handle:
                    raw = handle.read()
            except FileNotFoundError:
                continue  # moved or deleted between the listing and now: the next refresh sees it
            except OSError as exc:
                raise self.error(f"meldingen {folder}/{locator} kan ikke leses ({exc.strerror})") from exc
            yield Stored(folder, locator, hint, raw)

    def read(self, folder: str, locator: str, hint: str) -> bytes:
        directory = self._directory(folder)
        try:
            return (directory / hint).read_bytes()
        except FileNotFoundError:
            pass  # flags changed (new name) or moved from new/ to cur/
        except OSError as exc:
            raise self.error(f"meldingen {folder}/{locator} kan ikke leses ({exc.strerror})") from exc
        hint = self.listing(folder).get(locator, "")
        if not hint:
            raise self.error(f"meldingen {folder}/{locator} er borte fra arkivet; kjør 'dsar index' og søk på nytt")
        return (directory / hint).read_bytes()


# ------------------------------------------------------------------------------- mbox

_FROM_LINE = re.compile(rb"From \S")
_RD_QUOTED = re.compile(rb"(?m)^>(>*From )")
_O_QUOTED = re.compile(rb"(?m)^>(From )")


def unquote_mbox(body: bytes, fmt: MboxFormat) -> bytes:
    """Undo the ``>From `` quoting: mboxrd removes one ``>`` from ``>+From ``; mboxo only
    from ``>From `` (its quoting is lossy: a body line that read ``>From`` can't be told)."""
    return (_RD_QUOTED if fmt == "mboxrd" else _O_QUOTED).sub(rb"\1", body)


def mbox_boundaries(data: bytes | mmap.mmap, start: int = 0) -> Iterator[tuple[int, int]]:
    """(offset, length) of each message from ``start`` (which must be at a ``From `` line).

    A message starts at a ``From `` line that opens the file or follows an empty line (LF or
    CRLF); both variants quote every other ``From `` at a line start, so a body can't split.
    """
    end = len(data)
    current = start
    search = start
    while current < end:
        at = data.find(b"\nFrom ", search)
        if at < 0:
            yield current, end - current
            return
        search = at + 1
        if at > current and (data[at - 1 : at] == b"\n" or data[at - 2 : at] == b"\n\r"):
            yield current, at + 1 - current
            current = at + 1


class MboxSource(MailSource):
    """One mbox file, or a directory of them (Thunderbird's ``Archive.sbd/2024``)."""

    def __init__(self, system_id: str, path: Path, fmt: MboxFormat = "mboxrd") -> None:
        super().__init__(system_id)
        self.path = path
        self.format = fmt

    def folders(self) -> list[str]:
        if self.path.is_file():
            return [self.path.name]
        if not self.path.is_dir():
            raise self.error(f"mbox-arkivet {self.path} mangler (flyttet eller avmontert?)")
        found = []
        for file in sorted(self.path.rglob("*")):
            if file.is_file() and not file.name.startswith(".") and _is_mbox(file):
                found.append("/".join(p.removesuffix(".sbd") for p in file.relative_to(self.path).parts))
        return found

    def _file(self, folder: str) -> Path:
        if self.path.is_file() and folder == self.path.name:
            return self.path
        parts = folder.split("/")
        file = self.path.joinpath(*(p + ".sbd" for p in parts[:-1]), parts[-1])
        if not file.is_file():
            file = self.path.joinpath(*parts)
        if not file.is_file():
            raise self.error(f"mbox-filen {folder!r} mangler i {self.path}")
        return file

    def signature(self, folder: str) -> str:
        try:
            st = self._file(folder).stat()
        except OSError as exc:
            raise self.error(f"mbox-filen {folder!r} kan ikke leses ({exc.strerror})") from exc
        return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"

    def _map(self, folder: str) -> tuple[Path, mmap.mmap | bytes]:
        file = self._file(folder)
        try:
            with file.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size == 0:
                    return file, b""
                return file, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError as exc:
            raise self.error(f"mbox-filen {folder!r} kan ikke leses ({exc.strerror})") from exc

    def listing(self, folder: str) -> dict[str, str]:
        _, data = self._map(folder)
        try:
            return {f"{offset}:{length}": "" for offset, length in mbox_boundaries(data)}
        finally:
            if isinstance(data, mmap.mmap):
                data.close()

    def read_new(self, folder: str, known: dict[str, str]) -> Iterator[Stored]:
        _, data = self._map(folder)
        try:
            start = 0
            if known:
                # Only the tail is new when the file grew: start after the last known message.
                ends = [int(o) + int(n) for o, n in (k.split(":") for k in known)]
                last = max(ends)
                if last <= len(data) and (last == len(data) or data[last : last + 5] == b"From "):
                    start = last
            if start < len(data) and data[start : start + 5] != b"From ":
                raise self.error(f"mbox-filen {folder!r} har ingen 'From '-linje ved byte {start}; er det en mbox-fil?")
            for offset, length in mbox_boundaries(data, start):
                locator = f"{offset}:{length}"
                if locator not in known:
                    yield Stored(folder, locator, "", self._message(data[offset : offset + length]))
        finally:
            if isinstance(data, mmap.mmap):
                data.close()

    def _message(self, chunk: bytes) -> bytes:
        newline = chunk.find(b"\n")
        body = chunk[newline + 1 :] if newline >= 0 else b""
        return unquote_mbox(body, self.format)

    def read(self, folder: str, locator: str, hint: str) -> bytes:
        offset, length = (int(x) for x in locator.split(":"))
        file = self._file(folder)
        try:
            with file.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read(length)
        except OSError as exc:
            raise self.error(f"mbox-filen {folder!r} kan ikke leses ({exc.strerror})") from exc
        if len(chunk) != length or not chunk.startswith(b"From "):
            raise self.error(f"mbox-filen {folder!r} er endret siden den ble indeksert; kjør 'dsar index' og søk på nytt")
        return self._message(chunk)


def _is_mbox(file: Path) -> bool:
    try:
        with file.open("rb") as handle:
            return _FROM_LINE.match(handle.read(6)) is not None
    except OSError:
        return False


# ------------------------------------------------------------------------------- IMAP

_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.+)$')


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    tls: str = "none"  # "none" | "starttls" | "tls"
    timeout: float = 30.0


class ImapSource(MailSource):
    """A mailbox on an IMAP server, read without changing it (EXAMINE, ``BODY.PEEK``)."""

    def __init__(self, system_id: str, settings: ImapSettings) -> None:
        super().__init__(system_id)
        self.settings = settings
        self._conn: imaplib.IMAP4 | None = None
        self._selected: str | None = None
        self._names: dict[str, bytes] = {}

    def _connect(self) -> imaplib.IMAP4:
        if self._conn is not None:
            return self._conn
        s = self.settings
        try:
            if s.tls == "tls":
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(s.host, s.port, timeout=s.timeout)
            else:
                conn = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if s.tls == "starttls":
                    conn.starttls(ssl.create_default_context())
        except (OSError, imaplib.IMAP4.error) as exc:
            raise self.error(f"IMAP-serveren {s.host}:{s.port} kan ikke nås ({type(exc).__name__})", transient=True) from exc
        try:
            conn.login(s.user, s.password)
        except imaplib.IMAP4.error as exc:
            conn.shutdown()
            raise self.error(f"IMAP-serveren {s.host}:{s.port} avviste påloggingen (sjekk brukeren og hemmeligheten med passordet)") from exc
        except OSError as exc:
            raise self.error(f"IMAP-serveren {s.host}:{s.port} brøt forbindelsen", transient=True) from exc
        self._conn = conn
        return conn

    def _call(self, what: str, *args: object) -> list:
        conn = self._connect()
        try:
            status, data = getattr(conn, what)(*args)
        except (imaplib.IMAP4.abort, OSError) as exc:
            self._conn = None
            self._selected = None
            raise self.error(f"IMAP-serveren {self.settings.host}:{self.settings.port} brøt forbindelsen", transient=True) from exc
        except imaplib.IMAP4.error as exc:
            raise self.error(f"IMAP-serveren avviste {what.upper()}") from exc
        if status != "OK":
            raise self.error(f"IMAP-serveren svarte {status} på {what.upper()}")
        return data

    def folders(self) -> list[str]:
        self._names = {}
        for line in self._call("list"):
            if not isinstance(line, bytes):
                continue
            match = _LIST_LINE.match(line)
            if match is None or b"\\Noselect" in match.group("flags"):
                continue
            raw_name = match.group("name").strip()
            delim = match.group("delim").strip(b'"')
            name = _imap_utf7_decode(raw_name.strip(b'"'))
            if delim and delim != b"/":
                name = name.replace(delim.decode(), "/")
            self._names[name] = raw_name
        return sorted(self._names)

    def _select(self, folder: str) -> None:
        if self._selected == folder:
            return
        if not self._names:
            self.folders()
        raw = self._names.get(folder)
        if raw is None:
            raise self.error(f"IMAP-mappen {folder!r} er borte fra serveren")
        self._call("select", raw.decode("ascii"), True)
        self._selected = folder

    def signature(self, folder: str) -> str:
        if not self._names:
            self.folders()
        raw = self._names.get(folder)
        if raw is None:
            raise self.error(f"IMAP-mappen {folder!r} er borte fra serveren")
        if self._selected is not None:
            # STATUS of the selected mailbox shows this session's older view; leave it
            # (CLOSE on a mailbox opened read-only expunges nothing).
            self._call("close")
            self._selected = None
        data = self._call("status", raw.decode("ascii"), "(UIDVALIDITY UIDNEXT MESSAGES)")
        fields = dict(re.findall(r"(UIDVALIDITY|UIDNEXT|MESSAGES) (\d+)", data[0].decode("ascii", "replace")))
        return f"{fields.get('UIDVALIDITY')}:{fields.get('UIDNEXT')}:{fields.get('MESSAGES')}"

    def _uidvalidity(self) -> str:
        conn = self._connect()
        value = conn.untagged_responses.get("UIDVALIDITY", [b"0"])[-1]
        return value.decode("ascii") if isinstance(value, bytes) else str(value)

    def listing(self, folder: str) -> dict[str, str]:
        self._select(folder)
        validity = self._uidvalidity()
        uids = self._call("uid", "SEARCH", None, "ALL")[0].split()
        return {f"{validity}:{uid.decode()}": "" for uid in uids}

    def read_new(self, folder: str, known: dict[str, str]) -> Iterator[Stored]:
        current = self.listing(folder)
        new = sorted((k for k in current if k not in known), key=lambda k: int(k.split(":")[1]))
        for start in range(0, len(new), 200):
            batch = new[start : start + 200]
            uids = ",".join(k.split(":")[1] for k in batch)
            validity = batch[0].split(":")[0]
            for uid, raw in self._fetch(uids):
                yield Stored(folder, f"{validity}:{uid}", "", raw)

    def _fetch(self, uids: str) -> Iterator[tuple[str, bytes]]:
        for item in self._call("uid", "FETCH", uids, "(UID BODY.PEEK[])"):
            if isinstance(item, tuple) and len(item) == 2:
                match = re.search(rb"UID (\d+)", item[0])
                if match:
                    yield match.group(1).decode(), item[1]

    def read(self, folder: str, locator: str, hint: str) -> bytes:
        validity, uid = locator.split(":")
        self._select(folder)
        if self._uidvalidity() != validity:
            raise self.error(f"IMAP-mappen {folder!r} er nummerert på nytt (ny UIDVALIDITY); kjør 'dsar index' og søk på nytt")
        for _, raw in self._fetch(uid):
            return raw
        raise self.error(f"meldingen {folder}/{locator} er borte fra serveren; kjør 'dsar index' og søk på nytt")

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.logout()
            except (imaplib.IMAP4.error, OSError):
                pass
            self._conn = None


def _imap_utf7_decode(name: bytes) -> str:
    """IMAP's modified UTF-7 folder names (RFC 3501 §5.1.3): ``Sendt &AOU-`` → ``Sendt å``."""
    out, i = [], 0
    text = name.decode("ascii", "replace")
    while i < len(text):
        if text[i] == "&":
            end = text.find("-", i)
            if end == i + 1:
                out.append("&")
            else:
                chunk = text[i + 1 : end].replace(",", "/")
                import base64

                chunk += "=" * (-len(chunk) % 4)
                out.append(base64.b64decode(chunk).decode("utf-16-be", "replace"))
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
