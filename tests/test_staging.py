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
