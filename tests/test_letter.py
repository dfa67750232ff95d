"""The cover letter: what it states (HTML) and that the PDF carries it (pypdf; Typst, milliseconds).

The answer is built from a controller and systems constructed here with ``dsar.config.models``:
a ticket system (secret password hash, masked card number, an Art. 9 field), a newsletter
(Mailchimp: transfer outside the EEA, profiling, consent), a mail archive where nothing was
found, and, for the partial answer, a web statistics system that failed.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest

from dsar.config.models import Controller, System
from dsar.letter import render_letter_html, render_letter_pdf
from dsar.letter.context import build_context
from dsar.letter.phrases import format_date, phrase_keys
from dsar.report import Answer, SystemReport


def _lt(nb: str, en: str) -> dict[str, str]:
    return {"nb": nb, "en": en}


def _controller() -> Controller:
    return Controller(
        id="kultursenter",
        name="Gjøvik kommune, Gjøvik Kultursenter",
        org_nr="939 865 942",
        address=["Postboks 630", "2810 Gjøvik"],
        email="postmottak@gjovik.kommune.no",
        phone="61 18 95 00",
        responsible=_lt("Kommunedirektøren", "The chief municipal executive"),
        dpo={"name": _lt("Personvernombudet", "Data protection officer"), "email": "personvernombud@gjovik.kommune.no"},
        languages=["nb", "en"],
    )


def _register(**overrides: object) -> dict[str, object]:
    register: dict[str, object] = {
        "purposes": [_lt("Gjennomføre billettbestillinger", "Carry out ticket orders")],
        "legal_basis": [_lt("Avtale (artikkel 6 nr. 1 bokstav b)", "Contract (Article 6(1)(b))")],
        "categories": [_lt("Navn og kontaktinformasjon", "Name and contact details")],
        "recipients": [],
        "retention": _lt("Så lenge brukerkontoen er aktiv", "While the user account is active"),
        "sources": [],
        "transfers": [],
        "profiling": False,
        "automated_decisions": False,
    }
    register.update(overrides)
    return register


def _ticketing() -> System:
    return System(
        id="billett",
        title=_lt("Billettsystem", "Ticketing system"),
        connector="csv",
        register=_register(
            purposes=[
                _lt("Gjennomføre billettbestillinger", "Carry out ticket orders"),
                _lt("Administrere brukerkontoen din", "Manage your user account"),
            ],
            categories=[
                _lt("Navn, adresse og fødselsdato", "Name, address and birth date"),
                _lt("Kjøpshistorikk og betalingsmåte", "Purchase history and payment method"),
            ],
            recipients=[
                {
                    "name": _lt("Nets Branch Norway", "Nets Branch Norway"),
                    "receives": _lt("Betalingsopplysninger", "Payment details"),
                },
                {
                    "name": _lt("Posten Norge AS", "Posten Norge AS"),
                    "receives": _lt("Navn og adresse for utsending", "Name and address for delivery"),
                },
            ],
            sources=[_lt("Folkeregisteret ved adresseendring", "The National Population Register on change of address")],
        ),
        collections={
            "kunder": {
                "title": _lt("Kundekonto", "Customer account"),
                "path": "kunder.csv",
                "key": "kunde_id",
                "identities": [{"type": "email", "column": "epost"}],
                "fields": {"allergi": _lt("Allergier og kosthold", "Allergies and diet")},
                "secret": {"passord_hash": _lt("Passord (lagret som hash)", "Password (stored as a hash)")},
                "special_category": {
                    "allergi": _lt("Kan avsløre helseopplysninger", "May reveal health data")
                },
            },
            "kjop": {
                "title": _lt("Billettkjøp", "Ticket purchases"),
                "path": "kjop.csv",
                "key": "kjop_id",
                "identities": [{"type": "email", "column": "epost"}],
                "fields": {"kortnummer": _lt("Kortnummer", "Card number")},
                "masked": {"kortnummer": "pan"},
            },
        },
    )


def _newsletter() -> System:
    return System(
        id="nyhetsbrev",
        title=_lt("Nyhetsbrev", "Newsletter"),
        connector="csv",
        register=_register(
            purposes=[_lt("Sende nyhetsbrev om forestillinger", "Send newsletters about performances")],
            legal_basis=[_lt("Samtykke", "Consent")],
            categories=[_lt("E-postadresse og interesser", "Email address and interests")],
            retention=_lt("Til du melder deg av nyhetsbrevet", "Until you unsubscribe"),
            transfers=[
                {
                    "recipient": "Intuit Mailchimp",
                    "country": _lt("USA", "the United States"),
                    "safeguard": _lt(
                        "EUs standardavtaler (standard contractual clauses)",
                        "EU standard contractual clauses",
                    ),
                }
            ],
            profiling=_lt(
                "Vi anslår interessene dine ut fra hvilke lenker du klikker på",
                "We estimate your interests from the links you click",
            ),
            automated_decisions=_lt(
                "Hvilke anbefalinger du får, velges automatisk ut fra interessene",
                "Which recommendations you get is chosen automatically from your interests",
            ),
        ),
        collections={
            "abonnenter": {
                "title": _lt("Abonnenter", "Subscribers"),
                "path": "abonnenter.csv",
                "key": "_line",
                "identities": [{"type": "email", "column": "email"}],
            }
        },
    )


def _simple(system_id: str, nb: str, en: str) -> System:
    return System(
        id=system_id,
        title=_lt(nb, en),
        connector="csv",
        register=_register(),
        collections={
            "rader": {
                "title": _lt("Rader", "Rows"),
                "path": f"{system_id}.csv",
                "key": "_line",
                "identities": [{"type": "email", "column": "email"}],
            }
        },
    )


def _answer(
    language: str = "nb",
    *,
    subject_name: str = "Kari Nordmann",
    failed: bool = False,
    requested_by: str | None = None,
    channel: str = "sms",
) -> Answer:
    systems = [
        SystemReport(_ticketing(), "complete", collections={"kunder": 1, "kjop": 6}),
        SystemReport(_newsletter(), "complete", collections={"abonnenter": 1}),
        SystemReport(_simple("epost", "Kundeservice-e-post", "Customer service mail"), "nothing_found"),
    ]
    if failed:
        systems.append(
            SystemReport(
                _simple("statistikk", "Nettstatistikk", "Web statistics"),
                "failed",
                error="timeout after 300 s",
            )
        )
    return Answer(
        request_id="REQ-2026-0042",
        controller=_controller(),
        language=language,  # type: ignore[arg-type]
        subject_name=subject_name,
        received_on=date(2026, 10, 30),
        answered_on=date(2026, 11, 22),
        generated_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
        systems=systems,
        password_channel=channel,  # type: ignore[arg-type]
        subject_email="kari@example.no",
        requested_by=requested_by,
    )


def _squash(text: str) -> str:
    """Whitespace removed: PDF extraction breaks lines wherever the layout wrapped them."""
    return re.sub(r"\s+", "", text)


def _pdf_text(answer: Answer) -> str:
    from pypdf import PdfReader

    pdf = render_letter_pdf(answer)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)



def _register_texts(language: str) -> list[str]:
    """Every register text of the systems with data, as the letter must state it."""
    texts: list[str] = []
    for system in (_ticketing(), _newsletter()):
        reg = system.processing
        texts += [x.get(language) for x in (*reg.purposes, *reg.legal_basis, *reg.categories, *reg.sources)]
        texts += [r.name.get(language) for r in reg.recipients]
        texts += [r.receives.get(language) for r in reg.recipients]
        texts.append(reg.retention.get(language))
        for transfer in reg.transfers:
            texts += [transfer.recipient, transfer.country.get(language), transfer.safeguard.get(language)]
        for item in (reg.profiling, reg.automated_decisions):
            if item:
                texts.append(item.get(language))
    return texts


# ------------------------------------------------------------------------------ PDF


@pytest.fixture(scope="module")
def pdf_nb() -> str:
    return _pdf_text(_answer("nb"))


@pytest.fixture(scope="module")
def pdf_en() -> str:
    return _pdf_text(_answer("en"))


@pytest.mark.parametrize(
    # language, the nothing-found system, the password sentence, the page footer, no-profiling text
    ("language", "nothing_found", "password", "page", "none_profiling"),
    [
        ("nb", "Kundeservice-e-post", "Passordet får du i en egen SMS", "Side 1 av", "brukes ikke til profilering"),
        ("en", "Customer service mail", "You will receive the password in a separate SMS", "Page 1 of", "not used for profiling"),
    ],
)
def test_pdf_states_every_register_item(
    request: pytest.FixtureRequest,
    language: str,
    nothing_found: str,
    password: str,
    page: str,
    none_profiling: str,
) -> None:
    text = _squash(request.getfixturevalue(f"pdf_{language}"))
    missing = [x for x in _register_texts(language) if _squash(x) not in text]
    assert not missing, f"register texts missing from the {language} PDF: {missing}"
    for expected in (
        "Datatilsynet",
        "Postboks 458 Sentrum",
        "postkasse@datatilsynet.no",
        nothing_found,
        password,
        page,
        "REQ-2026-0042",
        "AES-256",
        "7-Zip",
    ):
        assert _squash(expected) in text, expected
    # The ticket system has no profiling; the newsletter has.
    assert _squash(none_profiling) in text


def test_pdf_partial_answer_names_failed_system_and_escapes_name() -> None:
    text = _pdf_text(_answer("nb", failed=True, subject_name="<script>x</script>"))
    squashed = _squash(text)
    assert _squash("Dette er et delvis svar") in squashed
    assert "Nettstatistikk" in squashed
    assert _squash("Vi sender deg resten av svaret") in squashed
    # Escaped markup is printed as text, not run or dropped.
    assert "<script>x</script>" in squashed


# ----------------------------------------------------------------------------- HTML


def test_date_format() -> None:
    assert format_date(date(2026, 11, 22), "nb") == "22. november 2026"
    assert format_date(date(2026, 11, 22), "en") == "22 November 2026"


def test_both_languages_have_the_same_phrases() -> None:
    assert phrase_keys("nb") == phrase_keys("en")


def test_letterhead_and_addressee() -> None:
    html = render_letter_html(_answer("nb"))
    for expected in (
        "Gjøvik kommune, Gjøvik Kultursenter",
        "Postboks 630",
        "939 865 942",
        "postmottak@gjovik.kommune.no",
        "61 18 95 00",
        "22. november 2026",
        "30. oktober 2026",
        "Kari Nordmann",
        "Kommunedirektøren",
        "personvernombud@gjovik.kommune.no",
        'lang="nb"',
    ):
        assert expected in html, expected


def test_guardian_request_says_on_whose_behalf() -> None:
    html = render_letter_html(_answer("nb", subject_name="Ola Nordmann", requested_by="Kari Nordmann"))
    assert "som Kari Nordmann sendte oss på vegne av Ola Nordmann" in html
    assert "v/ Kari Nordmann" in html


def test_html_escapes_untrusted_text() -> None:
    html = render_letter_html(_answer("nb", subject_name="<script>x</script>", requested_by='"&<b>'))
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<b>" not in html


def test_notes_on_secret_masked_and_special_category() -> None:
    sections = build_context(_answer("en")).sections
    ticketing = sections[0]
    assert ticketing.secrets == [
        "“Password (stored as a hash)” in Customer account: we confirm that this is stored, "
        "but for security reasons we do not release the value itself."
    ]
    assert "“Card number” in Ticket purchases is shown masked" in ticketing.masked[0]
    assert ticketing.special == ["“Allergies and diet” in Customer account: May reveal health data"]
    assert [(f.title, f.count) for f in ticketing.found] == [("Customer account", "1"), ("Ticket purchases", "6")]
    assert sections[1].special == sections[1].secrets == sections[1].masked == []


def test_notes_only_for_collections_the_person_is_in() -> None:
    answer = _answer("nb")
    only_purchases = SystemReport(_ticketing(), "complete", collections={"kjop": 2})
    section = build_context(
        Answer(**{**answer.__dict__, "systems": [only_purchases]})
    ).sections[0]
    assert section.secrets == [] and section.special == []
    assert len(section.masked) == 1


def test_consent_withdrawal_named_for_consent_based_systems() -> None:
    context = build_context(_answer("nb"))
    assert context.consent_systems == "Nyhetsbrev"
    assert "trekke samtykket tilbake" in render_letter_html(_answer("nb"))


@pytest.mark.parametrize(
    # channel, a phrase only that channel's sentence has (bokmål)
    ("channel", "sentence"),
    [
        ("sms", "egen SMS"),
        ("phone", "ringer deg"),
        ("post", "eget brev i posten"),
        ("digipost", "Digipost"),
    ],
)
def test_password_channel(channel: str, sentence: str) -> None:
    html = render_letter_html(_answer("nb", channel=channel))
    assert sentence in html
    assert "aldri passordet i samme melding som filen" in html


def test_complete_answer_has_no_partial_notice() -> None:
    assert "delvis svar" not in render_letter_html(_answer("nb"))
    partial = render_letter_html(_answer("en", failed=True))
    assert "This is a partial answer" in partial and "Web statistics" in partial


def test_nothing_found_anywhere() -> None:
    answer = _answer("nb")
    nothing = [SystemReport(r.system, "nothing_found") for r in answer.systems]
    html = render_letter_html(Answer(**{**answer.__dict__, "systems": nothing}))
    assert "fant ingen personopplysninger om deg" in html
    # The letter still travels in the encrypted package, but there are no data files in it.
    assert "AES-256" in html and "JSON" not in html
    assert "søkte også" not in html
    assert "Datatilsynet" in html
