"""Encryption at rest: streams survive round trips and refuse tampering or the wrong key."""

from __future__ import annotations

import os

import pytest

from dsar.crypto import CHUNK, DataKey, EncryptedWriter, read_encrypted, read_lines
from dsar.errors import DecryptionError


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17],  # around chunk boundaries
)
def test_round_trip(tmp_path, data_key, size):
    data = os.urandom(size)
    with EncryptedWriter(tmp_path / "f.enc", data_key) as w:
        w.write(data[: size // 2])
        w.write(data[size // 2 :])
    assert b"".join(read_encrypted(tmp_path / "f.enc", data_key)) == data
    assert data[:32] not in (tmp_path / "f.enc").read_bytes() or size < 8


def test_plaintext_never_on_disk(tmp_path, data_key):
    with EncryptedWriter(tmp_path / "f.enc", data_key) as w:
        w.write(b"kari.nordmann@example.no\n" * 1000)
    assert b"kari" not in (tmp_path / "f.enc").read_bytes()
    assert list(read_lines(tmp_path / "f.enc", data_key))[0] == b"kari.nordmann@example.no"


def test_wrong_key_is_named_as_such(tmp_path, data_key):
    with EncryptedWriter(tmp_path / "f.enc", data_key) as w:
        w.write(b"x")
    other = DataKey.from_secret(DataKey.generate())
    with pytest.raises(DecryptionError, match="another data key"):
        list(read_encrypted(tmp_path / "f.enc", other))


@pytest.mark.parametrize("cut", ["flip", "truncate_chunk", "drop_last_chunk"])
def test_tampering_is_detected(tmp_path, data_key, cut):
    path = tmp_path / "f.enc"
    with EncryptedWriter(path, data_key) as w:
        w.write(os.urandom(2 * CHUNK + 10))
    raw = bytearray(path.read_bytes())
    if cut == "flip":
        raw[100] ^= 1
    elif cut == "truncate_chunk":
        raw = raw[:-5]
    else:  # drop the final chunk: the previous one was not written as the last
        last = 4 + 10 + 16
        raw = raw[:-last]
    path.write_bytes(bytes(raw))
    with pytest.raises(DecryptionError):
        list(read_encrypted(path, data_key))


def test_failed_write_leaves_nothing(tmp_path, data_key):
    with pytest.raises(RuntimeError):
        with EncryptedWriter(tmp_path / "f.enc", data_key) as w:
            w.write(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_sealed_values_are_bound_to_their_context(data_key):
    token = data_key.seal(b"secret", b"subject_name")
    assert data_key.open_sealed(token, b"subject_name") == b"secret"
    with pytest.raises(DecryptionError):
        data_key.open_sealed(token, b"subject_emails")
    assert data_key.seal(b"secret", b"x") != data_key.seal(b"secret", b"x")  # random nonce
