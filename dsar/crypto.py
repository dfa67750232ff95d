"""Encryption of personal data at rest: staged findings, sealed passwords, store fields.

One 256-bit data key (a secret, see ``dsar.secrets``) protects everything in a workspace.

Files use the STREAM construction over AES-256-GCM, as age and Tink do: each file derives
its own key from the data key and a random salt (HKDF-SHA256), then encrypts 64 KiB chunks
with a counter nonce whose last byte marks the final chunk. Chunks can't be reordered,
dropped or appended without the file failing to open, and memory stays at one chunk
however large the file is.

Small values (a store column, a password handed to staff) are sealed with AES-256-GCM and
a random nonce.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dsar.errors import DecryptionError, SecretMissing

MAGIC = b"DSARENC1"
CHUNK = 64 * 1024
_SALT = 16
_FINGERPRINT = 8
_HEADER = len(MAGIC) + _FINGERPRINT + _SALT
_SEALED_PREFIX = "v1."


class DataKey:
    """The workspace's data key. Its fingerprint (not the key) is written into every file,
    so a wrong key is reported as such rather than as corruption."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise SecretMissing("datanøkkelen må være 32 byte (256 bit), base64-kodet")
        self._raw = raw
        self.fingerprint = hashlib.sha256(b"dsar-key-id" + raw).digest()[:_FINGERPRINT]
        self._seal_aead = AESGCM(self._derive(b"", b"dsar-seal-v1"))

    @classmethod
    def from_secret(cls, text: str) -> DataKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
        except (ValueError, TypeError) as exc:
            raise SecretMissing("datanøkkelen er ikke gyldig base64") from exc
        return cls(raw)

    @staticmethod
    def generate() -> str:
        """A new key as text, for ``dsar keys init`` to put in the secret store."""
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")

    def _derive(self, salt: bytes, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose).derive(self._raw)

    # -- small values -------------------------------------------------------------------

    def seal(self, plaintext: bytes, context: bytes = b"") -> str:
        """Encrypt a small value; ``context`` binds it to where it belongs (e.g. a column)."""
        nonce = secrets.token_bytes(12)
        ct = self._seal_aead.encrypt(nonce, plaintext, self.fingerprint + context)
        return _SEALED_PREFIX + base64.urlsafe_b64encode(self.fingerprint + nonce + ct).decode()

    def open_sealed(self, token: str, context: bytes = b"") -> bytes:
        if not token.startswith(_SEALED_PREFIX):
            raise DecryptionError("not a sealed value (unknown format)")
        blob = base64.urlsafe_b64decode(token[len(_SEALED_PREFIX) :])
        fingerprint, nonce, ct = blob[:_FINGERPRINT], blob[_FINGERPRINT:20], blob[20:]
        if fingerprint != self.fingerprint:
            raise DecryptionError("sealed with another data key than the one configured")
        try:
            return self._seal_aead.decrypt(nonce, ct, self.fingerprint + context)
        except InvalidTag:
            raise DecryptionError("sealed value was changed or belongs elsewhere") from None


def _nonce(counter: int, last: bool) -> bytes:
    return struct.pack(">QxxxB", counter, 1 if last else 0)


class EncryptedWriter:
    """Writes an encrypted file in chunks; the file appears only when closed without error.

    Use as a context manager. Data goes to ``<path>.partial`` and is renamed into place on a
    clean exit, so a crash never leaves a file that looks complete.
    """

    def __init__(self, path: Path, key: DataKey) -> None:
        self.path = path
        self._partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_bytes(_SALT)
        self._aead = AESGCM(key._derive(salt, b"dsar-stream-v1"))
        self._handle: BinaryIO = open(self._partial, "wb")  # noqa: SIM115 - closed in close()
        header = MAGIC + key.fingerprint + salt
        self._handle.write(header)
        self._digest = hashlib.sha256(header)
        self.size = len(header)
        """Bytes of the encrypted file, and (after ``close``) ``sha256``: what is on disk."""
        self.sha256 = ""
        self._buffer = bytearray()
        self._counter = 0
        self.plaintext_bytes = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.plaintext_bytes += len(data)
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def _emit(self, chunk: bytes, last: bool) -> None:
        ct = self._aead.encrypt(_nonce(self._counter, last), chunk, None)
        block = struct.pack(">I", len(ct)) + ct
        self._handle.write(block)
        self._digest.update(block)
        self.size += len(block)
        self._counter += 1

    def close(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._partial, self.path)
        self.sha256 = self._digest.hexdigest()

    def abort(self) -> None:
        # Cleaning up must not fail in turn (a full disk refuses the close's flush).
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(OSError):
            self._partial.unlink(missing_ok=True)

    def __enter__(self) -> EncryptedWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_encrypted(path: Path, key: DataKey) -> Iterator[bytes]:
    """Yield the plaintext of an encrypted file chunk by chunk, checking every chunk."""
    with open(path, "rb") as handle:
        header = handle.read(_HEADER)
        if len(header) != _HEADER or not header.startswith(MAGIC):
            raise DecryptionError(f"{path.name} is not an encrypted staging file")
        fingerprint = header[len(MAGIC) : len(MAGIC) + _FINGERPRINT]
        if fingerprint != key.fingerprint:
            raise DecryptionError(
                f"{path.name} was encrypted with another data key than the one configured"
            )
        aead = AESGCM(key._derive(header[-_SALT:], b"dsar-stream-v1"))
        counter = 0
        while True:
            size_bytes = handle.read(4)
            if len(size_bytes) != 4:
                raise DecryptionError(f"{path.name} is truncated")
            (size,) = struct.unpack(">I", size_bytes)
            ct = handle.read(size)
            last = not handle.peek(1)  # nothing after this chunk: it must be the final one
            try:
                plain = aead.decrypt(_nonce(counter, last), ct, None)
            except InvalidTag:
                raise DecryptionError(f"{path.name} was changed or is incomplete") from None
            yield plain
            if last:
                return
            counter += 1


def read_lines(path: Path, key: DataKey) -> Iterator[bytes]:
    """Yield the newline-separated lines of an encrypted file, without the newline."""
    pending = b""
    for chunk in read_encrypted(path, key):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending
