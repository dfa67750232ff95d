"""Moving a workspace to a new data key: ``dsar keys-rotate``.

Everything sealed or encrypted with the data key is opened with the old key and sealed again
with the new one: the store's sealed columns (in one transaction, with the key fingerprint the
store checks), staged findings and files, sealed package passwords and the encrypted logs of
unexpected errors, staff's added redaction texts. The CSV and mail lookup indexes (keyed
hashes) are dropped; they are rebuilt on the next search.

The order makes an interrupted rotation safe to run again: the new key is first written to the
secret store as ``<name>.next``; files are re-encrypted beside the old ones (``*.rotating``);
the store's transaction commits; then the re-encrypted files replace the old ones and the new
key replaces the old (kept as ``<name>.previous``, mode 600, for the operator to remove once
backups are rotated too). A rotation found half done finishes with the key in ``.next``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from dsar.crypto import DataKey, EncryptedWriter, read_encrypted
from dsar.delivery import SUFFIX as SEALED_PASSWORD
from dsar.errors import InputError
from dsar.secrets import secret_dirs
from dsar.workspace import Workspace

ROTATING = ".rotating"
# Sealed columns and the context each value is bound to (the column it belongs in).
SEALED_COLUMNS = {
    ("requests", "subject_name_sealed"): "subject_name",
    ("requests", "subject_emails_sealed"): "subject_emails",
    ("requests", "subject_phones_sealed"): "subject_phones",
    ("requests", "subject_birthdate_sealed"): "subject_birthdate",
    ("requests", "requested_by_sealed"): "requested_by",
    ("requests", "mandate_sealed"): "mandate",
    ("requests", "extension_reason_sealed"): "extension_reason",
    ("requests", "suggestions_sealed"): "suggestions",
    ("pauses", "reason_sealed"): "pause_reason",
    ("redaction_changes", "text_sealed"): "redaction_text",
    ("system_runs", "contents_sealed"): "contents",
}


@dataclass
class Rotation:
    """What a rotation re-sealed: counts only."""

    values: int = 0
    files: int = 0
    passwords: int = 0
    indexes_dropped: int = 0
    notes: list[str] = field(default_factory=list)


def rotate(workspace: Workspace) -> Rotation:
    """Re-seal the workspace under a new data key (or finish a rotation that was cut short)."""
    from dsar.store import RequestStore
    from dsar.store.models import Base, RunLease

    name = workspace.config.settings.keys.data_key
    if os.environ.get(name):
        raise InputError(
            f"datanøkkelen kommer fra miljøvariabelen {name}: et nøkkelbytte skriver den nye nøkkelen "
            "til hemmelighetslageret, så fjern variabelen og hold nøkkelen der (dsar keys-init)"
        )
    store_dir = secret_dirs()[0]
    current, following = store_dir / name, store_dir / f"{name}.next"
    if not current.is_file() and following.is_file() and (store_dir / f"{name}.previous").is_file():
        os.replace(following, current)  # the last step of a rotation that was cut short
        return Rotation(notes=["finished a rotation that was cut short before its last step"])
    if not current.is_file():
        raise InputError(f"ingen datanøkkel i hemmelighetslageret ({current}); ingenting å bytte")
    old = DataKey.from_secret(current.read_text(encoding="utf-8"))
    if not following.is_file():
        _write_secret(following, DataKey.generate())
    new = DataKey.from_secret(following.read_text(encoding="utf-8"))

    store = RequestStore(workspace.store_url(), old if _store_uses(workspace, old) else new, migrate=False)
    result = Rotation()
    try:
        with store._session() as session:  # noqa: SLF001 - the rotation is the store's own business
            if session.scalars(select(RunLease)).first() is not None:
                raise InputError("et krav kjøres nå; bytt nøkkel når ingen kjøring pågår")
        tables = Base.metadata.tables
        files = _reencrypt_files(workspace, old, new, result)
        with store.engine.begin() as conn:
            for (table_name, column), context in SEALED_COLUMNS.items():
                table = tables[table_name]
                key_columns = list(table.primary_key.columns)
                rows = conn.execute(select(*key_columns, table.c[column]).where(table.c[column].is_not(None))).all()
                for row in rows:
                    token = row[-1]
                    try:
                        plain = old.open_sealed(token, context.encode())
                    except Exception:  # noqa: BLE001 - already under the new key (an earlier attempt)
                        new.open_sealed(token, context.encode())
                        continue
                    where = [c == row[i] for i, c in enumerate(key_columns)]
                    conn.execute(table.update().where(*where).values({column: new.seal(plain, context.encode())}))
                    result.values += 1
            meta = tables["store_meta"]
            conn.execute(meta.delete().where(meta.c.key == "data_key_fingerprint"))
            conn.execute(meta.insert().values(key="data_key_fingerprint", value=new.fingerprint.hex()))
    finally:
        store.close()
    for rotated in files:
        os.replace(rotated, rotated.with_name(rotated.name.removesuffix(ROTATING)))
    previous = store_dir / f"{name}.previous"
    previous.unlink(missing_ok=True)
    os.replace(current, previous)
    os.replace(following, current)
    result.notes.append(f"the old key is kept as {previous}; remove it once no backup needs it")
    return result


def _store_uses(workspace: Workspace, key: DataKey) -> bool:
    """Whether the store's recorded fingerprint is ``key``'s (False: a rotation got as far as
    committing the store before it was cut short)."""
    import sqlalchemy as sa

    engine = sa.create_engine(workspace.store_url())
    try:
        with engine.connect() as conn:
            value = conn.execute(
                sa.text("SELECT value FROM store_meta WHERE key = 'data_key_fingerprint'")
            ).scalar()
    finally:
        engine.dispose()
    return value is None or value == key.fingerprint.hex()


def _reencrypt_files(workspace: Workspace, old: DataKey, new: DataKey, result: Rotation) -> list[Path]:
    """Every file under the data key, re-encrypted beside itself as ``*.rotating``."""
    written: list[Path] = []
    for folder in (workspace.staging_dir, workspace.root / "logs"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.endswith((ROTATING, ".partial")):
                continue
            target = path.with_name(path.name + ROTATING)
            try:
                chunks = read_encrypted(path, old)
                with EncryptedWriter(target, new) as writer:
                    for chunk in chunks:
                        writer.write(chunk)
            except Exception:  # noqa: BLE001 - already under the new key: leave it as it is
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
                continue
            written.append(target)
            result.files += 1
    if workspace.exports_dir.is_dir():
        for path in sorted(workspace.exports_dir.rglob(f"*{SEALED_PASSWORD}")):
            package = path.name.removesuffix(SEALED_PASSWORD)
            token = path.read_text(encoding="ascii")
            try:
                password = old.open_sealed(token, package.encode())
            except Exception:  # noqa: BLE001 - already re-sealed
                continue
            target = path.with_name(path.name + ROTATING)
            _write_private(target, new.seal(password, package.encode()))
            written.append(target)
            result.passwords += 1
    # Lookup indexes hold keyed hashes under a key sealed with the data key: dropped, and
    # rebuilt by the next search (or dsar index).
    for folder, pattern in (("csv-index", "*.idx"), ("mail-index", "*.sqlite*")):
        index = workspace.root / "cache" / folder
        if index.is_dir():
            for path in index.rglob(pattern):
                path.unlink()
                result.indexes_dropped += 1
    return written


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_private(path, value + "\n")


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
