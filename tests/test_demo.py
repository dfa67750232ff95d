"""README's first command, run as a new user would: ``dsar demo`` in a fresh workspace.

One subprocess, no test harness: its own temporary Prefect server and database inside the
workspace, a data key created in an empty secret store. Then everything the answer promises
is checked from the outside: packages open with 7z and the printed password (and not with a
wrong one), checksums hold, every record says where it came from, each letter names
Datatilsynet and states every Art. 15 item for every system with data, and neither Prefect's
database nor its logs, staging or exports hold a demo person's name, e-mail or phone in clear.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dsar.config import load_configuration
from dsar.identity import normalize_phone, phone_variants

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    workspace = root / "workspace"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DSAR_"))}
    env["DSAR_SECRETS_DIR"] = str(root / "secrets")  # empty: the demo must create the key
    env["HOME"] = str(root / "home")  # nothing of the developer's own ~/.config is seen
    result = subprocess.run(
        [sys.executable, "-m", "dsar.cli", "demo", "--workspace", str(workspace), "--json", "--scale", "0.3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {
        "workspace": workspace,
        "results": json.loads(result.stdout),
        "stdout": result.stdout,
        "stderr": result.stderr,
        "key": (root / "secrets" / "DSAR_DATA_KEY").read_text().strip(),
    }


@pytest.fixture(scope="module")
def subjects(demo):
    from sample_data.generate import choose_demo_subject

    return {r["controller"]: choose_demo_subject(demo["workspace"], r["controller"]) for r in demo["results"]}


@pytest.fixture(scope="module")
def opened(demo, tmp_path_factory):
    """Each package extracted with 7z and its printed password."""
    out = {}
    for result in demo["results"]:
        dest = tmp_path_factory.mktemp(result["controller"])
        subprocess.run(
            ["7z", "x", "-y", f"-p{result['password']}", f"-o{dest}", result["package"]],
            check=True,
            capture_output=True,
        )
        out[result["controller"]] = dest
    return out


def test_every_controller_answered_completely(demo):
    results = demo["results"]
    config = load_configuration(demo["workspace"] / "config")
    assert sorted(r["controller"] for r in results) == sorted(config.controllers)
    assert len(results) == 5
    for r in results:
        assert r["status"] == "complete", r
        assert r["id"].startswith("INN-") and Path(r["package"]).is_file()
        assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){6}", r["password"]), "7 groups of 4"
        assert r["records"] > 0


def test_each_demo_person_has_records_in_every_system_but_the_mail_archives(demo, opened):
    """The five statements name 13 systems besides the mail archives (SQL, CSV, XLSX and the
    vendor APIs, played by sample_data.vendor_api): the demo person has records in each."""
    config = load_configuration(demo["workspace"] / "config")
    with_records = []
    for r in demo["results"]:
        manifest = json.loads((opened[r["controller"]] / "manifest.json").read_text(encoding="utf-8"))
        systems = config.controller(r["controller"]).systems
        for entry in manifest["systems"]:
            if systems[entry["id"]].connector == "mail":
                continue
            assert entry["records"] > 0, (r["controller"], entry["id"])
            with_records.append(f"{r['controller']}/{entry['id']}")
    assert len(with_records) == 13, with_records
    assert "gjovik-kultursenter/nyhetsbrev" in with_records and "stavanger-mediebank/mediebank" in with_records


def test_photos_consent_media_and_a_call_recording_open_from_index_html(opened):
    """The files the statements name travel with the records: each one linked from index.html
    (an image shown, a recording playable) and present in the package."""
    expected = {
        "stavanger-foto": {"fotolab": {"img"}},
        "stavanger-mediebank": {"samtykkeregister": {"img", "audio"}},
        "janteloppet": {"kundearkiv": {"audio"}},
    }
    for controller, systems in expected.items():
        root = opened[controller]
        page = (root / "index.html").read_text(encoding="utf-8")
        for system, tags in systems.items():
            for tag in tags:
                sources = re.findall(rf'<{tag}[^>]* src="(attachments/{system}/[^"]+)"', page)
                assert sources, (controller, system, tag)
                for source in sources:
                    assert (root / source).is_file() and (root / source).stat().st_size > 0, source


def test_gjovik_letter_states_the_transfer_to_the_usa(opened):
    letter = (opened["gjovik-kultursenter"] / "svarbrev.html").read_text(encoding="utf-8")
    assert "Mailchimp" in letter and "USA" in letter and "standardkontraktsklausuler" in letter


def test_wrong_password_fails(demo):
    for r in demo["results"]:
        wrong = subprocess.run(["7z", "t", "-pWRONG-PASS-WORD", r["package"]], capture_output=True)
        assert wrong.returncode != 0


def test_manifest_checksums_and_sources(demo, opened):
    for r in demo["results"]:
        dest = opened[r["controller"]]
        manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["complete"] is True and manifest["request_id"] == r["id"]
        for entry in manifest["files"]:
            data = (dest / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
        data_files = list((dest / "data").rglob("*.json"))
        assert data_files
        written = 0
        for path in data_files:
            doc = json.loads(path.read_text(encoding="utf-8"))
            for record in doc["records"]:
                assert set(record["_source"]) == {"system", "collection", "key"}
                written += 1
            with open(path.with_suffix(".csv"), encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
            assert len(rows) == len(doc["records"])
        assert written == r["records"]


def test_letter_covers_every_art15_item(demo, opened):
    from pypdf import PdfReader

    config = load_configuration(demo["workspace"] / "config")
    for r in demo["results"]:
        dest = opened[r["controller"]]
        text = " ".join(page.extract_text() for page in PdfReader(dest / "svarbrev.pdf").pages)
        flat = re.sub(r"\s+", " ", text)
        assert "Datatilsynet" in flat
        manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
        systems = config.controller(r["controller"]).systems
        with_data = [s["id"] for s in manifest["systems"] if s["records"] > 0]
        assert with_data
        for system_id in with_data:
            register = systems[system_id].processing
            expected = [
                *(p.nb for p in register.purposes),
                *(b.nb for b in register.legal_basis),
                *(c.nb for c in register.categories),
                *(x.name.nb for x in register.recipients),
                register.retention.nb,
                *(s.nb for s in register.sources),
                *(t.recipient for t in register.transfers),
                *(t.safeguard.nb for t in register.transfers),
            ]
            if register.profiling:
                expected.append(register.profiling.nb)
            for item in expected:
                assert _squash(item) in _squash(flat), f"{system_id}: {item[:60]!r} missing from the letter"


def _squash(text: str) -> str:
    """PDF text extraction breaks lines and hyphenates: compare letters and digits only."""
    return re.sub(r"[^0-9a-zæøå]", "", text.casefold())


def _needles(subject: dict) -> list[bytes]:
    """Everything that would give the person away, in lower case: the full name, first and
    last names long enough not to occur by chance, the e-mail, and every spelling of the
    phone number the sample systems use (``dsar.identity.phone_variants``)."""
    name = subject["name"].casefold()
    texts = [name, *(part for part in name.replace(",", " ").split() if len(part) >= 5)]
    if subject.get("email"):
        texts.append(subject["email"].strip().casefold())
    if subject.get("phone"):
        texts += phone_variants(normalize_phone(subject["phone"]))
    needles = []
    for text in dict.fromkeys(texts):
        needles += [text.encode("utf-8"), text.encode("utf-16-le")]
    return needles


def _scan(root: Path, needles: list[bytes]) -> list[str]:
    """Needles found in any file below ``root``, compared case-insensitively."""
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            blob = path.read_bytes().lower()
            hits += [f"{path.relative_to(root)}: {n[:20]!r}" for n in needles if n in blob]
    return hits


def test_no_personal_data_in_prefect(demo, subjects):
    prefect_home = demo["workspace"] / "prefect"
    assert any(prefect_home.rglob("*.db")), "the demo's Prefect database should live in the workspace"
    needles = [n for s in subjects.values() for n in _needles(s)]
    assert _scan(prefect_home, needles) == []
    for stream in (demo["stdout"], demo["stderr"]):
        for needle in needles:
            assert needle.decode("utf-8", "ignore") not in stream.lower() or len(needle) < 4


def test_personal_data_at_rest_is_encrypted(demo, subjects):
    needles = [n for s in subjects.values() for n in _needles(s)]
    for part in ("staging", "exports"):
        assert (demo["workspace"] / part).is_dir(), f"{part}/ should hold the demo's answers"
        assert _scan(demo["workspace"] / part, needles) == [], part
    if (demo["workspace"] / "logs").exists():  # only written when something unexpected happened
        assert _scan(demo["workspace"] / "logs", needles) == []
    store = (demo["workspace"] / "store.db").read_bytes().lower()
    for needle in needles:
        assert needle not in store


def test_status_lists_the_requests(demo):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DSAR_"))}
    env["DSAR_DATA_KEY"] = demo["key"]
    result = subprocess.run(
        [sys.executable, "-m", "dsar.cli", "status", "--workspace", str(demo["workspace"]), "--json"],
        env=env, capture_output=True, text=True, check=True,
    )
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} == {r["id"] for r in demo["results"]}
    assert all(r["status"] == "complete" and r["days_left"] >= 28 for r in rows)
