"""Lindeberg borettslag — a housing cooperative (invented).

System ``beboerregister`` (SQLite: the board's register, migrated from an old Access file):

    leilighet   one row per unit: unit number, share number, and the **household's** landline
                and e-mail — the family address, or whichever partner's address was given at
                moving in. No name on the row.
    beboer      residents per unit: name in one field, mostly ``Etternavn, Fornavn`` as the
                business manager's export writes it; mobile as an **INTEGER** (typed into a
                number field: ``91234567`` or ``4791234567``); children listed by name only.
    booking     the common room, guest room, trailer and laundry: unit and the contact number
                the booker typed (their mobile, the landline, or nothing).

Households live here by type at SSB's shares of ``andels-/aksjeeier`` (``HOUSING_BY_TYPE``).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from sample_data.sinks import GroundTruth
from sample_data.unseen import proportions as P
from sample_data.unseen.orgs.base import Organisation, SqlDatabase, name_form, owners_of_landline
from sample_data.unseen.people import Household
from sample_data.unseen.spelling import spell_email, spell_phone

RESOURCES = ("FELLESLOKALE", "GJESTEROM", "HENGER", "VASKERI")


def _metadata() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "leilighet", md,
        sa.Column("leilighet_id", sa.Integer, primary_key=True),
        sa.Column("leil_nr", sa.String(10)),
        sa.Column("andelsnr", sa.Integer),
        sa.Column("bra_m2", sa.Integer),
        sa.Column("telefon", sa.String(30), nullable=True),
        sa.Column("epost", sa.String(120), nullable=True),
        sa.Column("innflyttet", sa.Date),
    )
    sa.Table(
        "beboer", md,
        sa.Column("beboer_id", sa.Integer, primary_key=True),
        sa.Column("leilighet_id", sa.Integer, sa.ForeignKey("leilighet.leilighet_id"), index=True),
        sa.Column("navn", sa.String(120)),
        sa.Column("rolle", sa.String(12)),
        sa.Column("mobil", sa.BigInteger, nullable=True),
        sa.Column("epost", sa.String(120), nullable=True),
    )
    sa.Table(
        "booking", md,
        sa.Column("booking_id", sa.Integer, primary_key=True),
        sa.Column("leilighet_id", sa.Integer, sa.ForeignKey("leilighet.leilighet_id"), index=True),
        sa.Column("ressurs", sa.String(20)),
        sa.Column("fra", sa.DateTime),
        sa.Column("til", sa.DateTime),
        sa.Column("kontakt", sa.String(30), nullable=True),
    )
    return md


class Housing(Organisation):
    controller_id = "lindeberg-brl"

    def __init__(self, root: Path, truth: GroundTruth) -> None:
        super().__init__(root, truth)
        self.db = SqlDatabase(self.sources / "beboerregister.db", _metadata())
        self.ids = {"leilighet": 0, "beboer": 0, "booking": 0}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add_block(self, block: list[Household], rng: random.Random) -> None:
        for household in block:
            if rng.random() < P.HOUSING_BY_TYPE[household.kind]:
                self._unit(household, rng)

    def _unit(self, household: Household, rng: random.Random) -> None:
        uid = self._next("leilighet")
        adults = household.adults
        contact_person = adults[0]
        address = household.family_email or (contact_person.contact_email() if rng.random() < 0.8 else None)
        email = spell_email(address, rng)[0] if address else None
        landline = spell_phone(household.landline, "landline", rng)[0] if household.landline and rng.random() < 0.8 else None
        moved_in = P.REFERENCE_DATE - timedelta(days=rng.randint(60, 365 * 25))
        self.db.add("leilighet", {
            "leilighet_id": uid, "leil_nr": f"H{rng.randint(1, 6)}{rng.randint(1, 4):02d}", "andelsnr": 1000 + uid,
            "bra_m2": rng.randint(28, 110), "telefon": landline, "epost": email, "innflyttet": moved_in,
        })
        # Rule 2: the household's row — every adult living there.
        self.own(adults, "beboerregister", "leilighet", uid)

        for i, person in enumerate(household.members):
            if person.is_child and rng.random() >= P.HOUSING_CHILD_REGISTERED:
                continue
            rid = self._next("beboer")
            form = name_form(person)
            if rng.random() < P.NAME_MIDDLE_DROPPED:
                form.drop_middle()
            form.misc(rng)
            name = form.reversed() if rng.random() < P.NAME_REVERSED["housing"] else form.full()
            mobile = None
            if person.mobile and (not person.is_child or rng.random() < 0.3) and rng.random() < 0.9:
                mobile = int(person.mobile) if rng.random() < 0.75 else int("47" + person.mobile)
                self.mark(person, None, "phone:integer")
            personal = spell_email(person.email, rng)[0] if person.email and not person.is_child and rng.random() < 0.4 else None
            role = "BARN" if person.is_child else ("ANDELSEIER" if i < 2 else "MEDBEBOER")
            self.db.add("beboer", {"beboer_id": rid, "leilighet_id": uid, "navn": name, "rolle": role,
                                   "mobil": mobile, "epost": personal})
            self.mark(person, form, *(() if mobile or personal else ("name_only_rows",)))
            self.own([person], "beboerregister", "beboer", rid)

        for _ in range(rng.choice((0, 0, 1, 2, 3, 4, 6, 9))):
            bid = self._next("booking")
            booker = rng.choice(adults)
            roll = rng.random()
            if booker.mobile and roll < 0.8:
                contact, style = spell_phone(booker.mobile, "typed", rng)
                owners = [booker]
                self.mark(booker, None, f"phone:{style}")
            elif household.landline and roll < 0.95:
                contact, _ = spell_phone(household.landline, "landline", rng)
                owners = owners_of_landline(household)
            else:
                contact, owners = None, adults  # rule 3: the unit's people
            start = datetime.combine(P.REFERENCE_DATE - timedelta(days=rng.randint(1, 365 * 4)),
                                     time(rng.choice((8, 10, 12, 16, 18))))
            self.db.add("booking", {"booking_id": bid, "leilighet_id": uid, "ressurs": rng.choice(RESOURCES),
                                    "fra": start, "til": start + timedelta(hours=rng.choice((2, 4, 24))),
                                    "kontakt": contact})
            self.own(owners, "beboerregister", "booking", bid)

    def close(self) -> None:
        self.db.close()

    def counts(self) -> dict[str, int]:
        return {f"beboerregister/{t}": n for t, n in sorted(self.db.counts.items())}
