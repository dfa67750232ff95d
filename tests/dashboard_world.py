"""A dashboard over the small flow world, served by uvicorn on a free local port.

Two controllers (``testbutikk`` and a copy, ``annenbutikk``) so a staff member limited to one
can be shown to see nothing of the other; two staff accounts: ``kari.n`` (every controller)
and ``ola.n`` (only ``annenbutikk``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dsar.workspace import Workspace
from tests import flow_world

PASSWORD = "riktig hest batteri stift"
STAFF = {"kari.n": None, "ola.n": ["annenbutikk"]}


def build(root: Path) -> Workspace:
    flow_world.build(root)
    other = flow_world.CONFIG.replace('id = "testbutikk"', 'id = "annenbutikk"').replace(
        'name = "Testbutikken AS"', 'name = "Annen butikk AS"'
    )
    (root / "config" / "controllers" / "annenbutikk.toml").write_text(other, encoding="utf-8")
    workspace = Workspace(root)
    from dsar.staff import StaffDirectory
    from dsar.store import open_store

    store = open_store(workspace)
    directory = StaffDirectory(store)
    for name, controllers in STAFF.items():
        directory.add(name, PASSWORD, controllers=controllers, actor="test")
    store.close()
    return workspace


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(workspace: Workspace) -> Iterator[str]:
    """The dashboard at a ``http://127.0.0.1:PORT`` URL until the block ends."""
    import uvicorn

    from dsar.dashboard.app import create_app

    app = create_app(workspace)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
