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


def ask(systems, name="Kari Nordmann", emails=(), phones=(), relation="self", asked=False):
    return questions(systems, name=name, emails=list(emails), phones=list(phones), relation=relation, asked=asked)


def test_a_request_without_a_phone_is_asked_for_one_where_systems_are_searched_by_phone():
    [question] = ask([SMS, SHOP, NAMES], emails=["kari@example.no"])
    assert question.code == "no_phone" and question.systems == ("SMS-klubben", "Nettbutikk")
    assert "SMS-klubben og Nettbutikk søkes på telefon" in question.text
    assert "@" not in question.text  # kinds and systems, never a value


def test_a_request_giving_both_kinds_or_already_asked_asks_nothing():
    assert ask([SMS, SHOP], emails=["kari@example.no"], phones=["+4741234567"]) == []
    assert ask([SMS, SHOP], emails=["kari@example.no"], asked=True) == []
    # A second e-mail answers no question about phones.
    assert codes(ask([SMS, SHOP], emails=["kari@example.no", "kari.jobb@example.no"])) == ["no_phone"]


def test_no_system_searched_by_email_asks_for_no_email():
    assert codes(ask([SMS], phones=["+4741234567"])) == []
    assert codes(ask([SHOP], phones=["+4741234567"])) == ["no_email"]


def test_a_guardian_is_asked_for_the_childs_own_contacts():
    found = ask([SMS, SHOP], emails=["kari@example.no"], phones=["+4741234567"], relation="guardian")
    assert codes(found) == ["child_contacts"] and "barnets egen e-post og mobil" in found[0].text


def test_a_name_that_cant_tell_people_apart_asks_for_the_whole_name_until_corrected_or_asked():
    for thin in ("", "Rosseland", "K. R.", "Наталія Шевченко"):
        found = ask([SHOP], name=thin, emails=["kari@example.no"], phones=["+4741234567"])
        assert codes(found) == ["name"] and "dsar request correct-name R-1" in found[0].how("R-1"), thin
        assert thin not in found[0].text or not thin
    assert ask([SHOP], name="Kari Rosseland", emails=["kari@example.no"], phones=["+4741234567"]) == []
    assert ask([SHOP], name="Rosseland", emails=["kari@example.no"], phones=["+4741234567"], asked=True) == []


def test_each_question_says_what_staff_do_with_the_answer():
    [name] = ask([SHOP], name="Rosseland", emails=["kari@example.no"], phones=["+4741234567"])
    [phone] = ask([SMS], emails=["kari@example.no"])
    assert 'dsar request correct-name R-1 --name "…"' in name.how("R-1") and "add-identifier" not in name.how("R-1")
    assert "dsar request add-identifier R-1" in phone.how("R-1") and "dsar request asked R-1" in phone.how("R-1")


MEMBERS = _system("members", "Medlemsregister", [
    {"type": "email", "column": "epost"}, {"type": "name", "column": "navn"}, {"type": "birthdate", "column": "fodt"},
])
PATIENTS = _system("patients", "Timebok", [{"type": "phone", "column": "mobil"}, {"type": "national_id", "column": "fnr"}])


def test_a_request_without_a_birth_date_is_asked_for_one_where_systems_record_them():
    found = questions([SHOP, MEMBERS, PATIENTS], name="Kari Nordmann", emails=["kari@example.no"],
                      phones=["+4741234567"], relation="self", birthdate=False)
    [question] = found
    assert question.code == "birthdate" and question.systems == ("Medlemsregister", "Timebok")
    assert "ID-kontrollen" in question.text and "dsar request add-birthdate R-1" in question.how("R-1")
    # Given, asked already, or no system that records birth dates: nothing to ask.
    assert questions([MEMBERS], name="Kari Nordmann", emails=["kari@example.no"], phones=["+4741234567"],
                     relation="self", birthdate=True) == []
    assert questions([MEMBERS], name="Kari Nordmann", emails=["kari@example.no"], phones=[], relation="self",
                     birthdate=False, asked=True) == []
    assert codes(questions([SHOP, NAMES], name="Kari Nordmann", emails=["kari@example.no"],
                           phones=["+4741234567"], relation="self", birthdate=False)) == []
