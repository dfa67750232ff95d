"""The request store on SQLite and PostgreSQL: registration, outcomes, review, audit."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dsar.config.models import Controller
from dsar.errors import InputError, RequestNotFound
from dsar.store import Person, RequestStore

CONTROLLER = Controller(
    id="stavanger-foto",
    name="Alexander AS",
    address=["Lars Hertervigs gate 3B", "4005 Stavanger"],
    email="post@stavangerfoto.no",
    responsible="Daglig leder",
    promised_days=30,
    languages=["nb", "en"],
)
KARI = Person(name="Kari Nordmann", emails=("kari.nordmann@example.no",), phones=("+4791234567",))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, data_key):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # each test starts from an empty schema
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
    s = RequestStore(url, data_key)
    yield s
    s.close()


def register(store: RequestStore, **kw):
    args = dict(
        controller=CONTROLLER,
        person=KARI,
        received_on=date(2026, 11, 2),
        channel="email",
        actor="tester",
        verification_method="email-code",
        today=date(2026, 11, 22),
    )
    args.update(kw)
    return store.register(**args)


def test_register_computes_deadlines_and_opens_sealed_identity(store):
    request = register(store)
    assert request.id.startswith("INN-2026-")
    assert request.verified and request.status == "registered"
    # Received Mon 2 Nov 2026: promise 2 Dec (30 days), law 2 Dec too; the earlier is due.
    assert request.due_legal == date(2026, 12, 2)
    assert request.due == min(request.due_legal, request.due_promised)
    again = store.get(request.id)
    assert again.person == KARI
    assert "Kari" not in repr(again) and "91234567" not in repr(again)


def test_identity_is_sealed_at_rest(store):
    request = register(store)
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT * FROM requests").mappings().one()
    dump = " ".join(str(v) for v in row.values())
    for clear in ("Kari", "Nordmann", "kari.nordmann", "91234567"):
        assert clear not in dump
    assert row["id"] == request.id


def test_unverified_request_waits_for_verification(store):
    request = register(store, verification_method=None)
    assert request.status == "awaiting_verification" and not request.verified
    verified = store.verify(request.id, "bankid", "tester")
    assert verified.verified and verified.status == "registered"


@pytest.mark.parametrize(
    "kw, message",
    [
        # A name alone finds strangers: a request needs something to search by.
        (dict(person=Person(name="Kari Nordmann")), "e-post eller telefon"),
        (dict(channel="pigeon"), "ukjent kanal"),
        (dict(verification_method="id-copy"), "ukjent verifiseringsmetode"),
        (dict(relation="guardian"), "trenger navnet på den som spør"),
        (dict(relation="agent", requested_by="Advokat AS"), "fullmakt"),
        (dict(language="de"), "skriver brev på nb, en"),
        (dict(received_on=date(2027, 1, 1)), "fram i tid"),
        (dict(person=Person(name="K", emails=("k@example.no",)), password_channel="sms"), "ikke noe telefonnummer"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(store, kw, message):
    with pytest.raises(InputError, match=message):
        register(store, **kw)
    assert store.summaries(date(2026, 11, 22)) == []


def test_system_outcomes_review_and_summary(store):
    request = register(store)
    runs = store.prepare_runs(request.id, ["nettbutikk", "nyhetsbrev"])
    assert [r.status for r in runs.values()] == ["pending", "pending"]
    store.system_started(request.id, "nettbutikk")
    store.system_finished(
        request.id,
        "nettbutikk",
        confirmed={"customers": 1, "orders": 3},
        held={"customers": 1},
        review_refs=[("customers/77", "name_differs", {"conflicts": ["name_differs"]})],
    )
    store.system_started(request.id, "nyhetsbrev")
    store.system_failed(request.id, "nyhetsbrev", "systemet 'nyhetsbrev': filen finnes ikke")
    runs = store.system_runs(request.id)
    assert runs["nettbutikk"].done and runs["nettbutikk"].records == 4
    assert runs["nyhetsbrev"].status == "failed" and not runs["nyhetsbrev"].done
    [summary] = store.summaries(date(2026, 11, 22))
    assert summary.failed_systems == ("nyhetsbrev",) and summary.held == 1
    assert summary.days_left == (summary.due - date(2026, 11, 22)).days

    [item] = store.review_items(request.id)
    assert item.decision is None
    store.decide(request.id, item.id, "accepted", "tester")
    [decided] = store.review_items(request.id)
    assert (decided.record_ref, decided.decision, decided.decided_by) == ("customers/77", "accepted", "tester")
    with pytest.raises(InputError):
        store.decide(request.id, item.id, "maybe", "tester")


def test_audit_is_append_only(store):
    request = register(store)
    store.set_status(request.id, "running", "flow")
    actions = [e.action for e in store.audit_log(request.id)]
    assert actions == ["registered", "status"]
    with pytest.raises(sa.exc.DatabaseError):
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_events SET actor = 'someone else'")
    with pytest.raises(sa.exc.DatabaseError):
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_events")
    assert len(store.audit_log(request.id)) == 2


def test_audit_details_carry_no_personal_data(store):
    request = register(store)
    for entry in store.audit_log(request.id):
        text = str(entry.detail)
        assert "Kari" not in text and "kari.nordmann" not in text and "9123" not in text


def test_extension_must_be_notified_before_the_first_deadline(store):
    request = register(store)
    extended = store.extend(request.id, 2, "mange systemer", request.due, "tester", today=request.due)
    assert extended.due_extended is not None and extended.due == extended.due_extended
    assert extended.due > request.due
    later = register(store)
    with pytest.raises(InputError, match="før den første fristen"):
        store.extend(later.id, 1, "for sent", date(2027, 1, 15), "tester", today=date(2027, 1, 15))


def test_unknown_request(store):
    with pytest.raises(RequestNotFound):
        store.get("INN-2026-NOPE00")


def test_a_pause_stops_the_clock(store):
    request = register(store)  # received 2 Nov 2026, due 2 Dec
    paused = store.pause(request.id, date(2026, 11, 5), "ba om bekreftelse av adresse", "tester", today=date(2026, 11, 5))
    # While waiting, the days left stand still however many days pass.
    left = [store.summaries(date(2026, 11, d))[0] for d in (6, 20)]
    assert all(s.paused for s in left) and left[0].days_left == left[1].days_left
    with pytest.raises(InputError, match="klokken står allerede"):
        store.pause(request.id, date(2026, 11, 6), "igjen", "tester", today=date(2026, 11, 6))
    resumed = store.resume(request.id, date(2026, 11, 15), "tester", today=date(2026, 11, 15))  # stood still 10 days
    # Law: 2 Dec + 10 days = Sat 12 Dec, moved to Mon 14 Dec. The promise (30 days + 10) is
    # not a legal period and is not moved: Sat 12 Dec, the earlier, is due.
    assert (resumed.due_legal, resumed.due_promised, resumed.due) == (
        date(2026, 12, 14), date(2026, 12, 12), date(2026, 12, 12)
    )
    assert paused.due >= request.due
    again = store.extend(request.id, 1, "mange systemer", date(2026, 12, 1), "tester", today=date(2026, 12, 1))
    assert again.due_promised == date(2026, 12, 12)  # recomputing never drifts
    with pytest.raises(InputError, match="klokken står ikke"):
        store.resume(request.id, date(2026, 11, 16), "tester", today=date(2026, 11, 16))
    assert [e.action for e in store.audit_log(request.id)][-3:] == ["paused", "resumed", "extended"]


# Each row: the birth date of the person a guardian asks for (received 2 Nov 2026), the
# reference to the child's consent, and whether a guardian may ask: only for a child, by the
# birth date (parental responsibility ends at 18), from 15 with the child's written consent.
@pytest.mark.parametrize(
    ("birthdate", "mandate", "allowed"),
    [("2015-06-01", None, True), ("2011-11-03", None, True), ("2011-11-02", None, False),
     ("2009-11-03", None, False), ("2009-11-03", "samtykke 2026-11-01", True),
     ("2008-11-02", "samtykke 2026-11-01", False), ("1960-04-04", None, False), (None, None, False)],
    ids=["child", "14-year-old", "turned-15-that-day", "17-year-old-without-consent", "17-year-old-with-consent",
         "turned-18-that-day", "adult-1960", "no-birth-date"],
)
def test_a_guardian_asks_only_for_a_child(store, birthdate, mandate, allowed):
    person = Person.from_given("Emma Nordmann", emails=["kari@example.no"], birthdate=birthdate)
    kwargs = dict(person=person, relation="guardian", requested_by="Kari Nordmann", mandate=mandate)
    if allowed:
        assert register(store, **kwargs).relation == "guardian"
    else:
        with pytest.raises(InputError, match="verge|samtykke"):
            register(store, **kwargs)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM requests").scalar() == 0


def test_the_open_questions_count_is_kept_per_system_and_audited_without_values(store):
    request = register(store)
    store.prepare_runs(request.id, ["nettbutikk"])
    store.system_started(request.id, "nettbutikk")
    store.system_finished(request.id, "nettbutikk", confirmed={"customers": 1}, held={}, review_refs=[],
                          unattributed=2)
    assert store.system_runs(request.id)["nettbutikk"].unattributed == 2
    [event] = [e for e in store.audit_log(request.id) if e.action == "system_finished"]
    assert event.detail["unattributed"] == 2


def test_an_item_whose_records_changed_gets_a_new_number_and_the_old_one_is_refused(store):
    request = register(store)
    store.prepare_runs(request.id, ["nettbutikk"])
    held = [("customers/5", "surname_differs", {"conflicts": ["surname_differs"]})]
    store.system_finished(request.id, "nettbutikk", confirmed={}, held={"customers": 1}, review_refs=held,
                          contents={"customers/5": "a" * 64})
    [first] = store.review_items(request.id)
    store.system_finished(request.id, "nettbutikk", confirmed={}, held={"customers": 1}, review_refs=held,
                          contents={"customers/5": "a" * 64})
    assert [i.id for i in store.review_items(request.id)] == [first.id]  # unchanged: the same item
    store.system_finished(request.id, "nettbutikk", confirmed={}, held={"customers": 1}, review_refs=held,
                          contents={"customers/5": "b" * 64})
    [second] = store.review_items(request.id)
    assert second.id != first.id and second.record_ref == "customers/5"
    with pytest.raises(InputError, match=f"erstattet av {second.id}"):
        store.decide(request.id, first.id, "accepted", "kari.n")
    store.decide(request.id, second.id, "accepted", "kari.n")
    assert store.review_items(request.id)[0].decision == "accepted"


def test_identifiers_added_are_checked_and_normalised_and_a_bad_one_changes_nothing(store):
    request = register(store)
    store.add_identifiers(request.id, phones=["22 33 44 55"], emails=["Ola.Hansen@Example.NO "], actor="kari.n")
    assert "+4722334455" in store.get(request.id).person.phones
    with pytest.raises(InputError):
        store.add_identifiers(request.id, phones=["ring meg"], actor="kari.n")
    assert store.get(request.id).person.phones.count("+4722334455") == 1


def test_the_person_counts_as_asked_once_staff_say_so(store):
    added, marked = register(store), register(store)
    assert not store.identifiers_asked(added.id) and not store.identifiers_asked(marked.id)
    store.add_identifiers(added.id, phones=["+47 41 23 45 67"], actor="test")
    store.mark_asked(marked.id, actor="test")
    # An address added (perhaps from the person's own records) is not asking them.
    assert not store.identifiers_asked(added.id) and store.identifiers_asked(marked.id)
    [event] = [e for e in store.audit_log(marked.id) if e.action == "identifiers_asked"]
    assert event.detail == {} and event.actor == "test"
    with pytest.raises(RequestNotFound):
        store.mark_asked("R-nope", actor="test")


def test_staff_correct_a_thin_name_and_every_system_is_searched_again_without_the_name_in_the_audit(store):
    request = register(store, person=Person.from_given("Nordmann", emails=["kari@example.no"]))
    store.prepare_runs(request.id, ["nettbutikk"])
    store.system_started(request.id, "nettbutikk")
    store.system_finished(request.id, "nettbutikk", confirmed={"customers": 1}, held={}, review_refs=[])
    corrected = store.correct_name(request.id, "Kari Nordmann", actor="test")
    assert corrected.person.name == "Kari Nordmann" and not store.identifiers_asked(request.id)
    assert store.system_runs(request.id)["nettbutikk"].status == "pending"
    [event] = [e for e in store.audit_log(request.id) if e.action == "name_corrected"]
    assert event.detail == {} and "Kari" not in repr(store.audit_log(request.id))
    with pytest.raises(InputError, match="allerede"):
        store.correct_name(request.id, "Kari Nordmann", actor="test")
    with pytest.raises(InputError):
        store.correct_name(request.id, "Kari\x00Nordmann", actor="test")
    assert store.get(request.id).person.name == "Kari Nordmann"


def test_staff_add_a_birth_date_and_every_system_is_searched_again_without_the_date_in_the_audit(store):
    request = register(store, person=Person.from_given("Kari Nordmann", emails=["kari@example.no"]))
    store.prepare_runs(request.id, ["nettbutikk"])
    store.system_started(request.id, "nettbutikk")
    store.system_finished(request.id, "nettbutikk", confirmed={"customers": 1}, held={}, review_refs=[])
    # Bad input changes nothing.
    for bad in ("", "31.02.1980", "i fjor", "01.01.2999"):
        with pytest.raises(InputError):
            store.add_birthdate(request.id, bad, actor="test")
    assert store.get(request.id).person.birthdate is None
    assert store.system_runs(request.id)["nettbutikk"].status != "pending"
    # A national id keeps only the date it shows.
    added = store.add_birthdate(request.id, "031198 12363", actor="test")
    assert added.person.birthdate == date(1998, 11, 3)
    assert store.system_runs(request.id)["nettbutikk"].status == "pending"
    [event] = [e for e in store.audit_log(request.id) if e.action == "birthdate_added"]
    assert event.detail == {} and "1998" not in repr(store.audit_log(request.id))
    # A birth date is never changed behind a search.
    with pytest.raises(InputError, match="allerede"):
        store.add_birthdate(request.id, "16.03.1985", actor="test")
    assert store.get(request.id).person.birthdate == date(1998, 11, 3)
    with pytest.raises(RequestNotFound):
        store.add_birthdate("R-nope", "15.03.1985", actor="test")


def test_identifiers_may_be_added_before_verification_and_not_while_a_search_runs(store):
    waiting = register(store, verification_method=None)
    assert waiting.status == "awaiting_verification"
    assert "+4741234567" in store.add_identifiers(waiting.id, phones=["41234567"], actor="test").person.phones
    running = register(store)
    store.acquire_run(running.id, "another-machine:4242")  # a live run elsewhere
    for change in (lambda: store.add_identifiers(running.id, phones=["41234567"], actor="test"),
                   lambda: store.correct_name(running.id, "Kari Marie Nordmann", actor="test"),
                   lambda: store.add_birthdate(running.id, "15.03.1985", actor="test")):
        with pytest.raises(InputError, match="kjøres nå"):
            change()
    after = store.get(running.id).person
    assert (after.phones, after.name, after.birthdate) == (KARI.phones, KARI.name, KARI.birthdate)


def test_a_request_searched_again_no_longer_offers_the_package_built_before(store, tmp_path):
    # The answer built before may hold what the new search drops (an acceptance that falls
    # away once a birth date is added): it is not offered until the next run builds one.
    request = register(store)
    path = store.reserve_package(request.id, tmp_path, complete=True)
    store.record_package(request.id, path=path, sha256="0" * 64, size=1, records=1, complete=True)
    assert store.latest_package(request.id) is not None
    store.add_birthdate(request.id, "15.03.1985", actor="test")
    assert store.latest_package(request.id) is None
    # No sealed password beside it: it was shown, so it may be with the person (audited apart).
    [event] = [e for e in store.audit_log(request.id) if e.action == "package_shown_superseded"]
    assert event.detail == {"file": path.name, "reason": "searched_again"}


def test_marking_a_delivered_request_asked_is_refused(store):
    from dsar.store.states import RequestStatus

    request = register(store)
    store.set_status(request.id, RequestStatus.RUNNING, "flow")
    store.set_status(request.id, RequestStatus.COMPLETE, "flow")
    store.deliver(request.id, "email", date(2026, 11, 20), "test", today=date(2026, 11, 22))
    with pytest.raises(InputError, match="ingenting å spørre om"):
        store.mark_asked(request.id, actor="test")
    assert not store.identifiers_asked(request.id)
