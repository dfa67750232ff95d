"""Errors the product raises on purpose.

Every message here is shown to staff and may end up in Prefect's logs, so a message names
files, keys, systems, request ids and counts — never a person's name, e-mail, phone or
record values. Callers keep the cause with ``raise ... from exc``; where an error crosses
into Prefect, the flow strips the chain (see ``flows.tasks``).
"""

from __future__ import annotations


class DsarError(Exception):
    """Base for errors that carry a safe, actionable message."""


class ConfigError(DsarError):
    """The configuration is wrong: which file, which key, and what is wrong."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")


class InputError(DsarError):
    """Input from staff is malformed (e-mail, phone, date, unknown controller...)."""


class RequestNotFound(DsarError):
    pass


class RequestNotVerified(DsarError):
    """The person's identity is not verified; nothing may be searched or released."""


class SecretMissing(DsarError):
    """A named secret is in neither the environment nor the secret store."""


class DecryptionError(DsarError):
    """Encrypted data could not be opened: wrong key, or the file was changed."""


class ConnectorError(DsarError):
    """A system could not be searched.

    ``transient`` says whether trying again later may help (network down, timeout, HTTP 5xx);
    the flow retries only those. The message names the system and what failed, never data.
    """

    def __init__(self, system: str, message: str, *, transient: bool = False) -> None:
        self.system = system
        self.transient = transient
        super().__init__(self.prefix(system) + message)

    @staticmethod
    def prefix(system: str) -> str:
        """How every message about a system begins, in staff's words (bokmål)."""
        return f"systemet {system!r}: "


class RequestBusy(DsarError):
    """Another run holds the request (``dsar.store`` leases): a second one is refused."""


class WrongDataKey(DsarError):
    """The configured data key is not the key the store was sealed with."""


class DiskFull(DsarError):
    """A write failed for lack of space; the message names the directory, not the data."""
