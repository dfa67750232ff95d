"""Red-team round 22: 5215a62 (a removal the file system refuses is audited; ``_search_again``
revisits ``superseded`` packages whose sealed password is still there; ``_retire_unshown``
claims through ``remove_unshown``; ``deliver`` refuses a withdrawn answer; ``warn_stale`` in
``dsar password``), 8c7e6f8 (``System.unsettled_owners``: only a child reachable another way)
and a6b97e0 (a downloaded, never shown package is audited ``package_downloaded_superseded``
and listed by ``shown_superseded``).

Findings (each a test that failed on the code as it was; all fixed in the commit that follows
the round — the check now reads the search's plan, ``connectors.base.unsettled_owners``, and
warns exactly where ``Resolver.place`` holds ``owner_unchecked``; a names-only register's
reference is warned of only where the search holds through it; ``--json`` of ``dsar run`` is
unchanged):

- BUG (new, 5215a62) ``test_a_retirement_the_file_system_refuses_…``: ``dsar.answer._retire_unshown``
  now removes the sealed password first (``remove_unshown``) but lets an OSError out, as
  ``_remove_unshown`` did before round 21's fix. With the old zip's unlink refused, the sealed
  file is already gone and ``store.superseded`` is never reached: ``answer_request`` raises after
  ``record_package`` (the run fails with its package built, its status never set), the old
  package stays ``built`` on disk, and a later second search takes it for one whose password was
  shown: kept for good and audited ``package_shown_superseded``, so the request page,
  ``dsar password`` and the change commands tell staff the person may hold a package nobody was
  ever given a password for. (A sealed file the file system keeps refusing makes every later
  build fail the same way, after recording its package.)
- BUG (older, 14e7b53; a6b97e0 covers the second search only)
  ``test_the_next_build_tells_staff_of_a_downloaded_package_it_deletes``: a partial package staff
  downloaded from the dashboard (``package_downloaded``) and e-mailed, its password to follow, is
  deleted with its password by the next build (``dsar run`` again for a failed system, ``dsar
  repackage`` after a redaction), audited plain ``package_superseded``; ``shown_superseded`` is
  empty, so nothing says the person holds a file no password opens — and the dashboard's "show
  password" now gives the new package's password, which staff send for the old file.
- BUG (new, 5215a62; round 21's fix covers ``dsar password`` only)
  ``test_the_command_that_shows_the_new_password_warns_of_the_stale_one[run|repackage]``: after a
  change made on the dashboard, CLI staff get the new package and its password from ``dsar run``
  (or ``dsar repackage``), which print it once (``_show_result``) and never call ``warn_stale``;
  ``dsar password`` then refuses ("allerede vist"), so the CLI never says that the package the
  person may hold is stale (``--json`` lacks ``shown_superseded`` too).
- LOSS (older; 5215a62's check counts a withdrawn package only)
  ``test_a_request_whose_package_was_never_built_cannot_be_delivered[…]``: ``deliver`` refuses
  ``superseded`` without ``built``, but not a request with no package at all: a build that failed
  (disk full; ``package_failed``) leaves the request ``incomplete`` (``has_package`` claims a
  package exists) and ``deliver`` stops the clock with nothing sent; after a second search on a
  request whose only system waits for staff (round 21's case, the build failed instead of being
  withdrawn) the same. From then on no search is possible.
- BUG (new, 8c7e6f8) ``test_the_check_warns_only_where_the_search_holds[…]``: ``unsettled_owners``
  counts "reached another way" too broadly, and ``dsar check`` says records "kan bli holdt til
  vurdering (owner_unchecked)" where nothing ever is: (a) the child collection has identities of
  its own — a record found by lookup has ``via`` None and is never ``unchecked`` in
  ``Resolver.place``, and one reached down the reference itself is excluded by label; (b) the
  child is the parent of another reference (an order's lines, keyed on the order) whose child is
  reached only from it — nothing comes up into it, so it is still reached only down this
  reference (the ordinary shop: orders naming the customer by customer number, with lines).
- BUG (older, the check's warning) ``test_the_check_does_not_say_held_where_the_search_releases``:
  a reference into a register of names only (a patient register declaring only a name) is warned
  "poster … kan bli holdt til vurdering", but ``Resolver`` never holds through a parent that is
  not person-bearing (unless ``owner = true``): the husband's visit she booked is released to her
  (``confirmed``). Staff who read "held for review" leave the safe-looking default; the warning
  says the opposite of what happens.
- BUG (older, ``Resolver.place``) ``test_a_record_reached_up_with_the_owner_field_empty_is_not_held``:
  the "up" branch of ``unchecked`` holds a record of the child collection whatever its field says;
  the "down" branch and the check's text ("som har feltet utfylt") require it filled. The order of
  the person's own order line (found by her phone), with no customer number at all, is held
  ``owner_unchecked`` — nobody else it could be.

Held (controls): a removal the file system refuses in ``_remove_unshown`` is audited
``package_removal_failed`` and the audit chain verifies; a downloaded unshown package is
removed by a second search and named (files only) by ``dsar password --json`` and its warning;
a withdrawn answer whose rebuild failed (``superseded`` + ``failed``) is not deliverable, and
``dsar repackage`` after a second search on a searched system is refused by the pending check;
the revisit never removes a superseded package whose password was shown, nor a crafted row
naming another request's file; the check and the search agree where the child is reached up
from a line found by phone (warned and held) and where it is reached only from the subscriber
(silent and released). No configuration was found where records are held ``owner_unchecked``
and the check is silent (``owner`` unset): the check's conditions contain the resolver's.

Not shown, for the record: a cut-short removal on a request then closed (withdrawn) keeps the
package and its sealed password until purge (only a change revisits it; round 21's text);
a download racing a second search (``latest_package`` read before the commit, ``package_downloaded``
audited after ``_search_again`` read the downloads) is audited ``package_superseded``; a package
copied from ``exports/`` by CLI staff is never "downloaded"; after a second search on a request
whose only system waits for staff, ``dsar repackage`` builds a package saying it was "not searched"
and ``deliver`` accepts it (a partial answer, deliverable by design); ``package_downloaded_superseded``
says "passordet er slettet" also when its removal was refused (``package_removal_failed``, the
sealed file still there); a duplicate reference declaration counts as "another way" in the check
(``other is not ref``) while the resolver excludes it by label.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.base import unsettled_owners
from dsar.delivery import take_password
from dsar.errors import InputError
from dsar.store import RequestStore
from dsar.store.states import RequestStatus
from tests.test_connector_base import KRISTIN, KRISTINS_ROW, WITH_MOBILE, _owned_system, found_reason, verdicts
from tests.test_store_redteam20 import NEW_EMAIL, SYSTEM, _complete, _package, _register, _searched
from tests.test_store_search_again_packages import _actions, _sealed

STALE = ("package_superseded", "package_shown_superseded", "package_downloaded_superseded")
DAY = date(2026, 11, 25)


@pytest.fixture
def store(tmp_path, data_key):
    s = RequestStore(f"sqlite:///{tmp_path / 'store.db'}", data_key)
    yield s
    s.close()


def _refuse(monkeypatch, refused: Path) -> None:
    real = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self == refused:  # the file system refuses this one (EACCES, EROFS, EBUSY …)
            raise PermissionError(13, "Permission denied", str(self))
        real(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)


def _states(store: RequestStore, request_id: str) -> dict[str, str]:
    with store.engine.connect() as conn:
        return {
            Path(p).name: s
            for p, s in conn.execute(
                sa.text("SELECT path, state FROM packages WHERE request_id = :r"), {"r": request_id}
            ).all()
        }


# -- findings: the store ------------------------------------------------------------------------


def test_a_retirement_the_file_system_refuses_neither_fails_the_build_nor_makes_the_old_package_look_shown(
    store, tmp_path, monkeypatch
):
    from dsar.answer import _retire_unshown

    exports = tmp_path / "exports"
    request_id = _register(store)
    old = _complete(store, request_id, exports)
    new = _package(store, request_id, exports)  # the next build, just recorded
    raised: BaseException | None = None
    with monkeypatch.context() as m:
        _refuse(m, old)
        try:
            _retire_unshown(store, request_id, exports, keep=new)
        except OSError as exc:
            raised = exc
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    # Nobody was ever given its password: it is not one the person may hold.
    assert old.name not in store.shown_superseded(request_id)
    assert raised is None, "the build failed after its package was recorded"


def test_the_next_build_tells_staff_of_a_downloaded_package_it_deletes(store, tmp_path):
    from dsar.answer import _retire_unshown

    exports = tmp_path / "exports"
    request_id = _register(store)
    old = _complete(store, request_id, exports)  # a partial answer, say, sent while the rest is chased
    store.audit(request_id, "kari.n", "package_downloaded", file=old.name)
    new = _package(store, request_id, exports)  # dsar run again / dsar repackage
    _retire_unshown(store, request_id, exports, keep=new)
    assert not old.exists() and not _sealed(old).exists()  # removed, as a second search does
    assert store.latest_package(request_id).path == str(new)
    assert store.shown_superseded(request_id) == [old.name]


def _fake_run(store: RequestStore):
    """What the flow does (a run or a repackage), without Prefect: the package built and its
    password taken and returned, as ``run_request`` / ``repackage_request`` return them."""

    def run(workspace, request_id, *args, **kwargs):
        store.set_status(request_id, RequestStatus.RUNNING, "flow")
        _searched(store, request_id)
        path = _package(store, request_id, workspace.exports_dir / request_id)
        store.set_status(request_id, RequestStatus.COMPLETE, "flow")
        return {
            "id": request_id,
            "controller": "testbutikk",
            "status": "complete",
            "package": str(path),
            "password": take_password(workspace.data_key, path),
            "records": 1,
            "failed_systems": [],
            "awaiting_review": 0,
            "ask_openly": 0,
            "ask_for": [],
            "due": None,
            "note": None,
        }

    return run


@pytest.mark.parametrize("command", ["run", "repackage"])
def test_the_command_that_shows_the_new_password_warns_of_the_stale_one(tmp_path, monkeypatch, command):
    from typer.testing import CliRunner

    import dsar.cli.running as running
    from dsar.cli import app
    from dsar.store import open_store
    from tests.test_dashboard_questions import dated_world, register

    ws = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    store = open_store(ws)
    request_id = register(ws)
    stale = _complete(store, request_id, ws.exports_dir / request_id, shown=True)
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="kari.n")  # on the dashboard
    assert store.shown_superseded(request_id) == [stale.name]  # the request page warns
    monkeypatch.setattr(running, "run_request" if command == "run" else "repackage_request", _fake_run(store))
    result = CliRunner().invoke(app, [command, request_id])
    assert result.exit_code == 0, result.output
    assert "hemmelig-passord" in result.stdout
    assert stale.name in result.stderr


def _failed_build(store: RequestStore, request_id: str, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    store.package_failed(request_id, store.reserve_package(request_id, directory, complete=True))  # disk full
    store.set_status(request_id, RequestStatus.INCOMPLETE, "flow")  # the run's end (or its crash)


@pytest.mark.parametrize("case", ["searched_then_build_failed", "waiting_build_failed_then_second_search"])
def test_a_request_whose_package_was_never_built_cannot_be_delivered(store, tmp_path, case):
    request_id = _register(store)
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    if case == "searched_then_build_failed":
        _searched(store, request_id)
        _failed_build(store, request_id, tmp_path / "exports")
    else:
        store.prepare_runs(request_id, ["arkiv"])  # a paper archive (manual), not searched yet
        store.system_waiting(request_id, "arkiv")
        _failed_build(store, request_id, tmp_path / "exports")
        store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert store.latest_package(request_id) is None and "built" not in _states(store, request_id).values()
    with pytest.raises(InputError):
        store.deliver(request_id, "email", DAY, "staff", today=DAY)


# -- findings: dsar check against the matcher -----------------------------------------------------


def _held_owner_unchecked(sysm, tables) -> dict[tuple[str, str], str]:
    status, found, _ = verdicts(sysm, tables, KRISTIN)
    return {k: found_reason(found, *k) for k, v in status.items() if v == "held"}


OLA = {"id": 6, "name": "Ola Hansen", "mobile": "99999999", "kundenr": "K6"}
KUNDE = [{**KRISTINS_ROW, "kundenr": "K5"}, OLA]
FALSE_ALARMS = {
    # The order has a phone of its own; its only reference names the customer by number. The
    # order found by her phone but naming Ola's customer number is released, not held.
    "child_looked_up_itself": (
        {"kunde": WITH_MOBILE, "ordre": {"key": "id", "identities": [{"type": "phone", "column": "tlf"}]}},
        [{"from": "ordre.kunde_nr", "to": "kunde.kundenr"}],
        {
            "kunde": KUNDE,
            "ordre": [{"id": 20, "kunde_nr": "K5", "tlf": "98794491"}, {"id": 21, "kunde_nr": "K6", "tlf": "98794491"}],
        },
    ),
    # Orders naming the customer by customer number, with lines keyed on the order: the lines
    # are reached only from the orders, so nothing ever comes up into an order.
    "child_with_lines_reached_only_from_it": (
        {"kunde": WITH_MOBILE, "ordre": {"key": "id"}, "linje": {"key": "id"}},
        [{"from": "ordre.kunde_nr", "to": "kunde.kundenr"}, {"from": "linje.ordre_id", "to": "ordre.id"}],
        {
            "kunde": KUNDE,
            "ordre": [{"id": 20, "kunde_nr": "K5"}, {"id": 21, "kunde_nr": "K6"}],
            "linje": [{"id": 30, "ordre_id": 20}, {"id": 31, "ordre_id": 21}],
        },
    ),
}


@pytest.mark.parametrize("case", FALSE_ALARMS.keys())
def test_the_check_warns_only_where_the_search_holds(case):
    collections, references, tables = FALSE_ALARMS[case]
    sysm = _owned_system(collections, references)
    held = _held_owner_unchecked(sysm, tables)
    assert "owner_unchecked" not in held.values()  # nothing is held that way ...
    assert unsettled_owners(sysm) == []  # ... so the check has nothing to warn of


def test_the_check_does_not_say_held_where_the_search_releases():
    sysm = _owned_system(
        {
            "kontakt": WITH_MOBILE,
            "pasient": {"key": "id", "identities": [{"type": "name", "column": "name"}]},
            "visit": {"key": "id"},
        },
        [{"from": "visit.booked_by", "to": "kontakt.id"}, {"from": "visit.pasient_nr", "to": "pasient.nr"}],
    )
    tables = {
        "kontakt": [KRISTINS_ROW],
        "pasient": [{"id": 1, "nr": "P1", "name": "Ola Mævik"}],
        "visit": [{"id": 10, "booked_by": 5, "pasient_nr": "P1"}],
    }  # her husband's visit
    warned = [ref.label for ref in unsettled_owners(sysm)]
    status, _, _ = verdicts(sysm, tables, KRISTIN)
    # The search releases the visit she booked (a register of names only says nothing of whose
    # it is), so the check has nothing to warn of; where it warns, the search holds.
    assert status[("visit", "10")] == "confirmed"
    assert warned == []


def _lines_found_by_phone(kunde_nr):
    sysm = _owned_system(
        {
            "kunde": WITH_MOBILE,
            "ordre": {"key": "id"},
            "linje": {"key": "id", "identities": [{"type": "phone", "column": "tlf"}]},
        },
        [{"from": "ordre.kunde_nr", "to": "kunde.kundenr"}, {"from": "linje.ordre_id", "to": "ordre.id"}],
    )
    tables = {
        "kunde": KUNDE,
        "ordre": [{"id": 20, "kunde_nr": kunde_nr}],
        "linje": [{"id": 30, "ordre_id": 20, "tlf": "98794491"}],
    }  # her own line, by her phone
    return sysm, _held_owner_unchecked(sysm, tables)


@pytest.mark.parametrize("empty", [None, ""])
def test_a_record_reached_up_with_the_owner_field_empty_is_not_held(empty):
    _, held = _lines_found_by_phone(empty)
    assert ("ordre", "20") not in held


# -- controls -----------------------------------------------------------------------------------


def test_control_the_check_and_the_search_agree_where_it_is_reached_up_and_where_only_down():
    sysm, held = _lines_found_by_phone("K6")  # her line's order names Ola's customer number
    assert [ref.label for ref in unsettled_owners(sysm)] == ["ordre.kunde_nr -> kunde.kundenr"]
    assert held == {("ordre", "20"): "owner_unchecked"}
    newsletter = _owned_system(
        {"kunde": WITH_MOBILE, "klikk": {"key": "id"}}, [{"from": "klikk.kunde_nr", "to": "kunde.kundenr"}]
    )
    assert unsettled_owners(newsletter) == []
    assert _held_owner_unchecked(newsletter, {"kunde": KUNDE, "klikk": [{"id": 1, "kunde_nr": "K5"}]}) == {}


def test_control_a_refused_removal_is_audited_and_the_chain_verifies(store, tmp_path, monkeypatch):
    exports = tmp_path / "exports"
    request_id = _register(store)
    path = _complete(store, request_id, exports)
    store.audit(request_id, "kari.n", "package_downloaded", file=path.name)
    with monkeypatch.context() as m:
        _refuse(m, _sealed(path))
        store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    assert _actions(store, request_id, "package_removal_failed", *STALE) == [
        ("package_downloaded_superseded", path.name),
        ("package_removal_failed", path.name),
    ]
    assert path.is_file() and _sealed(path).is_file()
    store.add_birthdate(request_id, "15.03.1985", actor="staff")  # the next change removes it
    assert not path.exists() and not _sealed(path).exists()
    assert store.shown_superseded(request_id) == [path.name]
    assert store.verify_audit().ok


def test_control_the_revisit_keeps_a_shown_superseded_package_and_another_requests_file(store, tmp_path):
    exports = tmp_path / "exports"
    request_id, other = _register(store), _register(store)
    shown = _complete(store, request_id, exports / request_id, shown=True)
    theirs = _complete(store, other, exports / other)
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")  # shown: superseded, kept
    with store.engine.begin() as conn:  # a crafted superseded row naming the other's package
        conn.execute(
            sa.text(
                "INSERT INTO packages (request_id, number, state, path, sha256, size, records, "
                "complete, created_at) SELECT :r, 99, 'superseded', :p, sha256, size, records, "
                "complete, created_at FROM packages WHERE request_id = :o"
            ),
            {"r": request_id, "p": str(theirs), "o": other},
        )
    store.add_birthdate(request_id, "15.03.1985", actor="staff")
    assert shown.is_file() and theirs.is_file() and _sealed(theirs).is_file()
    assert store.shown_superseded(request_id) == [shown.name]


def test_control_a_withdrawn_answer_whose_rebuild_failed_is_not_deliverable(store, tmp_path):
    exports = tmp_path / "exports"
    request_id = _register(store)
    _complete(store, request_id, exports)
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    _searched(store, request_id)  # searched again with the new e-mail, then the disk was full
    _failed_build(store, request_id, exports)
    assert sorted(_states(store, request_id).values()) == ["failed", "superseded"]
    with pytest.raises(InputError, match="trukket tilbake"):
        store.deliver(request_id, "email", DAY, "staff", today=DAY)


def test_control_a_repackage_after_a_second_search_is_not_deliverable(store, tmp_path):
    exports = tmp_path / "exports"
    request_id = _register(store)
    _complete(store, request_id, exports)
    store.add_identifiers(request_id, emails=[NEW_EMAIL], actor="staff")
    _package(store, request_id, exports)  # dsar repackage: nothing searched, every system "not searched"
    assert store.get(request_id).status == RequestStatus.INCOMPLETE
    with pytest.raises(InputError, match=SYSTEM):
        store.deliver(request_id, "email", DAY, "staff", today=DAY)


def test_control_dsar_password_names_the_downloaded_package_files_only(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dsar.cli import app
    from dsar.store import open_store
    from tests.test_dashboard_questions import dated_world, register

    ws = dated_world(tmp_path)
    monkeypatch.setenv("DSAR_WORKSPACE", str(tmp_path))
    store = open_store(ws)
    request_id = register(ws, name="Kari")
    old = _complete(store, request_id, ws.exports_dir / request_id)
    store.audit(request_id, "kari.n", "package_downloaded", file=old.name)
    store.correct_name(request_id, "Kari Marie Nordmann", actor="kari.n")
    assert not old.exists()
    store.set_status(request_id, RequestStatus.RUNNING, "flow")
    _searched(store, request_id)
    _package(store, request_id, ws.exports_dir / request_id)
    store.set_status(request_id, RequestStatus.COMPLETE, "flow")
    result = CliRunner().invoke(app, ["password", request_id, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["shown_superseded"] == [old.name]
    for personal in ("Marie", "Nordmann", "1985", "kari"):
        assert personal not in result.stdout + result.stderr
