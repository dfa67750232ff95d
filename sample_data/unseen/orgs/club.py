"""Bjørkelid IL — a sports club (invented).

Systems (see ``config/bjorkelid-il.toml``):

``medlemsregister`` (SQLite), the kind of database a club's volunteer built or exported:
    medlem       one row per member: name in two fields, birth date, group. **No e-mail or
                 phone**: those live in
    kontakt      one identifier per row (``type`` E-post / Mobil / Telefon, ``verdi``) pointing
                 to the member; a child's rows hold the *guardians'* e-mail and mobile (or the
                 family address) with no name on the row.
    kontingent   fees per season, pointing to the member.
``dugnadsliste`` (CSV, ``;``, Windows-1252, CRLF: the coordinator's Excel sheet)
    Navn;Telefon;Oppgave;Dato;Lag — parents and members who took a volunteer shift; a name as
    the coordinator typed it and, on some rows, a phone.

Who: children 6-19 join at ``CLUB_CHILD_MEMBER`` (a sibling of a member at
``CLUB_SIBLING_JOINS``), adults at ``CLUB_ADULT_MEMBER``; member households put a parent on
the dugnad list at ``CLUB_VOLUNTEER_HOUSEHOLD``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from sample_data.sinks import GroundTruth
from sample_data.unseen import proportions as P
from sample_data.unseen.orgs.base import (
    CsvFile,
    Organisation,
    SqlDatabase,
    name_form,
    owners_of_email,
    owners_of_landline,
)
from sample_data.unseen.people import Household, Person
from sample_data.unseen.spelling import spell_email, spell_phone

GROUPS_CHILD = ("Fotball {s}{a}", "Håndball {s}{a}", "Ski {s}{a}", "Turn")
GROUPS_ADULT = ("Old boys", "Trim", "Fotball senior", "Håndball senior", "Styret")
TASKS = ("Kiosk", "Parkering", "Kakebaking", "Loddsalg", "Rydding", "Sekretariat", "Vakt ved banen")


def _metadata() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "medlem", md,
        sa.Column("medlem_id", sa.Integer, primary_key=True),
        sa.Column("fornavn", sa.String(80)),
        sa.Column("etternavn", sa.String(80)),
        sa.Column("fodt", sa.Date),
        sa.Column("kjonn", sa.String(1)),
        sa.Column("adresse", sa.String(120)),
        sa.Column("postnr", sa.String(4)),
        sa.Column("poststed", sa.String(60)),
        sa.Column("gruppe", sa.String(60)),
        sa.Column("innmeldt", sa.Date),
        sa.Column("utmeldt", sa.Date, nullable=True),
    )
    sa.Table(
        "kontakt", md,
        sa.Column("kontakt_id", sa.Integer, primary_key=True),
        sa.Column("medlem_id", sa.Integer, sa.ForeignKey("medlem.medlem_id"), index=True),
        sa.Column("type", sa.String(10)),
        sa.Column("verdi", sa.String(120)),
        sa.Column("rolle", sa.String(20)),
        sa.Column("sist_endret", sa.Date),
    )
    sa.Table(
        "kontingent", md,
        sa.Column("faktura_id", sa.Integer, primary_key=True),
        sa.Column("medlem_id", sa.Integer, sa.ForeignKey("medlem.medlem_id"), index=True),
        sa.Column("sesong", sa.Integer),
        sa.Column("belop", sa.Integer),
        sa.Column("forfall", sa.Date),
        sa.Column("betalt_dato", sa.Date, nullable=True),
        sa.Column("purret", sa.Integer),
    )
    return md


class Club(Organisation):
    controller_id = "bjorkelid-il"

    def __init__(self, root: Path, truth: GroundTruth) -> None:
        super().__init__(root, truth)
        self.db = SqlDatabase(self.sources / "medlemsregister.db", _metadata())
        self.volunteers = CsvFile(self.sources / "dugnadsliste.csv", ["Navn", "Telefon", "Oppgave", "Dato", "Lag"],
                                  delimiter=";", encoding="cp1252")
        self.ids = {"medlem": 0, "kontakt": 0, "kontingent": 0}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # ------------------------------------------------------------------------------

    def add_block(self, block: list[Household], rng: random.Random) -> None:
        for household in block:
            members: list[Person] = []
            for person in sorted(household.members, key=lambda p: p.birthdate, reverse=True):
                if 6 <= person.age <= 19:
                    rate = P.CLUB_SIBLING_JOINS if any(m.age < 20 for m in members) else P.CLUB_CHILD_MEMBER
                    if rng.random() < rate:
                        members.append(person)
                elif 20 <= person.age <= 70 and rng.random() < P.CLUB_ADULT_MEMBER:
                    members.append(person)
            for person in members:
                self._member(person, rng)
            if any(m.is_child for m in members) and rng.random() < P.CLUB_VOLUNTEER_HOUSEHOLD:
                guardians = [g for m in members for g in m.guardians]
                if guardians:
                    volunteer = rng.choice(guardians)
                    for _ in range(rng.randint(1, 3)):
                        self._volunteer(volunteer, rng)
            for person in members:
                if not person.is_child and rng.random() < 0.2:
                    self._volunteer(person, rng)

    def _member(self, person: Person, rng: random.Random) -> None:
        household = person.household
        mid = self._next("medlem")
        form = name_form(person)
        roll = rng.random()
        if roll < P.NAME_MIDDLE_DROPPED:
            form.drop_middle()
        elif roll < P.NAME_MIDDLE_DROPPED + 0.25:
            form.middle_into_last()
        form.misc(rng, nfd_rate=0.02)
        self.mark(person, form)
        born = person.birthdate
        if rng.random() < P.BIRTHDATE_MISTYPED and born.day <= 12 and born.day != born.month:
            born = born.replace(day=born.month, month=born.day)  # day and month swapped
            self.mark(person, None, "birthdate_wrong")
        joined = max(born + timedelta(days=365 * 5), P.REFERENCE_DATE - timedelta(days=rng.randint(30, 365 * 9)))
        left = joined + timedelta(days=rng.randint(200, 365 * 4)) if rng.random() < 0.2 else None
        if left is not None and left >= P.REFERENCE_DATE:
            left = None
        if person.is_child:
            sex = "J" if person.sex == "F" else "G"
            group = "Allidrett 6-8 år" if person.age <= 8 else rng.choice(GROUPS_CHILD).format(s=sex, a=person.age)
        else:
            group = rng.choice(GROUPS_ADULT)
        self.db.add("medlem", {
            "medlem_id": mid, "fornavn": form.first, "etternavn": form.last, "fodt": born,
            "kjonn": "K" if person.sex == "F" else "M", "adresse": household.street, "postnr": household.postcode,
            "poststed": household.town, "gruppe": group, "innmeldt": joined, "utmeldt": left,
        })
        self.own([person], "medlemsregister", "medlem", mid)

        def contact(kind: str, value: str, role: str, holders: list[Person], changed: date) -> None:
            cid = self._next("kontakt")
            self.db.add("kontakt", {"kontakt_id": cid, "medlem_id": mid, "type": kind, "verdi": value,
                                    "rolle": role, "sist_endret": changed})
            # Rule 2: no name on the row: the identifier's holders and the member it points to.
            self.own([*holders, person], "medlemsregister", "kontakt", cid)

        def email_rows(holder: Person, role: str) -> None:
            address = holder.contact_email()
            if holder.uses_family_email and rng.random() < 0.6:
                address = holder.household.family_email
            if holder.old_email and rng.random() < 0.7:
                old_value, _ = spell_email(holder.old_email, rng)
                contact("E-post", old_value, role, [holder], joined)
                if rng.random() < 0.5 and address:
                    value, _ = spell_email(address, rng)
                    contact("E-post", value, role, owners_of_email(holder, address), joined + timedelta(days=400))
                return
            if address:
                value, _ = spell_email(address, rng)
                contact("E-post", value, role, owners_of_email(holder, address), joined)

        def phone_row(holder: Person, role: str) -> None:
            if holder.mobile:
                value, style = spell_phone(holder.mobile, "typed", rng)
                self.mark(holder, None, f"phone:{style}")
                contact("Mobil", value, role, [holder], joined)

        if person.is_child:
            guardians = person.guardians if rng.random() < 0.7 else person.guardians[:1]
            for guardian in guardians:
                email_rows(guardian, "Foresatt")
                phone_row(guardian, "Foresatt")
            if person.mobile and person.age >= 12 and rng.random() < 0.6:
                phone_row(person, "Medlem")
            if person.email and rng.random() < 0.3:
                email_rows(person, "Medlem")
        else:
            email_rows(person, "Medlem")
            phone_row(person, "Medlem")
        if household.landline and rng.random() < 0.2:
            value, _ = spell_phone(household.landline, "landline", rng)
            contact("Telefon", value, "Hjemme", owners_of_landline(household), joined)

        last_season = (left or P.REFERENCE_DATE).year
        for season in range(joined.year, last_season + 1):
            fid = self._next("kontingent")
            due = date(season, 3, 1)
            paid = due + timedelta(days=rng.randint(-20, 60)) if rng.random() < 0.95 else None
            self.db.add("kontingent", {
                "faktura_id": fid, "medlem_id": mid, "sesong": season,
                "belop": 600 if person.is_child else 1200, "forfall": due, "betalt_dato": paid,
                "purret": 0 if paid and paid <= due else rng.randint(0, 2),
            })
            self.own([person], "medlemsregister", "kontingent", fid)  # rule 3

    def _volunteer(self, person: Person, rng: random.Random) -> None:
        form = name_form(person)
        if rng.random() < 0.8:
            form.drop_middle()
        if rng.random() < 0.5:
            form.first_given_only()
        form.misc(rng)
        roll = rng.random()
        if roll < P.NAME_REVERSED["volunteers"]:
            name = form.reversed()
        elif roll < P.NAME_REVERSED["volunteers"] + P.NAME_INITIAL:
            name = f"{form.first} {form.last[0]}."
            form.tags.append("initial")
        else:
            name = form.full()
        if self.volunteers.loses(name):
            form.tags.append("cp1252_lost")
        phone = ""
        if person.mobile and rng.random() < P.VOLUNTEER_ROW_PHONE:
            phone, style = spell_phone(person.mobile, "typed", rng)
            self.mark(person, None, f"phone:{style}")
        else:
            self.mark(person, None, "name_only_rows")
        self.mark(person, form)
        day = P.REFERENCE_DATE - timedelta(days=rng.randint(1, 365 * 3))
        child = next((c for c in person.household.children if c.age >= 6), None)
        team = f"{'J' if child.sex == 'F' else 'G'}{child.age}" if child else ""
        line = self.volunteers.add({"Navn": name, "Telefon": phone, "Oppgave": rng.choice(TASKS),
                                    "Dato": day.strftime("%d.%m.%Y"), "Lag": team})
        self.own([person], "dugnadsliste", "frivillige", line)

    def close(self) -> None:
        self.db.close()
        self.volunteers.close()

    def counts(self) -> dict[str, int]:
        result = {f"medlemsregister/{t}": n for t, n in sorted(self.db.counts.items())}
        result["dugnadsliste/frivillige"] = self.volunteers.count
        return result
