"""Hostile input, property-based (hypothesis): every normaliser, registration and the
configuration loader either give a value or the product's own clear error — never a crash —
normalising is idempotent, and two different mailboxes are never made one.

``EXAMPLES`` examples per property (``DSAR_FUZZ_EXAMPLES`` raises it for a longer run)."""

from __future__ import annotations

import os
import re
import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsar.errors import ConfigError, DsarError, InputError
from dsar.identity import (
    MAX_EMAIL,
    PHONE_INVALID,
    as_date,
    looks_like_email,
    looks_like_phone,
    national_id,
    national_id_birthdate,
    normalize_email,
    normalize_phone,
    parse_birthdate,
    phone_digit_forms,
    phone_variants,
)
from dsar.names import Name, compare_names, fold_name, lookup_forms
from dsar.textscan import find_identifiers

EXAMPLES = int(os.environ.get("DSAR_FUZZ_EXAMPLES", "300"))
# The same examples on every run (CI never fails by chance); DSAR_FUZZ_RANDOM=1 explores anew.
DERANDOMIZE = os.environ.get("DSAR_FUZZ_RANDOM") != "1"
settings.register_profile("dsar", derandomize=DERANDOMIZE, deadline=None, print_blob=True)
settings.load_profile("dsar")
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text as hostile as it gets: every plane, control characters, escapes, bidi overrides.
HOSTILE_BITS = ["\x1b]0;OK — godta\x07", "\x1b[2J", "\x1b[31m", "\u202e", "\u2066", "\x00", "\x85", "\r", "\n",
                "\t", "@", "+47", "00", "xn--", ".", "..", "\\", '"', "=", "ø", "\u212a", "ß", " "]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(HOSTILE_BITS), st.text(max_size=8)), max_size=30).map("".join),
)


# -- e-mail ------------------------------------------------------------------------------------

@FUZZ
@given(hostile_text)
def test_email_normaliser_gives_a_value_or_a_clear_error_and_is_idempotent(text):
    try:
        normalised = normalize_email(text)
    except InputError as exc:  # one fixed message: it never repeats the value
        assert str(exc) == "e-postadressen er ikke gyldig (se etter skrivefeil og manglende '@')"
        return
    assert normalize_email(normalised) == normalised
    assert looks_like_email(normalised) == normalised
    assert len(normalised) <= 2 * MAX_EMAIL and not re.search(r"[\x00-\x1f\x7f]", normalised)


local_parts = st.text(alphabet=string.ascii_letters + string.digits + ".-_+øæåßé\u212a", min_size=1, max_size=20)
domains = st.sampled_from(["example.no", "Example.NO", "bø.no", "xn--b-5ga.no", "eksempel.com", "EKSEMPEL.com"])


@FUZZ
@given(local_parts, domains, local_parts, domains)
def test_different_mailboxes_are_never_made_one(local_a, domain_a, local_b, domain_b):
    """Only ASCII case and the domain's spelling (case, IDNA) fold: ``große@`` ≠ ``grosse@``,
    ``Kari@`` (Kelvin sign) ≠ ``Kari@``."""
    try:
        a, b = normalize_email(f"{local_a}@{domain_a}"), normalize_email(f"{local_b}@{domain_b}")
    except InputError:
        return
    ascii_lower = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    same_local = local_a.translate(ascii_lower) == local_b.translate(ascii_lower)
    same_domain = a.rpartition("@")[2] == b.rpartition("@")[2]
    assert (a == b) == (same_local and same_domain)


@FUZZ
@given(st.one_of(hostile_text, st.integers(), st.floats(), st.none(), st.booleans(), st.binary(max_size=20)))
def test_looking_for_identifiers_in_a_field_never_raises(value):
    email, phone = looks_like_email(value), looks_like_phone(value)
    assert email is None or normalize_email(email) == email
    assert phone is None or normalize_phone(phone) == phone
    birth = as_date(value)
    assert birth is None or isinstance(birth, date)
    number = national_id(value if not isinstance(value, int) or 0 <= value < 10**11 else str(value))
    assert number is None or (len(number) == 11 and number.isdigit())
    if number:
        national_id_birthdate(number)


# -- phone -------------------------------------------------------------------------------------

phoneish = st.one_of(
    hostile_text,
    st.from_regex(r"(\+|00)?[0-9 ()\-.]{0,20}", fullmatch=True),
    st.integers(min_value=0, max_value=10**16).map(str),
)


@FUZZ
@given(phoneish)
def test_phone_normaliser_gives_e164_or_a_clear_error_and_is_idempotent(text):
    try:
        e164 = normalize_phone(text)
    except InputError as exc:
        assert str(exc) == PHONE_INVALID
        return
    assert re.fullmatch(r"\+[1-9]\d{4,16}", e164)
    assert normalize_phone(e164) == e164
    # Every international spelling of it comes back to it (a national one may start "00" too).
    assert all(normalize_phone(form) == e164 for form in phone_variants(e164) if form.startswith("+"))
    assert normalize_phone("00" + e164[1:]) == e164
    assert all(f.isdigit() for f in phone_digit_forms(e164))


@FUZZ
@given(st.from_regex(r"[2-9][0-9]{7}", fullmatch=True), st.from_regex(r"[2-9][0-9]{7}", fullmatch=True))
def test_different_norwegian_numbers_stay_different(a, b):
    assert (normalize_phone(a) == normalize_phone(b)) == (a == b)
    assert normalize_phone(f"+47 {a[:3]} {a[3:5]} {a[5:]}") == normalize_phone(f"0047{a}") == normalize_phone(a)


@pytest.mark.parametrize("text", ["010000000", "0020000000", "0010000000", "+47 0912 34 567", "+310000001", "+4901"])
def test_phone_spellings_that_reach_no_number_are_refused(text):
    """Found by the fuzzer: a Norwegian number with a trunk 0 became +47010000000, which
    none of its other spellings reach; a country code with zeros became a "number"."""
    with pytest.raises(InputError, match="telefonnummeret er ikke gyldig"):
        normalize_phone(text)


def test_a_leading_zero_is_part_of_the_number():
    """Found by the fuzzer: Italy's 06 … lost its 0 in the digit forms SQL compares."""
    e164 = normalize_phone("+39 06 1234 5678")
    assert e164 == "+390612345678"
    assert "390612345678" in phone_digit_forms(e164) and "0612345678" in phone_digit_forms(e164)
    assert all(normalize_phone(v) == e164 for v in phone_variants(e164) if v.startswith("+"))


def test_a_folded_name_folds_to_itself():
    """Found by the fuzzer: "Aaa" folded to "aa", and that to "a"."""
    assert fold_name("Aaa Ooeberg") == fold_name(fold_name("Aaa Ooeberg")) == "a ooberg"


# -- dates and fødselsnummer -------------------------------------------------------------------

@FUZZ
@given(st.one_of(hostile_text, st.from_regex(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", fullmatch=True)))
def test_birthdate_gives_a_date_or_a_clear_error(text):
    try:
        parsed = parse_birthdate(text, today=date(2026, 11, 22))
    except InputError as exc:
        assert "fødselsdatoen" in str(exc)
        return
    assert date(1900, 1, 1) <= parsed <= date(2026, 11, 22)
    assert parse_birthdate(parsed.isoformat(), today=date(2026, 11, 22)) == parsed


@FUZZ
@given(st.from_regex(r"[0-9]{11}", fullmatch=True))
def test_national_id_is_idempotent(digits):
    number = national_id(digits)
    assert number is None or national_id(number) == number


# -- names -------------------------------------------------------------------------------------

@FUZZ
@given(hostile_text, hostile_text)
def test_names_never_raise_and_folding_is_idempotent(asked, held):
    folded = fold_name(asked)
    assert fold_name(folded) == folded
    assert all(ch.isalnum() or ch == " " for ch in folded)
    match, score = compare_names(asked, held)
    assert 0 <= score <= 100
    assert compare_names(asked, held) == (match, score)
    fulls, surnames = lookup_forms(asked)
    assert all(form == form.lower() or not form.isascii() for form in fulls + surnames)
    Name.parse(held)


@FUZZ
@given(hostile_text)
def test_free_text_scanning_never_raises(text):
    for found in find_identifiers(text):
        assert found.value == (normalize_email(found.value) if "@" in found.value else normalize_phone(found.value))


# -- registration ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from dsar.crypto import DataKey
    from dsar.store import RequestStore

    s = RequestStore(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.db'}",
                     DataKey.from_secret(os.environ["DSAR_DATA_KEY"]))
    yield s
    s.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(name=hostile_text, email=st.one_of(st.none(), hostile_text, st.emails().map(str)),
       phone=st.one_of(st.none(), phoneish), birthdate=st.one_of(st.none(), hostile_text))
def test_registration_refuses_clearly_or_stores_exactly_what_it_checked(store, name, email, phone, birthdate):
    from dsar.config.models import Controller
    from dsar.store import Person

    controller = Controller(id="fuzz", name="Fuzz AS", address=["Gate 1", "4005 Stavanger"],
                            email="post@fuzz.no", responsible="Daglig leder", promised_days=30, languages=["nb"])
    before = len(store.summaries())
    try:
        person = Person.from_given(name, emails=[email] if email else [], phones=[phone] if phone else [],
                                   birthdate=birthdate)
        request = store.register(controller=controller, person=person, received_on=date(2026, 11, 2),
                                 channel="email", actor="fuzz", verification_method="email-code",
                                 password_channel="post", today=date(2026, 11, 22))
    except InputError:
        assert len(store.summaries()) == before  # refused, nothing written
        return
    stored = store.get(request.id).person
    assert stored == person
    assert len(stored.name) <= 200
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", stored.name)
    assert all(len(e) <= MAX_EMAIL for e in stored.emails)


def test_identifier_limits_are_named_and_the_value_not_repeated():
    from dsar.store import Person

    with pytest.raises(InputError, match="navnet er for langt"):
        Person.from_given("K" * 201, emails=["kari@example.no"])
    with pytest.raises(InputError, match="e-postadressen er ikke gyldig"):
        Person.from_given("Kari Nordmann", emails=["k" * 250 + "@example.no"])
    with pytest.raises(InputError, match="telefonnummeret er ikke gyldig"):
        Person.from_given("Kari Nordmann", phones=["9" * 41])
    with pytest.raises(InputError, match="kontrolltegn") as refused:
        Person.from_given("Kari\x1b]0;OK\x07 Nordmann", emails=["kari@example.no"])
    assert "Kari" not in str(refused.value)
    with pytest.raises(InputError, match="kontrolltegn"):
        Person.from_given("Kari \u202eNordmann", emails=["kari@example.no"])
    assert Person.from_given("  Kari   Nordmann ", emails=["kari@example.no"]).name == "Kari   Nordmann"


# -- configuration -----------------------------------------------------------------------------

VALID = """
[controller]
id = "fuzzbutikk"
name = "Fuzz AS"
address = ["Gate 1", "4005 Stavanger"]
email = "post@fuzz.no"
responsible = { nb = "Daglig leder", en = "Managing director" }
promised_days = 30
languages = ["nb", "en"]
"""

toml_scalars = st.one_of(
    hostile_text.map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'),
    st.integers().map(str), st.sampled_from(["true", "[]", "{}", '["x"]', "1.5", "nan", "1979-05-27", "{ a = 1 }"]),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(text=st.one_of(hostile_text, st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_any_file_is_a_configuration_or_a_clear_error(tmp_path_factory, text):
    directory = tmp_path_factory.mktemp("config")
    (directory / "controllers").mkdir()
    (directory / "controllers" / "x.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_or_config_error(directory)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(key=st.sampled_from(["id", "name", "address", "email", "responsible", "promised_days", "languages", "org_nr",
                            "phone", "nonsense"]), value=toml_scalars)
def test_any_value_in_a_controller_is_taken_or_named(tmp_path_factory, key, value):
    directory = tmp_path_factory.mktemp("config")
    (directory / "controllers").mkdir()
    lines = [line for line in VALID.splitlines() if not line.startswith(f"{key} =")]
    lines.insert(2, f"{key} = {value}")
    (directory / "controllers" / "x.toml").write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    error = _load_or_config_error(directory)
    if error is not None:
        assert "x.toml" in str(error)


@FUZZ
@given(toml_scalars, st.sampled_from(["[store]\nurl", "[keys]\ndata_key", "[retention]\nexports_days", "nonsense"]))
def test_any_value_in_the_settings_is_taken_or_named(value, key):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "dsar.toml").write_text(f"{key} = {value}\n", encoding="utf-8", errors="surrogatepass")
        error = _load_or_config_error(directory)
        if error is not None:
            assert "dsar.toml" in str(error)


def _load_or_config_error(directory) -> DsarError | None:
    from dsar.config.loader import load_configuration

    try:
        load_configuration(directory)
    except ConfigError as exc:
        assert str(exc)
        return exc
    return None


@FUZZ
@given(local_parts, domains, local_parts, domains)
def test_only_a_sub_address_is_read_as_the_mailbox_it_reaches(local_a, domain_a, local_b, domain_b):
    """``kari+butikk@`` reaches ``kari@`` (RFC 5233); nothing else about two addresses merges."""
    from dsar.identity import mailbox

    try:
        a, b = normalize_email(f"{local_a}@{domain_a}"), normalize_email(f"{local_b}@{domain_b}")
    except InputError:
        return
    ascii_lower = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

    def base(local: str) -> str:
        head, plus, _ = local.partition("+")
        return (head if plus and head else local).translate(ascii_lower)

    same_domain = a.rpartition("@")[2] == b.rpartition("@")[2]
    assert (mailbox(a) == mailbox(b)) == (base(local_a) == base(local_b) and same_domain)
