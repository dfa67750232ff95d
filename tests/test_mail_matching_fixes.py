"""Mail matching after red-team round 9 (leaks 12, 13 and 15): the rules behind the fixes,
from both sides — what must not be released, and what of the person's must still be found.

- Threads: a reply reached through the person's thread (not to, from or copied to them) is
  theirs only when what it quotes is text of a message they wrote (among its ancestors);
  one that names them and quotes someone else is held; a Message-ID two different
  messages carry links nothing, copies of one message (two folders, a delivered copy) do.
- Forms: the person's address beside somebody else's name (a labelled line near it, or on
  the same line) holds the message, unless a name that can be theirs is beside it too.
- Weak numbers: eight bare digits equal to the person's landline (maybe an order number)
  don't by themselves make a message theirs; written as a phone ("tlf …", grouped) they do.
"""

from __future__ import annotations

from pathlib import Path

from connectors.mail import _OwnText, _quoted_lines, _words
from dsar.mail_message import parse
from dsar.store import Person
from tests.test_mail_redteam import KARI_EMAIL, KARI_NAME, LIST, OLA_EMAIL, PER, SILJE, mail, search

KARI_LANDLINE = Person.from_given(KARI_NAME, emails=[KARI_EMAIL], phones=["55 51 23 45"])


# -- threads ----------------------------------------------------------------------------------------


def _kari_asks(**kwargs: str) -> bytes:
    return mail("Skal vi rydde parken lørdag klokka ti?\r\n", to=LIST, msgid="k1@example.no", subject="Dugnad", **kwargs)


def test_a_list_reply_quoting_the_askers_text_is_hers(tmp_path: Path):
    messages = {
        "kari": _kari_asks(),
        "silje": mail("Ja, jeg tar med hansker.\r\n\r\nKari Nordmann skrev:\r\n> Skal vi rydde parken lørdag klokka ti?\r\n",
                      sender=SILJE, to=LIST, msgid="s1@example.net", subject="Re: Dugnad",
                      extra="In-Reply-To: <k1@example.no>\r\n"),
    }
    outcome = search(tmp_path, messages)
    assert outcome.status("kari") == "confirmed"
    assert outcome.status("silje") == "confirmed"
    assert outcome.findings["silje"].via is not None  # reached from hers: shares its fate


def test_a_reply_to_a_reply_still_quoting_the_askers_text_is_hers(tmp_path: Path):
    """Her words quoted two levels down ("> > …") are still her message's text."""
    messages = {
        "kari": _kari_asks(),
        "silje": mail("Ja!\r\n\r\nKari Nordmann skrev:\r\n> Skal vi rydde parken lørdag klokka ti?\r\n", sender=SILJE, to=LIST,
                      msgid="s1@example.net", subject="Re: Dugnad", extra="In-Reply-To: <k1@example.no>\r\n"),
        "per": mail("Jeg kommer også.\r\n\r\nSilje Berg skrev:\r\n> Ja!\r\n>\r\n> Kari Nordmann skrev:\r\n"
                    "> > Skal vi rydde parken lørdag klokka ti?\r\n", sender=PER, to=LIST, msgid="p1@example.org",
                    subject="Re: Dugnad", extra="In-Reply-To: <s1@example.net>\r\n"),
    }
    outcome = search(tmp_path, messages)
    assert outcome.status("per") == "confirmed"


def test_a_reply_in_her_thread_naming_her_but_quoting_someone_else_is_held(tmp_path: Path):
    messages = {
        "kari": _kari_asks(),
        "silje": mail("Ja!\r\n\r\nKari Nordmann skrev:\r\n> Skal vi rydde parken lørdag klokka ti?\r\n", sender=SILJE, to=LIST,
                      msgid="s1@example.net", subject="Re: Dugnad", extra="In-Reply-To: <k1@example.no>\r\n"),
        "per": mail("Kari Nordmann får ordne kaffen.\r\n\r\nSilje Berg skrev:\r\n> Ja!\r\n", sender=PER, to=LIST,
                    msgid="p1@example.org", subject="Re: Dugnad",
                    extra="In-Reply-To: <s1@example.net>\r\nReferences: <k1@example.no> <s1@example.net>\r\n"),
    }
    outcome = search(tmp_path, messages)
    assert outcome.status("per") == "held"


def test_a_quote_of_a_text_too_short_to_tell_apart_is_not_hers(tmp_path: Path):
    """"Ja takk" could be anybody's: a list reply quoting it is not released on that."""
    messages = {
        "kari": mail("Ja takk\r\n", to=LIST, msgid="k1@example.no", subject="Dugnad"),
        "per": mail("Ikke jeg.\r\n\r\n> Ja takk\r\n", sender=PER, to=LIST, msgid="p1@example.org", subject="Re: Dugnad",
                    extra="In-Reply-To: <k1@example.no>\r\n"),
    }
    outcome = search(tmp_path, messages)
    assert outcome.status("per") != "confirmed"


def test_a_reused_message_id_links_nothing_even_when_the_quote_matches(tmp_path: Path):
    """Ola's message carries the same Message-ID as Kari's and says the same words: a reply
    to that id can't say which of them it answers."""
    text = "Hei, jeg vil melde meg på kurset i mars.\r\n"
    messages = {
        "kari": mail(text, msgid="1@localhost"),
        "ola": mail(text, sender=f"Ola Hansen <{OLA_EMAIL}>", to=PER, msgid="1@localhost", subject="Kurs"),
        "per": mail(f"Ok, du er påmeldt.\r\n\r\nOla Hansen skrev:\r\n> {text}", sender=PER, to="Kurs <kurs@byen.no>",
                    msgid="p2@example.org", subject="Re: Kurs", extra="In-Reply-To: <1@localhost>\r\n"),
    }
    outcome = search(tmp_path, messages)
    assert outcome.status("kari") == "confirmed"
    assert outcome.status("per") is None


def test_copies_of_her_message_in_two_places_still_link_its_replies(tmp_path: Path):
    """The same message twice (the sent copy, and one delivered back through the list with
    its Delivered-To): one message, not a reused Message-ID."""
    messages = {
        "kari": _kari_asks(),
        "kari-delivered": _kari_asks(extra="Delivered-To: vel@lists.byen.no\r\n"),
        "silje": mail("Ja!\r\n\r\nKari Nordmann skrev:\r\n> Skal vi rydde parken lørdag klokka ti?\r\n", sender=SILJE, to=LIST,
                      msgid="s1@example.net", subject="Re: Dugnad", extra="In-Reply-To: <k1@example.no>\r\n"),
    }
    outcome = search(tmp_path, messages)
    assert outcome.status("silje") == "confirmed"


def test_quoted_text_is_told_from_the_writers_own():
    reply = parse(mail("Mitt svar her.\r\n\r\nKari skrev:\r\n> Linje en\r\n>> Linje to\r\n").replace(b"\r\n", b"\n"))
    assert _words(_quoted_lines(reply.body_parts[0].text or "")) == ("linje", "en", "linje", "to")
    outlook = "Mitt svar.\n\n-----Original Message-----\nFra: Kari\nSkal vi rydde parken lørdag?\n"
    assert "parken" in _words(_quoted_lines(outlook))
    own = _OwnText.of(parse(mail("Skal vi rydde parken lørdag?\r\n\r\nSilje skrev:\r\n> Ja!\r\n")))
    assert own.parts == (("skal", "vi", "rydde", "parken", "lørdag"),)  # her quote of Silje is not hers


# -- forms: another person's name beside the address -----------------------------------------------


def _form(body: str) -> dict[str, bytes]:
    return {
        "kari": mail("Hei\r\n"),
        "form": mail(body.format(email=KARI_EMAIL), sender="Skjema <skjema@byen.no>", msgid="f1@byen.no", subject="Henvendelse"),
    }


def test_a_form_with_another_name_two_lines_above_the_address_is_held(tmp_path: Path):
    outcome = search(tmp_path, _form("Navn: Ola Hansen\r\nAdresse: Storgata 1\r\nE-post: {email}\r\n"))
    assert outcome.status("form") == "held"


def test_a_form_naming_her_beside_her_address_is_hers_though_it_names_her_child_too(tmp_path: Path):
    outcome = search(tmp_path, _form("Navn: Kari Nordmann\r\nE-post: {email}\r\nBarnets navn: Ola Hansen\r\n"))
    assert outcome.status("form") == "confirmed"


def test_a_name_in_another_block_of_the_form_is_not_beside_her_address(tmp_path: Path):
    outcome = search(tmp_path, _form("Saksbehandler: Ola Hansen\r\n\r\nE-post: {email}\r\nSak: parkering\r\n"))
    assert outcome.status("form") == "confirmed"


def test_the_recipient_line_of_a_quoted_header_is_not_a_forms_name(tmp_path: Path):
    """An Outlook header block: "To: Ola Hansen" names the recipient, not her address's user."""
    outcome = search(tmp_path, _form("Se under.\r\n\r\n-----Original Message-----\r\nFrom: {email}\r\nTo: Ola Hansen\r\n"
                                     "Subject: Parkering\r\n\r\nHei, jeg har et spørsmål om parkering.\r\n"))
    assert outcome.status("form") == "confirmed"


def test_two_people_joined_by_og_are_not_one(tmp_path: Path):
    outcome = search(tmp_path, _form("Kontakt Ola Hansen eller {email} om saken.\r\n"))
    assert outcome.status("form") == "confirmed"


def test_another_name_signed_right_above_the_address_is_not_released(tmp_path: Path):
    outcome = search(tmp_path, _form("Jeg vil si opp avtalen.\r\n\r\nHilsen\r\nOla Hansen\r\n{email}\r\n"))
    assert outcome.status("form") != "confirmed"


def test_another_name_signed_above_a_phone_line_above_the_address_is_held(tmp_path: Path):
    outcome = search(tmp_path, _form("Jeg vil si opp avtalen.\r\n\r\nHilsen\r\nOla Hansen\r\nE-post: {email}\r\n"))
    assert outcome.status("form") == "held"


# -- weak numbers -----------------------------------------------------------------------------------


def test_her_landline_written_as_a_phone_finds_the_message(tmp_path: Path):
    for n, written in enumerate(("Tlf: 55512345", "55 51 23 45", "+47 55512345")):
        messages = {"note": mail(f"Hei, ring tilbake. {written}\r\n", sender="Anne Ansatt <anne@byen.no>",
                                 to="Per Ansatt <per@byen.no>", msgid=f"n{n}@byen.no", subject="Telefonnotat")}
        outcome = search(tmp_path / str(n), messages, KARI_LANDLINE)
        assert outcome.status("note") == "confirmed", written


def test_bare_digits_equal_to_her_landline_beside_her_name_are_held(tmp_path: Path):
    messages = {"note": mail("Ordre 55512345 gjelder Kari Nordmann.\r\n", sender="Anne Ansatt <anne@byen.no>",
                             to="Per Ansatt <per@byen.no>", msgid="n1@byen.no", subject="Ordre")}
    outcome = search(tmp_path, messages, KARI_LANDLINE)
    assert outcome.status("note") == "held"


def test_her_number_beside_another_name_in_a_form_is_held(tmp_path: Path):
    """A child's sign-up with the parent's mobile: the person's number, somebody else's form."""
    messages = {"form": mail("Navn: Ola Hansen\r\nTelefon: 912 34 567\r\nKlasse: 4B\r\n", sender="Skjema <skjema@byen.no>",
                             msgid="f1@byen.no", subject="Påmelding")}
    outcome = search(tmp_path, messages)
    assert outcome.status("form") == "held"


def test_her_number_in_her_own_signature_still_finds_the_message(tmp_path: Path):
    messages = {"note": mail("Hei, jeg lurer på åpningstidene.\r\n\r\nHilsen\r\nKari Nordmann\r\nMob: 912 34 567\r\n",
                             sender="Skjema <skjema@byen.no>", msgid="f1@byen.no", subject="Spørsmål")}
    outcome = search(tmp_path, messages)
    assert outcome.status("note") == "confirmed"
