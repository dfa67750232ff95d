"""Secrets come from the environment or a secret store, never from the repository.

A secret is looked up by name: first the environment variable of that name, then a file of
that name in the secret store — ``$DSAR_SECRETS_DIR`` when set (and then only there), else
systemd's ``$CREDENTIALS_DIRECTORY`` and ``~/.config/dsar/secrets``. The store is a directory of files readable by the owner only,
the shape Docker secrets and systemd credentials use.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dsar.errors import SecretMissing


def secret_dirs() -> list[Path]:
    """Where secrets are looked for. A store chosen with ``DSAR_SECRETS_DIR`` is the only
    one: a secret must never be picked up from somewhere the operator did not point to."""
    if os.environ.get("DSAR_SECRETS_DIR"):
        return [Path(os.environ["DSAR_SECRETS_DIR"])]
    dirs = []
    if os.environ.get("CREDENTIALS_DIRECTORY"):
        dirs.append(Path(os.environ["CREDENTIALS_DIRECTORY"]))
    dirs.append(Path.home() / ".config" / "dsar" / "secrets")
    return dirs


def resolve_secret(name: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    for directory in secret_dirs():
        path = directory / name
        if path.is_file():
            _refuse_open_permissions(path)
            return path.read_text(encoding="utf-8").strip()
    raise SecretMissing(
        f"hemmeligheten {name} er ikke satt: export {name}=… eller legg den i {secret_dirs()[0]}/{name} "
        "(modus 600)"
    )


def has_secret(name: str) -> bool:
    try:
        resolve_secret(name)
    except SecretMissing:
        return False
    return True


def store_secret(name: str, value: str) -> Path:
    """Write a secret to the first secret-store directory, readable by the owner only."""
    from dsar.private import private_dir, private_umask

    private_umask()
    directory = secret_dirs()[0]
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_dir(directory)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return path


def _refuse_open_permissions(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretMissing(
            f"hemmelighetsfilen {path} kan leses av andre; kjør: chmod 600 {path}"
        )
