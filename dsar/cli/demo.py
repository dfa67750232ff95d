"""``dsar demo``: the sample world, one verified request per controller, answered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dsar.cli.common import open_workspace
from dsar.config.models import ControllerConfig
from dsar.crypto import DataKey
from dsar.deadlines import today_oslo
from dsar.secrets import has_secret, store_secret
from dsar.store import AccessRequest, RequestStore
from dsar.workspace import Workspace


def ensure_data_key(workspace: Workspace) -> bool:
    """Create the data key in the secret store if neither it nor the environment has it."""
    name = workspace.config.settings.keys.data_key
    if has_secret(name):
        return False
    store_secret(name, DataKey.generate())
    return True


def run_demo(root: Path, *, scale: float, seed: int, say: Callable[[str], None]) -> list[dict[str, Any]]:
    from dsar.cli.running import run_request
    from dsar.store import open_store
    from sample_data.generate import build_world
    from sample_data.vendor_api import serving

    workspace = open_workspace(root, must_exist=False)  # the demo builds it
    if not any((workspace.config_dir / "controllers").glob("*.toml")):
        say(f"Bygger eksempelverdenen i {workspace.root} …")
        build_world(workspace.root, scale=scale, seed=seed)
    # The vendors' APIs (Mailchimp, Screentek) are played by a local server for as long as the
    # demo runs; the workspace's API systems are pointed at its port before anything reads them.
    with serving(workspace.root) as vendors:
        say(f"Leverandør-API-ene (Mailchimp, Screentek) svarer lokalt på {vendors.url}.")
        workspace = open_workspace(root)
        if ensure_data_key(workspace):
            say(f"Ny datanøkkel ({workspace.config.settings.keys.data_key}) lagret i hemmelighetslageret.")

        store = open_store(workspace)
        results = []
        for controller_id, config in workspace.config.controllers.items():
            request = register_demo_request(store, workspace, config, actor="demo")
            say(f"Kjører {request.id} ({controller_id}) …")
            result = run_request(workspace, request.id)
            keep = ("id", "controller", "status", "package", "password", "records", "due")
            results.append({k: result[k] for k in keep})
    return results


def register_demo_request(
    store: RequestStore, workspace: Workspace, config: ControllerConfig, *, actor: str
) -> AccessRequest:
    """A verified request, received today by e-mail, from the sample person chosen for
    ``config``'s controller (someone with records in its systems)."""
    from dsar.store import Person
    from sample_data.generate import choose_demo_subject

    subject = choose_demo_subject(workspace.root, config.id)
    return store.register(
        controller=config.controller,
        person=Person.from_given(
            subject["name"],
            emails=[subject.get("email") or ""],
            phones=[subject.get("phone") or ""],
            birthdate=subject.get("birthdate"),
        ),
        received_on=today_oslo(),
        channel="email",
        actor=actor,
        verification_method="email-code",
    )
