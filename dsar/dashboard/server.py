"""Serving the dashboard with uvicorn (``dsar dashboard``)."""

from __future__ import annotations

import sys

from dsar.workspace import Workspace


def serve(workspace: Workspace, *, host: str, port: int) -> None:
    """Serve until interrupted. Plain HTTP: keep it on 127.0.0.1, or put TLS in front and
    set ``DSAR_DASHBOARD_HTTPS=1`` so cookies are marked Secure."""
    import os

    import uvicorn

    from dsar.dashboard.app import create_app
    from dsar.staff import StaffDirectory
    from dsar.store import open_store

    if not StaffDirectory(open_store(workspace)).list():
        print("advarsel: ingen ansatte kan logge inn ennå; opprett en med 'dsar user add NAVN'", file=sys.stderr)
    app = create_app(workspace, secure_cookies=os.environ.get("DSAR_DASHBOARD_HTTPS") == "1")
    print(f"Dashbordet: http://{host}:{port}/  (Ctrl+C avslutter)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
