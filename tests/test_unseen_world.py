"""The unseen world is what it says: deterministic, configured as documented, its ground truth
pointing at rows that exist, and every hard case present at about the rate
``sample_data/unseen/proportions.py`` gives (with the source it cites).

These tests say nothing about how well the product matches: ``bench.accuracy --world unseen``
measures that.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from dsar.config.loader import load_configuration, load_controller_file
from dsar.config.models import Collection
from sample_data.unseen import build_unseen
from sample_data.unseen import proportions as P

SCALE = 0.5  # 700 households, about 1500 people


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unseen")
    build_unseen(root, seed=2026, scale=SCALE)
    return root


@pytest.fixture(scope="module")
def people(world: Path) -> list[dict[str, str]]:
    with (world / "sources" / "people.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def truth(world: Path) -> list[dict[str, str]]:
    with (world / "sources" / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _db(world: Path, controller: str, name: str) -> sqlite3.Connection:
    return sqlite3.connect(world / "sources" / controller / name)


def _csv_rows(world: Path, collection: Collection) -> list[dict[str, str]]:
    path = Path(collection.path.replace("{workspace}", str(world)))
    with path.open(encoding=collection.encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=collection.delimiter))


def _share(rows: list[dict[str, str]], column: str) -> float:
    return sum(1 for r in rows if r[column]) / len(rows)


# ------------------------------------------------------------------------- determinism


def test_the_same_seed_gives_the_same_world_and_another_seed_another(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        result = {}
        for path in sorted((root / "sources").rglob("*")):
            if path.suffix == ".db":
                with sqlite3.connect(path) as conn:
                    result[path.name] = "\n".join(conn.iterdump()).encode()
            elif path.is_file():
                result[path.name] = path.read_bytes()
        for path in sorted((root / "config").rglob("*.toml")):
            result[path.name] = path.read_bytes()
        return result

    build_unseen(tmp_path / "a", seed=7, scale=0.1)
    build_unseen(tmp_path / "b", seed=7, scale=0.1)
    build_unseen(tmp_path / "c", seed=8, scale=0.1)
    a, b, c = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert len(a) > 10 and a == b
    assert a["people.csv"] != c["people.csv"]


def test_a_scale_that_is_not_positive_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        build_unseen(tmp_path / "ws", scale=0)
    assert not (tmp_path / "ws").exists()


def test_the_command_line_builds_a_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sample_data.unseen.__main__ import main

    assert main(["--workspace", str(tmp_path), "--scale", "0.05", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "people" in out and "bjorkelid-il/medlemsregister/kontakt" in out
    assert (tmp_path / "sources" / "people.csv").is_file()


# ----------------------------------------------------------------------- configuration


def test_every_controller_file_loads_as_documented(world: Path) -> None:
    files = sorted((world / "config" / "controllers").glob("*.toml"))
    assert [f.stem for f in files] == ["bjorkelid-il", "kystkultur-vest", "lindeberg-brl", "nordbyen-fysio",
                                       "strikkeloftet"]
    for path in files:
        (config,) = load_controller_file(path)
        assert config.id == path.stem
    assert len(load_configuration(world / "config").controllers) == 5


def test_every_configured_table_column_and_file_exists(world: Path) -> None:
    """What the configuration names is in the data: a new user's file that works."""
    config = load_configuration(world / "config")
    for controller in config.controllers.values():
        for system in controller.systems.values():
            for collection in system.collections.values():
                named = set(collection.key) | set(collection.fields) | set(collection.secret) | {
                    f for i in collection.identities for f in i.fields}
                if system.connector == "sql":
                    url = system.connection.url.replace("{workspace}", str(world))
                    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
                        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({collection.table})")}
                    assert columns and named <= columns, (system.id, collection.id, named - columns)
                    assert columns <= named, f"{collection.id}: columns not explained: {columns - named}"
                else:
                    header = set(_csv_rows(world, collection)[0]) | {"_line"}
                    assert named <= header and header <= named, (collection.id, named ^ header)
            for ref in system.references:
                # The documented meaning: the child's column holds the parent's key.
                assert ref.parent[1] in system.collections[ref.parent[0]].key


# ------------------------------------------------------------------------- ground truth


def test_the_ground_truth_refers_to_rows_that_exist_and_people_who_exist(
    world: Path, truth: list[dict[str, str]], people: list[dict[str, str]]
) -> None:
    config = load_configuration(world / "config")
    pids = {p["person_id"] for p in people}
    assert truth and {t["person_id"] for t in truth} <= pids
    wanted: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in truth:
        wanted[(row["controller"], row["system"], row["collection"])].add(row["key"])
    for (controller_id, system_id, collection_id), keys in wanted.items():
        system = config.controllers[controller_id].systems[system_id]
        collection = system.collections[collection_id]
        if system.connector == "csv":
            lines = len(_csv_rows(world, collection))
            assert all(1 <= int(k) <= lines for k in keys), collection_id
            continue
        url = system.connection.url.replace("{workspace}", str(world))
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            columns = ", ".join(collection.key)
            # Keys as dsar.records.make_key writes them: values joined by "/".
            existing = {"/".join(str(v) for v in row)
                        for row in conn.execute(f"SELECT {columns} FROM {collection.table}")}
        assert keys <= existing, (collection_id, sorted(keys - existing)[:5])


def test_every_row_of_every_table_belongs_to_someone(world: Path, truth: list[dict[str, str]]) -> None:
    counts = Counter((t["controller"], t["collection"]) for t in {
        (r["controller"], r["collection"], r["key"]): r for r in truth}.values())
    with _db(world, "bjorkelid-il", "medlemsregister.db") as conn:
        for table in ("medlem", "kontakt", "kontingent"):
            assert counts[("bjorkelid-il", table)] == conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    with _db(world, "strikkeloftet", "nettbutikk.db") as conn:
        assert counts[("strikkeloftet", "ordre")] == conn.execute("SELECT count(*) FROM ordre").fetchone()[0]


def test_a_shared_household_row_lists_everyone_who_shares_it(world: Path, truth: list[dict[str, str]]) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in truth:
        owners[(row["collection"], row["key"])].add(row["person_id"])
    units = [o for (collection, _), o in owners.items() if collection == "leilighet"]
    assert sum(len(o) >= 2 for o in units) > 0.3 * len(units)
    contacts = [o for (collection, _), o in owners.items() if collection == "kontakt"]
    # A guardian's row on a child's membership: the guardian and the child.
    assert sum(len(o) >= 2 for o in contacts) > 0.2 * len(contacts)


# ---------------------------------------------------------------------- the population


def test_households_follow_ssb_household_types(people: list[dict[str, str]]) -> None:
    households = {p["household_id"]: p["household_type"] for p in people}
    counts = Counter(households.values())
    total_ssb = sum(n for _, n in P.HOUSEHOLD_TYPES)
    for kind, ssb in P.HOUSEHOLD_TYPES:
        assert abs(counts[kind] / len(households) - ssb / total_ssb) < 0.05, kind
    assert 1.95 < len(people) / len(households) < 2.3  # SSB 2023: 2.11


@pytest.mark.parametrize(("low", "high", "share_range"), [
    # SSB 1 January 2024: 0-14 about 16-17 %, 15-17 about 3.5 %, 0-17 about 20 %.
    (0, 14, (0.13, 0.23)),
    (15, 17, (0.02, 0.06)),
    (18, 120, (0.74, 0.85)),
])
def test_ages_follow_the_population(people: list[dict[str, str]], low: int, high: int,
                                    share_range: tuple[float, float]) -> None:
    share = sum(low <= int(p["age"]) <= high for p in people) / len(people)
    assert share_range[0] <= share <= share_range[1], share


def test_guardians_ask_for_every_child_under_15_and_for_about_half_of_those_15_to_17(
    people: list[dict[str, str]]
) -> None:
    by_id = {p["person_id"]: p for p in people}
    under_15 = [p for p in people if int(p["age"]) < 15]
    teens = [p for p in people if 15 <= int(p["age"]) <= 17]
    assert all(p["relation"] == "guardian" for p in under_15)
    assert 0.25 < sum(p["relation"] == "guardian" for p in teens) / len(teens) < 0.75
    for p in people:
        if p["relation"] == "guardian":
            guardian = by_id[p["guardian_id"]]
            assert guardian["household_id"] == p["household_id"] and int(guardian["age"]) >= 18
            assert int(p["age"]) < 18
        else:
            assert p["relation"] == "self" and not p["guardian_id"]


def test_everyone_gives_something_to_search_by_and_identifiers_are_nobody_elses(
    people: list[dict[str, str]]
) -> None:
    assert all(p["emails"] or p["phones"] for p in people)
    holders: dict[str, set[str]] = defaultdict(set)
    for p in people:
        for email in filter(None, p["emails"].split("; ")):
            holders[email].add(p["household_id"])
        for phone in filter(None, p["phones"].split("; ")):
            holders[re.sub(r"\D", "", phone)[-8:]].add(p["household_id"])
    # Shared identifiers are shared within a household (a family address, a landline, a
    # guardian's mobile), never between strangers.
    assert all(len(h) == 1 for h in holders.values())


# Each hard case: (people.csv column or predicate, expected share of people, and why).
HARD_CASES = [
    ("shares_email_with", 0.15, 0.50, "family addresses and guardians' addresses (SSB household types)"),
    ("shares_phone_with", 0.15, 0.50, "guardians' mobiles and landlines"),
    ("namesake_of", 0.005, 0.05, "name frequencies (SSB) plus PLANTED_NAMESAKES"),
    ("same_first_name_as", 0.005, 0.04, "JR_SR"),
    ("phone_only", 0.05, 0.16, "REQUEST_PHONE_ONLY and people with no e-mail"),
    ("changed_email", 0.04, 0.12, "CHANGED_EMAIL of adults 25+ with an address"),
    ("gives_old_email", 0.005, 0.04, "CHANGED_EMAIL_GIVES_OLD"),
    ("name_only_rows", 0.02, 0.12, "dugnad rows without phone, children in the housing register, CRM household"),
    ("phone_outside_plan", 0.04, 0.14, "MOBILE_SERIES: the newest 4-series ranges"),
    ("middle_name", 0.08, 0.25, "ADULT_MIDDLE_NAME, CHILD_MIDDLE_NAME"),
    ("dnumber", 0.003, 0.03, "DNUMBER_LABOUR_MIGRANT"),
    ("email_idn", 0.004, 0.03, "IDN_EMAIL"),
    ("email_tagged", 0.0005, 0.01, "SHOP_TAGGED_EMAIL"),
]


@pytest.mark.parametrize(("column", "low", "high", "why"), HARD_CASES, ids=[c[0] for c in HARD_CASES])
def test_each_hard_case_is_present_at_about_its_rate(people: list[dict[str, str]], column: str, low: float,
                                                     high: float, why: str) -> None:
    share = _share(people, column)
    assert low <= share <= high, (column, share, why)


def test_requests_with_a_surname_only_an_empty_name_or_another_script_are_few_but_there(
    people: list[dict[str, str]]
) -> None:
    kinds = Counter(p["request_name_kind"] for p in people)
    n = len(people)
    assert 0.5 * P.REQUEST_SURNAME_ONLY < kinds["surname_only"] / n < 2 * P.REQUEST_SURNAME_ONLY
    assert 0.3 * P.REQUEST_EMPTY_NAME < kinds["empty"] / n < 3 * P.REQUEST_EMPTY_NAME
    assert kinds["non_latin"] >= 3 and kinds["middle_omitted"] >= 10
    for p in people:
        if p["request_name_kind"] == "non_latin":
            assert not any("a" <= ch.lower() <= "z" for ch in p["name"])
        if p["request_name_kind"] == "empty":
            assert p["name"] == ""
        if p["request_name_kind"] == "surname_only":
            assert p["name"] == p["last_name"]


def test_names_are_registered_differently_across_systems(people: list[dict[str, str]]) -> None:
    variants = Counter(v for p in people for v in p["name_variants"].split())
    for variant in ("reversed", "middle_dropped", "ascii", "nfd", "typo", "upper", "lower", "initial",
                    "surname_first", "second_given_dropped", "hyphen_changed"):
        assert variants[variant] >= 2, (variant, variants)
    hyphenated = [p for p in people if "-" in p["last_name"]]
    assert len(hyphenated) >= 5


def test_parent_and_child_with_the_same_name_differ_only_by_birth_date(people: list[dict[str, str]]) -> None:
    by_id = {p["person_id"]: p for p in people}
    pairs = [(p, by_id[p["same_first_name_as"]]) for p in people if p["same_first_name_as"]]
    assert len(pairs) >= 6
    for a, b in pairs:
        assert (a["first_name"], a["last_name"]) == (b["first_name"], b["last_name"])
        assert a["household_id"] == b["household_id"] and a["true_birthdate"] != b["true_birthdate"]


# ---------------------------------------------------------------------- the data's shapes


def test_phones_are_stored_in_every_norwegian_spelling(world: Path, people: list[dict[str, str]]) -> None:
    spellings = {s for p in people for s in p["phone_spellings"].split()}
    assert {"plain", "groups", "pairs", "plus_groups", "plus", "zeros", "zeros_groups", "paren", "cc_space",
            "integer"} <= spellings
    with _db(world, "lindeberg-brl", "beboerregister.db") as conn:
        assert conn.execute("SELECT count(*) FROM beboer WHERE typeof(mobil) = 'integer'").fetchone()[0] > 0
    with _db(world, "nordbyen-fysio", "timebok.db") as conn:
        numbers = [r[0] for r in conn.execute("SELECT mottaker FROM sms_logg")]
    assert numbers and all(re.fullmatch(r"47\d{8}", n) for n in numbers)
    with _db(world, "bjorkelid-il", "medlemsregister.db") as conn:
        values = [r[0] for r in conn.execute("SELECT verdi FROM kontakt WHERE type = 'Mobil'")]
    assert any(v.startswith("(+47)") for v in values) and any(v.startswith("0047") for v in values)


def test_emails_are_stored_in_case_variants_with_blanks_tags_and_idn(world: Path) -> None:
    stored = []
    for controller, db, sql in (
        ("bjorkelid-il", "medlemsregister.db", "SELECT verdi FROM kontakt WHERE type = 'E-post'"),
        ("strikkeloftet", "nettbutikk.db", "SELECT epost FROM kunde UNION ALL SELECT epost FROM ordre"),
        ("kystkultur-vest", "crm.db", "SELECT epost FROM person WHERE epost IS NOT NULL"),
    ):
        with _db(world, controller, db) as conn:
            stored += [r[0] for r in conn.execute(sql)]
    assert any(e != e.strip() for e in stored)
    assert any(e.strip() != e.strip().lower() for e in stored)
    assert any("+strikk@" in e for e in stored)
    assert any(not e.isascii() for e in stored)
    with (world / "sources" / "strikkeloftet" / "nyhetsbrev_medlemmer.csv").open(encoding="utf-8") as handle:
        exported = handle.read()
    assert "@xn--" in exported or any("@xn--" in e for e in stored)  # IDN in its ASCII form


def test_birth_dates_are_text_in_norwegian_formats_and_fodselsnummer_valid(
    world: Path, people: list[dict[str, str]], truth: list[dict[str, str]]
) -> None:
    from stdnum.no import fodselsnummer

    with _db(world, "kystkultur-vest", "crm.db") as conn:
        dates = [r[0] for r in conn.execute("SELECT fodselsdato FROM person WHERE fodselsdato IS NOT NULL")]
    for pattern in (r"\d\d\.\d\d\.\d{4}", r"\d{1,2}\.\d{1,2}\.\d\d", r"\d{4}-\d\d-\d\d 00:00:00"):
        assert any(re.fullmatch(pattern, d) for d in dates), pattern
    with _db(world, "nordbyen-fysio", "timebok.db") as conn:
        numbers = dict(conn.execute("SELECT pasient_id, fodselsnummer FROM pasient"))
    assert all(fodselsnummer.is_valid(n) for n in numbers.values())
    assert any(" " in n for n in numbers.values())
    born = {p["person_id"]: p["true_birthdate"] for p in people}
    owners = defaultdict(set)
    for row in truth:
        if row["collection"] == "pasient":
            owners[int(row["key"])].add(born[row["person_id"]])
    for key, number in numbers.items():
        assert fodselsnummer.get_birth_date(number).isoformat() in owners[key]
    assert any(p["dnumber"] for p in people)  # day + 40
    with (world / "sources" / "kystkultur-vest" / "pamelding_arrangementer.csv").open(encoding="utf-8") as handle:
        typed = [r["Fødselsdato"] for r in csv.DictReader(handle) if r["Fødselsdato"]]
    assert any(re.fullmatch(r"\d{6}", d) for d in typed) and any(re.fullmatch(r"\d{8}", d) for d in typed)


def test_identifiers_live_only_in_child_tables_and_shared_rows_carry_no_name(world: Path) -> None:
    with _db(world, "bjorkelid-il", "medlemsregister.db") as conn:
        member_columns = {r[1] for r in conn.execute("PRAGMA table_info(medlem)")}
        assert not member_columns & {"epost", "mobil", "telefon", "verdi"}
    with _db(world, "strikkeloftet", "nettbutikk.db") as conn:
        guests = conn.execute("SELECT count(*) FROM ordre WHERE kunde_id IS NULL").fetchone()[0]
        orders = conn.execute("SELECT count(*) FROM ordre").fetchone()[0]
    assert 0.2 < guests / orders < 0.7  # SHOP_GUEST_ONLY and SHOP_ACCOUNT_GUEST_ORDER
    with _db(world, "lindeberg-brl", "beboerregister.db") as conn:
        unit_columns = {r[1] for r in conn.execute("PRAGMA table_info(leilighet)")}
        assert "navn" not in unit_columns
        assert conn.execute("SELECT count(*) FROM leilighet WHERE telefon IS NOT NULL").fetchone()[0] > 0


def test_name_only_rows_exist_in_a_windows_spreadsheet(world: Path) -> None:
    raw = (world / "sources" / "bjorkelid-il" / "dugnadsliste.csv").read_bytes()
    assert b"\r\n" in raw
    rows = list(csv.DictReader(raw.decode("cp1252").splitlines(), delimiter=";"))
    no_phone = [r for r in rows if not r["Telefon"]]
    assert 0.4 < len(no_phone) / len(rows) < 0.8  # VOLUNTEER_ROW_PHONE
    assert any(", " in r["Navn"] for r in rows)


def test_the_accuracy_benchmark_reads_the_world_and_prints_its_figures_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``bench.accuracy --world unseen --json`` scores every person against this ground truth.
    Only the shape of the answer is checked here, not how well the product does."""
    import json

    from bench.accuracy import main

    monkeypatch.setenv("DSAR_BENCH_DIR", str(tmp_path))
    assert main(["--world", "unseen", "--scale", "0.05", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["world"] == "unseen" and data["people"] > 50
    assert len(data["per_system"]) == 8
    for figures in [data["overall"], *data["per_system"].values()]:
        assert {"recall", "auto_recall", "wrong_auto_included", "review_load", "over_holding"} <= set(figures)
        assert 0 <= figures["auto_recall"] <= figures["recall"] <= 1
    assert data["overall"]["truth"] > 100
    assert data["second_search"]["questions"] >= data["second_search"]["confirmed"] >= 0

    # Several worlds: each one's figures, and their sum.
    assert main(["--world", "unseen", "--scale", "0.05", "--seed", "2026", "7", "--json"]) == 0
    both = json.loads(capsys.readouterr().out)
    assert [w["seed"] for w in both["worlds"]] == [2026, 7]
    assert both["worlds"][0]["overall"] == data["overall"]
    assert both["overall"]["truth"] == sum(w["overall"]["truth"] for w in both["worlds"])


def test_what_the_person_holds_includes_what_they_give(people: list[dict[str, str]]) -> None:
    # holds_emails / holds_phones: what the asker would confirm when staff ask about an e-mail
    # or phone found in their records (the benchmark's second search).
    from dsar.identity import normalize_email, normalize_phone

    def norm(values: str, normalise) -> set[str]:
        return {normalise(v) for v in values.split("; ") if v}

    more = 0
    for p in people:
        holds_e, holds_p = norm(p["holds_emails"], normalize_email), norm(p["holds_phones"], normalize_phone)
        assert norm(p["emails"], normalize_email) <= holds_e, p["person_id"]
        assert norm(p["phones"], normalize_phone) <= holds_p, p["person_id"]
        more += bool(holds_e - norm(p["emails"], normalize_email) or holds_p - norm(p["phones"], normalize_phone))
    assert 0.2 < more / len(people) < 0.9  # many hold an address or number they don't give


def test_a_second_search_finds_more_of_the_persons_own_and_releases_nobody_elses(
    world: Path, people: list[dict[str, str]]
) -> None:
    from bench.accuracy import evaluate

    # People who changed their e-mail and didn't give the old one: old orders, old sign-ups.
    asked = [p["person_id"] for p in people if p["changed_email"] and not p["gives_old_email"]][:60]
    first = evaluate(world, person_ids=asked, second_search=False).total
    result = evaluate(world, person_ids=asked)
    second = result.total
    assert result.questions > 0 and 0 < result.confirmed <= result.questions and result.second_searches > 0
    assert second.found_own > first.found_own
    assert first.released_foreign == second.released_foreign == 0
