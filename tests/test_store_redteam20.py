"""Red-team round 20: the store-level changes of 187e1db (a search again supersedes the built
package; an acceptance given through ``reconsider`` falls away when the conflicts grow),
88d3192/6f2fa26/1e088cc/439bcaf (acceptances voided, ``NOT_HELD`` items) and 5d8b172 (the
dashboard's question forms; ``_not_while_running``).

Findings (both fixed since: the lease is read inside the changing transaction, after its writes,
with the request's row locked, ``acquire_run`` locking it too; ``deliver`` refuses while systems
searched before wait to be searched again):

- WRONG ``test_a_run_that_takes_the_lease_between_the_check_and_the_commit_does_not_answer_complete``:
  ``RequestStore._not_while_running`` reads the lease in its own session
  (``run_holder`` -> ``self._session()``), apart from the transaction that changes the
  identifiers, and ``acquire_run`` does not lock the request's row. A run that takes the lease
  after the check and reads the request before the change commits searches with the old
  identifiers; its ``system_finished`` then overwrites the ``pending`` that ``_search_again``
  wrote, its ``record_package`` makes a fresh ``built`` package, and the request reads
  ``complete`` while no system was ever searched with the e-mail the person gave. (Line:
  ``repository.py`` ``_not_while_running``/``add_identifiers`` - the check is not in the
  updating transaction; ``system_finished`` sets COMPLETE unconditionally.)
- LOSS ``test_a_request_whose_only_package_was_superseded_cannot_be_marked_delivered``:
  ``RequestStore.deliver`` (and so ``dsar request deliver`` and the dashboard's deliver route)
  checks no package: after ``add_identifiers`` superseded the only package and put every
  system back to pending, staff can still mark the request delivered. The clock stops, and
  from then on ``add_identifiers`` refuses ("et nytt søk er ikke lenger mulig") and the flow
  refuses a delivered request: the e-mail the person gave is never searched, their records
  behind it are lost for good, while the request reads answered.

Held safe (controls):

- after ``add_identifiers``, ``correct_name`` and ``add_birthdate`` ``latest_package`` is None
  (audited ``package_superseded``, file name only); the dashboard's download route answers 404
  and its password route shows no password for the superseded package, nor does
  ``dsar password``;
- a superseded package whose password was already shown stays on disk when the next build
  retires the unshown ones (``_retire_unshown`` keys on the sealed password file); an unshown
  superseded one goes with its sealed password;
- the identifier changes are refused while a live lease is held at the time of the check;
- an acceptance given through ``reconsider`` stands over a search whose conflicts did not
  grow, falls away when they grow (audited, ``evidence_changed``), and a second
  ``reconsider`` + accept then stands; an accepted item that is no longer held is hidden and
  ``decide`` refuses it; accepting a ``NOT_HELD`` item carrying a rejection only withdraws it;
- the dashboard's forms on a delivered request and for another controller's staff are refused;
  a refused e-mail, phone, name or birth date is not echoed in the flash, the audit or the
  redirect.

Not asserted, for the record: a package whose password was shown (staff may already have
sent it, the request not yet marked delivered) is superseded with the same audit line as one
nobody could open; nothing tells staff that the person may hold an answer now known to be
incomplete. (Addressed since: ``package_shown_superseded`` and the request page's warning,
``tests/test_store_search_again_packages.py``; an unshown package is now removed at once.)
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from dsar.errors import InputError
from dsar.store import Person, RequestStore
from dsar.store.states import RequestStatus
from tests.test_store import CONTROLLER, KARI

SYSTEM = "butikk"
NEW_EMAIL = "kari.privat@example.no"


@pytest.fixture
def store(tmp_path, data_key):
    s = RequestStore(f"sqlite:///{tmp_path / 'store.db'}", data_key)
    yield s
    s.close()


def _register(store: RequestStore, person: Person = KARI) -> str:
    return store.register(
        controller=CONTROLLER, person=person, received_on=date(2026, 11, 2), channel="email", actor="tester",
        verification_method="email-code", today=date(2026, 11, 22),
    ).id


def _searched(store: RequestStore, request_id: str) -> None:
    store.prepare_runs(request_id, [SYSTEM])
    store.system_started(request_id, SYSTEM)
    store.system_finished(request_id, SYSTEM, confirmed={"kunder": 1}, held={}, review_refs=[])


def _package(store: RequestStore, request_id: str, directory: Path, *, shown: bool = False) -> Path:
    """A built package as ``answer_request`` leaves it: the zip and, until shown, its sealed
    password beside it."""
    from dsar.delivery import seal_password

    directory.mkdir(parents=True, exist_ok=True)
    path = store.reserve_package(request_id, directory, complete=True)
    path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    if not shown:
        seal_password(store._key, path, "hemmelig-passord")
    store.record_package(request_id, path=path, sha256="0" * 64, size=22, records=1, complete=True)
    return path


def _complete(store: RequestStore, request_id: str, directory: Path, *, shown: bool = False) -> Path:
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    _searched(store, request_id)
    path = _package(store, request_id, directory, shown=shown)
    store.set_status(request_id, RequestStatus.COMPLETE, "flow")
    return path


# -- WRONG: the lease check and the change are two transactions --------------------------------


# Fixed: the lease is read inside the changing transaction, after its writes, with the request's
# row locked (``acquire_run`` locks it too): a run can no longer take the lease in between. The
# race this file staged (a second store acquiring the lease from inside the first's check) can't
# be staged any more on SQLite: the change's write lock holds the run's acquire_run back until
# the change has committed, and the run then reads the new identifiers.


def test_control_a_lease_held_at_the_check_refuses_every_change(store, tmp_path, data_key):
    request_id = _register(store)
    _complete(store, request_id, tmp_path / "exports")
    store.acquire_run(request_id, "worker-2.example:4242")
    for change in (lambda: store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff"),
                   lambda: store.correct_name(request_id, "Kari Marie Nordmann", actor="staff"),
                   lambda: store.add_birthdate(request_id, "15.03.1985", actor="staff")):
        with pytest.raises(InputError, match="kjøres nå"):
            change()
    assert store.get(request_id).status == "complete" and store.latest_package(request_id) is not None


# -- LOSS: delivered with no package, the new identifiers never searched ------------------------


def test_a_request_whose_only_package_was_superseded_cannot_be_marked_delivered(store, tmp_path):
    request_id = _register(store)
    _complete(store, request_id, tmp_path / "exports", shown=True)
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert store.latest_package(request_id) is None
    assert {r.status for r in store.system_runs(request_id).values()} == {"pending"}
    try:
        store.deliver(request_id, "email", date(2026, 11, 22), "staff", today=date(2026, 11, 22))
    except InputError:
        return  # safe
    # Delivered: the new e-mail is refused a search for good.
    with pytest.raises(InputError, match="ikke lenger mulig"):
        store.add_identifiers(request_id, emails=["enda.en@example.no"], actor="staff")
    assert store.get(request_id).status != "delivered", "answered without a search with the person's e-mail"


def test_control_a_partial_answer_with_its_package_may_still_be_delivered(store, tmp_path):
    request_id = _register(store)
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    _searched(store, request_id)
    _package(store, request_id, tmp_path / "exports")
    store.set_status(request_id, RequestStatus.INCOMPLETE, "flow")
    assert store.deliver(request_id, "email", date(2026, 11, 22), "staff", today=date(2026, 11, 22)).status == "delivered"


# -- held: the superseded package is not offered -----------------------------------------------


@pytest.mark.parametrize("change", [
    lambda s, rid: s.add_identifiers(rid, emails=[NEW_EMAIL], actor="staff"),
    lambda s, rid: s.add_identifiers(rid, phones=["41234567"], actor="staff"),
    lambda s, rid: s.correct_name(rid, "Kari Marie Nordmann", actor="staff"),
    lambda s, rid: s.add_birthdate(rid, "15.03.1985", actor="staff"),
], ids=["email", "phone", "name", "birthdate"])
def test_control_every_change_supersedes_every_built_package_and_audits_no_value(store, tmp_path, change):
    request_id = _register(store)
    first = _complete(store, request_id, tmp_path / "exports")
    second = _package(store, request_id, tmp_path / "exports")
    change(store, request_id)
    assert store.latest_package(request_id) is None
    assert store.get(request_id).status == "incomplete"
    events = [e for e in store.audit_log(request_id) if e.action == "package_superseded"]
    assert sorted(e.detail["file"] for e in events) == sorted([first.name, second.name])
    text = repr(store.audit_log(request_id))
    for value in ("kari.privat", "41234567", "Marie", "1985"):
        assert value not in text


def test_control_a_shown_superseded_package_is_kept_and_an_unshown_one_goes(store, tmp_path):
    from dsar.answer import _retire_unshown
    from dsar.delivery import SUFFIX

    exports = tmp_path / "exports"
    request_id = _register(store)
    shown = _complete(store, request_id, exports, shown=True)
    unshown = _package(store, request_id, exports)
    store.add_birthdate(request_id, "15.03.1985", actor="staff")
    newest = _package(store, request_id, exports)
    _retire_unshown(store, request_id, exports, keep=newest)
    assert shown.is_file(), "the person may hold this one: kept"
    assert not unshown.exists() and not Path(str(unshown) + SUFFIX).exists()
    assert store.latest_package(request_id).path == str(newest)


# -- held: reconsider, search again, reconsider again ----------------------------------------


def _finish(store, request_id, *, held=(), excluded_conflicts=None):
    store.system_started(request_id, SYSTEM)
    return store.system_finished(
        request_id, SYSTEM, confirmed={"kunder": 1}, held={"kunder": len(held)} if held else {},
        review_refs=[(ref, "name_only", {"conflicts": []}) for ref in held],
        excluded_conflicts=excluded_conflicts,
    )


def test_control_reconsider_search_again_reconsider_again(store):
    request_id = _register(store)
    store.prepare_runs(request_id, [SYSTEM])
    _finish(store, request_id, excluded_conflicts={"g2": ["email"]})
    item = store.reconsider(request_id, SYSTEM, "g2", "other_email", {"conflicts": ["email"]}, "staff")
    store.decide(request_id, item, "accepted", "staff")
    _finish(store, request_id, excluded_conflicts={"g2": ["email"]})  # nothing grew: stands
    assert {i.id: i.decision for i in store.review_items(request_id)}[item] == "accepted"
    _finish(store, request_id, excluded_conflicts={"g2": ["birthdate", "email"]})  # grew: voided
    assert {i.id: i.decision for i in store.review_items(request_id)}[item] is None
    assert any(e.action == "decision_voided" and e.detail.get("reason") == "evidence_changed"
               for e in store.audit_log(request_id))
    again = store.reconsider(request_id, SYSTEM, "g2", "other_email", {"conflicts": ["birthdate", "email"]}, "staff")
    assert again == item
    store.decide(request_id, item, "accepted", "staff")
    _finish(store, request_id, excluded_conflicts={"g2": ["birthdate", "email"]})
    assert {i.id: i.decision for i in store.review_items(request_id)}[item] == "accepted"


def test_control_an_item_no_longer_held_is_hidden_refused_and_a_rejection_is_only_withdrawn(store):
    request_id = _register(store)
    store.prepare_runs(request_id, [SYSTEM])
    _finish(store, request_id, held=("g1", "g3"))
    accepted = next(i.id for i in store.review_items(request_id) if i.record_ref == "g1")
    rejected = next(i.id for i in store.review_items(request_id) if i.record_ref == "g3")
    store.decide(request_id, accepted, "accepted", "staff")
    store.decide(request_id, rejected, "rejected", "staff")
    _finish(store, request_id, excluded_conflicts={"g1": ["birthdate"], "g3": ["birthdate"]})
    items = {i.id: i.decision for i in store.review_items(request_id)}
    assert accepted not in items and items[rejected] == "rejected"
    with pytest.raises(InputError, match="venter ikke lenger"):
        store.decide(request_id, accepted, "accepted", "staff")
    with pytest.raises(InputError, match="venter ikke lenger"):
        store.decide(request_id, rejected, "rejected", "staff")
    store.decide(request_id, rejected, "accepted", "staff")  # takes the rejection back, no more
    assert rejected not in {i.id for i in store.review_items(request_id)}
    assert all(e.detail.get("decision") != "accepted" for e in store.audit_log(request_id)
               if e.action == "review_decided" and e.detail.get("item") == rejected)


# -- held: the dashboard ----------------------------------------------------------------------


def test_control_the_dashboard_offers_no_superseded_package_nor_its_password(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from dsar.dashboard.app import create_app
    from dsar.store import open_store
    from tests.test_dashboard_questions import answer, dated_world, flashes, login, register

    ws = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    request_id = register(ws)
    store = open_store(ws)
    store.prepare_runs(request_id, list(ws.config.controller("testbutikk").systems))
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    from dsar.delivery import seal_password

    (ws.exports_dir / request_id).mkdir(parents=True, exist_ok=True)
    path = store.reserve_package(request_id, ws.exports_dir / request_id, complete=False)
    path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    seal_password(ws.data_key, path, "hemmelig-passord")
    store.record_package(request_id, path=path, sha256="0" * 64, size=22, records=0, complete=False)
    store.set_status(request_id, RequestStatus.INCOMPLETE, "flow")
    app = create_app(ws)
    with TestClient(app) as client:
        csrf = login(client)
        assert client.get(f"/requests/{request_id}/package").status_code == 200  # offered before
        page = answer(client, request_id, "add-identifiers", csrf, emails=NEW_EMAIL)
        assert NEW_EMAIL not in " ".join(flashes(page, "ok"))
        assert client.get(f"/requests/{request_id}/package").status_code == 404
        response = client.post(f"/requests/{request_id}/password", data={"csrf": csrf}, follow_redirects=True)
        assert "hemmelig-passord" not in response.text
        assert flashes(response.text, "error")
        # A refused value is echoed nowhere: flash, redirect, audit.
        for route, data in [("add-identifiers", {"emails": "kari@@bad.example"}),
                            ("add-identifiers", {"phones": "12ab34"}),
                            ("correct-name", {"name": "Kari\x1b[31m Nordmann"}),
                            ("add-birthdate", {"birthdate": "31.02.1985"})]:
            r = client.post(f"/requests/{request_id}/{route}", data={"csrf": csrf, **data}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == f"/requests/{request_id}"
            said = " ".join(flashes(client.get(r.headers["location"]).text, "error"))
            assert said
            for value in data.values():
                assert value not in said and re.sub(r"\W", "", value)[:6] not in said
        text = repr(open_store(ws).audit_log(request_id))
        assert "kari@@bad" not in text and "12ab34" not in text and "31.02" not in text


def test_control_dsar_password_gives_nothing_for_a_superseded_package(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dsar.cli import app as cli
    from dsar.delivery import SUFFIX, seal_password
    from dsar.store import open_store
    from tests.test_dashboard_questions import dated_world, register

    ws = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    request_id = register(ws)
    store = open_store(ws)
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    (ws.exports_dir / request_id).mkdir(parents=True, exist_ok=True)
    path = store.reserve_package(request_id, ws.exports_dir / request_id, complete=False)
    path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    seal_password(ws.data_key, path, "hemmelig-passord")
    store.record_package(request_id, path=path, sha256="0" * 64, size=22, records=0, complete=False)
    store.set_status(request_id, RequestStatus.INCOMPLETE, "flow")
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    result = CliRunner().invoke(cli, ["password", request_id, "--workspace", str(tmp_path)])
    assert "hemmelig-passord" not in result.output
    assert not Path(str(path) + SUFFIX).exists() and not path.exists()  # never shown: removed at once
