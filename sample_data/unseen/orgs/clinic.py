"""Nordbyen Fysioterapi — a physiotherapy clinic's booking system (invented).

System ``timebok`` (SQLite):

    pasient    fødselsnummer (valid; a D-number for some labour migrants; sometimes written
               ``ddmmyy nnnnn``), first, middle and last name as imported from the population
               register (surname in capitals on some rows), mobile, e-mail; for a child, the
               **guardian's** mobile and name.
    time       appointments (health data: Art. 9), pointing to the patient.
    sms_logg   SMS reminders: the number the SMS provider sent to (``4791234567``) and the
               appointment — **a phone and nothing else** about the person.

Patients: people from 8 years at ``CLINIC_PATIENT``.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from sample_data.sinks import GroundTruth
from sample_data.unseen import proportions as P
from sample_data.unseen.orgs.base import Organisation, SqlDatabase, name_form
from sample_data.unseen.people import Household, Person
from sample_data.unseen.spelling import spell_email, spell_phone

TYPES = ("FORSTE", "FYS45", "FYS30", "MT30", "TRENING", "KONTROLL")
THERAPISTS = ("Ingrid Sæle", "Martin Aasen", "Hanne Vik", "Ole Kristoffer Bø")


def _metadata() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "pasient", md,
        sa.Column("pasient_id", sa.Integer, primary_key=True),
        sa.Column("fodselsnummer", sa.String(12)),
        sa.Column("fornavn", sa.String(80)),
        sa.Column("mellomnavn", sa.String(80), nullable=True),
        sa.Column("etternavn", sa.String(80)),
        sa.Column("mobil", sa.String(30), nullable=True),
        sa.Column("epost", sa.String(120), nullable=True),
        sa.Column("foresatt", sa.String(120), nullable=True),
        sa.Column("adresse", sa.String(120)),
        sa.Column("reservert_sms", sa.Boolean),
        sa.Column("opprettet", sa.Date),
    )
    sa.Table(
        "time", md,
        sa.Column("time_id", sa.Integer, primary_key=True),
        sa.Column("pasient_id", sa.Integer, sa.ForeignKey("pasient.pasient_id"), index=True),
        sa.Column("start", sa.DateTime),
        sa.Column("varighet_min", sa.Integer),
        sa.Column("behandler", sa.String(60)),
        sa.Column("timetype", sa.String(12)),
        sa.Column("status", sa.String(12)),
        sa.Column("egenandel", sa.Integer),
    )
    sa.Table(
        "sms_logg", md,
        sa.Column("sms_id", sa.Integer, primary_key=True),
        sa.Column("time_id", sa.Integer, sa.ForeignKey("time.time_id"), index=True),
        sa.Column("mottaker", sa.String(20)),
        sa.Column("sendt", sa.DateTime),
        sa.Column("mal", sa.String(12)),
        sa.Column("leveringsstatus", sa.String(10)),
    )
    return md


class Clinic(Organisation):
    controller_id = "nordbyen-fysio"

    def __init__(self, root: Path, truth: GroundTruth) -> None:
        super().__init__(root, truth)
        self.db = SqlDatabase(self.sources / "timebok.db", _metadata())
        self.ids = {"pasient": 0, "time": 0, "sms_logg": 0}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add_block(self, block: list[Household], rng: random.Random) -> None:
        for household in block:
            for person in household.members:
                if person.age >= 8 and rng.random() < P.CLINIC_PATIENT:
                    self._patient(person, rng)

    def _patient(self, person: Person, rng: random.Random) -> None:
        pid = self._next("pasient")
        form = name_form(person)
        upper = rng.random() < 0.25
        last = form.last.upper() if upper else form.last
        if upper:
            form.tags.append("upper")
        fnr = person.fnr if rng.random() >= 0.08 else f"{person.fnr[:6]} {person.fnr[6:]}"
        if person.dnumber:
            self.mark(person, None, "dnumber")
        guardian = rng.choice(person.guardians) if person.guardians and person.age < 16 else None
        phone_holder = guardian or person
        mobile = spell_phone(phone_holder.mobile, "typed", rng)[0] if phone_holder.mobile else None
        email = None
        if guardian is None and person.contact_email() and rng.random() < 0.5:
            email = spell_email(person.contact_email(), rng)[0]
        created = P.REFERENCE_DATE - timedelta(days=rng.randint(30, 365 * 6))
        reserved = rng.random() < P.CLINIC_SMS_RESERVED
        self.db.add("pasient", {
            "pasient_id": pid, "fodselsnummer": fnr, "fornavn": form.given, "mellomnavn": form.middle or None,
            "etternavn": last, "mobil": mobile, "epost": email,
            "foresatt": guardian.full_name if guardian else None, "adresse": person.household.street,
            "reservert_sms": reserved, "opprettet": created,
        })
        self.mark(person, form)
        # Rule 1: names the patient (and the guardian, whose name and mobile it holds).
        self.own([person, *([guardian] if guardian else [])], "timebok", "pasient", pid)

        count = min(20, 1 + int(rng.expovariate(1 / 4)))
        for _ in range(count):
            tid = self._next("time")
            start = datetime.combine(created + timedelta(days=rng.randint(0, max(1, (P.REFERENCE_DATE - created).days))),
                                     time(rng.randint(8, 15), rng.choice((0, 15, 30, 45))))
            kind = rng.choice(TYPES)
            self.db.add("time", {
                "time_id": tid, "pasient_id": pid, "start": start,
                "varighet_min": 30 if kind.endswith("30") else 45, "behandler": rng.choice(THERAPISTS),
                "timetype": kind, "status": rng.choices(("MOTT", "AVLYST", "IKKE_MOTT"), (90, 7, 3))[0],
                "egenandel": 0 if person.age < 16 else rng.choice((285, 335, 395)),
            })
            self.own([person], "timebok", "time", tid)  # rule 3
            if reserved or not phone_holder.mobile:
                continue
            for template in ("PAMINNELSE",) + (("ENDRING",) if rng.random() < 0.15 else ()):
                sid = self._next("sms_logg")
                self.db.add("sms_logg", {
                    "sms_id": sid, "time_id": tid, "mottaker": spell_phone(phone_holder.mobile, "sms", rng)[0],
                    "sendt": start - timedelta(days=1, hours=rng.randint(0, 6)), "mal": template,
                    "leveringsstatus": "DELIVRD" if rng.random() < 0.97 else "FAILED",
                })
                # Rule 2: the number's holder, and the patient the appointment is for.
                self.own([phone_holder, person], "timebok", "sms_logg", sid)

    def close(self) -> None:
        self.db.close()

    def counts(self) -> dict[str, int]:
        return {f"timebok/{t}": n for t, n in sorted(self.db.counts.items())}
