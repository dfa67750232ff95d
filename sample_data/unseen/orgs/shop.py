"""Strikkeloftet — a small yarn web shop (invented).

System ``nettbutikk`` (SQLite, a web-shop platform's tables):

    kunde       customer accounts: e-mail as typed at sign-up (capitals, blanks, ``+strikk``
                tags), name as typed (``ø`` as ``o`` from foreign keyboards, decomposed letters),
                phone, password hash (secret).
    ordre       orders. A **guest order** has no account (``kunde_id`` empty): the e-mail, the
                billing name and the phone exist only here. Old orders keep the address the
                person had then; a family orders with the family address under either name.
    ordrelinje  order lines, pointing to the order.

System ``nyhetsbrev`` (CSV: the mailing tool's export, comma-separated UTF-8)
    Email Address,First Name,Last Name,… — IDN domains exported in their ASCII form.

Customers: adults at ``SHOP_CUSTOMER``, of whom ``SHOP_GUEST_ONLY`` never open an account.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from sample_data.sinks import GroundTruth
from sample_data.unseen import names as N
from sample_data.unseen import proportions as P
from sample_data.unseen.orgs.base import CsvFile, Organisation, SqlDatabase, name_form, owners_of_email
from sample_data.unseen.people import Household, Person
from sample_data.unseen.spelling import NameForm, spell_email, spell_phone, tagged

PRODUCTS = (("DROPS Alpaca", 39), ("Sandnes Garn Tynn Merinoull", 79), ("Rauma Finull", 45),
            ("Strikkepinner 4 mm", 119), ("Oppskriftshefte Marius", 189), ("Du Store Alpakka Sterk", 69))
NEWSLETTER_HEADER = ["Email Address", "First Name", "Last Name", "MEMBER_RATING", "OPTIN_TIME", "CONFIRM_TIME",
                     "LAST_CHANGED", "TAGS"]


def _metadata() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "kunde", md,
        sa.Column("kunde_id", sa.Integer, primary_key=True),
        sa.Column("epost", sa.String(120)),
        sa.Column("fornavn", sa.String(80)),
        sa.Column("etternavn", sa.String(80)),
        sa.Column("telefon", sa.String(30), nullable=True),
        sa.Column("passord_hash", sa.String(120)),
        sa.Column("opprettet", sa.DateTime),
        sa.Column("sist_innlogget", sa.DateTime, nullable=True),
    )
    sa.Table(
        "ordre", md,
        sa.Column("ordre_id", sa.Integer, primary_key=True),
        sa.Column("ordrenr", sa.String(12)),
        sa.Column("kunde_id", sa.Integer, sa.ForeignKey("kunde.kunde_id"), nullable=True, index=True),
        sa.Column("epost", sa.String(120)),
        sa.Column("fakturanavn", sa.String(120)),
        sa.Column("telefon", sa.String(30), nullable=True),
        sa.Column("leveringsadresse", sa.String(120)),
        sa.Column("postnr", sa.String(4)),
        sa.Column("poststed", sa.String(60)),
        sa.Column("bestilt", sa.DateTime),
        sa.Column("status", sa.String(12)),
        sa.Column("betaling", sa.String(10)),
        sa.Column("sum_nok", sa.Integer),
    )
    sa.Table(
        "ordrelinje", md,
        sa.Column("ordre_id", sa.Integer, sa.ForeignKey("ordre.ordre_id"), primary_key=True),
        sa.Column("linje_nr", sa.Integer, primary_key=True),
        sa.Column("vare", sa.String(80)),
        sa.Column("antall", sa.Integer),
        sa.Column("pris", sa.Integer),
    )
    return md


class Shop(Organisation):
    controller_id = "strikkeloftet"

    def __init__(self, root: Path, truth: GroundTruth) -> None:
        super().__init__(root, truth)
        self.db = SqlDatabase(self.sources / "nettbutikk.db", _metadata())
        self.newsletter = CsvFile(self.sources / "nyhetsbrev_medlemmer.csv", NEWSLETTER_HEADER)
        self.ids = {"kunde": 0, "ordre": 0}

    def _next(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add_block(self, block: list[Household], rng: random.Random) -> None:
        for household in block:
            for person in household.adults:
                if person.contact_email() and rng.random() < P.SHOP_CUSTOMER:
                    self._customer(person, rng)

    def _typed_name(self, person: Person, rng: random.Random) -> NameForm:
        form = name_form(person)
        if rng.random() < P.NAME_MIDDLE_DROPPED:
            form.drop_middle()
        form.misc(rng, fold_rate=P.NAME_ASCII_FOLD, nfd_rate=P.NAME_NFD)
        if rng.random() < 0.05:
            form.apply("lower", str.lower)
        return form

    def _customer(self, person: Person, rng: random.Random) -> None:
        household = person.household
        first_order = P.REFERENCE_DATE - timedelta(days=rng.randint(30, 365 * 6))
        changed_on = first_order + timedelta(days=rng.randint(30, 900)) if person.old_email else None

        def address_on(day: date) -> str:
            """The address the person used that day (before an address change: the old one)."""
            if person.old_email and changed_on and day < changed_on:
                return person.old_email
            if person.uses_family_email and (person.email is None or rng.random() < P.SHOP_FAMILY_EMAIL_ORDER):
                return household.family_email  # type: ignore[return-value]
            return person.contact_email()  # type: ignore[return-value]

        account_id = None
        account_email = None
        tag = False
        if rng.random() >= P.SHOP_GUEST_ONLY:
            account_id = self._next("kunde")
            account_email = address_on(first_order)
            if person.old_email and rng.random() < 0.5:
                account_email = person.contact_email()  # updated the account after the change
            if account_email.split("@")[1] in N.TAGGING_DOMAINS and rng.random() < P.SHOP_TAGGED_EMAIL:
                account_email, tag = tagged(account_email, "strikk"), True
                self.mark(person, None, "email_tagged")
            form = self._typed_name(person, rng)
            phone = spell_phone(person.mobile, "typed", rng)[0] if person.mobile and rng.random() < 0.7 else None
            created = datetime.combine(first_order, time(rng.randint(7, 23), rng.randint(0, 59)))
            self.db.add("kunde", {
                "kunde_id": account_id, "epost": spell_email(account_email, rng)[0], "fornavn": form.first,
                "etternavn": form.last, "telefon": phone,
                "passord_hash": "$argon2id$v=19$m=65536,t=3,p=4$" + hashlib.sha256(f"{person.pid}".encode()).hexdigest()[:43],
                "opprettet": created, "sist_innlogget": created + timedelta(days=rng.randint(0, 900)),
            })
            self.mark(person, form)
            self.own([person], "nettbutikk", "kunde", account_id)

        orders = 1 + min(8, int(rng.expovariate(1 / 1.5)))
        days = sorted(first_order + timedelta(days=rng.randint(0, max(1, (P.REFERENCE_DATE - first_order).days - 1)))
                      for _ in range(orders - 1))
        for day in [first_order, *days]:
            oid = self._next("ordre")
            as_guest = account_id is None or rng.random() < P.SHOP_ACCOUNT_GUEST_ORDER
            if as_guest:
                address = address_on(day)
            else:
                address = account_email if account_email is not None else address_on(day)
            form = self._typed_name(person, rng)
            phone, style = spell_phone(person.mobile, "typed", rng) if person.mobile and rng.random() < 0.8 else (None, "")
            if style:
                self.mark(person, None, f"phone:{style}")
            lines = rng.randint(1, 5)
            total = 0
            for line_no in range(1, lines + 1):
                product, price = rng.choice(PRODUCTS)
                count = rng.randint(1, 10)
                total += count * price
                self.db.add("ordrelinje", {"ordre_id": oid, "linje_nr": line_no, "vare": product, "antall": count,
                                           "pris": price})
                self.own([person], "nettbutikk", "ordrelinje", [oid, line_no])  # rule 3
            self.db.add("ordre", {
                "ordre_id": oid, "ordrenr": f"SL-{100000 + oid}", "kunde_id": None if as_guest else account_id,
                "epost": spell_email(address, rng)[0], "fakturanavn": form.full(), "telefon": phone,
                "leveringsadresse": household.street, "postnr": household.postcode, "poststed": household.town,
                "bestilt": datetime.combine(day, time(rng.randint(6, 23), rng.randint(0, 59))),
                "status": rng.choices(("LEVERT", "SENDT", "KANSELLERT", "RETUR"), (85, 5, 6, 4))[0],
                "betaling": rng.choice(("VIPPS", "KORT", "KLARNA")), "sum_nok": total + 59,
            })
            self.mark(person, form)
            # Rule 1: the order names its buyer; a family address on it doesn't make it the partner's.
            self.own([person], "nettbutikk", "ordre", oid)

        if rng.random() < P.NEWSLETTER_SUBSCRIBER:
            address = account_email or address_on(first_order)
            if tag and rng.random() < 0.5:
                address = address.replace("+strikk@", "@")
            value, spelt = spell_email(address, rng, punycode=1.0)
            if spelt.startswith("punycode"):
                self.mark(person, None, "email_punycode")
            named = rng.random() < 0.6
            opt_in = datetime.combine(first_order, time(rng.randint(7, 23), rng.randint(0, 59)))
            line = self.newsletter.add({
                "Email Address": value, "First Name": person.first if named else "",
                "Last Name": person.last if named and rng.random() < 0.7 else "",
                "MEMBER_RATING": rng.randint(1, 5), "OPTIN_TIME": opt_in.strftime("%Y-%m-%d %H:%M:%S"),
                "CONFIRM_TIME": (opt_in + timedelta(minutes=rng.randint(1, 600))).strftime("%Y-%m-%d %H:%M:%S"),
                "LAST_CHANGED": min(opt_in + timedelta(days=rng.randint(0, 700)),
                                    datetime.combine(P.REFERENCE_DATE, time())).strftime("%Y-%m-%d %H:%M:%S"),
                "TAGS": rng.choice(("kunde", "kunde, strikkekafe", "nettside")),
            })
            # Rules 1 and 2: named, it is that person's; unnamed, the address's holders'.
            self.own([person] if named else owners_of_email(person, address.replace("+strikk@", "@")),
                     "nyhetsbrev", "abonnenter", line)

    def close(self) -> None:
        self.db.close()
        self.newsletter.close()

    def counts(self) -> dict[str, int]:
        result = {f"nettbutikk/{t}": n for t, n in sorted(self.db.counts.items())}
        result["nyhetsbrev/abonnenter"] = self.newsletter.count
        return result
