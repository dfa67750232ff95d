"""Private by default: whatever this process creates is the owner's alone (700 / 600).

A workspace holds the most concentrated personal data an organisation has. The operator's
umask (often 022, sometimes 000) must not decide who can read it, and SQLite, Prefect, the zip
writer and the indexes each create their own files, so the process's umask is set once, where
a workspace or secret store is opened, rather than a mode at every place a file is made.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700


def private_umask() -> None:
    """Files from here on are created 600 and directories 700 (children inherit it)."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> None:
    """Close an existing directory to everyone but its owner (a directory made before the
    umask was set, or by another tool). One that isn't ours is left alone."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.geteuid() or (info.st_mode & 0o777) == DIR_MODE:
        return
    try:
        path.chmod(DIR_MODE)
    except PermissionError:
        pass  # a mount we may not change; the files inside are still made private
