"""Identifiers and names in mail text, a tolerant MIME reader, and the redaction plan."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

import pytest

from dsar.mail_message import MessageUnreadable, parse, parse_addresses, to_eml
from dsar.personal_names import find_names, is_own_name
from dsar.redaction import MARK, Applier, Own, Redactor
from dsar.textscan import find_identifiers

KARI = "+4791234567"


@pytest.mark.parametrize(
    "written",
    # every way a Norwegian writes one mobile number
    ["91234567", "912 34 567", "91 23 45 67", "9123 4567", "+47 912 34 567", "+4791234567",
     "0047 91234567", "004791234567", "4791234567", "(+47) 91234567", "+47-912-34-567", "912.34.567",
     "912\u00a034\u00a0567"],
)
def test_every_norwegian_spelling_of_a_phone_is_found_as_the_same_number(written):
    found = find_identifiers(f"Ring meg på {written}, takk.")
    assert [(f.kind, f.value) for f in found] == [("phone", KARI)]
    assert f"Ring meg på {written}, takk."[found[0].start : found[0].end] == written


@pytest.mark.parametrize(
    "text",
    # numbers that are not phones: card, account, dates, org.nr, pieces of longer ids
    ["kort 1234 5678 9012 3456", "konto 1234.56.78901", "dato 24.12.2023", "org.nr 986 724 397",
     "ordre ID12345678", "postnr 4006", "1991234567890"],
)
def test_longer_numbers_and_dates_are_not_phones(text):
    assert [f for f in find_identifiers(text) if f.kind == "phone"] == []


def test_bare_eight_digits_in_a_landline_range_are_weak_unless_said_to_be_a_phone():
    assert [f.strong for f in find_identifiers("ordre 51895151")] == [False]
    assert [f.strong for f in find_identifiers("tlf 51895151")] == [True]
    assert [f.strong for f in find_identifiers("51 89 51 51")] == [True]


def test_emails_are_found_case_folded_and_without_trailing_punctuation():
    found = find_identifiers("Skriv til Kari.Nordmann@Example.no. eller <mailto:ola@x.no>; Kåre@Eksempel.no")
    assert [f.value for f in found] == ["kari.nordmann@example.no", "ola@x.no", "kåre@eksempel.no"]


def test_digits_inside_an_address_are_the_address_not_a_phone():
    assert [(f.kind, f.value) for f in find_identifiers("91234567@sms.example.no")] == [
        ("email", "91234567@sms.example.no")
    ]


def test_names_from_the_lexicon_greetings_and_known_names():
    text = (
        "Hei Ola,\n\nKari Anne Nordmann og Per Hansen kommer. Per mail i går. Vi sees på Mandag.\n"
        "Zlatan Mbappe var der også.\n\nMed vennlig hilsen\nSilje Berg\nStavanger Sentrum AS\n"
    )
    names = {(text[s.start : s.end], s.full) for s in find_names(text, known=lambda v: v == "zlatan mbappe")}
    assert names == {("Ola", False), ("Kari Anne Nordmann", True), ("Per Hansen", True),
                     ("Zlatan Mbappe", True), ("Silje Berg", True)}


def test_own_name_is_any_part_of_the_persons_name_folded():
    assert is_own_name("kari nordmann", "Kari Anne Nordmann")
    assert is_own_name("kari", "Kari Nordmann")
    assert is_own_name("odegard", "Kåre Ødegård")
    assert not is_own_name("kari hansen", "Kari Nordmann")


MESSY = (
    b"From: =?iso-8859-1?q?K=E5re_=D8deg=E5rd?= <Kare@Example.NO>\r\n"
    b'To: "Nordmann, Kari" <kari@example.no>, ola@example.com (Ola),\r\n Styret: a@example.org, b@example.org;\r\n'
    b"Subject: =?utf-8?b?U3DDuHJzbcOlbA==?=\r\n =?utf-8?q?_om_billett?=\r\n"
    b"Date: Tue, 3 Mar 2026 09:15:00 +0100\r\n"
    b"Message-ID: <m2@example.no>\r\nIn-Reply-To: <m1@example.no>\r\nReferences: <m0@example.no> <m1@example.no>\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Hei, ring 912 34 567. V=E6r s=E5 snill.\r\n> Kari skrev:\r\n"
    b"--b1\r\nContent-Type: text/csv; name=\"liste.csv\"\r\nContent-Disposition: attachment; filename*=utf-8''l%C3%B8pere.csv\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nbmF2bjtlcG9zdApQZXIgSGFuc2VuO3BlckBleGFtcGxlLmNvbQo\r\n"
    b"--b1\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
)  # no closing boundary: the last part ends with the message


def test_a_messy_message_is_read_fully():
    message = parse(MESSY, with_data=True)
    assert message.addresses["from"] == [("Kåre Ødegård", "Kare@Example.NO")]
    assert [a for _, a in message.addresses["to"]] == ["kari@example.no", "ola@example.com", "a@example.org", "b@example.org"]
    assert message.addresses["to"][0][0] == "Nordmann, Kari"
    assert message.subject == "Spørsmål om billett"
    assert message.message_id == "m2@example.no"
    assert message.parents == ["m1@example.no", "m0@example.no"]
    assert "Vær så snill" in message.body_parts[0].text
    attachment = message.attachments[0]
    assert (attachment.filename, attachment.text) == ("løpere.csv", "navn;epost\nPer Hansen;per@example.com\n")
    assert message.attachments[1].data == b"%PDF-"
    assert message.quotes
    assert message.defects == 1  # the missing closing boundary


def test_bytes_without_a_header_are_unreadable():
    with pytest.raises(MessageUnreadable):
        parse(b"\x00\x01\x02 binary garbage")


def test_address_lists_as_written():
    assert parse_addresses('"Berg, Silje" <silje@x.no>, Ola <ola@x.no>, per@x.no (Per H)') == [
        ("Berg, Silje", "silje@x.no"), ("Ola", "ola@x.no"), ("Per H", "per@x.no")]


def _message() -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "Kari Nordmann <kari.nordmann@example.no>"
    msg["To"] = "Stavanger Sentrum <post@byen.no>"
    msg["Cc"] = '"Hansen, Per" <per.hansen@example.com>'
    msg["Subject"] = "Klage på Per Hansen"
    msg["Message-ID"] = "<k1@example.no>"
    msg.set_content(
        "Hei,\n\nNaboen min Per Hansen (tlf 413 22 456, per.hansen@example.com) bråker.\n"
        "Ring meg på 912 34 567 eller skriv til kari.nordmann@example.no.\n\nHilsen\nKari Nordmann\n\n"
        "> Silje Berg skrev:\n> Ring 51 89 51 23 eller post@byen.no, sentralbord 51 89 51 51\n"
    )
    msg.add_attachment(b"navn;telefon\nPer Hansen;41322456\n", maintype="text", subtype="csv", filename="naboer.csv")
    return msg.as_bytes()


OWN = Own(
    name="Kari Nordmann",
    emails=frozenset({"kari.nordmann@example.no"}),
    phones=frozenset({"+4791234567"}),
    role_emails=frozenset({"post@byen.no"}),
    role_phones=frozenset({"+4751895151"}),
)


def test_others_are_blacked_out_everywhere_and_the_persons_own_stay():
    message = parse(_message())
    plan = Redactor(OWN).plan(message)
    assert {(t.kind, t.value) for t in plan.targets} == {
        ("email", "per.hansen@example.com"), ("name", "per hansen"), ("phone", "+4741322456"),
        ("phone", "+4751895123"), ("name", "silje berg"),
    }
    applier = Applier(plan)
    eml = to_eml(message, applier, applier.address).decode()
    for other in ("Per Hansen", "Hansen, Per", "per.hansen@example.com", "413 22 456", "41322456", "51 89 51 23", "Silje Berg"):
        assert other not in eml
    for kept in ("kari.nordmann@example.no", "912 34 567", "Kari Nordmann", "post@byen.no", "51 89 51 51"):
        assert kept in eml
    assert MARK in eml and "sladdet@sladdet.invalid" in eml
    reread = parse(eml.encode())
    assert reread.subject == f"Klage på {MARK}"
    assert reread.attachments[0].text.replace("\r\n", "\n") == f"navn;telefon\n{MARK};{MARK}\n"


def test_staff_can_lift_a_redaction_and_add_one():
    message = parse(_message())
    plan = Redactor(OWN).plan(message)
    silje = next(t.id for t in plan.targets if t.value == "silje berg")
    applier = Applier(plan, lifted=[silje], added=["bråker"])
    body = applier(message.body_parts[0].text)
    assert "Silje Berg" in body and "bråker" not in body and "Per Hansen" not in body
