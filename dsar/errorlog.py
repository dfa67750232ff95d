"""Where the details of an unexpected error go: an encrypted file, never a log line.

A bug's exception text may quote record values, so its traceback is written encrypted under
``logs/`` in the workspace, and what staff, the store and Prefect see is only its type and
that file's name.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime

from dsar.crypto import EncryptedWriter
from dsar.workspace import Workspace


def record_unexpected(workspace: Workspace, request_id: str, step: str, exc: BaseException) -> str:
    """Write ``exc``'s traceback encrypted; return a safe sentence naming the file."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    relative = f"logs/{request_id}-{step}-{stamp}.txt.enc"
    with EncryptedWriter(workspace.root / relative, workspace.data_key) as writer:
        writer.write("".join(traceback.format_exception(exc)).encode())
    return f"unexpected {type(exc).__name__} in {step}; details (encrypted) in {relative}"
