"""Twenty requests for twenty people, run at once by two worker processes on one workspace:
every package holds only its own person's records, checked against the sample world's ground
truth."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

from dsar.store import Person, open_store
from dsar.workspace import Workspace

WORKER = """
import json, sys
from dsar.cli.running import run_request
from dsar.workspace import Workspace

workspace = Workspace.from_env(sys.argv[1])
for request_id in sys.argv[2:]:
    result = run_request(workspace, request_id)
    print(json.dumps({"id": request_id, "package": result["package"], "password": result["password"],
                      "status": result["status"]}), flush=True)
"""


def test_twenty_requests_on_two_workers_each_get_only_their_own(tmp_path, prefect_harness, request):
    from prefect.settings import PREFECT_API_URL

    from sample_data.generate import build_world
    from sample_data.vendor_api import serving

    world = build_world(tmp_path / "ws", scale=0.1, seed=11)
    vendors = serving(world.workspace)  # the vendor APIs; their tokens reach the workers' env
    vendors.__enter__()
    request.addfinalizer(lambda: vendors.__exit__(None, None, None))
    workspace = Workspace(world.workspace)
    truth: dict[tuple[str, str], set[tuple[str, str, str]]] = defaultdict(set)
    with world.ground_truth_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth[(row["person_id"], row["controller"])].add((row["system"], row["collection"], row["key"]))
    with world.people_csv.open(encoding="utf-8", newline="") as handle:
        people = {p["person_id"]: p for p in csv.DictReader(handle)}

    # Four people with records per controller, in person order: twenty requests.
    store = open_store(workspace)
    asked: dict[str, tuple[str, str]] = {}  # request id -> (person, controller)
    for controller_id in sorted(workspace.config.controllers):
        chosen = sorted(pid for (pid, cid) in truth if cid == controller_id and people[pid]["email"])[:4]
        for person_id in chosen:
            person = people[person_id]
            request = store.register(
                controller=workspace.config.controller(controller_id).controller,
                person=Person.from_given(person["name"], emails=[person["email"]], phones=[person["phone"]]),
                received_on=date.today(),
                channel="email",
                actor="test",
                verification_method="email-code",
            )
            asked[request.id] = (person_id, controller_id)
    assert len(asked) == 20
    ids = sorted(asked)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "DSAR_WORKSPACE": str(workspace.root)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(workspace.root), *ids[i::2]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for i in range(2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=1800)
        assert worker.returncode == 0, err[-3000:]
        results += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert sorted(r["id"] for r in results) == ids

    released = 0
    for result in results:
        person_id, controller_id = asked[result["id"]]
        dest = tmp_path / "out" / result["id"]
        subprocess.run(
            ["7z", "x", "-y", f"-p{result['password']}", f"-o{dest}", result["package"]], check=True, capture_output=True
        )
        for data in (dest / "data").rglob("*.json") if (dest / "data").is_dir() else []:
            for record in json.loads(data.read_text(encoding="utf-8"))["records"]:
                source = record["_source"]
                found = (source["system"], source["collection"], source["key"])
                assert found in truth[(person_id, controller_id)], (result["id"], person_id, found)
                released += 1
    assert released > 100
    assert {r["status"] for r in results} <= {"complete", "needs_review", "incomplete"}
    assert all(not Path(r["package"]).name.endswith(".partial") for r in results)
    # The two workers wrote the audit at once: one chain, nothing forked or lost.
    chain = open_store(workspace).verify_audit()
    assert chain.ok, chain.problems
    assert chain.entries > 20 * 4
