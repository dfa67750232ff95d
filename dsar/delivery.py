"""Handing a package's password to staff exactly once.

The flow may run in another process than the staff's command (a worker, a deployment), so
the password waits beside the package, sealed with the data key and bound to the package's
file name. The first ``take_password`` opens it and deletes it; after that it exists only
where staff sent it (SMS, phone). It is never in the package, a log or Prefect.
"""

from __future__ import annotations

import os
from pathlib import Path

from dsar.crypto import DataKey

SUFFIX = ".password.sealed"


def _sealed_path(package: Path) -> Path:
    return package.with_name(package.name + SUFFIX)


def seal_password(key: DataKey, package: Path, password: str) -> None:
    path = _sealed_path(package)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.seal(password.encode(), package.name.encode()))


def discard_password(package: Path) -> None:
    """Drop a sealed password whose package was never built."""
    _sealed_path(package).unlink(missing_ok=True)


def password_waits(package: Path) -> bool:
    """The package's password is still sealed beside it: it was never shown to anyone."""
    return _sealed_path(package).exists()


def remove_unshown(package: Path) -> bool:
    """Remove a package whose password was never shown, with its sealed password; False (and
    the package kept) when the sealed password is already gone. Removing the sealed file is
    the claim: ``take_password`` shows nothing once it is gone, so a password taken meanwhile
    keeps its package, and one removed meanwhile can't be shown."""
    try:
        _sealed_path(package).unlink()
    except FileNotFoundError:
        return False
    package.unlink(missing_ok=True)
    return True


def take_password(key: DataKey, package: Path) -> str | None:
    """The package's password, or None when it was already taken (or its package removed)."""
    path = _sealed_path(package)
    try:
        token = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    password = key.open_sealed(token, package.name.encode()).decode()
    try:
        path.unlink()
    except FileNotFoundError:
        return None  # another took it, or the package was removed meanwhile: shown once at most
    return password
