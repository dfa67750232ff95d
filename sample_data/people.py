"""The people of the sample world, generated block by block from one seed.

A person has one canonical identity (the name, e-mail, phone and birth date they would give
when asking) and a set of systems they appear in. How each system *spells* them is decided
later, per system (``sample_data.spelling``).

People come in blocks of ``BLOCK_SIZE`` so memory stays flat at any scale; relations between
people (a family sharing an e-mail, a child and its guardian, namesakes) are formed inside a
block. Each block has its own random stream (seeded by seed and block number), so a block is
the same whatever the scale.

Relations the generator builds on purpose:

- family: two adults with the same surname and one e-mail address between them; their first
  names are chosen so that ``dsar.identity.names_compatible`` tells them apart.
- child: a child under 15 (Gjøvik's consent age) with a guardian's e-mail, and the guardian.
- namesake: a stranger with the same first name and surname (and the same systems, so the
  two meet in a register). Namesakes that happen by chance are flagged too.
- phone only: a person known only by a mobile number (SMS customer club); no e-mail at all.

A shared e-mail only ever appears in rows that also carry a name, so that matching can hold
them back; rows without a name are reached from such a row by reference (see the worlds).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sample_data.names import DOMAINS, PLACES, STREET_STEMS, STREET_SUFFIXES, name_pool

AS_OF = date(2026, 11, 1)
"""The sample world's "today". Fixed, so the same seed gives the same world on any day."""

PEOPLE_PER_SCALE = 3000
BLOCK_SIZE = 1000

# Systems a person appears in, by home region: the probability of being there.
# Systems not listed (web usage profiles, Janteloppet's shop) follow from these in the worlds.
MEMBERSHIP: dict[str, dict[str, float]] = {
    "stavanger-sentrum/medlemsregister": {"stavanger": 0.06, "gjovik": 0.0, "other": 0.01},
    "stavanger-sentrum/kundeklubb": {"stavanger": 0.25, "gjovik": 0.01, "other": 0.04},
    "stavanger-sentrum/arrangementer": {"stavanger": 0.05, "gjovik": 0.0, "other": 0.01},
    "stavanger-foto/nettbutikk": {"stavanger": 0.35, "gjovik": 0.08, "other": 0.15},
    "stavanger-foto/fotolab": {"stavanger": 0.18, "gjovik": 0.03, "other": 0.06},
    "stavanger-foto/nyhetsbrev": {"stavanger": 0.25, "gjovik": 0.04, "other": 0.08},
    "gjovik-kultursenter/billettsystem": {"stavanger": 0.03, "gjovik": 0.65, "other": 0.15},
    "stavanger-mediebank/samtykkeregister": {"stavanger": 0.07, "gjovik": 0.0, "other": 0.01},
    "janteloppet/kundearkiv": {"stavanger": 0.12, "gjovik": 0.12, "other": 0.2},
}
REGIONS = (("stavanger", 0.5), ("gjovik", 0.25), ("other", 0.25))

# A controller's regulars: people who appear in every one of its systems (a member company's
# owner who also sells at the market and is in the SMS club). Every controller has some, so
# the demo can ask for a person found in all of its systems.
REGULARS: dict[str, dict[str, float]] = {
    "stavanger-sentrum": {"stavanger": 0.02, "gjovik": 0.0, "other": 0.0},
    "stavanger-foto": {"stavanger": 0.02, "gjovik": 0.0, "other": 0.005},
    "gjovik-kultursenter": {"stavanger": 0.0, "gjovik": 0.03, "other": 0.0},
    "stavanger-mediebank": {"stavanger": 0.02, "gjovik": 0.0, "other": 0.0},
    "janteloppet": {"stavanger": 0.01, "gjovik": 0.01, "other": 0.01},
}

# Systems that always hold a name beside the e-mail: a shared family e-mail may appear there.
NAMED_SYSTEMS = (
    "stavanger-foto/nettbutikk",
    "stavanger-foto/nyhetsbrev",
    "gjovik-kultursenter/billettsystem",
    "stavanger-mediebank/samtykkeregister",
)

SHARE_FAMILY = 0.03
SHARE_CHILD = 0.04
SHARE_NAMESAKE = 0.015
SHARE_PHONE_ONLY = 0.03
SHARE_MIDDLE_NAME = 0.2
SHARE_DOUBLE_FIRST = 0.1

# Mobile ranges that validate as Norwegian mobile numbers (phonenumbers metadata): 9xxxxxxx
# and 40/41/46/47/48xxxxxx. Numbers are handed out by an affine permutation of that space,
# so they are unique without remembering the ones already used.
_MOBILE_BLOCKS = (90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 40, 41, 46, 47, 48)
_MOBILE_SPACE = len(_MOBILE_BLOCKS) * 1_000_000


@dataclass(slots=True)
class Person:
    """One person as they would present themselves when asking."""

    number: int
    gender: str  # "F" or "M": steers the name lists only
    first_name: str  # given name(s): "Kari" or "Kari Anne"
    middle_name: str  # "" or a middle name kept apart from the surname ("Hansen")
    last_name: str
    birthdate: date
    email: str  # canonical (normalised); "" when the person has no e-mail
    phone: str  # E.164
    street: str
    postcode: str
    city: str
    region: str
    memberships: set[str] = field(default_factory=set)
    shares_email_with: list[str] = field(default_factory=list)
    namesake_of: str = ""
    phone_only: bool = False
    guardian_id: str = ""

    @property
    def person_id(self) -> str:
        return f"P{self.number:07d}"

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def is_child(self) -> bool:
        return bool(self.guardian_id)

    @property
    def shares_email(self) -> bool:
        return bool(self.shares_email_with)

    def age(self, on: date = AS_OF) -> int:
        years = on.year - self.birthdate.year
        return years - ((on.month, on.day) < (self.birthdate.month, self.birthdate.day))

    def in_system(self, key: str) -> bool:
        return key in self.memberships


def people_count(scale: float) -> int:
    return max(1, round(PEOPLE_PER_SCALE * scale))


def people_blocks(seed: int, count: int, block_size: int = BLOCK_SIZE) -> Iterator[list[Person]]:
    """Every person of the world, ``block_size`` at a time, numbered 1..count."""
    mobile_a, mobile_b = _phone_permutation(seed)
    namesakes = _NamesakeIndex()
    for block_no, start in enumerate(range(1, count + 1, block_size)):
        rng = random.Random(f"{seed}:people:{block_no}")
        size = min(block_size, count - start + 1)
        block = [
            _base_person(rng, number, (mobile_a * (number - 1) + mobile_b) % _MOBILE_SPACE)
            for number in range(start, start + size)
        ]
        _relate(rng, block)
        for person in block:
            namesakes.flag(person)
        yield block


# ---------------------------------------------------------------------------------- people


def _base_person(rng: random.Random, number: int, mobile_index: int) -> Person:
    pool = name_pool()
    gender = rng.choice("FM")
    first = _given_name(rng, gender)
    last = rng.choice(pool.last)
    middle = rng.choice(pool.last) if rng.random() < SHARE_MIDDLE_NAME else ""
    if middle == last:
        middle = ""
    region = _weighted(rng, REGIONS)
    postcode, city = _place(rng, region)
    age_days = rng.randint(18 * 365 + 5, 86 * 365)
    person = Person(
        number=number,
        gender=gender,
        first_name=first,
        middle_name=middle,
        last_name=last,
        birthdate=AS_OF - timedelta(days=age_days),
        email="",
        phone=_mobile(mobile_index),
        street=f"{rng.choice(STREET_STEMS)}{rng.choice(STREET_SUFFIXES)} {rng.randint(1, 120)}",
        postcode=postcode,
        city=city,
        region=region,
    )
    person.email = personal_email(rng, person)
    for system, by_region in MEMBERSHIP.items():
        if rng.random() < by_region[region]:
            person.memberships.add(system)
    for controller, by_region in REGULARS.items():
        if rng.random() < by_region[region]:
            # "<controller>/regular" tells the worlds to give them every kind of record too
            # (a call recording, media that are still in the bank).
            person.memberships |= {s for s in MEMBERSHIP if s.startswith(f"{controller}/")}
            person.memberships.add(f"{controller}/regular")
    return person


def _given_name(rng: random.Random, gender: str) -> str:
    pool = name_pool()
    names = pool.female if gender == "F" else pool.male
    first = rng.choice(names)
    if rng.random() < SHARE_DOUBLE_FIRST:
        second = rng.choice(names)
        if second != first:
            first = f"{first}{rng.choice(('-', ' '))}{second}"
    return first


def _place(rng: random.Random, region: str) -> tuple[str, str]:
    places = [p for p in PLACES if p[2] == region]
    postcode, city, _ = rng.choice(places)
    return postcode, city


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def _mobile(index: int) -> str:
    block, rest = divmod(index, 1_000_000)
    return f"+47{_MOBILE_BLOCKS[block]}{rest:06d}"


def _phone_permutation(seed: int) -> tuple[int, int]:
    rng = random.Random(f"{seed}:phones")
    while True:
        a = rng.randrange(1_000_003, _MOBILE_SPACE)
        if a % 2 and a % 3 and a % 5:  # coprime with 15 000 000 = 2^6 * 3 * 5^7
            return a, rng.randrange(_MOBILE_SPACE)


# ------------------------------------------------------------------------------- e-mail


def ascii_local(text: str) -> str:
    """A name as it goes into an e-mail address: ``Ødegård`` → ``odegard``."""
    folded = text.lower().translate(str.maketrans({"ø": "o", "æ": "ae", "å": "a", "é": "e"}))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def personal_email(rng: random.Random, person: Person) -> str:
    """A unique address: the name in one of the usual styles, then the person's number.

    The trailing number makes it unique however many namesakes there are (letters never end
    in digits, so ``style + number`` can't collide).
    """
    first = ascii_local(person.first_name.split()[0].split("-")[0])
    last = ascii_local(person.last_name)
    styles = (
        f"{first}.{last}",
        f"{first}{last}",
        f"{first[0]}.{last}",
        f"{first}_{last}",
        f"{first}",
        f"{last}.{first}",
    )
    local = rng.choices(styles, weights=(40, 15, 15, 5, 15, 10))[0]
    return f"{local}{person.number}@{rng.choice(DOMAINS)}"


# ---------------------------------------------------------------------------- relations


def _join_family(rng: random.Random, a: Person, b: Person, names_compatible: Callable[[str, str], bool]) -> None:
    """``b`` takes ``a``'s surname and a given name that tells them apart. Where no given
    name can ("Bjørg Bjørge": every "… Bjørge" is within a typo of her), ``b`` keeps their
    own surname (a family with two surnames) instead of trying for ever."""
    own = b.last_name, b.middle_name
    b.last_name, b.middle_name = a.last_name, ""
    tries = 0
    while names_compatible(a.name, f"{b.first_name} {b.last_name}"):
        tries += 1
        if tries > 200:
            b.last_name, b.middle_name = own
            return
        b.first_name = _given_name(rng, b.gender)


def _relate(rng: random.Random, block: list[Person]) -> None:
    """Families, children, namesakes and phone-only people, inside one block."""
    from dsar.names import names_compatible

    free = list(range(len(block)))
    rng.shuffle(free)

    def take() -> Person | None:
        while free:
            person = block[free.pop()]
            if 25 <= person.age() <= 70:
                return person
        return None

    for _ in range(round(len(block) * SHARE_FAMILY / 2)):
        a, b = take(), take()
        if a is None or b is None:
            break
        _join_family(rng, a, b, names_compatible)
        if rng.random() < 0.5:
            a.email = f"familien.{ascii_local(a.last_name)}{a.number}@{rng.choice(DOMAINS)}"
        b.email = a.email
        a.shares_email_with.append(b.person_id)
        b.shares_email_with.append(a.person_id)
        both = rng.choice(NAMED_SYSTEMS)
        a.memberships.add(both)
        b.memberships.add(both)

    for _ in range(round(len(block) * SHARE_CHILD)):
        guardian, child = take(), take()
        if guardian is None or child is None:
            break
        child.birthdate = AS_OF - timedelta(days=rng.randint(4 * 365, 15 * 365 - 30))
        _join_family(rng, guardian, child, names_compatible)
        child.email = guardian.email
        child.guardian_id = guardian.person_id
        child.region, child.postcode, child.city, child.street = (
            guardian.region, guardian.postcode, guardian.city, guardian.street,
        )
        child.memberships = {"gjovik-kultursenter/billettsystem"}
        guardian.memberships.add("gjovik-kultursenter/billettsystem")
        child.shares_email_with.append(guardian.person_id)
        guardian.shares_email_with.append(child.person_id)

    for _ in range(round(len(block) * SHARE_PHONE_ONLY)):
        person = take()
        if person is None:
            break
        person.email = ""
        person.phone_only = True
        person.memberships = {"stavanger-sentrum/kundeklubb"}

    # Namesakes copy an earlier person's name: the index below then flags them.
    for _ in range(round(len(block) * SHARE_NAMESAKE)):
        stranger = take()
        if stranger is None:
            break
        earlier = [p for p in block[: stranger.number - block[0].number] if not p.phone_only]
        if not earlier:
            continue
        model = rng.choice(earlier)
        stranger.gender = model.gender
        stranger.first_name, stranger.middle_name, stranger.last_name = (
            model.first_name, model.middle_name, model.last_name,
        )
        stranger.email = personal_email(rng, stranger)
        stranger.memberships |= model.memberships - {"stavanger-sentrum/kundeklubb"}
        if not stranger.memberships:
            stranger.memberships.add("stavanger-foto/nettbutikk")


def namesake_key(first_name: str, last_name: str) -> str:
    """What makes two people namesakes: the first given name and the surname, folded.

    ``people.csv``'s ``namesake_of`` and the demo's choice of an unambiguous person
    (``sample_data.subjects``) both use it, so they agree on who has a namesake.
    """
    from dsar.names import fold_name

    given = first_name.replace("-", " ").split()[0]
    return fold_name(f"{given} {last_name}")


class _NamesakeIndex:
    """First person seen with each first-name-and-surname; later ones are their namesakes.

    Holds one small entry per distinct name (not per row), the only world-wide state the
    people generator keeps.
    """

    def __init__(self) -> None:
        self._first: dict[str, int] = {}

    def flag(self, person: Person) -> None:
        key = namesake_key(person.first_name, person.last_name)
        earlier = self._first.setdefault(key, person.number)
        if earlier != person.number:
            person.namesake_of = f"P{earlier:07d}"
