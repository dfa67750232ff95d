"""Stavanger Sentrum AS (seed 000): the member register and the SMS customer club.

Member register: member companies, their contact persons, turnover figures for companies
that pay a turnover-based fee (from Brønnøysundregistrene, from the company itself or
reported through Mendo) and the fee invoices. A sole proprietorship (ENK) gives its owner's
own e-mail and mobile as the company's, so the company row itself is found by the owner's
identifiers.

SMS customer club: the SMS provider's export — ``;``-separated, Windows-1252, one line per
sign-up (a person who left and joined again has two lines); names are whatever the person
texted, often nothing or a first name only.

Event participants: the workbook staff keep for Marked i Sentrum and Food Court under Fjåge i
Vågen — a title row, a blank row, then one row per participation: name (sometimes "Etternavn,
Fornavn"), company, e-mail, phone (often typed as a number), event, date, role, fee and the
invoice number.
"""

from __future__ import annotations

import random
from datetime import date

import sqlalchemy as sa

from sample_data import spelling
from sample_data.people import AS_OF, Person
from sample_data.worlds.base import ControllerWorld
from sample_data.worlds.common import TIMESTAMP, day_between, moment_between, money, org_nr, pick, slug

# category code -> shop words used in company names
CATEGORIES = {
    "KLAER": ("Mote", "Klær", "Boutique", "Sko"),
    "SERVERING": ("Kafé", "Bistro", "Bar", "Bakeri"),
    "SKJONNHET": ("Frisør", "Hudpleie", "Neglestudio"),
    "INTERIOR": ("Interiør", "Blomster", "Hjem"),
    "GULL": ("Gull", "Ur", "Optikk"),
    "KULTUR": ("Bokhandel", "Galleri", "Musikk"),
    "TJENESTER": ("Regnskap", "Eiendom", "Reise"),
}
ROLES = ("Daglig leder", "Butikksjef", "Markedsansvarlig", "Eier", "Regnskapsansvarlig")
STREETS = ("Søregata", "Kirkegata", "Skagen", "Klubbgata", "Kongsgårdbakken", "Øvre Holmegate",
           "Breigata", "Nytorget", "Torget", "Valberggata", "Hospitalsgata", "Pedersgata")
EVENTS = (
    ("Marked i Sentrum – vårmarked", date(2025, 5, 3)),
    ("Marked i Sentrum – julemarked", date(2025, 12, 6)),
    ("Food Court, Fjåge i Vågen", date(2026, 6, 20)),
    ("Marked i Sentrum – vårmarked", date(2026, 5, 2)),
    ("Food Court, Fjåge i Vågen", date(2025, 6, 21)),
)
EVENT_ROLES = ("Utstiller", "Matbod", "Samarbeidspartner", "Frivillig")
EVENT_COLUMNS = (
    "Navn", "Bedrift", "E-post", "Telefon", "Arrangement", "Dato", "Rolle",
    "Deltakeravgift (kr)", "Fakturanr", "Betalt",
)
SMS_KEYWORD = "STAVANGERBY"
SMS_SHORT_CODE = "26001"


class SentrumWorld(ControllerWorld):
    controller_id = "stavanger-sentrum"

    def schema(self, system_id: str) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table(
            "member_companies", md,
            sa.Column("company_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("org_nr", sa.String(9), nullable=False),
            sa.Column("company_name", sa.String(200), nullable=False),
            sa.Column("company_form", sa.String(5), nullable=False),
            sa.Column("category", sa.String(12), nullable=False),
            sa.Column("email", sa.String(254)),
            sa.Column("website", sa.String(200)),
            sa.Column("phone", sa.String(30)),
            sa.Column("visiting_address", sa.String(200)),
            sa.Column("visiting_postcode", sa.String(4)),
            sa.Column("visiting_city", sa.String(100)),
            sa.Column("postal_address", sa.String(200)),
            sa.Column("postal_postcode", sa.String(4)),
            sa.Column("postal_city", sa.String(100)),
            sa.Column("member_since", sa.Date, nullable=False),
            sa.Column("member_until", sa.Date),
            sa.Column("fee_type", sa.String(10), nullable=False),
            sa.Column("listed_on_website", sa.Boolean, nullable=False),
            sa.Column("gift_card_partner", sa.Boolean, nullable=False),
        )
        sa.Table(
            "contact_persons", md,
            sa.Column("contact_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("company_id", sa.Integer, sa.ForeignKey("member_companies.company_id"), nullable=False),
            sa.Column("first_name", sa.String(100)),
            sa.Column("last_name", sa.String(100)),
            sa.Column("role", sa.String(100)),
            sa.Column("email", sa.String(254)),
            sa.Column("phone", sa.String(30)),
            sa.Column("receives_newsletter", sa.Boolean, nullable=False),
            sa.Column("registered_at", TIMESTAMP, nullable=False),
            sa.Column("updated_at", TIMESTAMP, nullable=False),
        )
        sa.Table(
            "turnover", md,
            sa.Column("company_id", sa.Integer, sa.ForeignKey("member_companies.company_id"), primary_key=True),
            sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("amount_nok", sa.Numeric(14, 2), nullable=False),
            sa.Column("source", sa.String(10), nullable=False),
            sa.Column("registered_on", sa.Date, nullable=False),
        )
        sa.Table(
            "fee_invoices", md,
            sa.Column("invoice_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("company_id", sa.Integer, sa.ForeignKey("member_companies.company_id"), nullable=False),
            sa.Column("invoice_number", sa.String(20), nullable=False),
            sa.Column("period_year", sa.Integer, nullable=False),
            sa.Column("basis", sa.String(10), nullable=False),
            sa.Column("amount_nok", sa.Numeric(12, 2), nullable=False),
            sa.Column("invoiced_on", sa.Date, nullable=False),
            sa.Column("due_on", sa.Date, nullable=False),
            sa.Column("paid_on", sa.Date),
        )
        return md

    def csv_header(self, system_id: str, collection_id: str) -> list[str]:
        if system_id == "arrangementer":
            return list(EVENT_COLUMNS)
        return ["Navn", "Mobilnummer", "Kodeord", "Kortkode", "Innmeldt", "Utmeldt"]

    def add_block(self, block: list[Person], rng: random.Random) -> None:
        contacts = [p for p in block if self.in_(p, "medlemsregister")]
        while contacts:
            owner = contacts.pop(0)
            if not owner.shares_email and rng.random() < 0.35:
                self._company(rng, [owner], sole=True)
            else:
                group = [owner] + [contacts.pop(0) for _ in range(rng.randint(0, 2)) if contacts]
                self._company(rng, group, sole=False)
        for person in block:
            if self.in_(person, "kundeklubb"):
                self._club(rng, person)
            if self.in_(person, "arrangementer"):
                self._events(rng, person)

    # -- member register ---------------------------------------------------------------

    def _company(self, rng: random.Random, people: list[Person], *, sole: bool) -> None:
        company_id = self.next_id("company")
        category = rng.choice(list(CATEGORIES))
        trade = rng.choice(CATEGORIES[category])
        owner = people[0]
        if sole:
            name = f"{trade} {owner.first_name.split()[0]} {owner.last_name}"
            form = "ENK"
        else:
            form = pick(rng, {"AS": 0.85, "DA": 0.05, "ASA": 0.02, "SA": 0.08})
            name = f"{rng.choice(STREETS).split()[-1]} {trade} {form}"
            if rng.random() < 0.5:
                name = f"{owner.last_name} {trade} {form}"
        web = f"{slug(name)}.example.no"
        street = f"{rng.choice(STREETS)} {rng.randint(1, 60)}"
        since = day_between(rng, date(2008, 1, 1), date(2026, 6, 30))
        ended = rng.random() < 0.1
        fee_type = "TURNOVER" if rng.random() < 0.6 else "FIXED"
        self.emit("medlemsregister", "member_companies", {
            "company_id": company_id,
            "org_nr": org_nr(rng),
            "company_name": name,
            "company_form": form,
            "category": category,
            "email": spelling.email_as_typed(rng, owner.email) if sole else f"post@{web}",
            "website": f"https://www.{web}" if rng.random() < 0.8 else None,
            "phone": (
                spelling.phone_as_typed(rng, owner.phone)
                if sole
                else f"51 {rng.randint(50, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            ),
            "visiting_address": street,
            "visiting_postcode": "4006",
            "visiting_city": "Stavanger",
            "postal_address": street if rng.random() < 0.7 else f"Postboks {rng.randint(100, 999)}",
            "postal_postcode": "4006" if rng.random() < 0.7 else "4001",
            "postal_city": "Stavanger",
            "member_since": since,
            "member_until": day_between(rng, since, AS_OF) if ended else None,
            "fee_type": fee_type,
            "listed_on_website": not ended and rng.random() < 0.9,
            "gift_card_partner": not ended and rng.random() < 0.5,
        }, owners=people)
        for person in people:
            contact_id = self.next_id("contact")
            first, last = spelling.name_parts(rng, person)
            registered = moment_between(rng, since, AS_OF)
            self.emit("medlemsregister", "contact_persons", {
                "contact_id": contact_id,
                "company_id": company_id,
                "first_name": first,
                "last_name": last,
                "role": "Eier" if sole else rng.choice(ROLES),
                "email": spelling.email_as_typed(rng, person.email),
                "phone": spelling.phone_as_typed(rng, person.phone) if rng.random() < 0.9 else None,
                "receives_newsletter": rng.random() < 0.7,
                "registered_at": registered,
                "updated_at": moment_between(rng, registered, AS_OF),
            }, owners=[person])
        last_year = (AS_OF.year - 1) if not ended else AS_OF.year - 2
        if fee_type == "TURNOVER":
            source = pick(rng, {"BRREG": 0.7, "MENDO": 0.2, "COMPANY": 0.1})
            base = rng.uniform(0.8, 40.0) * 1_000_000
            for year in range(max(since.year, AS_OF.year - 4), last_year + 1):
                self.emit("medlemsregister", "turnover", {
                    "company_id": company_id,
                    "year": year,
                    "amount_nok": money(rng, base * 0.85, base * 1.15, 1000),
                    "source": source,
                    "registered_on": day_between(rng, date(year + 1, 3, 1), date(year + 1, 7, 31)),
                }, owners=people)
        for year in range(max(since.year, AS_OF.year - 4), last_year + 2):
            invoice_id = self.next_id("invoice")  # used up even when no invoice follows
            invoiced = date(year, 2, 1)
            if invoiced > AS_OF:
                break
            paid = invoiced.replace(day=rng.randint(5, 27)) if rng.random() < 0.95 else None
            self.emit("medlemsregister", "fee_invoices", {
                "invoice_id": invoice_id,
                "company_id": company_id,
                "invoice_number": f"{year}-{invoice_id:06d}",
                "period_year": year,
                "basis": fee_type,
                "amount_nok": money(rng, 4000, 45000, 100) if fee_type == "TURNOVER" else money(rng, 3500, 3500),
                "invoiced_on": invoiced,
                "due_on": invoiced.replace(day=28),
                "paid_on": paid,
            }, owners=people)

    # -- SMS customer club -------------------------------------------------------------

    def _club(self, rng: random.Random, person: Person) -> None:
        joined = moment_between(rng, date(2015, 3, 1), AS_OF)
        rounds = 2 if rng.random() < 0.05 else 1
        for round_no in range(rounds):
            left = None
            if round_no < rounds - 1 or rng.random() < 0.25:
                left = moment_between(rng, joined, AS_OF)
            self.emit("kundeklubb", "medlemmer", {
                "Navn": self._texted_name(rng, person),
                "Mobilnummer": spelling.phone(person.phone, pick(rng, {"msisdn": 0.7, "e164": 0.2, "national": 0.1})),
                "Kodeord": SMS_KEYWORD,
                "Kortkode": SMS_SHORT_CODE,
                "Innmeldt": joined.strftime("%d.%m.%Y %H:%M"),
                "Utmeldt": left.strftime("%d.%m.%Y %H:%M") if left else "",
            }, owners=[person])
            if left is None:
                break
            joined = moment_between(rng, left, AS_OF)

    # -- event participants ------------------------------------------------------------

    def _events(self, rng: random.Random, person: Person) -> None:
        for event, day in rng.sample(EVENTS, rng.randint(1, 3)):
            role = rng.choice(EVENT_ROLES)
            fee = 0 if role in ("Frivillig", "Samarbeidspartner") else rng.choice((750, 1200, 2500, 4000))
            invoice = self.next_id("event-invoice") + 24000 if fee else None
            phone = person.phone.removeprefix("+47")
            self.emit("arrangementer", "deltakere", {
                "Navn": spelling.full_name(rng, person),
                "Bedrift": f"{person.last_name} {rng.choice(('Keramikk', 'Mat', 'Design', 'Bakst'))}"
                if rng.random() < 0.5 else None,
                "E-post": spelling.email_as_typed(rng, person.email) if person.email and rng.random() < 0.9 else None,
                # Staff type numbers as numbers about half the time: Excel keeps 91234567.
                "Telefon": int(phone) if rng.random() < 0.5 else spelling.phone_as_typed(rng, person.phone),
                "Arrangement": event,
                "Dato": day,
                "Rolle": role,
                "Deltakeravgift (kr)": fee,
                "Fakturanr": invoice,
                "Betalt": ("Ja" if rng.random() < 0.9 else "Nei") if fee else None,
            }, owners=[person])

    @staticmethod
    def _texted_name(rng: random.Random, person: Person) -> str:
        roll = rng.random()
        if roll < 0.3:
            return ""
        if roll < 0.5:
            return person.first_name.split()[0]
        return spelling.full_name(rng, person)
