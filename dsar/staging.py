"""Staged findings: what a system search found, encrypted, until the package is built.

Layout::

    staging/<request>/<system>/<collection>.jsonl.enc   one JSON finding per line
    staging/<request>/<system>/files/<n>.enc            files that belong to findings
    staging/<request>/<system>/resolution.json.enc      which groups of findings are released

A system's findings appear all at once: they are written to ``<system>.partial/`` and the
directory is renamed into place when the search finished, so a crash mid-search leaves
nothing that looks like a result, and a re-run knows exactly which systems are done.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from dsar.crypto import DataKey, EncryptedWriter, read_encrypted, read_lines
from dsar.matching import Resolution
from dsar.records import FileRef, Finding

SUFFIX = ".jsonl.enc"
RESOLUTION = "resolution.json.enc"
FILES = "files"
_CHUNK = 1 << 20


@dataclass
class StagedCounts:
    """Counts per collection of what a system search staged: no data, safe to log."""

    confirmed: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    """Per collection: records waiting for a decision (or reached from one that is)."""
    excluded: Counter[str] = field(default_factory=Counter)
    """Per reason (``dsar.matching.REASONS``): records found but clearly somebody else's,
    neither released nor put to staff — counted, so nothing leaves the answer unseen."""
    files: int = 0
    files_missing: int = 0
    written: dict[str, dict[str, object]] = field(default_factory=dict)
    """Every staged file, relative to the system's staging: its size and SHA-256 on disk.
    The store keeps this; the answer proves staging still holds exactly it (``verify``)."""


def _digest_of(path: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


class SystemStager:
    """Collects one system's findings; ``commit()`` makes them visible, ``abort()`` drops them."""

    def __init__(self, final_dir: Path, key: DataKey) -> None:
        self._final = final_dir
        self._partial = final_dir.with_name(final_dir.name + ".partial")
        shutil.rmtree(self._partial, ignore_errors=True)
        self._partial.mkdir(parents=True)
        self._key = key
        self._writers: dict[str, EncryptedWriter] = {}
        self._per_group: Counter[tuple[str, str | None, str]] = Counter()
        self._files = 0
        self._missing = 0
        self._written: dict[str, dict[str, object]] = {}

    def add(self, finding: Finding, files: tuple[FileRef, ...] = ()) -> None:
        for ref in files:
            finding.files.append(self._stage_file(ref))
        writer = self._writers.get(finding.collection)
        if writer is None:
            writer = EncryptedWriter(self._partial / f"{finding.collection}{SUFFIX}", self._key)
            self._writers[finding.collection] = writer
        writer.write(json.dumps(finding.to_json(), ensure_ascii=False).encode() + b"\n")
        self._per_group[(finding.collection, finding.group, finding.status)] += 1

    def carry_over(self, finding: Finding, staged_dir: Path) -> None:
        """Stage again a finding already staged in ``staged_dir`` (a system's committed
        staging), its encrypted files copied as they are: nothing is decrypted."""
        files = []
        for info in finding.files:
            if info.get("staged"):
                self._files += 1
                relative = f"{FILES}/{self._files}.enc"
                (self._partial / FILES).mkdir(exist_ok=True)
                shutil.copyfile(staged_dir / str(info["staged"]), self._partial / relative)
                self._written[relative] = _digest_of(self._partial / relative)
                info = {**info, "staged": relative}
            elif info.get("missing"):
                self._missing += 1
            files.append(info)
        finding.files = files
        self.add(finding)

    def _stage_file(self, ref: FileRef) -> dict[str, object]:
        """Stream one file in, encrypted; a file that is gone is noted, not fatal."""
        info: dict[str, object] = {"field": ref.field, "name": ref.name, "media_type": ref.media_type}
        try:
            source: BinaryIO = ref.open()
        except FileNotFoundError:
            self._missing += 1
            return {**info, "missing": True}
        self._files += 1
        relative = f"{FILES}/{self._files}.enc"
        (self._partial / FILES).mkdir(exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with source, EncryptedWriter(self._partial / relative, self._key) as writer:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                writer.write(chunk)
        self._written[relative] = {"size": writer.size, "sha256": writer.sha256}
        return {**info, "staged": relative, "size": size, "sha256": digest.hexdigest()}

    def commit(self, resolution: Resolution | None = None) -> StagedCounts:
        """Make the findings visible; counts follow ``resolution`` (each finding's own status
        when there is none: a caller that doesn't judge groups)."""
        for writer in self._writers.values():
            writer.close()
            self._written[writer.path.name] = {"size": writer.size, "sha256": writer.sha256}
        counts = StagedCounts(files=self._files, files_missing=self._missing)
        released = resolution.released() if resolution is not None else None
        for (collection, group, status), n in self._per_group.items():
            if resolution is None or released is None:
                ok = status == "confirmed"
            else:
                ok = resolution.is_released(group, released)
            if ok:
                counts.confirmed[collection] += n
            elif resolution is not None and released is not None and resolution.excluded(group, released):
                counts.excluded[resolution.excluded_reason(group)] += n
            else:
                counts.held[collection] += n
        if resolution is not None:
            with EncryptedWriter(self._partial / RESOLUTION, self._key) as writer:
                writer.write(json.dumps(resolution.to_json()).encode())
            self._written[RESOLUTION] = {"size": writer.size, "sha256": writer.sha256}
        counts.written = dict(sorted(self._written.items()))
        shutil.rmtree(self._final, ignore_errors=True)
        self._partial.rename(self._final)
        return counts

    def abort(self) -> None:
        for writer in self._writers.values():
            writer.abort()
        shutil.rmtree(self._partial, ignore_errors=True)


class Staging:
    """The staging area of a workspace."""

    def __init__(self, root: Path, key: DataKey) -> None:
        self.root = root
        self._key = key

    def system_dir(self, request_id: str, system_id: str) -> Path:
        return self.root / request_id / system_id

    def begin(self, request_id: str, system_id: str) -> SystemStager:
        return SystemStager(self.system_dir(request_id, system_id), self._key)

    def is_staged(self, request_id: str, system_id: str) -> bool:
        return self.system_dir(request_id, system_id).is_dir()

    def collections(self, request_id: str, system_id: str) -> list[str]:
        directory = self.system_dir(request_id, system_id)
        if not directory.is_dir():
            return []
        return sorted(p.name[: -len(SUFFIX)] for p in directory.glob(f"*{SUFFIX}"))

    def read(self, request_id: str, system_id: str, collection: str) -> Iterator[Finding]:
        path = self.system_dir(request_id, system_id) / f"{collection}{SUFFIX}"
        if not path.exists():
            return
        for line in read_lines(path, self._key):
            if line:
                yield Finding.from_json(json.loads(line))

    def resolution(self, request_id: str, system_id: str) -> Resolution | None:
        """The system's group verdicts; None for a system staged without them."""
        path = self.system_dir(request_id, system_id) / RESOLUTION
        if not path.exists():
            return None
        return Resolution.from_json(json.loads(b"".join(read_encrypted(path, self._key))))

    def verify(self, request_id: str, system_id: str, expected: dict[str, dict[str, object]]) -> str | None:
        """Whether the system's staging holds exactly the files the store says were written
        (each file's size and SHA-256 on disk); a safe description of the first difference,
        or None. Staging that went missing, a deleted or changed collection, or a file added
        all show here, before a package could be built without them."""
        directory = self.system_dir(request_id, system_id)
        if not directory.is_dir():
            return "de mellomlagrede funnene er borte"
        present = {
            str(p.relative_to(directory)): p for p in directory.rglob("*") if p.is_file()
        }
        for name, facts in expected.items():
            path = present.pop(name, None)
            if path is None:
                return f"den mellomlagrede filen {name} mangler"
            if _digest_of(path) != facts:
                return f"den mellomlagrede filen {name} er endret"
        if present:
            return f"mellomlageret har filer som søket ikke skrev ({len(present)})"
        return None

    def open_file(self, request_id: str, system_id: str, staged: str) -> Iterator[bytes]:
        """A staged file's bytes, decrypted, in chunks."""
        path = self.system_dir(request_id, system_id) / staged
        if not path.resolve().is_relative_to(self.system_dir(request_id, system_id).resolve()):
            raise ValueError("a staged file lies outside its system's staging")
        return read_encrypted(path, self._key)
