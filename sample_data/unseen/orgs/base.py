"""What every unseen organisation shares: where its rows go and whose they are.

Whose a record is (``ground_truth.csv``) follows one rule, written here once:

1. A record that **names** people (a name column) belongs to the people it names, and to
   anyone whose *personal* identifier it carries besides (a guardian's mobile on a child's
   patient record).
2. A record that names **no one** belongs to everyone whose identifier it carries — a shared
   identifier (a family address, a landline) to every adult who shares it — and, when it is a
   child row pointing to a parent row (a contact row pointing to a member), to the parent
   row's people too.
3. A record that carries **no identifier** at all (a fee, an order line, a booking with no
   contact) belongs to the people of the record it points to.

So a family address on a housing cooperative's unit row is both partners'; an order placed
with the family address under Per's name is Per's alone; a club contact row holding the
family address for a child's membership is both parents' and the child's, while the child's
member row it points to is the child's.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from dsar.records import make_key
from sample_data.sinks import GroundTruth, engine_for
from sample_data.unseen.people import Household, Person
from sample_data.unseen.spelling import NameForm

BATCH_ROWS = 5000


class SqlDatabase:
    """One SQLite database, its tables created from ``metadata`` (with only the indexes an
    ordinary application declares: keys and foreign keys), filled in batches."""

    def __init__(self, path: Path, metadata: sa.MetaData) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.engine = engine_for(f"sqlite:///{path}")
        self.metadata = metadata
        metadata.create_all(self.engine)
        self._buffers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._pending = 0
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self._buffers[table].append(row)
        self._pending += 1
        if self._pending >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        with self.engine.begin() as conn:
            for table in self.metadata.sorted_tables:
                rows = self._buffers.pop(table.name, None)
                if rows:
                    conn.execute(table.insert(), rows)
                    self.counts[table.name] += len(rows)
        self._pending = 0

    def close(self) -> None:
        self.flush()
        self.engine.dispose()


class CsvFile:
    """A CSV export written row by row; ``add`` returns the 1-based data line (the ``_line``
    key). A Windows code page replaces what it cannot hold with ``?``, as Excel does."""

    def __init__(self, path: Path, header: list[str], *, delimiter: str = ",", encoding: str = "utf-8") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.encoding = encoding
        crlf = encoding.lower().replace("-", "") in ("cp1252", "windows1252")
        self._handle: IO[str] = path.open("w", encoding=encoding, errors="replace", newline="")
        self._writer = csv.writer(self._handle, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
        self._writer.writerow(header)
        self.header = header
        self.count = 0

    def loses(self, text: str) -> bool:
        """Whether ``text`` comes out of this file changed (``?`` for what the code page lacks)."""
        try:
            text.encode(self.encoding)
        except UnicodeEncodeError:
            return True
        return False

    def add(self, row: dict[str, Any]) -> int:
        values = ["" if row.get(c) is None else row[c] for c in self.header]
        self._writer.writerow(values)
        self.count += 1
        return self.count

    def close(self) -> None:
        self._handle.close()


def owners_of_email(person: Person, address: str | None) -> list[Person]:
    """Who an address ``person`` gave belongs to: the family's adults for a family address."""
    if address is None:
        return []
    household = person.household
    if household.family_email is not None and address == household.family_email:
        return list(household.family_email_users)
    return [person]


def owners_of_landline(household: Household) -> list[Person]:
    return list(household.adults)


def name_form(person: Person) -> NameForm:
    return NameForm(person.given, person.middle, person.last)


class Organisation:
    """One controller: its systems' files, filled one block of households at a time."""

    controller_id: str = ""

    def __init__(self, root: Path, truth: GroundTruth) -> None:
        self.root = root
        self.sources = root / "sources" / self.controller_id
        self.truth = truth
        self.truth_rows = 0

    def own(self, owners: Iterable[Person], system: str, collection: str, key: Any) -> None:
        """Record that the row ``key`` (a value or a list for composite keys) is ``owners``'."""
        text = make_key(key if isinstance(key, list) else [key])
        seen: set[str] = set()
        for person in owners:
            if person.pid not in seen:
                seen.add(person.pid)
                self.truth.add(person.pid, self.controller_id, system, collection, text)
                self.truth_rows += 1

    @staticmethod
    def mark(person: Person, form: NameForm | None = None, *tags: str) -> None:
        """Note in ``people.csv`` what this row did to the person's name (or anything else)."""
        for tag in (form.tags if form is not None else ()):
            person.marks[f"name:{tag}"] += 1
        for tag in tags:
            person.marks[tag] += 1

    def add_block(self, block: list[Household], rng: random.Random) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def counts(self) -> dict[str, int]:
        """Rows written, per ``"<system>/<collection>"``."""
        raise NotImplementedError
