"""``bench.review_floor``: what the held records of an unseen world rest on.

On a small unseen world (scale 0.1) every held record is counted once, under the evidence of
the held record it hangs on, and the bounds it prints follow from the counts: the load
without the "name alone, other" records never exceeds the load, and excluding records can
only lower recall.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.accuracy import evaluate
from bench.review_floor import CLASSES, Floor, _class, _root


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> tuple[Floor, object]:
    from sample_data.unseen import build_unseen

    root: Path = tmp_path_factory.mktemp("floor")
    build_unseen(root, seed=2026, scale=0.1)
    floor = Floor()
    return floor, evaluate(root, observe=floor.observe)


def test_every_held_record_is_counted_once(floor):
    counted, result = floor
    total = result.total
    assert sum(counted.held.values()) == total.held > 0
    assert counted.released == total.released
    figures = counted.figures()
    assert figures["review_load"] == pytest.approx(total.review_load)
    assert figures["recall"] == pytest.approx(total.recall_found)
    assert set(figures["by_root"]) == set(CLASSES)


def test_the_bounds_follow_from_the_counts(floor):
    figures = floor[0].figures()
    assert figures["own_held_share"] <= figures["review_load"]
    assert figures["load_without_name_alone_other"] <= figures["review_load"]
    assert figures["recall_without_name_alone_other"] <= figures["recall"]


def _finding(collection, key, via=None, matched=("name",), **fields):
    return SimpleNamespace(collection=collection, key=key, via=via, matched_on=list(matched), fields=fields)


def test_a_held_record_is_judged_by_the_held_row_it_hangs_on():
    order = _finding("ordre", "1", fakturanavn="Kari Hansen", epost="kari.h@example.no")
    line = _finding("linje", "1/1", via="ordre/1", matched=())
    assert _root(line, {"ordre/1": order, "linje/1/1": line}) is order
    assert _root(order, {"ordre/1": order}) is order


def test_the_root_is_sorted_by_its_evidence():
    from tests.test_connector_base import system

    sysm = system({"ordre": {"key": "id", "identities": [
        {"type": "name", "column": "fakturanavn"}, {"type": "email", "column": "epost"},
        {"type": "phone", "column": "telefon"}]}}, [])
    named = {"kari@example.no", "+4791234567"}
    assert _class(_finding("ordre", "1", fakturanavn="Kari Hansen"), sysm, named) == "name alone, no identifier"
    assert _class(_finding("ordre", "2", epost="KARI@example.no"), sysm, named) == "name alone, named"
    assert _class(_finding("ordre", "3", telefon="912 34 567"), sysm, named) == "name alone, named"
    assert _class(_finding("ordre", "4", epost="kh@example.no"), sysm, named) == "name alone, other"
    assert _class(_finding("ordre", "5", matched=("email",), epost="kari@example.no"), sysm, named) == "other evidence"
