"""Runs started from the browser: ``dsar run ID --json --leave-password`` as a child process.

The flow (``flows.fulfil.fulfil_request``) runs exactly as from the command line, in its own
process, so a crash in a search never takes the dashboard down, and the password stays sealed
beside the package until a staff member asks to see it once. Progress is read from the store
(``system_runs``), not from the child's output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from dsar.errors import InputError
from dsar.workspace import ENV_VAR, Workspace


@dataclass
class RunState:
    process: subprocess.Popen[bytes]
    actor: str
    result: dict[str, object] | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


class Runs:
    """At most one run per request from this dashboard; finished ones keep their outcome."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace
        self._lock = threading.Lock()
        self._runs: dict[str, RunState] = {}

    def start(self, request_id: str, actor: str) -> None:
        with self._lock:
            current = self._runs.get(request_id)
            if current is not None and not current.done.is_set():
                raise InputError(f"kravet {request_id} kjøres allerede")
            env = {**os.environ, ENV_VAR: str(self._workspace.root), "DSAR_ACTOR": actor}
            process = subprocess.Popen(
                [sys.executable, "-m", "dsar.cli", "run", request_id, "--json", "--leave-password"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=str(self._workspace.root),
            )
            state = RunState(process=process, actor=actor)
            self._runs[request_id] = state
        threading.Thread(target=self._wait, args=(state,), name=f"dsar-run-{request_id}", daemon=True).start()

    @staticmethod
    def _wait(state: RunState) -> None:
        out, err = state.process.communicate()
        try:
            data = json.loads(out.decode("utf-8") or "{}")
        except ValueError:
            data = {}
        if state.process.returncode == 0:
            state.result = data
        else:
            # The product's errors are safe by contract; a crash shows its last line only.
            state.error = str(data.get("error") or _last_line(err) or f"exit code {state.process.returncode}")
        state.done.set()

    def status(self, request_id: str) -> tuple[bool, str | None]:
        """(running now, error of the last run if it failed)."""
        with self._lock:
            state = self._runs.get(request_id)
        if state is None:
            return False, None
        return not state.done.is_set(), state.error

    def wait(self, request_id: str, timeout: float) -> bool:
        with self._lock:
            state = self._runs.get(request_id)
        return True if state is None else state.done.wait(timeout)

    def stop_all(self) -> None:
        with self._lock:
            states = list(self._runs.values())
        for state in states:
            if not state.done.is_set():
                state.process.terminate()


def _last_line(err: bytes) -> str:
    lines = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
