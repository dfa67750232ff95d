"""Private by default: the workspace and everything the product makes in it — store, staging,
exports, logs, CSV and mail indexes — and the secret store are 700 / 600 whatever the umask."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

# Runs in a child process so the umask under test is the operator's, not pytest's.
SCRIPT = """
import json, os, sys
from pathlib import Path
os.umask(int(sys.argv[2], 8))
root = Path(sys.argv[1])
root.mkdir()
from tests import flow_world
flow_world.build(root)  # the operator's own files, made under the lax umask
os.environ["DSAR_WORKSPACE"] = str(root)
os.environ.pop("DSAR_DATA_KEY", None)
os.environ["DSAR_SECRETS_DIR"] = str(root.parent / "secret-store" / "nested")
from typer.testing import CliRunner
from dsar.cli import app
runner = CliRunner()
def ok(*args):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.stdout
ok("keys-init")
request_id = ok("request", "new", "--controller", "testbutikk", "--name", "Kari Nordmann",
                "--email", "kari.nordmann@example.no", "--verified-by", "bankid").strip()
from dsar.cli.running import run_request
from dsar.workspace import Workspace
ws = Workspace.from_env(root)
result = run_request(ws, request_id, take=False)
from dsar.errorlog import record_unexpected
record_unexpected(ws, request_id, "test", RuntimeError("boom"))
from connectors.mail_index import MailIndex
with MailIndex(root / "cache" / "mail-index" / "post.sqlite", ws.data_key).open():
    pass
print(json.dumps({"status": result["status"]}))
"""

OPERATORS_OWN = {"config", "sources"}  # written by the test as the operator, before any dsar code ran


def _modes(top: Path) -> dict[str, int]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            found[str(path.relative_to(top))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.parametrize("umask", ["022", "000"])
def test_everything_made_is_private_whatever_the_umask(tmp_path, prefect_harness, umask):
    from prefect.settings import PREFECT_API_URL

    root = tmp_path / "ws"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": os.getcwd()}
    env.pop("DSAR_WORKSPACE", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(root), umask], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "complete"

    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    made = {p: m for p, m in _modes(root).items() if p.split(os.sep)[0] not in OPERATORS_OWN}
    # What the issue names is there, so the check below is not vacuous.
    tops = {p.split(os.sep)[0] for p in made}
    assert {"store.db", "staging", "exports", "logs", "cache"} <= tops, tops
    assert any(p.endswith(".zip") for p in made) and any(p.endswith(".idx") for p in made)
    assert any("mail-index" in p for p in made) and any(".password" in p for p in made)
    loose = {p: oct(m) for p, m in made.items()
             if m != (0o700 if (root / p).is_dir() else 0o600)}
    assert loose == {}
    secrets = tmp_path / "secret-store" / "nested"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in secrets.iterdir()} == {"0o600"}
