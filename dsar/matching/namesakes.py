"""Which rows of the person's name may be a namesake's, once the search ended: held for staff.

Two birth dates behind one e-mail or phone (``namesake_birthdate``), rows of the name in one
register that nothing tells apart (``namesake_household``), and a birth date asked that a
record the person's own e-mail or phone finds contradicts (``birthdate_in_doubt``).
"""

from __future__ import annotations

from datetime import date

from dsar.identity import same_mailboxes
from dsar.matching.assessment import _is_minor
from dsar.matching.contacts import _landline
from dsar.matching.groups import _collection_of, _Groups
from dsar.matching.reasons import EXCLUDING, STRONG


class _Namesakes(_Groups):
    """The namesake rules of ``Resolver``, a mixin of it: they read the rows of the name it
    noted as records flowed (``_by_name``, ``_born``, ``_named``, ``_dated_named``)."""

    def _undated_namesakes(self) -> None:
        """Rows of the person's name behind one e-mail or phone with two birth dates say two
        people of that name use it (a father and his son on the family address): a row of the
        name there without a birth date may be either's. Held for staff."""
        rows: dict[str, list[tuple[str, date | None]]] = {}
        for gid, (values, born) in self._by_name.items():
            for value in values:
                rows.setdefault(value, []).append((gid, born))
        for found in rows.values():
            if len({born for _, born in found if born is not None}) < 2:
                continue
            for gid, born in found:
                group = self._nodes[self._find(gid)]
                if born is None and not EXCLUDING & group.conflicts:
                    self._hold(group, "namesake_birthdate")

    def _namesakes(self, released: set[str]) -> None:
        """Two people of the same name behind one phone (a mother and her grown daughter on
        the household's landline), and the request gives no birth date. Records of that name
        with two birth dates say there are two such people. The birth date on the person's own
        record — found by their e-mail, name agreeing — tells which is theirs; without one, a
        record found by phone alone may be either's. Held for staff, not released."""
        if self._subject.birthdate is not None or len(set(self._born.values())) < 2:
            return
        own = {
            born for gid, born in self._born.items()
            if self._find(gid) in released and "email" in self._nodes[gid].matched_on
        }
        for gid, born in self._born.items():
            node = self._nodes[gid]
            if "phone" not in node.matched_on or "email" in node.matched_on or node.conflicts:
                continue
            if len(own) != 1 or born not in own:
                group = self._nodes[self._find(gid)]
                self._hold(group, "namesake_birthdate")
        if len(own) > 1:
            # Two birth dates on records of the person's name found by one e-mail (a father and
            # his grown son on the family address): which is the person's, nothing here says.
            for gid, born in self._born.items():
                node = self._nodes[gid]
                if "email" in node.matched_on and born in own and not node.conflicts:
                    group = self._nodes[self._find(gid)]
                    self._hold(group, "namesake_birthdate")

    def _birthdate_in_doubt(self) -> None:
        """The birth date asked is contradicted by a record the person's own e-mail or phone
        finds, of their whole name, by its birth date or national id (another family member's
        date typed into the request?): a record found by name alone is then not theirs for
        agreeing with that date. Held."""
        if self._subject.birthdate is None:
            return
        found = [node for node in self._nodes.values() if {"email", "phone"} & node.matched_on]
        against = [
            node for node in found
            if "birthdate_differs_named" in node.conflicts
            or ("national_id_differs" in node.conflicts and node.id not in self._minors
                and ("name" in node.agrees or "given_name_part" in node.conflicts))
        ]
        if not against:
            return
        # A record the person's own e-mail or mobile finds bears the date out — unless every
        # identifier it was found by finds the record with the other date too, or is a
        # landline (a son's row on the family e-mail or the household's phone bears out the
        # son's date typed into his father's request).
        given = set(same_mailboxes(self._subject.emails)) | {p for p in self._subject.phones if not _landline(p)}
        theirs = {value for node in against for value in self._held_by(node.id)}
        if any(
            "name" in node.agrees and STRONG & node.agrees and (self._held_by(node.id) & given) - theirs
            for node in found
        ):
            return
        for gid, node in self._nodes.items():
            if (
                self._find(gid) == gid and node.state == "agree" and STRONG & node.agrees
                and not {"email", "phone"} & node.matched_on
            ):
                self._hold(node, "birthdate_in_doubt")

    def _held_by(self, gid: str) -> set[str]:
        """The e-mails and phones of a record of the person's name with a birth date."""
        return self._dated_named[gid][1] if gid in self._dated_named else set()

    def _household_namesakes(self, released: set[str]) -> None:
        """Rows of the person's name in one register that nothing tells apart: a father and
        his son of the same name in one flat, a mother and her grown daughter in one
        membership, the father's undated row the son's points to as the household's main
        member. A row of the name is held for staff (``namesake_household``) when another row
        of the name there may be the person's or a namesake's (``_namesake_in_doubt``), unless
        it holds an e-mail or phone of the person's that no such row holds, or hangs on a
        record of theirs in another register (an old order under their account)."""
        own = {
            collection for gid, (collection, held) in self._named.items()
            if held and {"email", "phone"} & self._nodes[gid].matched_on
        }
        # Two rows of the name reached from the person's records (a mother and her daughter of
        # one name behind the flat's booking): which is the person's, nothing says.
        rows: dict[str, set[str]] = {}
        strong = {gid for gid in self._dated_named if STRONG & self._nodes[gid].agrees}
        for gid, (collection, *_rest) in [*self._named.items(), *((g, self._dated_named[g]) for g in strong)]:
            rows.setdefault(collection, set()).add(gid)
        twice = {collection for collection, gids in rows.items() if len(gids) > 1}
        # E-mails and phones of records that say they are the person's: found by their e-mail
        # or phone, or by name and birth date — not one found by name and taken as theirs for
        # an address it holds.
        holders: dict[str, set[str]] = {}
        for gid, held in self._agreeing.items():
            node = self._nodes[gid]
            if self._find(gid) in released and ({"email", "phone"} & node.matched_on or STRONG & node.agrees):
                for value in held:
                    holders.setdefault(value, set()).add(gid)
        for gid, (collection, held) in self._named.items():
            if gid in self._dated_named and self._subject.birthdate is not None:
                continue  # holds a birth date itself, judged on the one asked
            if self._namesake_in_doubt(gid, collection, held, collection in own, collection in twice, holders, released):
                self._hold(self._nodes[self._find(gid)], "namesake_household")

    def _namesake_in_doubt(
        self, gid: str, collection: str, held: set[str], own: bool, twice: bool, holders: dict[str, set[str]],
        released: set[str],
    ) -> bool:
        """Whether a row agreeing with the person by name alone (``gid``, holding ``held``) may
        be a namesake's. ``own``: the register has a row of the name found by the person's
        e-mail or phone; ``twice``: it has two rows of the name; ``holders``: the person's
        records by the e-mails and phones they hold; ``released``: the groups released when the
        pass began (a row held during it is no longer "agree", so it changes nothing here)."""
        node = self._nodes[gid]
        group = self._nodes[self._find(gid)]
        born = self._dated_named[gid][2] if gid in self._dated_named else None
        others = [
            (d, ids, other) for d, (c, ids, other) in self._dated_named.items()
            if c == collection and d != gid and (born is None or other != born)  # one date twice: one person
        ]
        if born is not None and any(
            {"email", "phone"} & self._nodes[d].matched_on and ("email" not in node.matched_on
                                                              or "email" in self._nodes[d].matched_on)
            # A minor's row found by nothing this row doesn't hold too (Ola Jr. on his father's
            # address): the asker is taken as the adult, the minor's row is held on its own.
            and not (_is_minor(other) and not _is_minor(born) and ids <= held)
            for d, ids, other in others
        ):
            # No birth date asked, and the person's e-mails and phones find rows of the name with
            # two birth dates (her own address her row, the family's her mother's): which is the
            # asker, nothing says. (A row found by an e-mail beside one found by a phone alone is
            # the asker's: a phone is the household's more often.)
            return True
        # With no birth date asked, the asker is taken as the adult: a minor's row of the name
        # (held on its own: child_record) says nothing against an adult's.
        dated = [
            (d, ids) for d, ids, other in others
            if not (born is not None and not _is_minor(born) and _is_minor(other) and self._subject.birthdate is None)
        ]
        if born is None:
            # Tied within the register — by a reference, or through a record that says nothing
            # (the household both point to) — to a dated row of the name that may be the
            # person's own (the son's row naming his father's as the household's main member;
            # his own row with a typo in the date): either's, however it was found.
            near = self._neighbours(group.id)
            near |= {n for m in near if self._nodes[m].state == "neutral" for n in self._neighbours(m)}
            if near & {self._find(d) for d, _ids in dated if not EXCLUDING & self._nodes[self._find(d)].conflicts}:
                return True
        if not (own or dated or (twice and (not node.name_hit or group.sources))):
            return False
        # Found by the person's e-mail or phone, unless another dated row of the name holds the
        # very one it was found by (the family address on the father's row and the son's).
        found_by = held & {*self._subject.emails, *self._subject.phones} or held
        if {"email", "phone"} & node.matched_on and not any(found_by & ids for _d, ids in dated):
            return False
        if not dated and any(
            _collection_of(holder) != collection for value in held for holder in holders.get(value, set()) - {gid}
        ):
            return False  # holds an e-mail or phone a record of the person's elsewhere holds
        return not any(self._owns(source, collection, released) for source in group.sources)

    def _owns(self, source: str, collection: str, released: set[str]) -> bool:
        """A record in another register that says it is the person's — released, and found by
        their e-mail or phone or agreeing by name and birth date — and that a row of the
        person's name hangs on (their old order under their account)."""
        root = self._find(source)
        node = self._nodes[root]
        return (
            _collection_of(source) != collection and node.state == "agree" and root in released
            # Found by them, not taken as theirs for holding what a row of the name holds (an
            # order found by name with the address of the very row in question).
            and bool({"email", "phone"} & node.matched_on or STRONG & node.agrees)
        )

