"""Kystkultur Vest — a membership association (invented).

System ``crm`` (SQLite; the CRM has lived through two imports and a web form):

    person       one row per contact: the whole name in one field (``Kari Hansen``, ``Hansen,
                 Kari``, ``HANSEN KARI``), the birth date **as text** in whatever form each
                 import used (``07.03.1984``, ``7.3.84``, ``1984-03-07 00:00:00``), a second
                 e-mail field where an old address was kept, a mobile the CRM formats on entry
                 (``+47 912 34 567``; an import left ``47 91234567``), a landline. Household
                 members point to the main member (``hovedmedlem_id``, a reference within the
                 table) and mostly have no e-mail of their own. Some people are in twice.
    medlemskap   membership periods, pointing to the person.
    gave         donations, pointing to the person.

System ``pamelding`` (CSV: a form tool's export of event sign-ups, UTF-8)
    Tidsmerke,Navn,E-post,Mobil,Fødselsdato,Arrangement,Allergier og matbehov,Kommentar —
    typed by the person: birth dates in every Norwegian way, a parent signing up a child
    with their own e-mail and phone, a couple on one row (``Kari og Per Hansen``), dietary
    needs (Art. 9: health, religion).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from sample_data.sinks import GroundTruth
from sample_data.unseen import proportions as P
from sample_data.unseen.orgs.base import CsvFile, Organisation, SqlDatabase, name_form
from sample_data.unseen.people import Household, Person
from sample_data.unseen.spelling import spell_date, spell_email, spell_phone

EVENTS = ("Kystkultursamling Bergen", "Båtbyggerkurs", "Fjordtur med jekt", "Årsmøte", "Knutekurs for barn")
DIETS = ("", "", "", "", "", "", "", "Nøtteallergi", "Glutenfri (cøliaki)", "Laktoseintoleranse", "Vegetar",
         "Halal", "Ingen svinekjøtt")
EVENT_HEADER = ["Tidsmerke", "Navn", "E-post", "Mobil", "Fødselsdato", "Arrangement", "Allergier og matbehov",
                "Kommentar"]


def _metadata() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "person", md,
        sa.Column("person_id", sa.Integer, primary_key=True),
        sa.Column("navn", sa.String(160)),
        sa.Column("fodselsdato", sa.String(30), nullable=True),
        sa.Column("epost", sa.String(120), nullable=True),
        sa.Column("epost2", sa.String(120), nullable=True),
        sa.Column("mobil", sa.String(30), nullable=True),
        sa.Column("telefon", sa.String(30), nullable=True),
        sa.Column("adresse", sa.String(120)),
        sa.Column("postnr", sa.String(4)),
        sa.Column("poststed", sa.String(60)),
        sa.Column("hovedmedlem_id", sa.Integer, sa.ForeignKey("person.person_id"), nullable=True, index=True),
        sa.Column("kilde", sa.String(20)),
        sa.Column("opprettet", sa.DateTime),
    )
    sa.Table(
        "medlemskap", md,
        sa.Column("medlemskap_id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.person_id"), index=True),
        sa.Column("medlemstype", sa.String(12)),
        sa.Column("fra_dato", sa.Date),
        sa.Column("til_dato", sa.Date, nullable=True),
        sa.Column("kontingent", sa.Integer),
    )
    sa.Table(
        "gave", md,
        sa.Column("gave_id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.person_id"), index=True),
        sa.Column("dato", sa.Date),
        sa.Column("belop", sa.Integer),
        sa.Column("kampanje", sa.String(40)),
        sa.Column("skattefradrag", sa.Boolean),
    )
    return md


class Crm(Organisation):
    controller_id = "kystkultur-vest"

    def __init__(self, root: Path, truth: GroundTruth) -> None:
        super().__init__(root, truth)
        self.db = SqlDatabase(self.sources / "crm.db", _metadata())
        self.events = CsvFile(self.sources / "pamelding_arrangementer.csv", EVENT_HEADER)
        self.ids = {"person": 0, "medlemskap": 0, "gave": 0}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add_block(self, block: list[Household], rng: random.Random) -> None:
        for household in block:
            main = next((p for p in household.adults if p.age >= 20 and rng.random() < P.CRM_MEMBER), None)
            members: list[Person] = []
            if main is not None:
                main_id = self._person(main, rng, main_id=None)
                members.append(main)
                if rng.random() < P.CRM_HOUSEHOLD_MEMBERSHIP:
                    for other in household.members:
                        if other is not main:
                            self._person(other, rng, main_id=main_id)
                            members.append(other)
            for person in household.adults:
                rate = P.CRM_EVENT_MEMBER if person in members else P.CRM_EVENT_NON_MEMBER
                if rng.random() < rate:
                    for _ in range(rng.randint(1, 2)):
                        self._sign_up(person, rng)

    def _name(self, person: Person, rng: random.Random, *, fold: float = 0.05) -> tuple[str, object]:
        form = name_form(person)
        if rng.random() < P.NAME_MIDDLE_DROPPED:
            form.drop_middle()
        form.misc(rng, fold_rate=fold)
        roll = rng.random()
        if roll < P.NAME_REVERSED["crm"]:
            name = form.reversed()
        elif roll < P.NAME_REVERSED["crm"] + 0.05:
            name = form.upper(f"{form.last} {form.first}")
            form.tags.append("surname_first")
        else:
            name = form.full()
        return name, form

    def _person(self, person: Person, rng: random.Random, *, main_id: int | None) -> int:
        household = person.household
        name, form = self._name(person, rng)
        born = None
        if rng.random() >= P.CRM_BIRTHDATE_MISSING or (main_id is not None and person.is_child):
            day = person.birthdate
            if rng.random() < P.BIRTHDATE_MISTYPED and day.day <= 12 and day.day != day.month:
                day = day.replace(day=day.month, month=day.day)  # day and month swapped on entry
                self.mark(person, None, "birthdate_wrong")
            born, style = spell_date(day, "crm", rng)
            self.mark(person, None, f"date:{style}")
        mobile = None
        if person.mobile and (main_id is None or rng.random() < 0.5):
            mobile, style = spell_phone(person.mobile, "crm", rng)
            self.mark(person, None, f"phone:{style}")
        landline = spell_phone(household.landline, "landline", rng)[0] if household.landline and rng.random() < 0.5 else None
        email = email2 = None
        current = person.contact_email()
        duplicate = main_id is None and current is not None and rng.random() < P.CRM_DUPLICATE
        if main_id is not None:
            # Household members rarely have their own address here; a partner may have the family one.
            if person.uses_family_email and rng.random() < 0.3:
                email = household.family_email
        elif person.old_email:
            email = person.old_email  # the address they had when they joined
            if not duplicate and rng.random() < 0.5:
                email2 = current  # the new one, noted beside it
        else:
            email = current
        created = datetime.combine(P.REFERENCE_DATE - timedelta(days=rng.randint(400, 365 * 12)), time(12))
        pid = self._next("person")
        self.db.add("person", {
            "person_id": pid, "navn": name, "fodselsdato": born,
            "epost": spell_email(email, rng, punycode=0.5)[0] if email else None,
            "epost2": spell_email(email2, rng)[0] if email2 else None,
            "mobil": mobile, "telefon": landline, "adresse": household.street, "postnr": household.postcode,
            "poststed": household.town, "hovedmedlem_id": main_id,
            "kilde": "IMPORT_2015" if created.year <= 2016 else rng.choice(("NETTSKJEMA", "MANUELL")),
            "opprettet": created,
        })
        self.mark(person, form, *(() if (email or mobile or landline) else ("name_only_rows",)))
        self.own([person], "crm", "person", pid)  # rule 1: it names them
        self._memberships(person, pid, main_id, rng)
        if duplicate and current:
            # Entered again through the web form with the new address: the same person twice.
            dup = self._next("person")
            name2, form2 = self._name(person, rng)
            self.db.add("person", {
                "person_id": dup, "navn": name2, "fodselsdato": None, "epost": spell_email(current, rng)[0],
                "epost2": None, "mobil": spell_phone(person.mobile, "crm", rng)[0] if person.mobile else None,
                "telefon": None, "adresse": household.street, "postnr": household.postcode,
                "poststed": household.town, "hovedmedlem_id": None, "kilde": "NETTSKJEMA",
                "opprettet": created + timedelta(days=rng.randint(200, 1500)),
            })
            self.mark(person, form2, "crm_duplicate")
            self.own([person], "crm", "person", dup)
        return pid

    def _memberships(self, person: Person, pid: int, main_id: int | None, rng: random.Random) -> None:
        start = P.REFERENCE_DATE - timedelta(days=rng.randint(60, 365 * 10))
        for _ in range(rng.choice((1, 1, 2, 3))):
            mid = self._next("medlemskap")
            if main_id is not None:
                kind = "HUSSTAND"
            elif person.age < 26:
                kind = "UNGDOM"
            else:
                kind = "LIVSVARIG" if person.age > 70 and rng.random() < 0.1 else "HOVED"
            end = start + timedelta(days=rng.randint(300, 1500))
            self.db.add("medlemskap", {
                "medlemskap_id": mid, "person_id": pid, "medlemstype": kind, "fra_dato": start,
                "til_dato": end if end < P.REFERENCE_DATE else None,
                "kontingent": {"HOVED": 450, "UNGDOM": 200, "HUSSTAND": 150, "LIVSVARIG": 0}[kind],
            })
            self.own([person], "crm", "medlemskap", mid)  # rule 3
            if end >= P.REFERENCE_DATE:
                break
            start = end + timedelta(days=rng.randint(1, 400))
        if main_id is None and rng.random() < 0.3:
            for _ in range(rng.randint(1, 5)):
                gid = self._next("gave")
                amount = rng.choice((200, 300, 500, 1000, 2500))
                self.db.add("gave", {
                    "gave_id": gid, "person_id": pid,
                    "dato": P.REFERENCE_DATE - timedelta(days=rng.randint(1, 365 * 6)), "belop": amount,
                    "kampanje": rng.choice(("Julegave", "Redd jekta", "Vårinnsamling")),
                    "skattefradrag": amount >= 500 and rng.random() < 0.6,
                })
                self.own([person], "crm", "gave", gid)

    def _sign_up(self, person: Person, rng: random.Random) -> None:
        household = person.household
        when = datetime.combine(P.REFERENCE_DATE - timedelta(days=rng.randint(1, 365 * 4)),
                                time(rng.randint(7, 23), rng.randint(0, 59), rng.randint(0, 59)))
        partner = next((p for p in household.adults if p is not person and not p.guardians), None)
        kids = [c for c in household.children if 5 <= c.age <= 14]
        owners = [person]
        subject = person
        if kids and rng.random() < 0.3:
            subject = rng.choice(kids)  # a parent signs up a child, with the parent's e-mail and phone
            owners = [subject, person]
        name, form = self._name(subject, rng, fold=0.0)
        form.misc(rng, nfd_rate=P.NAME_NFD)
        if (subject is person and partner is not None and household.kind not in ("single", "multi")
                and rng.random() < P.CRM_EVENT_COUPLE_ROW):
            if partner.last == person.last:
                name = f"{person.first} og {partner.first} {person.last}"
            else:
                name = f"{person.first} {person.last} og {partner.first} {partner.last}"
            owners = [person, partner]
            self.mark(person, None, "couple_row")
            self.mark(partner, None, "couple_row")
        if rng.random() < 0.1:
            name = name.lower()
            form.tags.append("lower")
        address = person.contact_email()
        if person.old_email and when.date() < P.REFERENCE_DATE - timedelta(days=365 * 2):
            address = person.old_email
        email = spell_email(address, rng)[0] if address else ""
        phone = spell_phone(person.mobile, "typed", rng)[0] if person.mobile and rng.random() < 0.8 else ""
        born = spell_date(subject.birthdate, "typed", rng)[0] if rng.random() < 0.7 else ""
        line = self.events.add({
            "Tidsmerke": when.strftime("%d.%m.%Y %H:%M:%S"), "Navn": name, "E-post": email, "Mobil": phone,
            "Fødselsdato": born, "Arrangement": rng.choice(EVENTS), "Allergier og matbehov": rng.choice(DIETS),
            "Kommentar": "",
        })
        self.mark(subject, form)
        # Rule 1: the people it names, and the parent whose e-mail and phone it carries.
        self.own(owners, "pamelding", "pameldinger", line)

    def close(self) -> None:
        self.db.close()
        self.events.close()

    def counts(self) -> dict[str, int]:
        result = {f"crm/{t}": n for t, n in sorted(self.db.counts.items())}
        result["pamelding/pameldinger"] = self.events.count
        return result
