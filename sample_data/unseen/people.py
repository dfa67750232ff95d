"""The town the unseen organisations serve: households, people, their identifiers, their requests.

``household_blocks(seed, scale)`` yields lists of ``Household`` (``BLOCK_HOUSEHOLDS`` at a
time); the same seed and scale give the same people. Households are drawn by SSB's household
types (see ``proportions``), so a shared landline or family address is as common as the
households that share them, and children, guardians and namesakes come in their real
proportions. Identifiers are unique across the whole world, with memory that does not grow
with scale: mobile numbers and landlines are a permutation of a counter, e-mail addresses are
checked against a fixed-size Bloom filter.

Each person also carries what they give when they ask (``Request``): the name as they write
it, the e-mails and phones they give, a birth date or not, and — for a child — which guardian
asks. ``Person.marks`` collects what the organisations did to their records (a reversed name,
a folded ``ø``, a row with a name and nothing else) for ``people.csv``.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sample_data.unseen import names as N
from sample_data.unseen import proportions as P
from sample_data.unseen.spelling import spell_phone


@dataclass
class Request:
    """What a person gives when asking (people.csv): as they wrote it."""

    relation: str = "self"
    """``self`` or ``guardian`` (a parent asks for a child)."""
    guardian_id: str = ""
    name: str = ""
    name_kind: str = "full"
    """full / middle_omitted / surname_only / empty / non_latin."""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    birthdate: date | None = None


@dataclass(eq=False)
class Person:
    pid: str
    number: int
    household: Household = field(repr=False)
    sex: str
    birthdate: date
    given: str
    middle: str
    last: str
    origin: N.Origin | None = None
    mobile: str | None = None
    email: str | None = None
    old_email: str | None = None
    fnr: str = ""
    dnumber: bool = False
    guardians: list[Person] = field(default_factory=list, repr=False)
    namesake_of: str = ""
    same_first_name_as: str = ""
    request: Request = field(default_factory=Request)
    marks: Counter[str] = field(default_factory=Counter)
    """What the organisations' records did: name variants, name-only rows, tagged e-mail …"""

    @property
    def age(self) -> int:
        ref = P.REFERENCE_DATE
        return ref.year - self.birthdate.year - ((ref.month, ref.day) < (self.birthdate.month, self.birthdate.day))

    @property
    def is_child(self) -> bool:
        return self.age < 18

    @property
    def first(self) -> str:
        """The first given name (what people are called)."""
        return self.given.split()[0]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given, self.middle, self.last) if p)

    @property
    def uses_family_email(self) -> bool:
        return self.household.family_email is not None and self in self.household.family_email_users

    def contact_email(self) -> str | None:
        """The address this person gives an organisation: their own, else the family one."""
        if self.email:
            return self.email
        return self.household.family_email if self.uses_family_email else None

    def native_name(self) -> str | None:
        """The name in the person's own script, if their origin writes one."""
        if self.origin is None:
            return None
        given = self.origin.native.get(self.first)
        last = self.origin.native.get(self.last)
        if not (given and last):
            return None
        if self.origin.family_name_first:
            return f"{last}{given}" if self.origin.code == "cn" else f"{last} {given}"
        return f"{given} {last}"


@dataclass(eq=False)
class Household:
    hid: str
    number: int
    kind: str
    members: list[Person] = field(default_factory=list)
    family_email: str | None = None
    family_email_users: list[Person] = field(default_factory=list)
    landline: str | None = None
    street: str = ""
    postcode: str = ""
    town: str = ""

    @property
    def adults(self) -> list[Person]:
        return [p for p in self.members if not p.is_child]

    @property
    def children(self) -> list[Person]:
        return [p for p in self.members if p.is_child]

    @property
    def oldest(self) -> Person:
        return min(self.members, key=lambda p: p.birthdate)


# ------------------------------------------------------------------------- uniqueness


class Bloom:
    """A fixed-size Bloom filter: remembers which addresses are taken with flat memory.

    A false "taken" only makes the generator pick another spelling of the address; it can
    never let two people share one.
    """

    def __init__(self, bits: int = 1 << 25, hashes: int = 3) -> None:
        self.bits = bits
        self.hashes = hashes
        self.array = bytearray(bits // 8)

    def _positions(self, value: str) -> Iterator[int]:
        digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8 * self.hashes).digest()
        for i in range(self.hashes):
            yield int.from_bytes(digest[8 * i: 8 * i + 8], "big") % self.bits

    def __contains__(self, value: str) -> bool:
        return all(self.array[p >> 3] & (1 << (p & 7)) for p in self._positions(value))

    def add(self, value: str) -> None:
        for p in self._positions(value):
            self.array[p >> 3] |= 1 << (p & 7)


class Permutation:
    """``n -> (a*n + b) mod m``: distinct numbers for distinct counters, no memory."""

    def __init__(self, rng: random.Random, modulus: int) -> None:
        self.m = modulus
        while True:
            a = rng.randrange(modulus // 3, modulus)
            if math.gcd(a, modulus) == 1:
                break
        self.a, self.b = a, rng.randrange(modulus)

    def __call__(self, n: int) -> int:
        if n >= self.m:
            raise ValueError("the world is larger than this number series")
        return (self.a * n + self.b) % self.m


# --------------------------------------------------------------------------- helpers


def weighted(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    """A value drawn from ``((value, weight), …)``."""
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def slug(text: str, rng: random.Random | None = None, *, table: int = 0) -> str:
    """A name as it goes into an e-mail address: lower case, æøå spelt out, no blanks."""
    folds = ({"æ": "ae", "ø": "o", "å": "a"}, {"æ": "ae", "ø": "oe", "å": "aa"})[table]
    text = "".join(folds.get(ch, ch) for ch in text.lower())
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.replace("ł", "l")
    return re.sub(r"[^a-z0-9.-]", "", text.replace(" ", "."))


def fodselsnummer(birthdate: date, sex: str, rng: random.Random, *, dnumber: bool = False) -> str:
    """A valid fødselsnummer (or D-number: day + 40) for that birth date and sex."""
    from stdnum.no import fodselsnummer as fnr

    day = birthdate.day + (40 if dnumber else 0)
    head = f"{day:02d}{birthdate.month:02d}{birthdate.year % 100:02d}"
    low, high = (0, 499) if birthdate.year < 2000 else (500, 999)
    while True:
        individual = rng.randint(low, high)
        if (individual % 2 == 1) != (sex == "M"):
            continue  # the third individual digit is odd for men, even for women
        body = f"{head}{individual:03d}"
        k1 = fnr.calc_check_digit1(body)
        if len(k1) != 1:
            continue
        k2 = fnr.calc_check_digit2(body + k1)
        if len(k2) != 1:
            continue
        return body + k1 + k2


# -------------------------------------------------------------------------- the town


class Town:
    """Draws households one block at a time; holds only what uniqueness needs."""

    def __init__(self, seed: int, scale: float) -> None:
        if scale <= 0:
            raise ValueError("scale must be greater than 0")
        self.seed = seed
        self.households = max(1, round(P.HOUSEHOLDS_PER_SCALE * scale))
        setup = random.Random(f"{seed}:unseen:numbers")
        # One permutation per series of P.MOBILE_SERIES, each with its own counter.
        self.mobile_series = [(prefixes, weight, Permutation(setup, len(prefixes) * 10 ** (8 - len(prefixes[0]))))
                              for prefixes, weight in P.MOBILE_SERIES]
        self.mobile_counts = [0] * len(P.MOBILE_SERIES)
        self.landlines = Permutation(setup, 2 * 10**6)
        self.taken = Bloom()
        self.person_count = 0
        self.surname_tail = N.surname_tail()

    def blocks(self) -> Iterator[list[Household]]:
        for block_no, start in enumerate(range(0, self.households, P.BLOCK_HOUSEHOLDS)):
            rng = random.Random(f"{self.seed}:unseen:people:{block_no}")
            block = [self._household(start + i, rng) for i in range(min(P.BLOCK_HOUSEHOLDS, self.households - start))]
            self._namesakes(block, rng)
            for household in block:
                self._contacts(household, rng)
            for household in block:
                for person in household.members:
                    person.request = self._request(person, rng)
            yield block

    # ---------------------------------------------------------------- households

    def _household(self, number: int, rng: random.Random) -> Household:
        kind = weighted(rng, P.HOUSEHOLD_TYPES)
        street, postcode, town = rng.choice(N.STREETS), *rng.choice(N.POSTCODES)
        household = Household(hid=f"H{number + 1:06d}", number=number, kind=kind,
                              street=f"{street} {rng.randint(1, 120)}", postcode=postcode, town=town)
        origin = rng.choices(N.ORIGINS, N.ORIGIN_WEIGHTS)[0] if rng.random() < P.FOREIGN_ORIGIN else None

        if kind == "single":
            self._adult(household, rng, origin, self._age(rng, "single"))
        elif kind == "couple":
            self._couple(household, rng, origin, self._age(rng, "couple"))
        elif kind in ("couple_children", "multi_children"):
            ages = self._children_ages(rng, weighted(rng, P.CHILDREN_IN_FAMILY))
            a, b = self._couple(household, rng, origin, max(ages) + rng.randint(25, 38))
            self._children(household, rng, [a, b], ages)
            if kind == "multi_children":  # a grandparent lives with them
                self._adult(household, rng, origin, min(95, a.age + rng.randint(24, 32)))
        elif kind == "single_parent":
            ages = self._children_ages(rng, weighted(rng, P.SINGLE_PARENT_CHILDREN))
            # estimate: about four in five single parents living with their children are mothers
            parent = self._adult(household, rng, origin, max(ages) + rng.randint(22, 38),
                                 sex="F" if rng.random() < 0.8 else "M")
            self._children(household, rng, [parent], ages)
        elif kind == "adult_children":
            a, b = self._couple(household, rng, origin, self._age(rng, "adult_children"))
            count = rng.choice((1, 1, 2))
            ages = sorted({max(18, min(a.age - 22, rng.randint(18, 30))) for _ in range(count)})
            self._children(household, rng, [a, b], ages)
        else:  # multi: adults who share a home (students, an elderly parent with a grown child)
            for _ in range(rng.choice((2, 3, 3))):
                self._adult(household, rng, origin, self._age(rng, "multi"))

        self._jr_sr(household, rng)
        return household

    def _age(self, rng: random.Random, kind: str) -> int:
        low, high, _ = rng.choices(P.ADULT_AGE_BANDS[kind], [w for *_, w in P.ADULT_AGE_BANDS[kind]])[0]
        return rng.randint(low, high)

    def _children_ages(self, rng: random.Random, count: int) -> list[int]:
        """Ages of a family's children 0-17, one to four years apart, placed so that every age
        is about equally likely (SSB: children 0-5 and 6-17 in proportion to the years)."""
        gaps = [rng.randint(1, 4) for _ in range(count - 1)]
        while sum(gaps) > 17:
            gaps.pop()
        eldest = rng.randint(sum(gaps), 17)
        ages = [eldest]
        for gap in gaps:
            ages.append(ages[-1] - gap)
        return ages

    def _birthdate(self, age: int, rng: random.Random) -> date:
        latest = P.REFERENCE_DATE.replace(year=P.REFERENCE_DATE.year - age) - timedelta(days=1)
        return latest - timedelta(days=rng.randint(0, 364))

    def _person(self, household: Household, rng: random.Random, *, sex: str, age: int,
                given: str, middle: str, last: str, origin: N.Origin | None) -> Person:
        self.person_count += 1
        birthdate = self._birthdate(age, rng)
        person = Person(pid=f"U{self.person_count:06d}", number=self.person_count, household=household,
                        sex=sex, birthdate=birthdate, given=given, middle=middle, last=last, origin=origin)
        person.dnumber = (origin is not None and origin.code in P.DNUMBER_ORIGINS and age >= 18
                          and rng.random() < P.DNUMBER_LABOUR_MIGRANT)
        person.fnr = fodselsnummer(birthdate, sex, rng, dnumber=person.dnumber)
        household.members.append(person)
        return person

    def _given(self, rng: random.Random, sex: str, birth_year: int, origin: N.Origin | None) -> str:
        if origin is not None:
            return rng.choice(origin.female if sex == "F" else origin.male)
        cohort = N.cohort(birth_year)
        female, male = N.COHORTS[cohort]
        pool = female if sex == "F" else male
        given = weighted(rng, pool)
        if rng.random() < P.DOUBLE_GIVEN_NAME[cohort]:
            second = weighted(rng, pool)
            if second != given:
                given = f"{given} {second}"
        return given

    def _surname(self, rng: random.Random, origin: N.Origin | None) -> str:
        if origin is not None:
            return rng.choice(origin.last)
        if rng.random() < N.HEAD_SHARE:
            last = weighted(rng, N.SURNAMES_HEAD)
        else:
            last = rng.choice(self.surname_tail)
        if rng.random() < P.HYPHENATED_SURNAME:
            other = rng.choice(self.surname_tail)
            if other != last:
                last = f"{last}-{other}"
        return last

    def _adult(self, household: Household, rng: random.Random, origin: N.Origin | None, age: int,
               *, sex: str | None = None, last: str | None = None) -> Person:
        sex = sex or rng.choice("FM")
        year = P.REFERENCE_DATE.year - age
        middle = rng.choice(self.surname_tail) if origin is None and rng.random() < P.ADULT_MIDDLE_NAME else ""
        return self._person(household, rng, sex=sex, age=age, given=self._given(rng, sex, year, origin),
                            middle=middle, last=last or self._surname(rng, origin), origin=origin)

    def _couple(self, household: Household, rng: random.Random, origin: N.Origin | None,
                age: int) -> tuple[Person, Person]:
        age = max(19, min(95, age))
        a = self._adult(household, rng, origin, age, sex="M")
        same = rng.random() < P.COUPLE_SAME_SURNAME
        b = self._adult(household, rng, origin, max(19, min(95, age + rng.randint(-5, 3))), sex="F",
                        last=a.last if same else None)
        return a, b

    def _children(self, household: Household, rng: random.Random, parents: list[Person], ages: list[int]) -> None:
        father = next((p for p in parents if p.sex == "M"), parents[0])
        mother = next((p for p in parents if p.sex == "F"), None)
        origin = parents[0].origin
        for age in ages:
            sex = rng.choice("FM")
            year = P.REFERENCE_DATE.year - age
            if origin is not None:
                last, middle = father.last, ""
            else:
                last = father.last if (mother is None or rng.random() < 0.7) else mother.last
                middle = ""
                other = mother.last if (mother is not None and last == father.last) else father.last
                if other != last and rng.random() < P.CHILD_MIDDLE_NAME:
                    middle = other
                elif other != last and rng.random() < P.HYPHENATED_SURNAME * 3:
                    last = f"{last}-{other}"
            child = self._person(household, rng, sex=sex, age=age, given=self._given(rng, sex, year, origin),
                                 middle=middle, last=last, origin=origin)
            child.guardians = [p for p in parents if child.age < 18]

    def _jr_sr(self, household: Household, rng: random.Random) -> None:
        """A child named after the parent of the same sex (first name and surname)."""
        kids = [p for p in household.members if p.guardians or (household.kind == "adult_children" and p.age < 35
                                                                   and p is not household.oldest)]
        adults = [p for p in household.members if p.age >= 35]
        if not kids or not adults or rng.random() >= P.JR_SR:
            return
        kid = rng.choice(kids)
        parent = next((a for a in adults if a.sex == kid.sex and a.age - kid.age >= 18), None)
        if parent is None:
            return
        kid.given, kid.last, kid.middle = parent.given, parent.last, ""
        kid.same_first_name_as, parent.same_first_name_as = parent.pid, kid.pid

    # ------------------------------------------------------------------ identifiers

    def _contacts(self, household: Household, rng: random.Random) -> None:
        cohort = N.cohort(household.oldest.birthdate.year)
        if rng.random() < P.LANDLINE_HOUSEHOLD[cohort]:
            n = self.landlines(household.number)
            household.landline = ("55" if n < 10**6 else "56") + f"{n % 10**6:06d}"
        for person in household.members:
            age = person.age
            has_mobile = (rng.random() < P.MOBILE_ADULT) if age >= 18 else any(
                lo <= age <= hi and rng.random() < share for lo, hi, share in P.MOBILE_BY_CHILD_AGE)
            if has_mobile:
                person.mobile = self._mobile(rng)
            if age >= 18:
                wants = rng.random() < P.EMAIL_ADULT[N.cohort(person.birthdate.year)]
            else:
                wants = age >= P.EMAIL_CHILD_FROM_AGE and rng.random() < P.EMAIL_CHILD
            if wants:
                person.email = self._personal_email(person, rng)
                if age >= 25 and rng.random() < P.CHANGED_EMAIL:
                    person.old_email = self._personal_email(person, rng, old=True)
        couple = [p for p in household.members if p.age >= 18 and not p.guardians][:2]
        if len(couple) == 2 and household.kind != "multi" and rng.random() < P.FAMILY_EMAIL_COUPLES:
            household.family_email = self._family_email(household, couple, rng)
            household.family_email_users = couple
            if rng.random() < P.FAMILY_EMAIL_ONLY:
                older = min(couple, key=lambda p: p.birthdate)
                older.email, older.old_email = None, None
        for person in household.members:
            if person.age >= 18 and not (person.mobile or person.contact_email() or household.landline):
                person.mobile = self._mobile(rng)

    def _mobile(self, rng: random.Random) -> str:
        """A mobile number no one else has, from a series drawn by ``MOBILE_SERIES``."""
        i = rng.choices(range(len(self.mobile_series)), [w for _, w, _ in self.mobile_series])[0]
        prefixes, _, permutation = self.mobile_series[i]
        n = permutation(self.mobile_counts[i])
        self.mobile_counts[i] += 1
        width = 8 - len(prefixes[0])
        return prefixes[n // 10**width] + f"{n % 10**width:0{width}d}"

    def _claim(self, candidates: list[str], rng: random.Random) -> str:
        for address in candidates:
            if address not in self.taken:
                self.taken.add(address)
                return address
        local, _, domain = candidates[0].partition("@")
        while True:
            address = f"{local}{rng.randint(100, 99999)}@{domain}"
            if address not in self.taken:
                self.taken.add(address)
                return address

    def _personal_email(self, person: Person, rng: random.Random, *, old: bool = False) -> str:
        table = rng.randrange(2)
        first, last = slug(person.first, table=table), slug(person.last.split("-")[0], table=table)
        middle = slug(person.middle, table=table) if person.middle else ""
        yy, yyyy = f"{person.birthdate.year % 100:02d}", str(person.birthdate.year)
        patterns = [
            (f"{first}.{last}", 30), (f"{first}{last}", 15), (f"{first}.{last}{yy}", 15),
            (f"{first}{yyyy}", 5), (f"{first[0]}{last}", 10), (f"{first}_{last}", 3),
            (f"{first}.{middle}.{last}" if middle else f"{first}.{last}.{yy}", 5),
            (f"{first[:3]}{last[:3]}{rng.randint(1, 99)}", 10), (f"{last}.{first}", 7),
        ]
        local = weighted(rng, patterns)
        roll = rng.random()
        if old:
            domain = rng.choice(("online.example", "hotmail.example", "frisurf.example", "broadpark.example",
                                 *N.EMPLOYER_DOMAINS[:4]))
        elif roll < P.IDN_EMAIL and person.age >= 25:
            domain = rng.choice(N.IDN_DOMAINS)
            local = rng.choice((first, f"{first}.{last}", "post"))
        elif roll < P.IDN_EMAIL + P.EMPLOYER_EMAIL and person.age >= 22:
            domain = rng.choice(N.EMPLOYER_DOMAINS)
            local = f"{first}.{last}"
        else:
            domain = weighted(rng, N.MAIL_DOMAINS)
        candidates = [f"{local}@{domain}", f"{local}{yy}@{domain}", f"{local}.{rng.randint(2, 99)}@{domain}"]
        return self._claim(candidates, rng)

    def _family_email(self, household: Household, couple: list[Person], rng: random.Random) -> str:
        a, b = couple
        last = slug(a.last.split("-")[0])
        domain = weighted(rng, N.MAIL_DOMAINS)
        local = weighted(rng, (
            (f"familien.{last}", 40), (f"{last}.familie", 10), (f"{slug(a.first)}og{slug(b.first)}", 25),
            (f"{last}{slug(b.last.split('-')[0])}" if b.last != a.last else f"{last}{household.number % 100}", 10),
            (f"post.{last}", 15),
        ))
        return self._claim([f"{local}@{domain}", f"{local}{rng.randint(1, 99)}@{domain}"], rng)

    # ----------------------------------------------------------------------- namesakes

    def _namesakes(self, block: list[Household], rng: random.Random) -> None:
        """Plant a few namesakes across households, then flag every namesake in the block."""
        people = [p for h in block for p in h.members]
        adults = [p for p in people if p.age >= 18]
        for person in adults:
            if rng.random() < P.PLANTED_NAMESAKES:
                model = rng.choice(adults)
                if (model.household is not person.household and model.sex == person.sex
                        and model.origin is None and person.origin is None and not person.same_first_name_as):
                    person.given, person.last, person.middle = model.first, model.last, ""
        seen: dict[tuple[str, str], Person] = {}
        for person in people:
            key = (person.first.casefold(), person.last.casefold())
            first = seen.setdefault(key, person)
            if first is not person and first.household is not person.household:
                person.namesake_of = first.pid
                if not first.namesake_of:
                    first.namesake_of = person.pid

    # ------------------------------------------------------------------------- requests

    def _request(self, person: Person, rng: random.Random) -> Request:
        req = Request()
        household = person.household
        guardian: Person | None = None
        if person.guardians and (person.age < 15 or rng.random() < P.GUARDIAN_ASKS_15_17):
            guardian = rng.choice(person.guardians)
            req.relation, req.guardian_id = "guardian", guardian.pid

        # The name, as they write it.
        roll = rng.random()
        native = person.native_name()
        if roll < P.REQUEST_EMPTY_NAME:
            req.name, req.name_kind = "", "empty"
        elif roll < P.REQUEST_EMPTY_NAME + P.REQUEST_SURNAME_ONLY:
            req.name, req.name_kind = person.last, "surname_only"
        elif native and rng.random() < P.REQUEST_NON_LATIN:
            req.name, req.name_kind = native, "non_latin"
        elif person.middle and rng.random() < P.REQUEST_MIDDLE_OMITTED:
            req.name, req.name_kind = f"{person.given} {person.last}", "middle_omitted"
        else:
            req.name = person.full_name

        def phone(digits: str) -> str:
            return spell_phone(digits, "request", rng)[0]

        if guardian is not None:
            email = guardian.contact_email()
            if email:
                req.emails.append(email)
            if guardian.email and guardian.uses_family_email and rng.random() < P.REQUEST_GIVES_FAMILY_EMAIL:
                req.emails.append(household.family_email)
            if guardian.mobile:
                req.phones.append(phone(guardian.mobile))
            if person.mobile and rng.random() < 0.5:
                req.phones.append(phone(person.mobile))
            if not (req.emails or req.phones) and household.landline:
                req.phones.append(phone(household.landline))
            req.birthdate = person.birthdate
            return req

        email = person.contact_email()
        if person.mobile and (not email or rng.random() < P.REQUEST_PHONE_ONLY):
            req.phones.append(phone(person.mobile))
        else:
            if email:
                req.emails.append(email)
            if person.old_email and rng.random() < P.CHANGED_EMAIL_GIVES_OLD:
                req.emails.append(person.old_email)
            if person.email and person.uses_family_email and rng.random() < P.REQUEST_GIVES_FAMILY_EMAIL:
                req.emails.append(household.family_email)
            if person.mobile and rng.random() < P.REQUEST_GIVES_PHONE:
                req.phones.append(phone(person.mobile))
        if household.landline and (not (req.emails or req.phones) or (
                person.age >= 18 and rng.random() < P.REQUEST_GIVES_LANDLINE)):
            req.phones.append(phone(household.landline))
        if person.is_child or rng.random() < P.REQUEST_BIRTHDATE:
            req.birthdate = person.birthdate
        return req
