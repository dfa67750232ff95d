"""A workspace: one directory holding configuration, request store, staging and exports.

    <workspace>/config/dsar.toml            store URL, name of the data-key secret
    <workspace>/config/controllers/*.toml   controllers, registers, systems
    <workspace>/store.db                    request store (SQLite default)
    <workspace>/staging/<request>/…         encrypted staged findings
    <workspace>/exports/<request>/…         encrypted packages and sealed passwords
    <workspace>/cache/csv-index/…           CSV lookup indexes (keyed hashes, no values)
    <workspace>/cache/mail-index/…          mail archive indexes (keyed hashes, no values)
    <workspace>/cache/known-names/…         names the registers hold, for redaction (keyed hashes)
    <workspace>/logs/                       encrypted details of unexpected search errors
    <workspace>/prefect/                    Prefect's home when the CLI runs flows

Chosen with ``--workspace DIR`` or ``DSAR_WORKSPACE``. Nothing is read until asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dsar.config.loader import Configuration, load_configuration
from dsar.crypto import DataKey
from dsar.errors import InputError
from dsar.private import private_dir, private_umask
from dsar.secrets import resolve_secret
from dsar.staging import Staging

ENV_VAR = "DSAR_WORKSPACE"


@dataclass
class Workspace:
    root: Path

    def __post_init__(self) -> None:
        # Everything this process makes in the workspace is private (dsar.private).
        private_umask()
        private_dir(Path(self.root))

    @classmethod
    def from_env(cls, explicit: Path | str | None = None) -> Workspace:
        chosen = explicit or os.environ.get(ENV_VAR)
        if not chosen:
            raise InputError(f"ikke noe arbeidsområde: oppgi --workspace MAPPE eller sett {ENV_VAR}")
        return cls(Path(chosen).expanduser().resolve())

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def staging_dir(self) -> Path:
        return self.root / "staging"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def prefect_home(self) -> Path:
        return self.root / "prefect"

    @cached_property
    def config(self) -> Configuration:
        return load_configuration(self.config_dir)

    @cached_property
    def data_key(self) -> DataKey:
        return DataKey.from_secret(resolve_secret(self.config.settings.keys.data_key))

    @cached_property
    def staging(self) -> Staging:
        return Staging(self.staging_dir, self.data_key)

    def store_url(self) -> str:
        store = self.config.settings.store
        if store.url_env:
            return resolve_secret(store.url_env)
        if store.url:
            return self.expand(store.url)
        return self.default_store_url()

    def default_store_path(self) -> Path:
        """The embedded store's file, used when the settings name no other store."""
        return self.root / "store.db"

    def default_store_url(self) -> str:
        return f"sqlite:///{self.default_store_path()}"

    def expand(self, text: str) -> str:
        """Fill ``{workspace}`` in a URL or path from the configuration."""
        return text.replace("{workspace}", str(self.root))

    def resolve_path(self, text: str) -> Path:
        path = Path(self.expand(text))
        return path if path.is_absolute() else self.root / path
