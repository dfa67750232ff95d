"""Staged findings appear all at once, encrypted, and a re-run can tell what is done."""

from __future__ import annotations

from dsar.records import Finding
from dsar.staging import Staging


def finding(collection: str, key: str, status: str = "confirmed") -> Finding:
    return Finding(system="shop", collection=collection, key=key, fields={"email": "kari@example.no"}, status=status)


def test_commit_makes_findings_visible(tmp_path, data_key):
    staging = Staging(tmp_path, data_key)
    stager = staging.begin("INN-1", "shop")
    stager.add(finding("customers", "1"))
    stager.add(finding("orders", "7"))
    stager.add(finding("customers", "2", "held"))
    assert not staging.is_staged("INN-1", "shop")
    counts = stager.commit()
    assert staging.is_staged("INN-1", "shop")
    assert counts.confirmed == {"customers": 1, "orders": 1} and counts.held == {"customers": 1}
    assert staging.collections("INN-1", "shop") == ["customers", "orders"]
    assert [f.key for f in staging.read("INN-1", "shop", "customers")] == ["1", "2"]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"kari@example.no" not in path.read_bytes()


def test_abort_leaves_nothing_and_a_rerun_replaces(tmp_path, data_key):
    staging = Staging(tmp_path, data_key)
    stager = staging.begin("INN-1", "shop")
    stager.add(finding("customers", "1"))
    stager.abort()
    assert not staging.is_staged("INN-1", "shop")
    first = staging.begin("INN-1", "shop")
    first.add(finding("customers", "1"))
    first.commit()
    second = staging.begin("INN-1", "shop")
    second.add(finding("customers", "9"))
    second.commit()
    assert [f.key for f in staging.read("INN-1", "shop", "customers")] == ["9"]


def test_files_are_staged_encrypted_with_their_digest(tmp_path, data_key):
    import hashlib
    import io

    from dsar.records import FileRef

    photo = b"\xff\xd8\xff" + b"kari-og-ola-paa-stranda" * 1000
    staging = Staging(tmp_path / "staging", data_key)
    stager = staging.begin("INN-1", "fotolab")
    record = finding("uploads", "1")
    stager.add(
        record,
        (
            FileRef("file_path", "IMG_0001.JPG", "image/jpeg", lambda: io.BytesIO(photo), len(photo)),
            FileRef("file_path", "gone.jpg", "image/jpeg", lambda: open(tmp_path / "gone.jpg", "rb")),
        ),
    )
    counts = stager.commit()
    assert (counts.files, counts.files_missing) == (1, 1)
    [staged] = staging.read("INN-1", "fotolab", "uploads")
    present, missing = staged.files
    assert missing == {"field": "file_path", "name": "gone.jpg", "media_type": "image/jpeg", "missing": True}
    assert present["sha256"] == hashlib.sha256(photo).hexdigest() and present["size"] == len(photo)
    assert b"".join(staging.open_file("INN-1", "fotolab", present["staged"])) == photo
    for path in (tmp_path / "staging").rglob("*"):
        if path.is_file():
            assert b"kari-og-ola" not in path.read_bytes()
