"""The CSV index: built once per version of a file, the same rows as the scan, nothing in clear.

Every comparison runs the same search twice, through the index and with ``use_index = False``
(the streaming scan), and expects the same records in the same order with the same fields.
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Condition
from connectors.csv_file import CsvConnector
from connectors.csv_index import email_key, phone_key
from dsar.crypto import DataKey
from dsar.errors import ConnectorError
from dsar.identity import looks_like_email, looks_like_phone, phone_variants
from dsar.records import Lookup
from dsar.workspace import Workspace
from tests.connector_world import (
    CSV_CUSTOMERS,
    CSV_EXPECTED,
    CSV_FILES,
    PERSON,
    PERSON_EMAIL,
    PERSON_PHONE,
    csv_connector,
    csv_workspace,  # noqa: F401 - the `workspace` fixture
    via_of,
    write_csv,
)


def search(workspace: Workspace, use_index: bool, **changes: Any) -> list[tuple[Any, ...]]:
    """Every record ``find`` yields, in order, with all it carries."""
    with csv_connector(workspace, **changes) as csv:
        csv.use_index = use_index
        return [(r.collection, r.key, r.matched_on, via_of(r), r.fields) for r in csv.find(PERSON)]


def index_file(workspace: Workspace, collection: str = "customers") -> Path:
    return workspace.root / "cache" / "csv-index" / "regnskap" / f"{collection}.idx"


def identity(path: Path) -> tuple[int, int]:
    """Which file is at ``path``: a rebuild renames a new file into place."""
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


def source(workspace: Workspace, name: str = "customers.csv") -> Path:
    return workspace.root / "sources" / "regnskap" / name


# -- the same rows either way ------------------------------------------------------------------


# Each row: an encoding and line ending exports come in. UTF-16 can't be read from a byte
# offset, so it is scanned (no index is written) and must give the same records all the same.
@pytest.mark.parametrize(
    ("encoding", "newline", "indexed"),
    [
        ("cp1252", "\n", True),
        ("utf-8", "\r\n", True),
        ("utf-8-sig", "\n", True),  # Excel's BOM
        ("iso-8859-1", "\r\n", True),
        ("utf-16", "\n", False),
    ],
)
def test_the_index_finds_what_the_scan_finds(
    tmp_path: Path, encoding: str, newline: str, indexed: bool
) -> None:
    for name, text in CSV_FILES.items():
        write_csv(tmp_path, name, text.replace("\n", newline), encoding=encoding)
    workspace = Workspace(root=tmp_path)
    changed = {"encoding": encoding}
    everywhere = {"customers": changed, "orders": changed, "newsletter": changed}
    through_index = search(workspace, True, **everywhere)
    assert through_index == search(workspace, False, **everywhere)
    assert {r[:4] for r in through_index} == CSV_EXPECTED
    assert index_file(workspace).exists() is indexed
    fields = {(r[0], r[1]): r[4] for r in through_index}
    assert fields[("customers", "3")]["merknad"] == f"deler e-post{newline}med kona"
    assert fields[("customers", "1")]["navn"] == "Nordmann, Kari"  # the BOM is not in a name


# Each row: a select find() doesn't make as such; both ways must agree on rows and _line keys.
@pytest.mark.parametrize(
    ("collection", "conditions"),
    [
        ("customers", [Condition("epost", "email", ("per@example.no",))]),  # after a 2-line record
        ("customers", [Condition("telefon", "phone", (PERSON_PHONE, "+4798765432"))]),
        (
            "customers",
            [
                Condition("epost", "email", (PERSON_EMAIL, "nobody@example.no")),
                Condition("telefon", "phone", (PERSON_PHONE,)),
            ],
        ),
        ("orders", [Condition("kundenr", "exact", ("1", " 5 ", 7, "99"))]),  # as text, stripped
        ("newsletter", [Condition("epost", "email", (PERSON_EMAIL,))]),
    ],
    ids=["email-after-multiline", "phone", "email-or-phone", "reference", "line-key"],
)
def test_select_gives_the_same_rows_and_line_keys(
    workspace: Workspace, collection: str, conditions: list[Condition]
) -> None:
    rows = {}
    for use_index in (True, False):
        with csv_connector(workspace, customers={"key": "_line"}) as csv:
            csv.use_index = use_index
            rows[use_index] = list(csv.select(csv.system.collections[collection], conditions))
    assert rows[True] == rows[False]
    assert rows[True], "the case should find something"
    assert index_file(workspace, collection).exists()


def test_a_condition_the_index_does_not_cover_is_scanned(workspace: Workspace) -> None:
    with csv_connector(workspace) as csv:
        condition = Condition("poststed", "exact", ("Bærum",))  # no reference follows poststed
        rows = list(csv.select(csv.system.collections["customers"], [condition]))
    assert [r["kundenr"] for r in rows] == ["2"]
    assert not index_file(workspace).exists()


# -- built once, rebuilt when the file changes -------------------------------------------------


def test_the_index_is_built_once_and_reused(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = search(workspace, True)
    built = identity(index_file(workspace))

    def no_full_read(*_: Any, **__: Any) -> Iterator[Any]:
        raise AssertionError("a lookup through a built index read the whole file")

    monkeypatch.setattr(CsvConnector, "_located_rows", no_full_read)
    monkeypatch.setattr(CsvConnector, "_rows", no_full_read)
    assert search(workspace, True) == first
    assert identity(index_file(workspace)) == built


def test_an_appended_record_is_found_after_a_rebuild(workspace: Workspace) -> None:
    search(workspace, True)
    built = identity(index_file(workspace))
    with source(workspace).open("ab") as out:
        out.write("8;Kari Nordmann;KARI.nordmann@example.NO;;Bodø;\n".encode("cp1252"))
    through_index = search(workspace, True)
    assert through_index == search(workspace, False)
    assert ("customers", "8") in {(r[0], r[1]) for r in through_index}
    assert identity(index_file(workspace)) != built


def test_a_rewrite_that_keeps_size_and_mtime_is_seen(tmp_path: Path) -> None:
    """The change is in the middle of a file larger than the edges the signature hashes, and
    the modification time is set back: only the change time can tell."""
    rows = [f"{i};Person {i};person{i:05d}@example.com;;Oslo;" for i in range(10_000)]
    text = "kundenr;navn;epost;telefon;poststed;merknad\n" + "\n".join(rows) + "\n"
    path = write_csv(tmp_path, "customers.csv", text)
    write_csv(tmp_path, "orders.csv", "ordrenr;kundenr;dato;sum\n")
    write_csv(tmp_path, "newsletter.csv", "epost;påmeldt\n")
    workspace = Workspace(root=tmp_path)
    assert path.stat().st_size > 4 * 64 * 1024
    assert search(workspace, True) == []
    before = path.stat()
    changed = text.replace("person05000@example.com", "kari.nordman@example.no")
    assert len(changed) == len(text)
    path.write_bytes(changed.encode("cp1252"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns

    lookup = Lookup(emails=("kari.nordman@example.no",))
    with csv_connector(workspace) as csv:
        found = [(r.collection, r.key) for r in csv.find(lookup)]
    assert found == [("customers", "5000")]


def test_a_file_changing_while_it_is_indexed_is_indexed_again(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_all = CsvConnector._located_rows
    calls = []

    def append_during_the_first_build(self: CsvConnector, *args: Any) -> Iterator[Any]:
        calls.append(1)
        if len(calls) == 1:
            with source(workspace).open("ab") as out:
                out.write(b"8;Kari;kari.nordmann@example.no;;Oslo;\n")
        yield from read_all(self, *args)

    monkeypatch.setattr(CsvConnector, "_located_rows", append_during_the_first_build)
    with csv_connector(workspace) as csv:
        condition = Condition("epost", "email", (PERSON_EMAIL,))
        rows = list(csv.select(csv.system.collections["customers"], [condition]))
    assert len(calls) == 2
    assert [r["kundenr"] for r in rows] == ["1", "3", "8"]


def test_another_data_key_or_configuration_rebuilds(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = search(workspace, True)
    built = identity(index_file(workspace))
    monkeypatch.setenv("DSAR_DATA_KEY", DataKey.generate())
    rekeyed = Workspace(root=workspace.root)
    assert search(rekeyed, True) == first
    rebuilt = identity(index_file(workspace))
    assert rebuilt != built
    fewer = {"identities": [{"type": "email", "column": "epost"}]}  # phone no longer searched
    assert search(rekeyed, True, customers=fewer) == search(rekeyed, False, customers=fewer)
    assert identity(index_file(workspace)) != rebuilt


# Each row: how an index file can be damaged; it is rebuilt, never trusted or fatal.
@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"not an index",
        lambda data: data[:-5],  # truncated inside an entry
        lambda data: data[:20] + b"[]" + data[22:],  # a header that isn't the header
        lambda data: b"",
    ],
    ids=["garbage", "truncated", "bad-header", "empty"],
)
def test_a_damaged_index_is_rebuilt(workspace: Workspace, damage: Any) -> None:
    first = search(workspace, True)
    path = index_file(workspace)
    path.write_bytes(damage(path.read_bytes()))
    damaged = identity(path)
    assert search(workspace, True) == first
    assert identity(path) != damaged


# -- broken files ------------------------------------------------------------------------------


GOOD = CSV_CUSTOMERS.encode("cp1252")


# Each row: what is wrong in customers.csv; the index's build must refuse it as the scan does.
@pytest.mark.parametrize(
    "data",
    [
        GOOD.replace(b"4;Kari Nordmann;", b"4;Kari;Nordmann;"),
        GOOD.replace(b"5;Per \xc5s;", b'5;"Per" \xc5s;'),
        GOOD.replace(b"epost;", b"e_post;", 1),
        GOOD.replace(b"merknad", b"navn", 1),
        b"",
        GOOD.replace(b"Troms\xf8", b"Troms\x81"),  # 0x81: not cp1252
    ],
    ids=["field-count", "quoting", "missing-column", "duplicate-column", "empty", "bad-byte"],
)
def test_a_broken_file_gives_the_scans_error(workspace: Workspace, data: bytes) -> None:
    search(workspace, True)  # an index of the good file exists, and is now stale
    assert data != GOOD
    source(workspace).write_bytes(data)
    errors = []
    for use_index in (True, False):
        with pytest.raises(ConnectorError) as caught:
            search(workspace, use_index)
        errors.append(caught.value)
    assert str(errors[0]) == str(errors[1])
    assert errors[0].transient is False
    assert "customers.csv" in str(errors[0]) and "linje " in str(errors[0])


# -- nothing in clear --------------------------------------------------------------------------


def test_the_index_holds_no_value_in_clear(workspace: Workspace) -> None:
    search(workspace, True)
    data = b"".join(p.read_bytes() for p in index_file(workspace).parent.glob("*.idx"))
    values = {PERSON_EMAIL, "kari.odegard@example.no", "o'brien@example.no", "per@example.no"}
    values |= {"Kari.Nordmann@Example.no", "KARI.NORDMANN@EXAMPLE.NO", "98765432"}
    values |= set(phone_variants(PERSON_PHONE)) | {"Nordmann", "Ødegård", "Bærum"}
    for value in values:
        for encoded in {value.encode("utf-8"), value.encode("cp1252")}:
            assert encoded not in data, "the index holds a value in clear"
    assert not list(index_file(workspace).parent.glob(".*")), "a temporary file was left"


# -- the shortcuts the build takes -------------------------------------------------------------


def _spellings() -> Iterator[tuple[str, str]]:
    rng = random.Random(15)
    local = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-"
    for _ in range(2000):
        name = "".join(rng.choice(local) for _ in range(rng.randint(1, 12)))
        domain = ".".join(
            "".join(rng.choice("abcXYZ019-") for _ in range(rng.randint(1, 6)))
            for _ in range(rng.randint(1, 3))
        )
        yield "email", rng.choice(["", " "]) + f"{name}@{domain}" + rng.choice(["", " ", "\t"])
    for _ in range(2000):
        n = str(rng.randint(10_000_000, 99_999_999))
        spellings = (
            n,
            f"+47{n}",
            f"0047{n}",
            f"+47 {n[:3]} {n[3:5]} {n[5:]}",
            f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:]}",
            f"{n[:3]}-{n[3:5]}-{n[5:]}",
        )
        yield from (("phone", spelling) for spelling in spellings)
    fixed = [  # the world's spellings and the ones the shortcut must leave to the normaliser
        "Kari.Nordmann@Example.no ",
        "o'brien@example.no",
        "x+tag@EXAMPLE.NO",
        "a..b@x.no",
        "kari@example.no.",
        "Ødegård@example.no",
        '"quoted"@example.no',
        "kari@[127.0.0.1]",
    ]
    yield from (("email", s) for s in fixed)
    yield from (("phone", s) for s in ("+47 912 34 567", "004791234567", "4791234567", "0091"))


def test_the_builds_shortcuts_agree_with_the_normalisers() -> None:
    """The build skips parsing plain spellings; where the normaliser finds an e-mail or a phone,
    the shortcut must give the same text (or the record would be missed)."""
    for kind, spelling in _spellings():
        real, quick = (
            (looks_like_email(spelling), email_key(spelling))
            if kind == "email"
            else (looks_like_phone(spelling), phone_key(spelling))
        )
        if real is not None:
            assert quick == real, spelling


# -- a million rows ----------------------------------------------------------------------------


class _CountingFile(io.FileIO):
    """A file that counts the bytes read from it."""

    total = 0

    def readinto(self, buffer: Any) -> int | None:
        count = super().readinto(buffer)
        _CountingFile.total += count or 0
        return count


def test_a_lookup_in_a_million_rows_reads_only_what_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the index is built, a lookup reads the file's edges (the signature), its header
    and the records found: a bounded amount, however large the file."""
    path = tmp_path / "sources" / "regnskap" / "customers.csv"
    path.parent.mkdir(parents=True)

    def lines() -> Iterator[str]:
        yield "kundenr;navn;epost;telefon;poststed;merknad\n"
        for i in range(1_000_000):
            if i == 500_000:
                yield f"{i};Nordmann, Kari;Kari.Nordmann@Example.no ;;Oslo;\n"
            elif i == 999_999:
                yield f"{i};Kari N.;kari@jobb.no;+47 912 34 567;Bodø;\"to\nlinjer\"\n"
            else:
                yield f"{i};Person Ødegård {i};person{i}@example.com;+47 9{i:07d};Bærum;\n"

    with path.open("w", encoding="cp1252", newline="") as out:
        out.writelines(lines())
    write_csv(tmp_path, "orders.csv", "ordrenr;kundenr;dato;sum\n1;999999;2024-01-01;1\n")
    write_csv(tmp_path, "newsletter.csv", "epost;påmeldt\n")
    size = path.stat().st_size
    assert size > 60_000_000
    workspace = Workspace(root=tmp_path)
    expected = [
        ("customers", "500000", ("email",), None),
        ("customers", "999999", ("phone",), None),
        ("orders", "1", (), ("customers", "999999")),
    ]
    with csv_connector(workspace) as csv:
        assert [(r.collection, r.key, r.matched_on, via_of(r)) for r in csv.find(PERSON)] == expected

    def counted(self: CsvConnector, collection: Any) -> io.BufferedReader:
        return io.BufferedReader(_CountingFile(self._path(collection)))

    def no_full_read(*_: Any, **__: Any) -> Iterator[Any]:
        raise AssertionError("a lookup through a built index read the whole file")

    monkeypatch.setattr(CsvConnector, "_open", counted)
    monkeypatch.setattr(CsvConnector, "_located_rows", no_full_read)
    monkeypatch.setattr(CsvConnector, "_rows", no_full_read)
    _CountingFile.total = 0
    with csv_connector(workspace) as csv:
        records = list(csv.find(PERSON))
    assert [(r.collection, r.key, r.matched_on, via_of(r)) for r in records] == expected
    assert records[1].fields["merknad"] == "to\nlinjer"
    assert _CountingFile.total < 512 * 1024, f"read {_CountingFile.total} of {size} bytes"


def test_an_ascii_written_international_domain_is_found_both_ways(workspace: Workspace) -> None:
    # kari@xn--ster-fra.no is kari@øster.no: the index must normalise it as the scan does.
    path = source(workspace)
    path.write_bytes(path.read_bytes().rstrip(b"\n") + b"\n9;Kari Ost;kari@xn--ster-fra.no;;Oslo;\n")
    wanted = looks_like_email("kari@øster.no")
    condition = [Condition("epost", "email", (wanted,))]
    found = {}
    for use_index in (True, False):
        with csv_connector(workspace) as csv:
            csv.use_index = use_index
            collection = csv.system.collections["customers"]
            found[use_index] = [row["kundenr"] for row in csv.select(collection, condition)]
    assert found[True] == found[False] and len(found[True]) == 1
