"""Mail archives as they are kept — Maildir(++), mbox, a real Dovecot over IMAP — and the
index that is built once and then refreshed with only what changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from connectors.mail_index import MailIndex
from connectors.mail_sources import ImapSettings, ImapSource, MaildirSource, MboxSource, unquote_mbox
from dsar.crypto import DataKey
from dsar.errors import ConnectorError
from tests.dovecot import Dovecot, temporary_root


def mail(n: int, sender: str = "kari.nordmann@example.no", body: str = "Hei", **headers: str) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: Kari Nordmann <{sender}>\r\nTo: post@byen.no\r\nSubject: Sak {n}\r\n"
        f"Date: Mon, 2 Mar 2026 10:{n % 60:02d}:00 +0100\r\nMessage-ID: <m{n}@example.no>\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def put(folder: Path, name: str, raw: bytes, sub: str = "cur") -> Path:
    for s in ("cur", "new", "tmp"):
        (folder / s).mkdir(parents=True, exist_ok=True)
    path = folder / sub / name
    path.write_bytes(raw)
    return path


@pytest.fixture
def index(tmp_path: Path, data_key: DataKey):
    with MailIndex(tmp_path / "index.sqlite", data_key) as idx:
        yield idx


def test_maildir_folders_nested_and_maildirplusplus(tmp_path: Path):
    root = tmp_path / "arkiv"
    put(root / "post", "1.M1.h:2,S", mail(1))
    put(root / "post" / ".Arkiv.2024", "2.M2.h:2,", mail(2))
    put(root / "kari.ansatt" / "Sendt", "3.M3.h", mail(3), sub="new")
    source = MaildirSource("post", root)
    assert source.folders() == ["kari.ansatt/Sendt", "post", "post/Arkiv/2024"]
    assert source.listing("post/Arkiv/2024") == {"2.M2.h": "cur/2.M2.h:2,"}
    assert source.read("post/Arkiv/2024", "2.M2.h", "cur/2.M2.h:2,").startswith(b"From: Kari")


def test_a_maildir_message_is_found_after_its_flags_changed_and_it_moved_to_cur(tmp_path: Path):
    root = tmp_path / "md"
    path = put(root, "9.M9.h", mail(9), sub="new")
    source = MaildirSource("post", root)
    path.rename(root / "cur" / "9.M9.h:2,RS")
    assert b"Sak 9" in source.read("INBOX", "9.M9.h", "new/9.M9.h")


def test_index_refreshes_only_what_changed_and_forgets_what_is_gone(tmp_path: Path, index: MailIndex):
    root = tmp_path / "md"
    first = put(root, "1.M1.h:2,", mail(1))
    put(root, "2.M2.h:2,", mail(2, sender="ola@example.com", body="Ring Kari på 912 34 567"))
    source = MaildirSource("post", root)
    stats = index.refresh(source)
    assert (stats.added, stats.removed, stats.messages) == (2, 0, 2)
    assert index.stale_folders(source) == []
    assert index.refresh(source).folders_changed == 0
    put(root, "3.M3.h", mail(3, In_Reply_To="<m1@example.no>", body="> Hei"), sub="new")
    first.unlink()
    assert index.stale_folders(source) == ["INBOX"]
    stats = index.refresh(source)
    assert (stats.added, stats.removed, stats.messages) == (1, 1, 2)
    orphans = index.db.execute("SELECT count(*) FROM terms WHERE message NOT IN (SELECT id FROM messages)").fetchone()[0]
    assert orphans == 0  # the gone message's terms went with it
    hits = index.find(["kari.nordmann@example.no"], ["+4791234567"], "Kari Nordmann")
    located = {m.locator: hits[m.id] for m in index.messages(hits)}
    assert located["3.M3.h"].roles == {"from"}
    assert located["2.M2.h"].in_text == {"phone"} and located["2.M2.h"].name


def test_the_index_holds_no_address_phone_or_name_in_clear(tmp_path: Path, index: MailIndex):
    root = tmp_path / "md"
    put(root, "1.M1.h:2,", mail(1, body="Per Hansen, tlf 41322456, per.hansen@example.com"))
    index.refresh(MaildirSource("post", root))
    index.close()
    data = b"".join(Path(f"{tmp_path / 'index.sqlite'}{s}").read_bytes()
                    for s in ("", "-wal") if Path(f"{tmp_path / 'index.sqlite'}{s}").exists())
    for value in (b"kari", b"Kari", b"example", b"41322456", b"Hansen", b"hansen", b"byen"):
        assert value not in data


def test_another_data_key_makes_the_index_start_afresh(tmp_path: Path, data_key: DataKey):
    root = tmp_path / "md"
    put(root, "1.M1.h:2,", mail(1))
    with MailIndex(tmp_path / "i.sqlite", data_key) as idx:
        idx.refresh(MaildirSource("post", root))
    with MailIndex(tmp_path / "i.sqlite", DataKey(os.urandom(32))) as idx:
        assert idx.count() == 0 and not idx.built


def test_a_first_build_cut_short_leaves_nothing_that_looks_indexed(tmp_path: Path, index: MailIndex):
    root = tmp_path / "md"
    put(root, "1.M1.h:2,", mail(1))
    put(root / ".Arkiv", "2.M2.h:2,", mail(2))

    class Failing(MaildirSource):
        def new_files(self, folder: str, known: dict[str, str]):
            if folder == "INBOX":
                raise self.error("gone")
            return super().new_files(folder, known)

    with pytest.raises(ConnectorError):
        index.refresh(Failing("post", root))  # Arkiv was read, INBOX failed
    assert index.count() == 0 and sorted(index.stale_folders(MaildirSource("post", root))) == ["Arkiv", "INBOX"]
    stats = index.refresh(MaildirSource("post", root))
    assert (stats.added, stats.messages) == (2, 2)
    assert len(index.find(["kari.nordmann@example.no"], [], None)) == 2


def test_a_damaged_index_is_built_anew(tmp_path: Path, data_key: DataKey):
    root = tmp_path / "md"
    put(root, "1.M1.h:2,", mail(1))
    (tmp_path / "i.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with MailIndex(tmp_path / "i.sqlite", data_key) as idx:
        assert idx.count() == 0
        assert idx.refresh(MaildirSource("post", root)).added == 1


def test_a_threads_replies_are_found_through_message_ids(tmp_path: Path, index: MailIndex):
    root = tmp_path / "md"
    put(root, "1.M1.h:2,", mail(1))
    put(root, "2.M2.h:2,", mail(2, sender="silje@byen.no", In_Reply_To="<m1@example.no>", body="> Hei"))
    put(root, "3.M3.h:2,", mail(3, sender="ola@byen.no", References="<m1@example.no> <m2@example.no>", body="> > Hei"))
    put(root, "4.M4.h:2,", mail(4, sender="ola@byen.no", body="Noe annet"))
    index.refresh(MaildirSource("post", root))
    hits = index.find(["kari.nordmann@example.no"], [], None)
    by_locator = {m.locator: hits[m.id] for m in index.messages(hits)}
    assert set(by_locator) == {"1.M1.h", "2.M2.h", "3.M3.h"}
    assert by_locator["2.M2.h"].thread and by_locator["3.M3.h"].thread


def test_an_unreadable_message_is_listed_as_broken(tmp_path: Path, index: MailIndex):
    root = tmp_path / "md"
    put(root, "1.M1.h:2,", mail(1))
    put(root, "2.M2.h:2,", b"\x00\x01garbage")
    index.refresh(MaildirSource("post", root))
    assert index.broken() == [("INBOX", "2.M2.h")]
    index.refresh(MaildirSource("post", root))  # nothing changed: still listed
    assert index.broken() == [("INBOX", "2.M2.h")]


def test_a_build_in_worker_processes_indexes_exactly_what_one_process_does(
    tmp_path: Path, data_key: DataKey, monkeypatch: pytest.MonkeyPatch
):
    from connectors import mail_terms

    root = tmp_path / "md"
    for n in range(40):
        body = f"Ring Per Hansen på 41 32 24 {n:02d} eller skriv til per{n}@example.com" if n % 3 else "Hei"
        put(root, f"{n}.M{n}.h:2,", mail(n, In_Reply_To=f"<m{n - 1}@example.no>", body=body))
    put(root, "99.M99.h:2,", b"\x00\x01garbage")
    monkeypatch.setattr(mail_terms, "PARALLEL_MIN", 1)
    monkeypatch.setattr(mail_terms, "_BATCH", 7)  # several batches in flight, read in order
    terms = {}
    for workers in (1, 2):
        with MailIndex(tmp_path / f"i{workers}.sqlite", data_key) as idx:
            idx._key = b"k" * 32  # one key for both, so the hashes compare
            idx._base = mail_terms.hasher(idx._key)
            with mail_terms.Scanner(idx._key, workers) as scanner:
                stored = [((s.locator, s.hint), s.raw) for s in MaildirSource("post", root).read_new("INBOX", {})]
                entries = list(scanner.scan(iter(stored), expected=len(stored)))
                assert scanner.parallel == (workers == 2)
            terms[workers] = entries
            idx.refresh(MaildirSource("post", root), workers=workers)
            assert idx.count() == 40 and idx.broken() == [("INBOX", "99.M99.h")]
            hits = idx.find(["per7@example.com"], ["+4741322407"], "Per Hansen")
            assert len(hits) == 26 and sum(bool(h.in_text) for h in hits.values()) == 1  # the name in 26; m7 by all three
    assert terms[1] == terms[2]


def test_a_missing_maildir_is_an_error_naming_the_system(tmp_path: Path):
    with pytest.raises(ConnectorError, match="systemet 'post'.*mangler"):
        MaildirSource("post", tmp_path / "gone").folders()


def _mbox(messages: list[bytes]) -> bytes:
    out = b""
    for raw in messages:
        body = raw.replace(b"\r\n", b"\n")
        out += b"From MAILER-DAEMON Mon Mar  2 10:00:00 2026\n" + body + b"\n"
    return out


def test_mboxrd_and_mboxo_quoting():
    quoted = b"a\n>From here\n>>From there\n"
    assert unquote_mbox(quoted, "mboxrd") == b"a\nFrom here\n>From there\n"
    assert unquote_mbox(quoted, "mboxo") == b"a\nFrom here\n>>From there\n"


def test_mbox_messages_quoted_bodies_and_a_grown_tail(tmp_path: Path, index: MailIndex):
    box = tmp_path / "kundeservice.mbox"
    body = "Hei\n>From mitt synspunkt: ring 912 34 567\n"
    box.write_bytes(_mbox([mail(1), mail(2, body=body)]))
    source = MboxSource("kundeservice", box)
    assert index.refresh(source).added == 2
    located = {m.locator: m for m in index.messages(index.find([], ["+4791234567"], None))}
    (locator,) = located
    assert b"\nFrom mitt synspunkt" in source.read(box.name, locator, "")
    with box.open("ab") as handle:
        handle.write(_mbox([mail(3)]))
    stats = index.refresh(source)
    assert (stats.added, stats.removed, stats.messages) == (1, 0, 3)


def test_an_mbox_rewritten_in_place_is_indexed_anew(tmp_path: Path, index: MailIndex):
    box = tmp_path / "box"
    box.write_bytes(_mbox([mail(1), mail(2), mail(3)]))
    source = MboxSource("k", box)
    index.refresh(source)
    box.write_bytes(_mbox([mail(1), mail(3)]))  # a message deleted in the middle
    stats = index.refresh(source)
    assert stats.messages == 2
    assert len(index.find(["kari.nordmann@example.no"], [], None)) == 2


def test_a_directory_of_mbox_files_thunderbird_style(tmp_path: Path):
    (tmp_path / "Archive.sbd").mkdir()
    (tmp_path / "Inbox").write_bytes(_mbox([mail(1)]))
    (tmp_path / "Archive.sbd" / "2024").write_bytes(_mbox([mail(2)]))
    (tmp_path / "Inbox.msf").write_bytes(b"// mork index, not mail")
    source = MboxSource("k", tmp_path)
    assert source.folders() == ["Archive/2024", "Inbox"]
    assert source.signature("Archive/2024")


# ------------------------------------------------------------------------------ IMAP


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot(temporary_root()).start()
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


def _imap(server: Dovecot, password: str | None = None) -> ImapSource:
    return ImapSource("epost", ImapSettings(server.host, server.port, server.user, password or server.password, timeout=10))


def test_imap_index_and_incremental_refresh_against_dovecot(dovecot: Dovecot, index: MailIndex):
    dovecot.append("INBOX", mail(1))
    dovecot.append("Arkiv", mail(2, sender="ola@example.com", body="Kari: 912 34 567"))
    source = _imap(dovecot)
    try:
        assert {"INBOX", "Arkiv"} <= set(source.folders())
        first = index.refresh(source)
        assert first.added >= 2
        assert index.stale_folders(source) == []
        dovecot.append("INBOX", mail(3, In_Reply_To="<m1@example.no>", body="> Hei"))
        assert index.stale_folders(source) == ["INBOX"]
        assert index.refresh(source).added == 1
        hits = index.find(["kari.nordmann@example.no"], ["+4791234567"], None)
        messages = index.messages(hits)
        assert {m.folder for m in messages} == {"INBOX", "Arkiv"}
        raw = source.read(messages[0].folder, messages[0].locator, "")
        assert raw.startswith(b"From: Kari")
    finally:
        source.close()


def test_imap_wrong_password_is_a_clear_error(dovecot: Dovecot):
    with pytest.raises(ConnectorError, match="avviste påloggingen") as caught:
        _imap(dovecot, password="feil").folders()
    assert not caught.value.transient


def test_imap_server_down_is_transient(tmp_path: Path):
    server = Dovecot(tmp_path)
    server.port = 1  # nothing listens there
    source = ImapSource("epost", ImapSettings("127.0.0.1", 1, "x", "y", timeout=3))
    with pytest.raises(ConnectorError, match="systemet 'epost'.*kan ikke nås") as caught:
        source.folders()
    assert caught.value.transient
