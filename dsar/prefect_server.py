"""A temporary Prefect server for one ``dsar`` process, that dies with it.

Without ``PREFECT_API_URL`` Prefect starts a temporary server itself, as a child process that
outlives its parent when the parent is killed outright (``kill -9``): an orphan holding a port
and the workspace's Prefect database. The CLI starts that server itself instead, the same way
(uvicorn serving Prefect's app, on a free loopback port, its database in the workspace), but
asks the kernel to kill it when the ``dsar`` process dies, however it dies
(``PR_SET_PDEATHSIG``, Linux), and stops it cleanly at normal exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

STARTUP_SECONDS = 120.0
"""A new server database is built by running Prefect's migrations: ~17 s on this kind of
machine, much more when it is busy."""

_server: subprocess.Popen[bytes] | None = None


def start(home: Path) -> str:
    """Start the server (once per process); returns its API URL, also set as PREFECT_API_URL."""
    global _server
    if _server is not None and _server.poll() is None:
        return os.environ["PREFECT_API_URL"]
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    app_dir = str(Path(spec.origin).parent.parent) if spec and spec.origin else "."
    parent = os.getpid()
    _server = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: _die_with(parent),  # noqa: PLW1509 - the point: set in the child
    )
    atexit.register(stop)
    url = f"http://127.0.0.1:{port}/api"
    _wait_healthy(url)
    os.environ["PREFECT_API_URL"] = url
    return url


def stop() -> None:
    global _server
    if _server is None:
        return
    if _server.poll() is None:
        _server.terminate()
        try:
            _server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _server.kill()
            _server.wait()
    _server = None


def pid() -> int | None:
    """The server's process id while it runs (tests check it is gone after a crash)."""
    return _server.pid if _server is not None and _server.poll() is None else None


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", STARTUP_SECONDS))
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if _server is None or _server.poll() is not None:
                raise RuntimeError("the temporary Prefect server stopped while starting")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"{url}/health").status_code == 200:
                    return
            time.sleep(0.2)
    stop()
    raise RuntimeError("the temporary Prefect server did not start in time")


def _die_with(parent: int) -> None:
    """In the child before exec: be killed when the parent dies (Linux), and don't start at all
    if it already has."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
