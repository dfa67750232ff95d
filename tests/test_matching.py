"""Whose record is whose: strong matches released, weak ones held for a person to decide."""

from __future__ import annotations

from datetime import date

import pytest

from dsar.config.models import Collection
from dsar.matching import Classifier, Subject
from dsar.records import RawRecord

CUSTOMERS = Collection(
    id="customers",
    title="Kunder",
    key=["id"],
    identities=[
        {"type": "email", "column": "email"},
        {"type": "name", "columns": ["first_name", "last_name"]},
        {"type": "birthdate", "column": "born"},
    ],
)
ORDERS = Collection(id="orders", title="Ordre", key=["id"])
KARI = Subject(name="Kari Nordmann", birthdate=date(1985, 3, 4))


def classify(*records: RawRecord):
    classifier = Classifier("shop", KARI, {"customers": CUSTOMERS, "orders": ORDERS})
    return [classifier.classify(r) for r in records]


@pytest.mark.parametrize(
    "fields, status, reason",
    [
        ({"first_name": "Kari", "last_name": "Nordmann", "born": "1985-03-04"}, "confirmed", None),
        ({"first_name": "KARI", "last_name": "NORDMANN", "born": None}, "confirmed", None),
        ({"first_name": "", "last_name": "", "born": None}, "confirmed", None),  # nothing contradicts
        # Same family e-mail, another first name: not Kari's without a person deciding.
        ({"first_name": "Ola", "last_name": "Nordmann", "born": None}, "held", "name_differs"),
        ({"first_name": "Kari", "last_name": "Nordmann", "born": date(1990, 1, 1)}, "held", "birthdate_differs"),
    ],
)
def test_seed_records(fields, status, reason):
    [finding] = classify(RawRecord("customers", "1", fields, matched_on=("email",)))
    assert (finding.status, finding.reason) == (status, reason)


def test_children_follow_their_parent():
    found = classify(
        RawRecord("customers", "1", {"first_name": "Kari", "last_name": "Nordmann"}, matched_on=("email",)),
        RawRecord("customers", "2", {"first_name": "Ola", "last_name": "Nordmann"}, matched_on=("email",)),
        RawRecord("orders", "10", {"customer_id": 1}, via=("customers", "1")),
        RawRecord("orders", "20", {"customer_id": 2}, via=("customers", "2")),
    )
    assert [(f.key, f.status, f.review_key) for f in found] == [
        ("1", "confirmed", None),
        ("2", "held", "customers/2"),
        ("10", "confirmed", None),
        ("20", "held", "customers/2"),
    ]
    assert found[2].via == "customers/1"


@pytest.mark.parametrize(
    "value, masked",
    [
        ("4111111111111111", "411111******1111"),
        ("4111 1111 1111 1111", "411111******1111"),
        ("411111******1111", "411111******1111"),  # already masked: shaping twice changes nothing
        ("**** 1234", "**** 1234"),
        ("12345", "*2345"),  # too short to be a card number: only the last four
        (None, None),
    ],
)
def test_card_numbers_keep_at_most_six_and_four(value, masked):
    from dsar.shaping import mask_pan

    assert mask_pan(value) == masked
    assert mask_pan(mask_pan(value)) == masked


def test_a_record_found_by_name_alone_or_an_unquoting_reply_is_held_as_a_candidate():
    found = classify(
        RawRecord("customers", "7", {"email": None}, matched_on=("name",)),
        RawRecord("customers", "8", {"email": None}, matched_on=("reference",)),
        RawRecord("customers", "9", {"email": None}, matched_on=("thread",)),
    )
    assert [(f.status, f.reason) for f in found] == [
        ("held", "name_only"), ("held", "reference_only"), ("confirmed", None)]
