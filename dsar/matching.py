"""Deciding which records a search found are the asking person's: evidence along every path.

A record is judged on what it says itself and on how it was reached:

- *Assessment* (``assess``): a record that says who it is about — a name, a birth date, a
  national id — *agrees* with the request (the name agrees, the birth date is the same),
  *conflicts* with it (another first name, another birth date; or the same first name under
  another surname), is *unverifiable* (it holds a name, but the request's name can't tell
  people apart), or is *neutral* (it says nothing to compare: a contact row holding only an
  e-mail).
- *Groups*: a record that is found by lookup, can be reached more than once, or says who it
  is about is a *node* with a group of its own; any other record joins the group of the
  record it was reached from (an order's lines share the order's fate).
- *Whose a record that names no one is*: a record found by the person's own e-mail or phone
  that says nothing else (a contact row, an SMS log line) is the person's: they hold the
  identifier. What it points up to is judged on its own evidence — the member row a family
  e-mail's contact row points to may be another member's — and a record reached up that says
  nothing and carries no identifier (an appointment between an SMS line and the patient)
  *follows* the record it points to. When the request is a guardian's for a child, the
  identifiers given are the guardian's: a record found by them that says nothing is the
  child's only when its path up reaches the child's own record.
- *Verdict*: a group is

  ``excluded`` (clearly somebody else, not a question for staff) when it conflicts on a first
  name, a birth date or a national id; when it was reached down from a record that doesn't
  say who it is about and carries an e-mail or phone of somebody else's (a household's
  booking under another resident's number); or, for a child, when it was found only by the
  guardian's identifiers and never reaches the child's record;

  ``held`` for a person to decide (``dsar review``) when it is unverifiable, when only the
  surname differs (a change of surname?), when it holds only an identifier the person shares
  with somebody whose record it points to (``identifier_shared``), or when it was found by
  name alone: a name never
  releases a record by itself — only a name *and* the birth date (or national id) agreeing
  do;

  ``released`` otherwise, when it was found by the person's e-mail or phone or reached from a
  released group. Groups held or excluded only because they were reached from such a group
  follow that group's fate.

The resolver holds one small node per group, never the records: memory follows the number of
records that say who they are about, not the size of the person's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dsar.config.models import Collection, System
from dsar.identity import (
    age_on,
    as_date,
    cell_identifiers,
    looks_like_email,
    looks_like_phone,
    mailbox,
    national_id,
    national_id_birthdate,
    same_mailboxes,
)
from dsar.names import Name, NameMatch, compare_names, names_several
from dsar.records import GUARDIAN_PREFIX, KEY_SEPARATOR, Finding, Link, RawRecord, no_value, to_jsonable

REASONS = {
    "name_differs": "navnet er et annet",
    "surname_differs": "etternavnet er et annet (byttet navn?)",
    "given_name_part": "fornavnet stemmer bare delvis (Per / Per-Erik, Anne / Kari Anne): samme person, eller en slektning?",
    "first_name_close": "fornavnet skiller seg med én bokstav (skrivefeil, eller et familiemedlem?)",
    "child_record": "posten gjelder en mindreårig, og forespørselen oppgir ingen fødselsdato",
    "identifier_differs": "posten har en annen persons e-post eller telefon",
    "household_of_minor": "husstandens post, nådd fra en mindreårigs egen post (foreldrenes?)",
    "identifier_shared": "e-posten eller telefonen brukes også av en annen (posten peker til den andres post, eller den andres navn står ved den)",
    "guardian_identifier_only": "funnet bare på foresattes e-post eller telefon, og peker ikke til barnet",
    "birthdate_differs": "fødselsdatoen er en annen",
    "birthdate_of_another_named": "raden nevner flere personer, og fødselsdatoen kan være en av de andres",
    "birthdate_swapped": "fødselsdatoen er personens med dag og måned byttet om (feilregistrert, eller en annen?)",
    "birthdate_unreadable": "fødselsdatoen eller fødselsnummeret i posten kan ikke leses sikkert (skrevet på en uvanlig måte)",
    "birthdate_differs_named": "personens e-post eller telefon og navn, men en annen fødselsdato (feilregistrert?)",
    "national_id_differs": "fødselsnummeret er et annet",
    "name_unverifiable": "navnet i forespørselen er for lite til å skille personer",
    "name_only": "funnet bare på navn",
    "child_with_own_contact": "et barns post med personens egen e-post eller telefon (foresatt?)",
    "names_another": "henger på personens egen post, men bærer en annens navn (betaleren, en kontaktperson?)",
    "reached_from_held": "nådd fra en post som venter på vurdering",
    "parents_differ": "hører både til en av personens poster og til en annens (koblet på en delt verdi)",
    "guardian_column_only": "personens e-post eller telefon står bare som foresattes på posten",
    "key_not_unique": "flere poster har samme nøkkel i kildesystemet; hver må vurderes",
    "reached_from_excluded": "nådd fra en post som tydelig er en annen persons",
    "owner_unchecked": "nådd fra personens post, men hvem den tilhører, kan ikke slås opp (en konto en ordre ble betalt til?)",
    "owner_confined": "hører til en post om en annen, som bare er personens for kontaktopplysningene på den (barnets timer under barnets pasientpost)",
    "owner_excluded": "hører til en post som tydelig er en annen persons (en konto under en annens kundepost)",
    "namesake_household": "samme navn som personens egen post i samme register, men funnet bare på navnet (to personer med samme navn?)",
    "namesake_birthdate": "samme navn, men en annen fødselsdato enn på personens egen post (to personer med samme navn?)",
    "birthdate_in_doubt": "funnet på navn og fødselsdato, men personens egen post (funnet på e-post eller telefon, samme navn) har en annen fødselsdato: er fødselsdatoen i kravet riktig?",
}
"""Why a group is held or excluded, in the words staff read."""

EXCLUDING = frozenset(
    {"name_differs", "birthdate_differs", "national_id_differs", "identifier_differs", "owner_excluded",
     "owner_confined"}
)
"""Conflicts that make a record clearly somebody else's: excluded, not put to staff."""
ANOTHER_PERSON = frozenset(
    {"first_name_close", "given_name_part", "surname_differs", "birthdate_differs_named", "birthdate_unreadable",
     "birthdate_swapped", "birthdate_of_another_named",
     "namesake_household",
     "namesake_birthdate", "birthdate_in_doubt"}
)
"""Held conflicts that say the record may be somebody else (a sister one letter off, a namesake),
as against doubts about a household's record (``household_of_minor``)."""
CHILD_WITH_OWN_CONTACT = frozenset(
    {"name_differs", "first_name_close", "given_name_part", "surname_differs", "birthdate_differs", "child_record"}
)
"""What a minor's record carrying the adult asker's own e-mail or phone may say against the
person and still be held as ``child_with_own_contact`` (its name and birth date are the child's)."""
CONFINED = frozenset({"child_with_own_contact", "names_another"})
"""Conflicts of a record that is the person's only for what it says of them (their e-mail on a
child's sign-up; the next of kin on their own record): staff may release the record, but what
hangs on it is the other person's."""
STRONG = frozenset({"birthdate", "national_id"})
"""What, agreeing beside the name, makes a record found by name the person's."""
MINOR_AGE = 18
"""A record of somebody under this age, found for a person who gave no birth date, is held."""


@dataclass(frozen=True)
class Subject:
    """What the request says about the person, for corroboration."""

    name: str
    birthdate: date | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    for_child: bool = False
    """A guardian asks for a child: the e-mails and phones given are the guardian's."""
    requester: str = ""
    """The name of whoever asks for the person (a guardian), when it isn't the person."""

    def names_requester(self, held: str) -> bool:
        """The record names the guardian asking (the invoice of a child's place, to the payer)."""
        return self.for_child and bool(self.requester) and compare_names(self.requester, held)[0] is NameMatch.AGREE


@dataclass
class Assessment:
    """What a record says about whether it is the person's. No values, only findings."""

    agrees: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unverifiable: bool = False
    name_score: int | None = None
    names_requester: bool = False
    """It names the guardian asking, not the child (``Subject.names_requester``)."""

    @property
    def state(self) -> str:
        if self.conflicts:
            return "conflict"
        if self.agrees:
            return "agree"
        if self.unverifiable:
            return "weak"
        return "neutral"


def assess(subject: Subject, collection: Collection, fields: dict[str, Any]) -> Assessment:
    """Compare a record's name, birth date and national id with the request."""
    result = Assessment()
    asked_informative = Name.parse(subject.name).informative
    several = False
    for identity in collection.identities:
        if identity.type == "name":
            held = " ".join(str(fields.get(f) or "").strip() for f in identity.fields).strip()
            if not held:
                continue
            match, score = compare_names(subject.name, held)
            several |= match is NameMatch.AGREE and names_several(held)
            if match in (NameMatch.DIFFER, NameMatch.SURNAME_DIFFERS) and subject.names_requester(held):
                # The guardian's own name on the child's record says nothing of which child it
                # is about, as the guardian's e-mail doesn't: its path up to a child decides.
                result.names_requester = True
                continue
            result.name_score = score if result.name_score is None else max(result.name_score, score)
            if match is NameMatch.AGREE:
                result.agrees.append("name")
            elif match is NameMatch.DIFFER:
                result.conflicts.append("name_differs")
            elif match is NameMatch.SURNAME_DIFFERS:
                result.conflicts.append("surname_differs")
            elif match is NameMatch.CLOSE:
                result.conflicts.append("first_name_close")
            elif match is NameMatch.GIVEN_PART:
                result.conflicts.append("given_name_part")
            elif match is NameMatch.UNKNOWN and not asked_informative:
                result.unverifiable = True
        elif identity.type in ("birthdate", "national_id") and subject.birthdate is None and not subject.for_child:
            value = fields.get(identity.fields[0])
            held_date = _date_in(identity.type, value)
            if held_date is not None and age_on(held_date, date.today()) < MINOR_AGE:
                # Somebody asking for themselves without a birth date, and a minor's record:
                # a parent with the child's name (Jr./Sr.)? A person decides.
                result.conflicts.append("child_record")
            elif held_date is None and not no_value(value):
                # Whether it is a minor's (the son of the same name), nothing can tell.
                result.conflicts.append("birthdate_unreadable")
        elif identity.type == "birthdate" and subject.birthdate is not None:
            value = fields.get(identity.fields[0])
            held_date = _held_date(value)
            if held_date is not None:
                if held_date == subject.birthdate:
                    result.agrees.append("birthdate")
                elif _swapped(held_date, subject.birthdate):
                    # 04.03 typed for 03.04: a register's typing error as likely as somebody
                    # else. Held, never excluded (nor released).
                    result.conflicts.append("birthdate_swapped")
                else:
                    result.conflicts.append("birthdate_differs")
            elif not no_value(value):
                # A date written in a way we can't read (or read two ways) may be another's:
                # never taken as "no birth date", which would let a namesake's row through.
                result.conflicts.append("birthdate_unreadable")
        elif identity.type == "national_id":
            value = fields.get(identity.fields[0])
            number = national_id(value)
            born = national_id_birthdate(number) if number else None
            if born is None and subject.birthdate is not None and not no_value(value):
                result.conflicts.append("birthdate_unreadable")
            if born is not None and subject.birthdate is not None:
                if born == subject.birthdate:
                    result.agrees.append("national_id")
                else:
                    result.conflicts.append("national_id_differs")
    result.agrees = list(dict.fromkeys(result.agrees))
    result.conflicts = list(dict.fromkeys(result.conflicts))
    if several and "birthdate_differs" in result.conflicts:
        # "Beata Woźniak og Jakub Wójcik" with one birth date: the person is named, and the
        # date may be the other's (who filled in the form). Not clearly somebody else: held.
        result.conflicts[result.conflicts.index("birthdate_differs")] = "birthdate_of_another_named"
    if subject.for_child and "name" in result.agrees and not STRONG & set(result.agrees) and not result.conflicts:
        # For a child, found through the guardian's identifiers: a name without a birth date
        # may be the parent's of the same name. A person decides.
        result.agrees.remove("name")
        result.unverifiable = True
    return result


def _born_on(collection: Collection, fields: dict[str, Any]) -> date | None:
    """The birth date a record holds (its first ``birthdate`` or ``national_id`` identity)."""
    for identity in collection.identities:
        if identity.type in ("birthdate", "national_id"):
            born = _date_in(identity.type, fields.get(identity.fields[0]))
            if born is not None:
                return born
    return None


def _date_in(kind: str, value: Any) -> date | None:
    """The birth date a ``birthdate`` or ``national_id`` field's value says."""
    if kind == "birthdate":
        return _held_date(value)
    number = national_id(value)
    return national_id_birthdate(number) if number else None


def _swapped(held: date, asked: date) -> bool:
    """The asked birth date with day and month swapped (the year the same)."""
    return held.year == asked.year and (held.day, held.month) == (asked.month, asked.day)


def _is_minor(born: date | None) -> bool:
    return born is not None and age_on(born, date.today()) < MINOR_AGE


def _landline(phone: str) -> bool:
    """A Norwegian fixed-line number (not 4 or 9 after +47): a household's, not one person's."""
    return phone.startswith("+47") and len(phone) == 11 and phone[3] not in "49"


def _person_bearing(collection: Collection) -> bool:
    """Whether a collection's rows say more of a person than a name (an e-mail, a phone, a
    birth date, a national id): a customer or a next of kin, not a member of staff."""
    return any(i.type != "name" for i in collection.identities)


def _named(assessment: Assessment) -> bool:
    """The record's name is the person's, or a form of it that may be theirs or a sibling's
    (``given_name_part``: ``Per Olav`` beside ``Per Arne``, ``Kristoffer`` beside ``Christoffer``)."""
    return "name" in assessment.agrees or "given_name_part" in assessment.conflicts


def _collection_of(gid: str) -> str:
    return gid.split(KEY_SEPARATOR, 1)[0]


def _held_date(value: Any) -> date | None:
    held = as_date(value)
    if held is None and (number := national_id(value)):
        held = national_id_birthdate(number)  # a fødselsnummer in a birth date column
    return held


def other_identifier(subject: Subject, collection: Collection, fields: dict[str, Any]) -> bool:
    """Whether a record holds an e-mail or phone the request doesn't give (and none it gives)."""
    given, other, _ = identifiers_against(subject, collection, fields)
    return other and not given


def identifiers_against(subject: Subject, collection: Collection, fields: dict[str, Any]) -> tuple[bool, bool, bool]:
    """Whether a record holds e-mails or phones the request gives, ones it doesn't, and both
    in one cell (``98765432 / 41234567``: two people's numbers as one contact). An annotated or
    doubly filled cell (``98765432 (Ola)``) still says whose it is."""
    mailboxes = same_mailboxes(subject.emails)
    given = other = both = False
    for identity in collection.searchable:
        for name in identity.fields:
            found = cell_identifiers(identity.type, fields.get(name))
            mine = mailboxes if identity.type == "email" else frozenset(subject.phones)
            given = given or bool(found & mine)
            other = other or bool(found - mine)
            both = both or bool(found & mine and found - mine)
    return given, other, both


def identifiers(collection: Collection, fields: dict[str, Any], *, own: bool = False) -> set[str]:
    """The normalised e-mails (as the mailboxes they reach) and phones a record holds; with
    ``own``, only those of the person it is about (not a guardian's column)."""
    found = set()
    for identity in collection.searchable:
        if own and identity.guardian:
            continue
        for name in identity.fields:
            if identity.type == "email":
                email = looks_like_email(fields.get(name))
                value = mailbox(email) if email else None
            else:
                value = looks_like_phone(fields.get(name))
            if value is not None:
                found.add(value)
    return found


_RANK = {"neutral": 0, "agree": 1, "weak": 2, "conflict": 3}


@dataclass
class _Node:
    id: str
    order: int
    state: str
    direct: bool
    name_hit: bool
    conflicts: set[str] = field(default_factory=set)
    agrees: set[str] = field(default_factory=set)
    matched_on: set[str] = field(default_factory=set)
    name_score: int | None = None
    sources: set[str] = field(default_factory=set)
    references: set[str] = field(default_factory=set)
    records: int = 0
    follows: bool = False
    """Says nothing of whose it is: its fate is that of the record it points up to, once
    reached (an appointment between an SMS line and the patient; for a child, a row found by
    the guardian's e-mail)."""
    found: bool = False
    """Found by a guardian's identifiers (for a child), which release nothing by themselves."""
    anchored: bool = False
    """Joined to a record that says who it is about (or found by the person's identifiers)."""
    requester: bool = False
    """Names the guardian asking: it says who it is about, but not which child (no anchor)."""
    down_from: set[str] = field(default_factory=set)
    """The groups it was reached down from (the parents it is a child of)."""
    up_to: set[str] = field(default_factory=set)
    """The groups reached up from it (the parents it points to)."""


@dataclass(frozen=True)
class GroupVerdict:
    """A group's own evidence once the search ended. No values: kinds, reasons and counts."""

    state: str
    direct: bool
    name_hit: bool
    conflicts: tuple[str, ...]
    agrees: tuple[str, ...]
    matched_on: tuple[str, ...]
    name_score: int | None
    sources: tuple[str, ...]
    references: tuple[str, ...]
    records: int
    guardian_only: bool = False
    """For a child: found only by the guardian's identifiers, never reaching the child's record."""
    parents: tuple[str, ...] = ()
    """The groups it hangs on (reached down from, or points up to): an order's customers. Not
    the residents a flat was reached up from, who share it."""
    owners: tuple[str, ...] = ()
    """For a record that says nothing and follows whose it is (an appointment pointing to
    several parents, joined to none): its parents that say who they are about. It is released
    only when every one of them is."""

    @property
    def excluded(self) -> bool:
        """Clearly somebody else's on its own evidence: not released, not put to staff."""
        return self.guardian_only or bool(EXCLUDING & set(self.conflicts))

    @property
    def strong(self) -> bool:
        """Found by name, and the birth date or national id agrees too."""
        return (
            self.state == "agree" and not self.conflicts and "name" in self.agrees
            and bool(STRONG & set(self.agrees))
        )

    @property
    def needs_decision(self) -> bool:
        """Held on its own evidence (not merely for being reached from a held group)."""
        if self.excluded:
            return False
        return self.state in ("conflict", "weak") or (not self.direct and self.name_hit and not self.strong)

    @property
    def reason(self) -> str:
        if excluding := sorted(EXCLUDING & set(self.conflicts)):
            return excluding[0]
        if self.guardian_only:
            return "guardian_identifier_only"
        if self.conflicts:
            return sorted(self.conflicts)[0]
        if self.state == "weak":
            return "name_unverifiable"
        if self.name_hit and not self.direct:
            return "name_only"
        return "reached_from_held"

    def evidence(self) -> dict[str, Any]:
        """What staff see when deciding: which identifiers matched, how closely, what conflicts."""
        return {
            "matched_on": list(self.matched_on),
            "agrees": list(self.agrees),
            "conflicts": list(self.conflicts),
            "name_score": self.name_score,
            "records": self.records,
            "via": list(self.references),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state, "direct": self.direct, "name_hit": self.name_hit,
            "conflicts": list(self.conflicts), "agrees": list(self.agrees),
            "matched_on": list(self.matched_on), "name_score": self.name_score,
            "sources": list(self.sources), "references": list(self.references), "records": self.records,
            "guardian_only": self.guardian_only, "parents": list(self.parents), "owners": list(self.owners),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupVerdict:
        return cls(
            state=data["state"], direct=data["direct"], name_hit=data["name_hit"],
            conflicts=tuple(data["conflicts"]), agrees=tuple(data["agrees"]),
            matched_on=tuple(data["matched_on"]), name_score=data["name_score"],
            sources=tuple(data["sources"]), references=tuple(data["references"]), records=data["records"],
            guardian_only=bool(data.get("guardian_only", False)), parents=tuple(data.get("parents", ())),
            owners=tuple(data.get("owners", ())),
        )


@dataclass(frozen=True)
class Resolution:
    """The end of one system's search: which group each group id belongs to (after the
    records that follow another took its verdict) and each group's own evidence."""

    roots: dict[str, str]
    verdicts: dict[str, GroupVerdict]

    def root(self, group: str | None) -> str | None:
        return self.roots.get(group, group) if group is not None else None

    def released(self, decisions: dict[str, str | None] | None = None) -> set[str]:
        """The groups released, given staff's decisions (root -> accepted/rejected/None)."""
        decisions = decisions or {}
        released: set[str] = set()
        changed = True
        while changed:  # a fixed point: a group is released once a source of it is
            changed = False
            for gid, verdict in self.verdicts.items():
                if gid in released or decisions.get(gid) == "rejected":
                    continue
                if decisions.get(gid) == "accepted" or self._qualifies(verdict, released):
                    released.add(gid)
                    changed = True
        return released

    def _qualifies(self, verdict: GroupVerdict, released: set[str]) -> bool:
        if verdict.excluded or verdict.state in ("conflict", "weak"):
            return False
        if verdict.direct or verdict.strong:
            return True
        if any(CONFINED & set(self.verdicts[p].conflicts) for p in map(self.root, verdict.parents) if p in self.verdicts):
            return False  # hangs on a record the person has only their contact details on
        if verdict.owners:
            return all(self.root(p) in released for p in verdict.owners)  # whose its parents are
        if len(verdict.parents) > 1 and any(
            p not in released and (self.verdicts[p].excluded or self.verdicts[p].needs_decision)
            for p in map(self.root, verdict.parents) if p in self.verdicts
        ):
            # Hangs on two records, one of them somebody else's or undecided (an order joined
            # to two excluded partners, one of whom staff accepted): whose it is stays open.
            return False
        for source in verdict.sources:
            root = self.root(source)
            if root in released and not CONFINED & set(self.verdicts[root].conflicts):
                return True
            # A child's own record reached from a row found by the guardian's identifiers:
            # its agreeing name or birth date ties the path to the child.
            anchor = self.verdicts.get(root or "")
            if verdict.state == "agree" and anchor is not None and anchor.guardian_only:
                return True
        return False

    def is_released(self, group: str | None, released: set[str]) -> bool:
        return group is None or self.root(group) in released

    def excluded(self, group: str | None, released: set[str]) -> bool:
        """Not released and never to be: excluded on its own evidence, or reached only from
        excluded groups (so no decision of staff's can release it)."""
        if self.is_released(group, released):
            return False
        seen: set[str] = set()
        start = self.root(group)
        stack = [start]
        reached_excluded = False
        while stack:
            gid = stack.pop()
            if gid is None or gid in seen:
                continue
            seen.add(gid)
            verdict = self.verdicts.get(gid)
            if verdict is not None and gid != start and CONFINED & set(verdict.conflicts):
                reached_excluded = True  # no decision on it releases what hangs on it
                continue
            if verdict is None or verdict.needs_decision:
                return False  # a decision of staff's may release it
            if verdict.excluded:
                reached_excluded = True
                continue
            stack.extend(self.root(s) for s in verdict.sources)
        return reached_excluded

    def excluded_reason(self, group: str | None) -> str:
        """Why an excluded group is left out: its own conflict, or what it was reached from."""
        verdict = self.verdicts.get(self.root(group) or "")
        return verdict.reason if verdict is not None and verdict.excluded else "reached_from_excluded"

    def to_json(self) -> dict[str, Any]:
        return {"roots": self.roots, "verdicts": {k: v.to_json() for k, v in self.verdicts.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resolution:
        return cls(
            roots=dict(data["roots"]),
            verdicts={k: GroupVerdict.from_json(v) for k, v in data["verdicts"].items()},
        )


class Resolver:
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
            (raw.via.direction == "up" and raw.collection in self._unchecked_refs)
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
        evidence, so nothing of the person's carries it out."""
        for gid, node in self._nodes.items():
            if self._find(gid) != gid or node.state != "neutral" or node.direct:
                continue
            parents = {self._find(p) for p in node.down_from | node.up_to} - {gid}
            others = {self._find(s) for s in node.sources} - parents - {gid}
            owners = self._owners(node)
            if (parents and others and all(EXCLUDING & self._nodes[p].conflicts for p in parents)) or (
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

    def _hold(self, node: _Node, reason: str) -> None:
        """Hold a group for ``reason`` once the search ended (or exclude it, for an EXCLUDING
        one); the release computed so far no longer stands."""
        node.conflicts.add(reason)
        node.state = "conflict"
        self._released = None

    def _neighbours(self, gid: str) -> set[str]:
        """The groups a group is tied to by a reference, either way."""
        node = self._nodes[gid]
        near = {self._find(p) for p in node.sources | node.down_from | node.up_to}
        near |= {self._find(d) for d in self._dependents.get(gid, set())}
        return near - {gid}

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

    # -- the graph -----------------------------------------------------------------------

    def _node(self, gid: str, state: str, matched_on: tuple[str, ...], assessment: Assessment) -> _Node:
        node = self._nodes.get(gid)
        if node is None:
            node = _Node(
                id=gid,
                order=len(self._nodes),
                state=state,
                direct=bool({"email", "phone"} & set(matched_on)),
                name_hit="name" in matched_on,
                conflicts=set(assessment.conflicts),
                agrees=set(assessment.agrees),
                matched_on=set(matched_on),
                name_score=assessment.name_score,
                requester=assessment.names_requester,
            )
            self._nodes[gid] = node
            self._parent[gid] = gid
        else:
            # A second record under one key (a customer number a household shares, an empty key
            # cell): one verdict can't cover both, so both wait for staff, who see each.
            node.conflicts.add("key_not_unique")
            node.state = "conflict"
        return node

    def _link(self, target: str, via: Link, source_group: str | None, collection: Collection) -> None:
        if source_group is None:
            return
        source_root, target_root = self._find(source_group), self._find(target)
        if source_root == target_root:
            return
        root = self._nodes[target_root]
        root.references.add(via.reference)
        source = self._nodes[source_root]
        # A record with several parents (an appointment on the child's patient row and on the
        # parent's account) is nobody's by following one of them: it stays a record of its
        # own, judged on all its parents when the search ends (``_two_parents``,
        # ``_owned_by_confined``). Nor does one follow a record that is the person's only for
        # what it says of them (the child patient's row with the parent's mobile).
        several = not self._subject.for_child and self._parent_refs.get(_collection_of(source_group), 0) > 1
        if (
            via.direction == "up" and source.follows and not source.anchored and not CONFINED & root.conflicts
            and not several
        ):
            # The source says nothing of whose it is: it is whose the record it points to is
            # (an SMS line's appointment's patient; for a child, the member a guardian's
            # contact row points to). A record that says who it is about anchors it.
            self._union(source_root, target_root)
            # Anchored by a record that says who it is about, or by one already reached from
            # such a record (an appointment reached down from the patient before).
            anchor = (
                (collection.assessable and not root.requester) or root.anchored
                or (not root.follows and bool(root.sources or root.direct))
            )
            merged = self._nodes[self._find(target_root)]
            merged.anchored |= anchor
            merged.follows = not merged.anchored
            return
        if (
            via.direction == "up" and source.state == "neutral" and collection.assessable and root.state == "weak"
            and not (several and source.follows)
        ):
            # A row holding only the identifier, pointing to a record the request's name can't
            # tell apart from somebody else's: both wait for the same decision.
            self._union(source_root, target_root)
            return
        if via.direction == "up" and source_root in self._holds:
            self._up.setdefault(source_root, set()).add(target_root)
        root.sources.add(source_root)
        if via.direction == "down":
            root.down_from.add(source_root)
        else:
            source.up_to.add(target_root)
        self._dependents.setdefault(source_root, set()).add(target_root)
        self._mark(target_root)

    def _find(self, gid: str) -> str:
        parent = self._parent.get(gid, gid)
        while parent != gid:
            grand = self._parent.get(parent, parent)
            self._parent[gid] = grand
            gid, parent = parent, grand
        return gid

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        first, second = sorted((self._nodes[ra], self._nodes[rb]), key=lambda n: n.order)
        # The earlier node stays the root, so a review item's name is stable across re-runs.
        self._parent[second.id] = first.id
        if _RANK[second.state] > _RANK[first.state]:
            first.state = second.state
        first.direct |= second.direct
        first.name_hit |= second.name_hit
        first.conflicts |= second.conflicts
        first.agrees |= second.agrees
        first.matched_on |= second.matched_on
        first.references |= second.references
        first.records += second.records
        first.follows = first.follows and second.follows
        first.anchored |= second.anchored
        first.found |= second.found
        first.requester &= second.requester
        if second.name_score is not None:
            first.name_score = max(first.name_score or 0, second.name_score)
        first.sources = {self._find(s) for s in first.sources | second.sources} - {first.id}
        first.down_from |= second.down_from
        first.up_to |= second.up_to
        self._dependents.setdefault(first.id, set()).update(self._dependents.pop(second.id, set()))
        self._released = None

    def _verdict(self, gid: str) -> GroupVerdict:
        node = self._nodes[gid]
        return GroupVerdict(
            state=node.state,
            direct=node.direct,
            name_hit=node.name_hit,
            conflicts=tuple(sorted(node.conflicts)),
            agrees=tuple(sorted(node.agrees)),
            matched_on=tuple(sorted(node.matched_on)),
            name_score=node.name_score,
            sources=tuple(sorted({self._find(s) for s in node.sources} - {gid})),
            references=tuple(sorted(node.references)),
            records=node.records,
            guardian_only=self._guardian_only(node),
            parents=tuple(sorted({self._find(p) for p in node.down_from | node.up_to} - {gid})),
            owners=self._owners(node),
        )

    def _owners(self, node: _Node) -> tuple[str, ...]:
        """For a record that follows whose it is and was joined to no parent (it has several
        parent references: an appointment on the patient and on who booked it): the parents
        that say who they are about (a room says nothing; a journal joined to the patient row
        does). A record reached down first is judged by ``_two_parents`` instead: held for a
        person to decide when its parents differ."""
        if self._subject.for_child or node.state != "neutral" or node.direct or not node.follows or node.anchored:
            return ()
        roots = {self._find(p) for p in node.down_from | node.up_to} - {self._find(node.id)}
        return tuple(sorted(
            p for p in roots
            if self._nodes[p].state != "neutral" or self._system.collections[_collection_of(p)].assessable
        ))

    def _guardian_only(self, node: _Node) -> bool:
        return self._subject.for_child and node.follows and node.found and not node.anchored

    def _qualifies(self, node: _Node, released: set[str]) -> bool:
        """``Resolution._qualifies`` on a node, for the release kept up to date as records flow."""
        if node.state in ("conflict", "weak") or self._guardian_only(node):
            return False
        if node.direct or (node.state == "agree" and "name" in node.agrees and STRONG & node.agrees):
            return True
        if owners := self._owners(node):
            return all(self._find(p) in released for p in owners)
        for source in node.sources:
            root = self._find(source)
            if root in released:
                return True
            if node.state == "agree" and self._guardian_only(self._nodes[root]):
                return True
        return False

    def _mark(self, gid: str) -> None:
        """Release ``gid`` (a root) if it now qualifies, and what hangs on it."""
        released = self._released
        if released is None:
            return
        stack = [gid]
        while stack:
            current = self._find(stack.pop())
            if current in released or not self._qualifies(self._nodes[current], released):
                continue
            released.add(current)
            stack.extend(self._dependents.get(current, ()))

    def _released_now(self) -> set[str]:
        if self._released is None:
            roots = {gid: self._verdict(gid) for gid in self._nodes if self._find(gid) == gid}
            self._released = Resolution(roots={}, verdicts=roots).released()
        return self._released
