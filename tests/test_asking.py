"""What staff are told to ask before an answer is final: a kind of identifier the
controller's systems are searched by and the request lacks, and — for a guardian's request —
the child's own e-mail and mobile. Never a value: the words name kinds and systems."""

from __future__ import annotations

from dsar.asking import questions
from dsar.config.models import System
from tests.connector_contract import REGISTER


def _system(sid: str, title: str, identities: list[dict], connector: str = "sql") -> System:
    return System.model_validate({
        "id": sid, "title": title, "connector": connector, "connection": {"url": "sqlite:///x.db"},
        "register": REGISTER,
        "collections": {"rows": {"title": "Rader", "table": "rows", "key": "id", "identities": identities}},
    })


SMS = _system("sms", "SMS-klubben", [{"type": "phone", "column": "mobil"}])
SHOP = _system("shop", "Nettbutikk", [{"type": "email", "column": "epost"}, {"type": "phone", "column": "tlf"}])
NAMES = _system("names", "Dugnadsliste", [{"type": "name", "column": "navn"}])


def codes(found):
    return [q.code for q in found]


def test_a_request_without_a_phone_is_asked_for_one_where_systems_are_searched_by_phone():
    [question] = questions([SMS, SHOP, NAMES], emails=["kari@example.no"], phones=[], relation="self", asked=False)
    assert question.code == "no_phone" and question.systems == ("SMS-klubben", "Nettbutikk")
    assert "SMS-klubben og Nettbutikk søkes på telefon" in question.text
    assert "@" not in question.text  # kinds and systems, never a value


def test_a_request_giving_both_kinds_or_already_asked_asks_nothing():
    assert questions([SMS, SHOP], emails=["kari@example.no"], phones=["+4741234567"], relation="self",
                     asked=False) == []
    assert questions([SMS, SHOP], emails=["kari@example.no"], phones=[], relation="self", asked=True) == []


def test_no_system_searched_by_email_asks_for_no_email():
    assert codes(questions([SMS], emails=[], phones=["+4741234567"], relation="self", asked=False)) == []
    assert codes(questions([SHOP], emails=[], phones=["+4741234567"], relation="self", asked=False)) == ["no_email"]


def test_a_guardian_is_asked_for_the_childs_own_contacts():
    found = questions([SMS, SHOP], emails=["kari@example.no"], phones=["+4741234567"], relation="guardian",
                      asked=False)
    assert codes(found) == ["child_contacts"] and "barnets egen e-post og mobil" in found[0].text
