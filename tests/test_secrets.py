"""Secrets come from the environment or the chosen secret store, and nowhere else."""

from __future__ import annotations

import os

import pytest

from dsar.errors import SecretMissing
from dsar.secrets import resolve_secret, secret_dirs, store_secret


def test_environment_first_then_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DSAR_SECRETS_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("TEST_SECRET", raising=False)
    with pytest.raises(SecretMissing, match="TEST_SECRET"):
        resolve_secret("TEST_SECRET")
    path = store_secret("TEST_SECRET", "from-the-store")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert resolve_secret("TEST_SECRET") == "from-the-store"
    monkeypatch.setenv("TEST_SECRET", "from-the-environment")
    assert resolve_secret("TEST_SECRET") == "from-the-environment"


def test_a_chosen_store_is_the_only_store(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".config" / "dsar" / "secrets").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DSAR_SECRETS_DIR", str(tmp_path / "chosen"))
    monkeypatch.delenv("TEST_SECRET", raising=False)
    homed = home / ".config" / "dsar" / "secrets" / "TEST_SECRET"
    homed.write_text("stray")
    os.chmod(homed, 0o600)
    assert secret_dirs() == [tmp_path / "chosen"]
    with pytest.raises(SecretMissing):
        resolve_secret("TEST_SECRET")


def test_a_secret_readable_by_others_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("DSAR_SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("TEST_SECRET", raising=False)
    (tmp_path / "TEST_SECRET").write_text("open")
    os.chmod(tmp_path / "TEST_SECRET", 0o644)
    with pytest.raises(SecretMissing, match="chmod 600"):
        resolve_secret("TEST_SECRET")
