"""What a second search (an e-mail or phone added, the name corrected, a birth date added) does
to the packages built before and to the request's status (``RequestStore._search_again``).

- A package whose password was never shown can't be opened by anyone and may hold a record
  the new search no longer releases: it is removed at once with its sealed password (after the
  change commits; a refused change removes nothing), and nothing of another request is touched.
- A package whose password was shown may be with the person: it is kept, audited apart
  (``package_shown_superseded``) and shown on the request page as staff's to act on.
- ``needs_review`` becomes ``incomplete`` as ``complete`` does: every system waits for a run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsar.deadlines import today_oslo
from dsar.delivery import SUFFIX, take_password
from dsar.errors import InputError
from dsar.store import RequestStore
from dsar.store.states import RequestStatus
from tests.test_store_redteam20 import NEW_EMAIL, SYSTEM, _complete, _package, _register, _searched

CHANGES = {
    "email": lambda s, rid: s.add_identifiers(rid, emails=[NEW_EMAIL], actor="staff"),
    "name": lambda s, rid: s.correct_name(rid, "Kari Marie Nordmann", actor="staff"),
    "birthdate": lambda s, rid: s.add_birthdate(rid, "15.03.1985", actor="staff"),
}


@pytest.fixture
def store(tmp_path, data_key):
    s = RequestStore(f"sqlite:///{tmp_path / 'store.db'}", data_key)
    yield s
    s.close()


def _sealed(path: Path) -> Path:
    return Path(str(path) + SUFFIX)


def _actions(store: RequestStore, request_id: str, *actions: str) -> list[tuple[str, str]]:
    return [(e.action, e.detail["file"]) for e in store.audit_log(request_id) if e.action in actions]


SUPERSEDED = ("package_superseded", "package_shown_superseded")


# -- 1. an unshown package goes at once ---------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_an_unshown_package_is_removed_at_once_with_its_sealed_password(store, tmp_path, change):
    exports = tmp_path / "exports"
    request_id, other = _register(store), _register(store)
    path = _complete(store, request_id, exports / request_id)
    theirs = _complete(store, other, exports / other)
    change(store, request_id)
    assert not path.exists() and not _sealed(path).exists()
    assert _actions(store, request_id, *SUPERSEDED) == [("package_superseded", path.name)]
    # Another request's package and password are not touched.
    assert theirs.is_file() and _sealed(theirs).is_file()
    assert store.latest_package(other).path == str(theirs)


def test_a_package_already_gone_is_no_error_and_its_sealed_password_still_goes(store, tmp_path):
    request_id = _register(store)
    path = _complete(store, request_id, tmp_path / "exports")
    path.unlink()
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert not _sealed(path).exists()
    assert _actions(store, request_id, *SUPERSEDED) == [("package_superseded", path.name)]


def test_control_a_row_naming_another_requests_file_never_removes_it(store, tmp_path):
    import sqlalchemy as sa

    exports = tmp_path / "exports"
    request_id, other = _register(store), _register(store)
    _complete(store, request_id, exports / request_id)
    theirs = _complete(store, other, exports / other)
    with store.engine.begin() as conn:  # a row gone wrong names the other request's package
        conn.execute(sa.text("UPDATE packages SET path = :p WHERE request_id = :r"), {"p": str(theirs), "r": request_id})
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert theirs.is_file() and _sealed(theirs).is_file()


def test_control_a_refused_change_removes_nothing(store, tmp_path):
    request_id = _register(store)
    path = _complete(store, request_id, tmp_path / "exports")
    store.acquire_run(request_id, "worker-2.example:4242")  # a live run elsewhere
    with pytest.raises(InputError, match="kjøres nå"):
        store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert path.is_file() and _sealed(path).is_file()
    assert store.latest_package(request_id).path == str(path)


def test_a_password_taken_between_the_check_and_the_removal_keeps_its_package(store, tmp_path, monkeypatch):
    import dsar.store.repository as repository

    request_id = _register(store)
    path = _complete(store, request_id, tmp_path / "exports")
    checked = repository.password_waits

    def then_shown(package: Path) -> bool:
        waits = checked(package)
        assert take_password(store._key, package) == "hemmelig-passord"  # staff show it meanwhile
        return waits

    monkeypatch.setattr(repository, "password_waits", then_shown)
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert path.is_file()
    assert _actions(store, request_id, *SUPERSEDED) == [
        ("package_superseded", path.name), ("package_shown_superseded", path.name),
    ]


def test_a_password_whose_package_is_removed_while_it_is_opened_is_not_shown(store, tmp_path):
    path = _package(store, _register(store), tmp_path / "exports")
    key = store._key

    class Racing:
        def open_sealed(self, token: str, context: bytes) -> bytes:
            _sealed(path).unlink()  # a second search claims it right now (``remove_unshown``)
            return key.open_sealed(token, context)

    assert take_password(Racing(), path) is None  # type: ignore[arg-type]


# -- 2. a shown package is kept and named apart -------------------------------------------------


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_shown_package_is_kept_and_audited_apart_from_an_unshown_one(store, tmp_path, change):
    exports = tmp_path / "exports"
    request_id = _register(store)
    shown = _complete(store, request_id, exports, shown=True)
    unshown = _package(store, request_id, exports)
    change(store, request_id)
    assert shown.is_file(), "the person may hold it"
    assert not unshown.exists()
    assert sorted(_actions(store, request_id, *SUPERSEDED)) == [
        ("package_shown_superseded", shown.name), ("package_superseded", unshown.name),
    ]
    [event] = [e for e in store.audit_log(request_id) if e.action == "package_shown_superseded"]
    assert event.detail == {"file": shown.name, "reason": "searched_again"}
    assert store.latest_package(request_id) is None


def test_the_dashboard_tells_staff_the_person_must_get_the_new_package(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from dsar.dashboard.app import ACTIONS, create_app
    from dsar.store import open_store
    from tests.test_dashboard_questions import answer, dated_world, login, register

    ws = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    shown_id, unshown_id = register(ws), register(ws)
    store = open_store(ws)
    systems = list(ws.config.controller("testbutikk").systems)

    def answered(request_id: str, *, shown: bool) -> Path:
        store.prepare_runs(request_id, systems)
        store.set_status(request_id, RequestStatus.RUNNING, "flow")
        for system in systems:
            store.system_started(request_id, system)
            store.system_finished(request_id, system, confirmed={"c": 1}, held={}, review_refs=[])
        path = _package(store, request_id, ws.exports_dir / request_id, shown=shown)
        store.set_status(request_id, RequestStatus.COMPLETE, "flow")
        return path

    old = answered(shown_id, shown=True)
    answered(unshown_id, shown=False)
    label = ACTIONS["package_shown_superseded"]
    assert "personen må få den nye" in label
    with TestClient(create_app(ws)) as client:
        csrf = login(client)
        assert 'id="shown-superseded"' not in client.get(f"/requests/{shown_id}").text
        page = answer(client, shown_id, "add-identifiers", csrf, emails=NEW_EMAIL)
        [warning] = re.findall(r'<p class="flash warn" id="shown-superseded">(.*?)</p>', page, re.S)
        assert old.name in warning and "ikke lenger hele svaret" in warning
        assert label in page  # the log's line too
        page = answer(client, unshown_id, "add-identifiers", csrf, emails=NEW_EMAIL)
        assert 'id="shown-superseded"' not in page
        # Answered again and delivered: nothing left to act on.
        answered(shown_id, shown=True)
        store.deliver(shown_id, "email", today_oslo(), "staff")
        assert 'id="shown-superseded"' not in client.get(f"/requests/{shown_id}").text


# -- 3. needs_review becomes incomplete ---------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_request_waiting_for_decisions_becomes_incomplete_when_searched_again(store, tmp_path, change):
    request_id = _register(store)
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    store.prepare_runs(request_id, [SYSTEM])
    store.system_started(request_id, SYSTEM)
    store.system_finished(request_id, SYSTEM, confirmed={"kunder": 1}, held={"kunder": 1},
                          review_refs=[("kunder/2", "name_only", {})])
    _package(store, request_id, tmp_path / "exports")
    store.set_status(request_id, RequestStatus.NEEDS_REVIEW, "flow")
    change(store, request_id)
    assert store.get(request_id).status == RequestStatus.INCOMPLETE
    move = [e for e in store.audit_log(request_id) if e.action == "status"][-1]
    assert move.detail == {"previous": "needs_review", "status": "incomplete", "reason": "second_search"}
    # The next run may search it, and the held item waits for its new evidence.
    assert store.get(request_id).state.runnable and len(store.review_items(request_id)) == 1


def test_control_an_incomplete_or_registered_request_keeps_its_status(store, tmp_path):
    registered = _register(store)
    incomplete = _register(store)
    store.set_status(incomplete, RequestStatus.RUNNING, "flow")
    _searched(store, incomplete)
    store.set_status(incomplete, RequestStatus.INCOMPLETE, "flow")
    for request_id in (registered, incomplete):
        before = store.get(request_id).status
        store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
        assert store.get(request_id).status == before


def test_the_command_line_tells_staff_too(tmp_path, monkeypatch):
    """``dsar request add-identifier`` (and correct-name, add-birthdate) warns on stderr, and
    its JSON names the stale packages, as the request page does."""
    import json

    from typer.testing import CliRunner

    from dsar.cli import app
    from dsar.store import open_store
    from tests.test_dashboard_questions import dated_world, register

    ws = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    store = open_store(ws)
    request_id = register(ws)
    shown = _complete(store, request_id, ws.exports_dir / request_id, shown=True)
    runner = CliRunner()
    result = runner.invoke(app, ["request", "add-identifier", request_id, "--email", NEW_EMAIL])
    assert result.exit_code == 0, result.output
    assert shown.name in result.stderr and "ikke lenger hele svaret" in result.stderr
    again = runner.invoke(app, ["request", "add-birthdate", request_id, "--birthdate", "15.03.1985", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["shown_superseded"] == [shown.name]


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_downloaded_package_is_removed_and_staff_are_told_the_person_may_wait_for_it(store, tmp_path, change):
    """Downloaded from the dashboard, its password not shown yet (staff e-mail the file and send
    the password apart): with its password gone the copy can't be opened, and staff are told
    the person may hold it and must get the new one."""
    exports = tmp_path / "exports"
    request_id = _register(store)
    path = _complete(store, request_id, exports)
    store.audit(request_id, "kari.n", "package_downloaded", file=path.name)
    change(store, request_id)
    assert not path.exists() and not _sealed(path).exists()
    assert _actions(store, request_id, "package_downloaded_superseded", *SUPERSEDED) == [
        ("package_downloaded_superseded", path.name)]
    assert store.shown_superseded(request_id) == [path.name]


def test_a_withdrawn_package_whose_removal_was_cut_short_goes_when_the_request_is_closed(store, tmp_path, monkeypatch):
    """The process died between the change that withdrew the package and its removal; the
    request is then closed (withdrawn by the person): the package goes now, not at the purge."""
    request_id = _register(store)
    path = _complete(store, request_id, tmp_path / "exports")
    with monkeypatch.context() as m:
        m.setattr(RequestStore, "remove_withdrawn", lambda *a, **k: None)  # cut short
        store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert path.is_file() and _sealed(path).is_file()
    store.close_request(request_id, "withdrawn", "staff")
    assert not path.exists() and not _sealed(path).exists()


def test_repackage_refuses_a_request_to_be_searched_again(tmp_path, monkeypatch):
    """A package of what is staged would call the systems to be searched again "not searched":
    ``dsar repackage`` says to run the request instead, and builds nothing."""
    from typer.testing import CliRunner

    from dsar.cli import app
    from dsar.store import open_store
    from tests.test_dashboard_questions import dated_world, register

    ws = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    store = open_store(ws)
    request_id = register(ws)
    _complete(store, request_id, ws.exports_dir / request_id)
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    result = CliRunner().invoke(app, ["repackage", request_id])
    assert result.exit_code == 2, result.output
    assert "søkes på nytt" in result.stderr and f"dsar run {request_id}" in result.stderr
    assert store.latest_package(request_id) is None
