"""What one controller's sample systems are, and the plumbing every controller shares.

A ``ControllerWorld`` subclass names its controller, gives the SQL schema of each SQL system
(``schema``) and the header of each CSV collection (``csv_header``), and turns each block of
people into rows (``add_block``). It writes a row with ``emit`` (which also records who owns
it in the ground truth) and adds an owner to an already written row with ``own``.

Collections, tables, keys, CSV paths, delimiters and encodings come from the controller's
configuration in ``sample_data/config/<controller-id>.toml``: the generator writes exactly
what the configuration says is there.
"""

from __future__ import annotations

import json
import random
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa

from dsar.config.models import Collection, ControllerConfig
from dsar.records import make_key
from dsar.workspace import Workspace
from sample_data.people import Person
from sample_data.sinks import CsvSink, GroundTruth, SqlSink, XlsxSink, engine_for


@dataclass
class BuildContext:
    """What a world needs from the build: where things go and the shared ground truth."""

    workspace: Workspace
    scale: float
    truth: GroundTruth
    sql_urls: dict[str, str] = field(default_factory=dict)
    engines: dict[str, sa.Engine] = field(default_factory=dict)

    def engine(self, url: str) -> sa.Engine:
        if url not in self.engines:
            self.engines[url] = engine_for(url)
        return self.engines[url]


class ControllerWorld(ABC):
    controller_id: ClassVar[str]

    def __init__(self, ctx: BuildContext, config: ControllerConfig) -> None:
        self.ctx = ctx
        self.config = config
        self._sql: dict[str, SqlSink] = {}
        self._csv: dict[tuple[str, str], CsvSink | XlsxSink] = {}
        self._mail: dict[str, Any] = {}  # system id -> sample_data.mail.MailArchive
        self._api: dict[str, Any] = {}  # system id -> the vendor's data file (sample_data.vendor_api), open
        self._api_counts: defaultdict[str, int] = defaultdict(int)
        self._ids: defaultdict[str, int] = defaultdict(int)

    # -- what each controller gives ----------------------------------------------------

    @abstractmethod
    def schema(self, system_id: str) -> sa.MetaData:
        """The tables of a SQL system, columns exactly as the configuration explains them."""

    def csv_header(self, system_id: str, collection_id: str) -> list[str]:
        """The columns of a CSV or spreadsheet collection, in file order."""
        raise NotImplementedError(f"{self.controller_id}/{system_id} has no CSV collections")

    def open_system(self, system_id: str) -> None:  # noqa: B027 - optional
        """Prepare a system of a kind the shared plumbing doesn't write (an API's data, a mail
        archive, files): the world that has one overrides this."""

    def start(self, rng: random.Random) -> None:  # noqa: B027 - optional
        """Rows that belong to no one in particular (shows, events), before any person."""

    @abstractmethod
    def add_block(self, block: list[Person], rng: random.Random) -> None:
        """The rows of a block of people."""

    # -- plumbing ----------------------------------------------------------------------

    def open(self) -> None:
        workspace = self.ctx.workspace
        for system_id, system in self.config.systems.items():
            if system.connector == "sql":
                key = f"{self.controller_id}/{system_id}"
                url = self.ctx.sql_urls.get(key) or workspace.expand(system.connection.url or "")
                if url.startswith("sqlite:///"):
                    # Where the SQL connector will look for it (relative: to the workspace).
                    database = workspace.resolve_path(url.removeprefix("sqlite:///"))
                    database.parent.mkdir(parents=True, exist_ok=True)
                    url = f"sqlite:///{database}"
                self._sql[system_id] = SqlSink(self.ctx.engine(url), self.schema(system_id), system)
            elif system.connector == "mail":
                from sample_data.mail import OFFICES, MailArchive

                self._mail[system_id] = MailArchive(workspace.root, OFFICES[self.controller_id], self.ctx.truth)
            elif system.connector == "csv":
                for collection_id, collection in system.collections.items():
                    self._csv[(system_id, collection_id)] = CsvSink(
                        workspace.resolve_path(collection.path or ""),
                        self.csv_header(system_id, collection_id),
                        delimiter=collection.delimiter,
                        encoding=collection.encoding,
                    )
            elif system.connector == "xlsx":
                for collection_id, collection in system.collections.items():
                    self._csv[(system_id, collection_id)] = XlsxSink(
                        workspace.resolve_path(collection.path),
                        self.csv_header(system_id, collection_id),
                        sheet=collection.sheet or "Ark1",
                        header_row=collection.header_row,
                        title=collection.title.get("nb"),
                    )
            elif system.connector == "api":
                # Written as it is made, one record a line: memory stays flat at any scale.
                path = workspace.root / "sources" / self.controller_id / f"{system_id}.api.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                self._api[system_id] = path.open("w", encoding="utf-8")
            else:
                self.open_system(system_id)

    def close(self) -> None:
        for sink in self._sql.values():
            sink.close()
        for sink in self._csv.values():
            sink.close()
        for archive in self._mail.values():
            archive.close()
        for handle in self._api.values():
            handle.close()

    def add_mail(self, block: list[Person], rng: random.Random) -> None:
        """The mail of a block's people who are in this controller's other systems."""
        if not self._mail:
            return
        members = [p for p in block if any(m.startswith(f"{self.controller_id}/") for m in p.memberships)]
        for archive in self._mail.values():
            archive.add_block(block, members, rng)

    def counts(self) -> dict[str, int]:
        """Rows written, per "system/collection"."""
        result = {
            f"{system_id}/{collection_id}": 0
            for system_id, system in self.config.systems.items()
            for collection_id in system.collections
        }
        for system_id, sink in self._sql.items():
            tables = {c.table: cid for cid, c in self.config.systems[system_id].collections.items()}
            for table, count in sink.counts.items():
                result[f"{system_id}/{tables[table]}"] = count
        for (system_id, collection_id), sink in self._csv.items():
            result[f"{system_id}/{collection_id}"] = sink.count
        for system_id, archive in self._mail.items():
            result[f"{system_id}/messages"] = archive.count
        result.update(self._api_counts)
        return result

    def collection(self, system_id: str, collection_id: str) -> Collection:
        return self.config.systems[system_id].collections[collection_id]

    def emit(
        self, system_id: str, collection_id: str, row: dict[str, Any], owners: Iterable[Person] = ()
    ) -> str:
        """Write one row; each owner gets a ground-truth line. Returns the record's key."""
        collection = self.collection(system_id, collection_id)
        if (system_id, collection_id) in self._csv:
            line = self._csv[(system_id, collection_id)].add(row)
            key = str(line)
        else:
            self._sql[system_id].add(collection.table or "", row)
            key = make_key([row[k] for k in collection.key])
        for person in owners:
            self.own(system_id, collection_id, key, person)
        return key

    def api_record(
        self,
        system_id: str,
        collection_id: str,
        where: list[str],
        record: dict[str, Any],
        key: list[Any],
        owners: Iterable[Person] = (),
    ) -> str:
        """Write one record the vendor serves (``sample_data.vendor_api``): ``where`` is its
        place in the vendor's data (``["mailchimp", "lists", <id>, "members"]``), ``key`` the
        values of the collection's key as the connector will read them. Its owners get their
        ground-truth line."""
        line = {"where": where, "record": record}
        self._api[system_id].write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        record_key = make_key(key)
        self._api_counts[f"{system_id}/{collection_id}"] += 1
        for person in owners:
            self.own(system_id, collection_id, record_key, person)
        return record_key

    def own(self, system_id: str, collection_id: str, key: str, person: Person) -> None:
        self.ctx.truth.add(person.person_id, self.controller_id, system_id, collection_id, key)

    def file_path(self, system_id: str, collection_id: str, field: str, value: str) -> Path:
        """Where the file a record's ``field`` names lies, as the configuration's ``files`` says."""
        spec = self.collection(system_id, collection_id).files[field]
        return self.ctx.workspace.resolve_path(spec.root or "") / value

    def in_(self, person: Person, system_id: str) -> bool:
        return person.in_system(f"{self.controller_id}/{system_id}")

    def next_id(self, name: str) -> int:
        """The next number of the sequence ``name`` (1, 2, 3, …); each name counts on its own."""
        self._ids[name] += 1
        return self._ids[name]

    def last_id(self, name: str) -> int:
        """The number ``next_id(name)`` last gave; 0 before the first."""
        return self._ids[name]
