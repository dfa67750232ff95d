"""Staged findings: what a system search found, encrypted, until the package is built.

Layout: ``staging/<request>/<system>/<collection>.jsonl.enc``, one JSON finding per line.
A system's findings appear all at once: they are written to ``<system>.partial/`` and the
directory is renamed into place when the search finished, so a crash mid-search leaves
nothing that looks like a result, and a re-run knows exactly which systems are done.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dsar.crypto import DataKey, EncryptedWriter, read_encrypted, read_lines
from dsar.records import Finding

SUFFIX = ".jsonl.enc"
FILES = "files"
"""Subdirectory holding the files that belong to findings (a message's ``.eml``), encrypted."""


@dataclass
class StagedCounts:
    """Counts per collection of what a system search staged: no data, safe to log."""

    confirmed: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)


class SystemStager:
    """Collects one system's findings; ``commit()`` makes them visible, ``abort()`` drops them."""

    def __init__(self, final_dir: Path, key: DataKey) -> None:
        self._final = final_dir
        self._partial = final_dir.with_name(final_dir.name + ".partial")
        shutil.rmtree(self._partial, ignore_errors=True)
        self._partial.mkdir(parents=True)
        self._key = key
        self._writers: dict[str, EncryptedWriter] = {}
        self.counts = StagedCounts()

    def add(self, finding: Finding) -> None:
        writer = self._writers.get(finding.collection)
        if writer is None:
            writer = EncryptedWriter(self._partial / f"{finding.collection}{SUFFIX}", self._key)
            self._writers[finding.collection] = writer
        writer.write(json.dumps(finding.to_json(), ensure_ascii=False).encode() + b"\n")
        for name, data in finding.files.items():
            (self._partial / FILES).mkdir(exist_ok=True)
            with EncryptedWriter(self._partial / FILES / f"{_safe(name)}.enc", self._key) as out:
                out.write(data)
        bucket = self.counts.confirmed if finding.status == "confirmed" else self.counts.held
        bucket[finding.collection] += 1

    def commit(self) -> StagedCounts:
        for writer in self._writers.values():
            writer.close()
        shutil.rmtree(self._final, ignore_errors=True)
        self._partial.rename(self._final)
        return self.counts

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

    def read_file(self, request_id: str, system_id: str, name: str) -> bytes | None:
        """A file staged with a finding, or None."""
        path = self.system_dir(request_id, system_id) / FILES / f"{_safe(name)}.enc"
        if not path.exists():
            return None
        return b"".join(read_encrypted(path, self._key))

    def read(self, request_id: str, system_id: str, collection: str) -> Iterator[Finding]:
        path = self.system_dir(request_id, system_id) / f"{collection}{SUFFIX}"
        if not path.exists():
            return
        for line in read_lines(path, self._key):
            if line:
                yield Finding.from_json(json.loads(line))


def _safe(name: str) -> str:
    """A staged file's name: the connector's name for it, limited to what any filesystem takes."""
    if not name or name.startswith(".") or "/" in name or "\\" in name or len(name) > 200:
        raise ValueError("a staged file's name is a plain file name")
    return name
