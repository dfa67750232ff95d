"""Which records of one system's search are the person's (``Resolver``).

As records flow, each is placed in a group with the evidence along its path (``place``), and
the search is told which paths are doubtful. When the search ends, the passes over the groups
(a household's row holding the person's own number, a row on an identifier the person shares
with another, records hanging on somebody else's or on two people's, the namesake rules) give
the ``Resolution``.
"""

from __future__ import annotations

from datetime import date

from dsar.config.models import Collection, System
from dsar.matching.assessment import Assessment, Subject, _born_on, _is_minor, _named, assess
from dsar.matching.contacts import identifiers, identifiers_against
from dsar.matching.groups import _Groups, _Node
from dsar.matching.namesakes import _Namesakes
from dsar.matching.reasons import ANOTHER_PERSON, CHILD_WITH_OWN_CONTACT, CONFINED, EXCLUDING, STRONG
from dsar.matching.resolution import Resolution
from dsar.records import GUARDIAN_PREFIX, KEY_SEPARATOR, Finding, Link, RawRecord, no_value, to_jsonable


def _person_bearing(collection: Collection) -> bool:
    """Whether a collection's rows say more of a person than a name (an e-mail, a phone, a
    birth date, a national id): a customer or a next of kin, not a member of staff."""
    return any(i.type != "name" for i in collection.identities)


class Resolver(_Namesakes, _Groups):
    """Judges a connector's stream of records as it flows (``place``), and is the search's
    ``Tracker``: it tells ``Connector.find`` which paths are doubtful and hears when a shared
    record is reached again. ``resolution()`` gives the verdicts once the search ended."""

    def __init__(self, system: System, subject: Subject) -> None:
        self._system = system
        self._subject = subject
        self._parents = {ref.parent_collection for ref in system.oriented_references()}
        """Collections others hang on, however their references are declared."""
        self._parent_refs: dict[str, int] = {}
        for ref in system.oriented_references():
            self._parent_refs[ref.child_collection] = self._parent_refs.get(ref.child_collection, 0) + 1
        """How many references each collection points up by (an appointment's: the patient, the
        patient who booked it, the room), two into one table counted twice."""
        self._unchecked_refs: dict[str, list[tuple[str, str, str, bool]]] = {}
        for ref in system.oriented_references():
            parent = system.collections[ref.parent_collection]
            if ref.owner is False or parent.key == [ref.parent_field]:
                continue  # declared to name somebody, not whose it is; or followed up
            if parent.assessable or ref.owner:
                self._unchecked_refs.setdefault(ref.child_collection, []).append(
                    (ref.label, ref.child_field, ref.parent_collection, bool(ref.owner))
                )
        """Per collection, the references (label, field, parent collection, declared ``owner``)
        by which its records point to whose they are by a field that is not the owner's key (an
        account's customer number where the customer table is keyed by row): the search never
        goes up that way, so whose such a record is stays unchecked."""
        self._nodes: dict[str, _Node] = {}
        self._parent: dict[str, str] = {}
        self._dependents: dict[str, set[str]] = {}
        self._foreign: dict[str, tuple[set[str], str | None]] = {}
        """Nodes held as ``identifier_differs``, with the identifiers they hold (in memory only)."""
        self._by_name: dict[str, tuple[set[str], date | None]] = {}
        """Records found by an e-mail or phone whose name agrees with the person's: the
        identifiers they hold and their birth date (in memory only)."""
        self._minors: set[str] = set()
        """Records whose birth date says they are about a minor."""
        self._agreeing: dict[str, set[str]] = {}
        """E-mails and phones held by records that agree with the person (in memory only)."""
        self._holds: dict[str, set[str]] = {}
        """Rows found by the person's identifiers that say nothing else, with the identifiers
        they hold (in memory only)."""
        self._up: dict[str, set[str]] = {}
        """The records such a row points up to."""
        self._named: dict[str, tuple[str, set[str]]] = {}
        """Records agreeing with the person by name and nothing stronger: their collection and
        the e-mails and phones they hold (in memory only)."""
        self._dated_named: dict[str, tuple[str, set[str], date | None]] = {}
        """Records of the person's name that hold a birth date (theirs, a typing error of it,
        or a namesake's): their collection and the e-mails and phones they hold (in memory
        only). A row of the name without one beside them may be either person's."""
        self._born: dict[str, date] = {}
        """Birth dates held by records that agree with the person by name (in memory only)."""
        self._released: set[str] | None = set()
        """Groups released so far, kept up to date as nodes and links arrive; None after a
        union (which can take a release back), rebuilt when next asked."""


    # -- the stream ----------------------------------------------------------------------

    def place(self, raw: RawRecord) -> Finding:
        """The record as a finding with its group; sets ``raw.group`` for the search."""
        collection = self._system.collections[raw.collection]
        assessment = assess(self._subject, collection, raw.fields) if collection.assessable else Assessment()
        matched_on, guardian_only = self._matched_on(raw.matched_on)
        born = _born_on(collection, raw.fields) if collection.assessable else None
        if guardian_only:
            # The person's e-mail or phone only in a guardian's column: they are somebody's
            # guardian on this record, which says nothing of whether it is about them.
            assessment.conflicts.append("guardian_column_only")
        if (
            "birthdate_differs" in assessment.conflicts and _named(assessment)
            and {"email", "phone"} & set(matched_on) and not self._subject.for_child
            and not (_is_minor(born) and self._adult_asking and self._subject.birthdate is not None)
        ):
            # The person's own e-mail or phone and their whole name (or a form of it: another
            # spelling of a middle name), but another birth date: a register's typing error as
            # likely as a namesake on a shared address. Held. (A valid national id that differs
            # is no typing error: its check digits would fail. Excluded.)
            assessment.conflicts[assessment.conflicts.index("birthdate_differs")] = "birthdate_differs_named"
        if (
            {"email", "phone"} & set(matched_on) and not self._subject.for_child and assessment.conflicts
            and set(assessment.conflicts) <= CHILD_WITH_OWN_CONTACT
            and self._adult_asking and _is_minor(born)
            and (raw.collection not in self._parents or assessment.conflicts != ["child_record"])
        ):
            # A child's record carrying the person's own e-mail or phone (a sign-up a parent
            # made for a child, a child patient's row with the parent's mobile): the person's
            # contact details on somebody else's record. Not clearly another's: held, and only
            # the record itself can be released. What hangs on it (the child's appointments)
            # is the child's: ``_owned_by_confined``. A minor's row of the person's own name,
            # with no birth date asked, may be the person's own (a teenager asking without
            # one): with others hanging on it, it is held as ``child_record``, and accepting it
            # releases what hangs on it.
            assessment.conflicts = ["child_with_own_contact"]
        if (
            assessment.conflicts == ["name_differs"] and raw.via is not None and raw.via.direction == "down"
            and raw.via.collection != raw.collection and self._own_record(str(raw.via))
        ):
            # Hangs right on a record of the person's (their place's invoice, to the parent who
            # pays): about the person, under somebody else's name. Not clearly another's: held.
            # (A row of the same kind pointing to theirs is another person: a family member
            # under the main member.)
            assessment.conflicts[0] = "names_another"
        state = assessment.state
        own_id = f"{raw.collection}{KEY_SEPARATOR}{raw.key}"
        source_group = raw.group
        foreign = shared_cell = False
        if (
            raw.via is not None and raw.via.direction == "down" and state == "neutral"
            and collection.searchable and source_group is not None
            and self._says_nothing(self._nodes[self._find(source_group)])
        ):
            # Reached down from a record that doesn't say whose it is (a household's unit):
            # a row holding an e-mail or phone the person neither gave nor holds in a record
            # of theirs is somebody else's (decided when the search ends).
            given, other, both = identifiers_against(self._subject, collection, raw.fields)
            foreign = other and not given
            shared_cell = both
        # A minor asking (or a guardian for one), and a record reached up from theirs that says nothing
        # of whose it is (the flat a teenager's resident row points to): the household's — the
        # flat's share is the parents', perhaps under a parent's address — not theirs. Held.
        # (An adult resident's flat is their home, released with their resident row.)
        above = (
            raw.via is not None and raw.via.direction == "up" and state == "neutral" and collection.searchable
            and (self._minor_asking or self._subject.for_child)
        )
        # Below a record that is the person's only for what it says of them (the next of kin
        # on their own record): what hangs there is the other person's, never in its group.
        below_confined = source_group is not None and bool(CONFINED & self._nodes[self._find(source_group)].conflicts)
        # Reached down by a value another parent row holds too (an order number a spreadsheet
        # repeats): which parent's it is, nothing says. Held on its own, like two records
        # under one key.
        ambiguous = raw.via is not None and raw.via.ambiguous
        # Reached up from the person's record (the account an order was paid to), and its owner
        # can't be looked up: it may be anybody's. Held.
        # Reached down from it, but pointing by such a field into the very table it was reached
        # from (a visit reached from the patient who booked it, naming its patient by number),
        # or into another table of people the search finds by their e-mail, phone or birth date
        # (a next of kin, a second member register), or declared ``owner = true``: another row
        # there may be whose it is. (A doctor or salesperson named by number in a table of
        # names is not whose it is; ``owner = false`` says so of a table of people.)
        unchecked = raw.via is not None and state == "neutral" and (
            (raw.via.direction == "up" and any(  # (an empty owner field names nobody)
                not no_value(raw.fields.get(field)) for _, field, _, _ in self._unchecked_refs.get(raw.collection, ())
            ))
            or (raw.via.direction == "down" and any(
                label != raw.via.reference and not no_value(raw.fields.get(field))
                and (owner or parent == raw.via.collection or _person_bearing(self._system.collections[parent]))
                for label, field, parent, owner in self._unchecked_refs.get(raw.collection, ())
            ))
        )
        if (
            raw.via is None or raw.shared or state != "neutral" or foreign or above or below_confined or ambiguous
            or shared_cell or unchecked
        ):
            node = self._node(own_id, state, matched_on, assessment)
            if ambiguous:
                node.conflicts.add("key_not_unique")
                node.state = "conflict"
            if _is_minor(born):
                self._minors.add(own_id)
            if _named(assessment) and (born is not None or "birthdate_unreadable" in assessment.conflicts):
                # (A twin's row, its middle name another: a row of the name for telling rows apart.)
                self._dated_named[own_id] = (raw.collection, identifiers(collection, raw.fields, own=True), born)
            if raw.via is None and "name" in assessment.agrees and {"email", "phone"} & set(matched_on):
                self._by_name[own_id] = (identifiers(collection, raw.fields, own=True), born)
            if "shared" in matched_on or shared_cell:
                # The connector says the identifier is one somebody else uses under another
                # name (a family's address in a mail archive), or one cell holds the person's
                # number and another's (two contacts on one booking): a person decides.
                node.conflicts.add("identifier_shared")
                node.state = "conflict"
            if foreign:
                node.conflicts.add("identifier_differs")
                node.state = "conflict"
                self._foreign[own_id] = (identifiers(collection, raw.fields), source_group)
            elif above:
                node.conflicts.add("household_of_minor")
                node.state = "conflict"
            elif unchecked:
                node.conflicts.add("owner_unchecked")
                node.state = "conflict"
            elif state == "agree":
                held = identifiers(collection, raw.fields, own=True)
                if held:
                    self._agreeing[own_id] = held
                if "name" in assessment.agrees and not STRONG & set(assessment.agrees):
                    self._named[own_id] = (raw.collection, held)

                if self._subject.birthdate is None and "name" in assessment.agrees and born is not None:
                    self._born[own_id] = born
            if state == "neutral" and not foreign:
                if raw.via is None:
                    # Found by the request's identifiers and saying nothing else: the person
                    # holds the identifier, unless it is a guardian's asking for a child —
                    # then it is the child's only if its path up reaches the child's record.
                    if self._subject.for_child and node.direct:
                        node.follows, node.found, node.direct = True, True, False
                    elif node.direct:
                        self._holds[own_id] = identifiers(collection, raw.fields)
                elif raw.via.direction == "up" and not collection.searchable:
                    node.follows = True  # no identifier of its own: whose it points to
            self._mark(own_id)
            if raw.via is not None:
                self._link(own_id, raw.via, source_group, collection)
            group = own_id
        else:
            group = source_group or own_id
            if group not in self._nodes:  # a consumer that doesn't carry groups
                self._node(group, state, matched_on, assessment)
                self._mark(group)
        node = self._nodes[self._find(group)]
        node.records += 1
        raw.group = group
        held = self.doubtful(group)
        return Finding(
            system=self._system.id,
            collection=raw.collection,
            key=raw.key,
            fields={k: to_jsonable(v) for k, v in raw.fields.items()},
            status="held" if held else "confirmed",
            reason=self._verdict(self._find(group)).reason if held else None,
            matched_on=list(raw.matched_on),
            via=str(raw.via) if raw.via else None,
            group=group,
            redaction=raw.redaction,
        )

    def _matched_on(self, matched: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
        """How a record was found, with a guardian's column (``guardian_email``) read as an
        e-mail or phone in a guardian's request (the identifiers given are the guardian's),
        and not at all otherwise; and whether it was found by a guardian's column alone."""
        if not any(kind.startswith(GUARDIAN_PREFIX) for kind in matched):
            return matched, False
        if self._subject.for_child:
            return tuple(dict.fromkeys(kind.removeprefix(GUARDIAN_PREFIX) for kind in matched)), False
        own = tuple(kind for kind in matched if not kind.startswith(GUARDIAN_PREFIX))
        return own, not own

    def _own_record(self, gid: str) -> bool:
        """A record that says itself it is the person's (their name, their birth date), even
        one waiting for staff (a minor's row for someone who gave no birth date): not a
        household's row that merely holds their address, nor one clearly somebody else's."""
        node = self._nodes.get(gid)
        return (
            node is not None and not node.follows and bool({"name", *STRONG} & node.agrees)
            and not EXCLUDING & node.conflicts
        )

    @staticmethod
    def _says_nothing(node: _Node) -> bool:
        """Says nothing of whose it is (a household's unit, even one under another's address)."""
        return node.state == "neutral" or node.conflicts == {"household_of_minor"}

    @property
    def _adult_asking(self) -> bool:
        """Asking for themselves and not a minor by the birth date given (or none given)."""
        return not self._subject.for_child and not _is_minor(self._subject.birthdate)

    @property
    def _minor_asking(self) -> bool:
        return not self._subject.for_child and _is_minor(self._subject.birthdate)

    def doubtful(self, group: str | None) -> bool:
        if group is None or group not in self._nodes and group not in self._parent:
            return False
        return self._find(group) not in self._released_now()

    def relink(self, collection: str, key: str, via: Link, group: str | None) -> None:
        target = f"{collection}{KEY_SEPARATOR}{key}"
        if target in self._nodes or target in self._parent:
            if via.ambiguous:
                node = self._nodes[self._find(target)]
                self._hold(node, "key_not_unique")
            self._link(target, via, group, self._system.collections[collection])

    # -- the verdict ---------------------------------------------------------------------

    def resolution(self) -> Resolution:
        # First what holds records on what was found alone, so that nothing below counts a
        # record as the person's that is about to wait for staff.
        self._undated_namesakes()
        # A row reached from a household that holds an e-mail or phone which a record agreeing
        # with the person holds too (their resident row's mobile) is the person's after all.
        released = self._released_now()
        promoted: dict[str, set[str]] = {}
        cleared: dict[str, set[str]] = {}
        known = {v for gid, held in self._agreeing.items() if self._find(gid) in released for v in held}
        own_born = {
            born for gid, born in self._born.items()
            if self._find(gid) in released and {"email", "phone"} & self._nodes[gid].matched_on
        }
        for gid, held in self._agreeing.items():
            node = self._nodes[self._find(gid)]
            born = self._born.get(gid)
            if born is not None and own_born and born not in own_born:
                continue  # another birth date than the person's own record: a namesake (a son)
            if node.name_hit and not node.direct and node.state == "agree" and held & known:
                # Found by name, and it holds an e-mail or phone a released record of the
                # person's holds too (the old order with the phone of the person's account).
                node.direct = True
                promoted[node.id] = held & known
                self._released = None
        agreeing: dict[str, set[str]] = {}
        for gid, values in self._agreeing.items():
            agreeing.setdefault(self._find(gid), set()).update(values)
        for gid, (held, source) in self._foreign.items():
            # ... or its household turned out to be the person's own record's (an appointment
            # whose patient agrees, reached after its SMS lines).
            node = self._nodes[gid]
            if source is not None and self._nodes[self._find(source)].state == "agree":
                pass
            elif held & known:
                cleared[gid] = held
            elif self._find(gid) == gid and (holders := self._holders_above(source, held, agreeing)):
                # ... or a record agreeing with the person that its path passes through holds
                # it, though that record waits for staff (an SMS line to the mobile of the
                # patient row found by name alone): it waits with that record, and only it.
                node.sources = holders
            else:
                continue
            node.conflicts.discard("identifier_differs")
            if not node.conflicts:
                node.state = "neutral"
            self._released = None
        self._foreign = {}
        # A row holding only an identifier the person shares with somebody else, pointing to
        # that other person's record (Ola's contact row with the family address Kari uses for
        # her own membership), may be the other person's alone: held for staff to decide.
        pointed = {gid: {self._find(t) for t in targets} for gid, targets in self._up.items()}
        # The person's own record may itself wait for staff (another surname on it: held), and
        # the other's may be held rather than excluded (a sister one letter off): a row on the
        # shared identifier that points only to records in doubt is held all the same.
        mine = set(known)
        for gid, targets in pointed.items():
            if any(self._nodes[t].state == "agree" or self._maybe_theirs(t) for t in targets):
                mine |= self._holds.get(gid, set())
        for gid, targets in pointed.items():
            node = self._nodes[self._find(gid)]
            others = targets and all((EXCLUDING | ANOTHER_PERSON) & self._nodes[t].conflicts for t in targets)
            shared = self._holds.get(gid, set())
            # The person holds the identifier in a record of their own, or the record pointed to
            # is an adult's (the wife's account, on the household's landline). A minor's record
            # with the parent's e-mail is the parent's guardian contact: theirs to see.
            if node.state == "neutral" and others and shared and (
                shared & mine or not all(t in self._minors for t in targets)
            ):
                self._hold(node, "identifier_shared")
        self._namesakes(released)
        self._household_namesakes(released)
        self._birthdate_in_doubt()
        self._recheck(promoted, cleared)
        self._owned_by_excluded()
        self._owned_by_confined()
        self._two_parents()
        self._holds, self._up, self._agreeing, self._born, self._named, self._by_name = {}, {}, {}, {}, {}, {}
        self._dated_named = {}
        roots = {gid: self._find(gid) for gid in self._nodes if self._find(gid) != gid}
        verdicts = {gid: self._verdict(gid) for gid in self._nodes if self._find(gid) == gid}
        return Resolution(roots=roots, verdicts=verdicts)

    def _recheck(self, promoted: dict[str, set[str]], cleared: dict[str, set[str]]) -> None:
        """Take back what rested on a record that a later pass put to staff: a row found by
        name taken as the person's for a number their released record holds (``promoted``), a
        household's row whose number was the person's (``cleared``). Until nothing changes."""
        for _ in range(len(promoted) + len(cleared) + 1):
            released = self._released_now()
            holders: dict[str, set[str]] = {}
            for gid, held in self._agreeing.items():
                if self._find(gid) in released:
                    for value in held:
                        holders.setdefault(value, set()).add(self._find(gid))
            changed = False
            for gid, values in promoted.items():
                node = self._nodes[self._find(gid)]
                if node.direct and not any(holders.get(v, set()) - {node.id} for v in values):
                    node.direct = False
                    changed = True
            for gid, held in cleared.items():
                node = self._nodes[gid]
                if self._find(gid) == gid and not any(holders.get(v) for v in held) and (
                    "identifier_differs" not in node.conflicts
                ):
                    node.conflicts.add("identifier_differs")
                    node.state = "conflict"
                    changed = True
            if not changed:
                return
            self._released = None

    def _owned_by_excluded(self) -> None:
        """A record that says nothing of whose it is, whose only parents are clearly somebody
        else's (Ola's account, under his customer row), is his — also when a record of the
        person's reaches it (an order from Kari's account to Ola's): excluded on that
        evidence, so nothing of the person's carries it out. So is one whose owner could not
        be checked (``owner_unchecked``: an appointment naming its therapist by number) when
        all it hangs on is clearly somebody else's (a namesake's patient row): not a question
        for staff."""
        for gid, node in self._nodes.items():
            unchecked = node.conflicts == {"owner_unchecked"}
            if self._find(gid) != gid or not (node.state == "neutral" or unchecked) or node.direct:
                continue
            parents = {self._find(p) for p in node.down_from | node.up_to} - {gid}
            others = {self._find(s) for s in node.sources} - parents - {gid}
            owners = self._owners(node)
            if (parents and (others or unchecked) and all(EXCLUDING & self._nodes[p].conflicts for p in parents)) or (
                any(EXCLUDING & self._nodes[p].conflicts for p in owners)
            ):
                self._hold(node, "owner_excluded")

    def _owned_by_confined(self) -> None:
        """A record that says nothing of whose it is, hanging on a record that is the person's
        just for what it says of them (a child patient's appointment under the row with the
        parent's mobile; reached up from an SMS line to that mobile, it is not joined to that
        row): the other person's, whatever else of the person's reaches it or it hangs on too
        (the parent's account it was booked from). Excluded, so no decision carries it out."""
        for gid, node in self._nodes.items():
            if self._find(gid) != gid or node.state != "neutral" or node.direct:
                continue
            parents = [self._nodes[p] for p in {self._find(p) for p in node.down_from | node.up_to} - {gid}]
            if any(CONFINED & p.conflicts for p in parents):
                self._hold(node, "owner_confined")

    def _two_parents(self) -> None:
        """A record that says nothing of whose it is, the child both of a record of the person's
        and of one that is, or may be, somebody else's (an order joined on the family address to
        both partners' customer rows; a flat's booking pointing to the other resident): whose
        it is, a person decides."""
        for gid, node in self._nodes.items():
            ids = {self._find(p) for p in node.down_from | node.up_to} - {gid}
            if self._find(gid) != gid or node.state != "neutral" or len(ids) < 2 or self._owners(node):
                continue  # (a record following its parents waits for all of them anyway)
            parents = [self._nodes[p] for p in ids]
            doubt = EXCLUDING | ANOTHER_PERSON | CONFINED
            # One parent in doubt is enough (two held sisters, two rows of the name found by
            # name alone: accepting one must not carry the order of both), unless every parent
            # is clearly somebody else's (excluded; ``Resolution._qualifies`` then keeps it out
            # when staff accept one of them).
            if any(doubt & p.conflicts or p.state == "weak" for p in parents) and not all(
                EXCLUDING & p.conflicts for p in parents
            ):
                self._hold(node, "parents_differ")

    def _maybe_theirs(self, gid: str) -> bool:
        """Held for staff on a doubt, not excluded: it may be the person's own record."""
        node = self._nodes[gid]
        return node.state == "conflict" and not EXCLUDING & node.conflicts

    def _holders_above(self, source: str | None, held: set[str], agreeing: dict[str, set[str]]) -> set[str]:
        """The groups agreeing with the person, on the path up from ``source``, that hold one
        of the ``held`` e-mails or phones. ``agreeing``: each group's e-mails and phones."""
        holders: set[str] = set()
        seen: set[str] = set()
        stack = [self._find(source)] if source is not None else []
        while stack:
            gid = stack.pop()
            if gid in seen:
                continue
            seen.add(gid)
            node = self._nodes[gid]
            if EXCLUDING & node.conflicts:
                continue  # somebody else's: what hangs on it is excluded with it anyway
            if agreeing.get(gid, set()) & held:
                holders.add(gid)
            stack.extend(self._find(s) for s in node.sources)
        return holders

