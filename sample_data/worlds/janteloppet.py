"""Janteloppet (seed 004): the customer archive (CRM) and the web shop, in one database.

Customer archive: contacts with company, industry, job title, nationality, dietary needs
(special category: may reveal health or religion), event participation, feedback, notes,
campaign messages, survey answers, interests, marketing choices, the log of rights
exercised, web usage (IP, OS, browser, language), devices, chat transcripts and call
recordings (metadata, and the audio under ``sources/janteloppet/recordings/``: a short WAV made
from the recording's number).

Web shop: orders with billing address and payment details (never card numbers: payment
happens on the card processor's or bank's own page), and their lines.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import sqlalchemy as sa

from sample_data import spelling
from sample_data.media import write_sound
from sample_data.people import AS_OF, Person
from sample_data.worlds.base import ControllerWorld
from sample_data.worlds.common import TIMESTAMP, after, count, ipv4, moment_between, money, pick, slug

INDUSTRIES = ("TECH", "FINANCE", "PUBLIC", "CONSULTING", "MEDIA", "HEALTH", "EDUCATION",
              "RETAIL", "ENERGY", "STARTUP")
TITLES = ("Daglig leder", "CTO", "Utvikler", "Produktsjef", "Markedssjef", "Rådgiver",
          "Investor", "Gründer", "Salgssjef", "HR-leder", "Prosjektleder", "Student")
COMPANY_WORDS = ("Fjord", "Nordlys", "Tind", "Vidde", "Bølge", "Los", "Kompass", "Varde", "Bauta")
COMPANY_KINDS = ("Tech", "Invest", "Consulting", "Labs", "Digital", "Analyse", "Energi")
NATIONALITIES = {"NO": 0.8, "SE": 0.05, "DK": 0.04, "DE": 0.03, "PL": 0.02, "GB": 0.02, "US": 0.02, "IN": 0.02}
DIETS = {None: 0.72, "Vegetar": 0.08, "Vegan": 0.04, "Glutenfri (cøliaki)": 0.03,
         "Laktoseintoleranse": 0.04, "Nøtteallergi": 0.02, "Halal": 0.03, "Kosher": 0.01,
         "Ingen svinekjøtt": 0.02, "Diabetes – trenger måltid til faste tider": 0.01}
EVENTS = ("JL2022", "JL2023", "JL2024", "JL2025", "JL2026", "JLWEB2025")
TICKETS = {"STANDARD": 0.7, "VIP": 0.08, "SPEAKER": 0.04, "PARTNER": 0.08, "STUDENT": 0.1}
CAMPAIGNS = ("EARLYBIRD", "PROGRAM", "LASTCALL", "PARTNER_OFFER", "SURVEY_INVITE", "WEBINAR")
INTERESTS = ("AI", "FINTECH", "CLIMATE", "INVESTMENT", "LEADERSHIP", "HEALTHTECH", "PUBLIC_SECTOR")
SURVEY = (
    ("Hva var det beste med årets konferanse?", ("Foredragene", "Nettverket", "Maten", "Stemningen")),
    ("Hvor sannsynlig er det at du kommer tilbake?", ("Svært sannsynlig", "Sannsynlig", "Usikker")),
    ("Hvilke temaer ønsker du mer av?", ("KI", "Bærekraft", "Finansiering", "Ledelse")),
)
INVOICE_STATUS = {"PAID": 0.9, "REFUNDED": 0.04, "OVERDUE": 0.04, "COLLECTION": 0.02}
PAID_STATUS = {"PAID": 0.96, "REFUNDED": 0.04}
STAFF = ("AK", "MB", "TH", "SL", "JE")
PRODUCTS = (("TICKET-STD", "Konferansebillett standard", 4990), ("TICKET-VIP", "Konferansebillett VIP", 12900),
            ("TICKET-STU", "Studentbillett", 990), ("MERCH-HOODIE", "Janteloppet-hettegenser", 599),
            ("DINNER", "Konferansemiddag", 1490), ("STREAM", "Tilgang til opptak", 790))


class JanteloppetWorld(ControllerWorld):
    controller_id = "janteloppet"

    # -- schema --------------------------------------------------------------------------

    def schema(self, system_id: str) -> sa.MetaData:
        md = sa.MetaData()
        if system_id == "nettbutikk":
            sa.Table(
                "shop_orders", md,
                sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("order_number", sa.String(20), nullable=False),
                # The customer number of the customer archive: a number, not a foreign key, so
                # the shop can live on its own database server.
                sa.Column("customer_id", sa.Integer),
                sa.Column("ordered_at", TIMESTAMP, nullable=False),
                sa.Column("billing_name", sa.String(200)),
                sa.Column("billing_company", sa.String(200)),
                sa.Column("billing_org_nr", sa.String(9)),
                sa.Column("billing_email", sa.String(254)),
                sa.Column("billing_phone", sa.String(30)),
                sa.Column("billing_address", sa.String(200)),
                sa.Column("billing_postcode", sa.String(10)),
                sa.Column("billing_city", sa.String(100)),
                sa.Column("billing_country", sa.String(2)),
                sa.Column("payment_method", sa.String(12), nullable=False),
                sa.Column("payment_reference", sa.String(64)),
                sa.Column("payment_status", sa.String(12), nullable=False),
                sa.Column("total_nok", sa.Numeric(12, 2), nullable=False),
                sa.Column("vat_nok", sa.Numeric(12, 2), nullable=False),
            )
            sa.Table(
                "shop_order_lines", md,
                sa.Column("order_id", sa.Integer, sa.ForeignKey("shop_orders.order_id"), primary_key=True),
                sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("product_code", sa.String(20), nullable=False),
                sa.Column("description", sa.String(200), nullable=False),
                sa.Column("quantity", sa.Integer, nullable=False),
                sa.Column("unit_price_nok", sa.Numeric(12, 2), nullable=False),
            )
            return md

        def customer_fk() -> sa.Column:
            return sa.Column("customer_id", sa.Integer, sa.ForeignKey("contacts.customer_id"), nullable=False)

        sa.Table(
            "contacts", md,
            sa.Column("customer_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("first_name", sa.String(100)),
            sa.Column("last_name", sa.String(100)),
            sa.Column("company", sa.String(200)),
            sa.Column("industry", sa.String(12)),
            sa.Column("job_title", sa.String(100)),
            sa.Column("email", sa.String(254)),
            sa.Column("phone", sa.String(30)),
            sa.Column("nationality", sa.String(2)),
            sa.Column("preferred_language", sa.String(5)),
            sa.Column("dietary_needs", sa.String(200)),
            sa.Column("customer_type", sa.String(10), nullable=False),
            sa.Column("source", sa.String(16), nullable=False),
            sa.Column("share_with_partners", sa.Boolean, nullable=False),
            sa.Column("created_at", TIMESTAMP, nullable=False),
            sa.Column("updated_at", TIMESTAMP, nullable=False),
        )
        sa.Table(
            "event_participations", md,
            sa.Column("participation_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("event_code", sa.String(10), nullable=False),
            sa.Column("ticket_type", sa.String(10), nullable=False),
            sa.Column("registered_at", TIMESTAMP, nullable=False),
            sa.Column("attended", sa.Boolean),
            sa.Column("shared_with_partners", sa.Boolean, nullable=False),
        )
        sa.Table(
            "feedback", md,
            sa.Column("feedback_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("event_code", sa.String(10), nullable=False),
            sa.Column("given_at", TIMESTAMP, nullable=False),
            sa.Column("rating", sa.Integer),
            sa.Column("comment", sa.Text),
        )
        sa.Table(
            "notes", md,
            sa.Column("note_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("written_at", TIMESTAMP, nullable=False),
            sa.Column("written_by", sa.String(10), nullable=False),
            sa.Column("note", sa.Text, nullable=False),
        )
        sa.Table(
            "campaign_messages", md,
            sa.Column("message_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("campaign_code", sa.String(20), nullable=False),
            sa.Column("channel", sa.String(8), nullable=False),
            sa.Column("sent_at", TIMESTAMP, nullable=False),
            sa.Column("opened_at", TIMESTAMP),
            sa.Column("clicked_at", TIMESTAMP),
        )
        sa.Table(
            "survey_answers", md,
            sa.Column("answer_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("survey_code", sa.String(20), nullable=False),
            sa.Column("question", sa.String(300), nullable=False),
            sa.Column("answer", sa.String(500)),
            sa.Column("answered_at", TIMESTAMP, nullable=False),
        )
        sa.Table(
            "interests", md,
            sa.Column("customer_id", sa.Integer, sa.ForeignKey("contacts.customer_id"), primary_key=True),
            sa.Column("interest", sa.String(20), primary_key=True),
            sa.Column("origin", sa.String(10), nullable=False),
            sa.Column("registered_at", TIMESTAMP, nullable=False),
        )
        sa.Table(
            "marketing_choices", md,
            sa.Column("customer_id", sa.Integer, sa.ForeignKey("contacts.customer_id"), primary_key=True),
            sa.Column("channel", sa.String(20), primary_key=True),
            sa.Column("opted_in", sa.Boolean, nullable=False),
            sa.Column("changed_at", TIMESTAMP, nullable=False),
        )
        sa.Table(
            "rights_requests", md,
            sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("right_exercised", sa.String(16), nullable=False),
            sa.Column("received_at", TIMESTAMP, nullable=False),
            sa.Column("completed_at", TIMESTAMP),
            sa.Column("outcome", sa.String(300)))
        sa.Table(
            "web_events", md,
            sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("occurred_at", TIMESTAMP, nullable=False),
            sa.Column("ip_address", sa.String(45)),
            sa.Column("operating_system", sa.String(40)),
            sa.Column("browser", sa.String(40)),
            sa.Column("browser_language", sa.String(10)),
            sa.Column("page", sa.String(200)))
        sa.Table(
            "devices", md,
            sa.Column("device_id", sa.String(36), primary_key=True),
            customer_fk(),
            sa.Column("device_name", sa.String(100)),
            sa.Column("device_model", sa.String(60)),
            sa.Column("operating_system", sa.String(40)),
            sa.Column("first_seen_at", TIMESTAMP, nullable=False),
            sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        )
        sa.Table(
            "chat_transcripts", md,
            sa.Column("chat_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("started_at", TIMESTAMP, nullable=False),
            sa.Column("ended_at", TIMESTAMP),
            sa.Column("agent", sa.String(10), nullable=False),
            sa.Column("transcript", sa.Text, nullable=False),
        )
        sa.Table(
            "call_recordings", md,
            sa.Column("recording_id", sa.Integer, primary_key=True, autoincrement=False),
            customer_fk(),
            sa.Column("called_at", TIMESTAMP, nullable=False),
            sa.Column("direction", sa.String(3), nullable=False),
            sa.Column("caller_number", sa.String(30)),
            sa.Column("duration_seconds", sa.Integer, nullable=False),
            sa.Column("agent", sa.String(10), nullable=False),
            sa.Column("audio_file", sa.String(255), nullable=False),
        )
        return md

    # -- rows ----------------------------------------------------------------------------

    def add_block(self, block: list[Person], rng: random.Random) -> None:
        for person in block:
            if self.in_(person, "kundearkiv"):
                customer_id, company = self._contact(rng, person)
                if rng.random() < 0.5:
                    for _ in range(count(rng, 1.4, low=1, high=6)):
                        self._shop_order(rng, person, customer_id, company)

    def _contact(self, rng: random.Random, person: Person) -> tuple[int, str]:
        customer_id = self.next_id("customer")
        first, last = spelling.name_parts(rng, person)
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} AS"
        created = moment_between(rng, date(2019, 1, 1), AS_OF - timedelta(days=5))
        prospect = rng.random() < 0.2
        nationality = pick(rng, NATIONALITIES)
        diet = pick(rng, {k or "": v for k, v in DIETS.items()}) or None
        source = pick(rng, {"SELF_REGISTERED": 0.55, "COLLEAGUE": 0.15, "EMAIL": 0.1, "PHONE": 0.05,
                            "PAPER": 0.03, "PUBLIC_REGISTER": 0.05, "DATA_BROKER": 0.07})
        emit = self.emit
        emit("kundearkiv", "contacts", {
            "customer_id": customer_id,
            "first_name": first,
            "last_name": last,
            "company": company,
            "industry": rng.choice(INDUSTRIES),
            "job_title": rng.choice(TITLES),
            "email": spelling.email_as_typed(rng, person.email) if person.email else None,
            "phone": spelling.phone_as_typed(rng, person.phone) if rng.random() < 0.8 else None,
            "nationality": nationality,
            "preferred_language": "nb" if nationality in ("NO", "SE", "DK") else "en",
            "dietary_needs": diet if not prospect else None,
            "customer_type": "PROSPECT" if prospect else "CUSTOMER",
            "source": source,
            "share_with_partners": rng.random() < 0.85,
            "created_at": created,
            "updated_at": moment_between(rng, created, AS_OF),
        }, owners=[person])

        def row(collection: str, values: dict) -> None:
            emit("kundearkiv", collection, {"customer_id": customer_id, **values}, owners=[person])

        events = [] if prospect else sorted(rng.sample(EVENTS, rng.randint(1, 3)))
        for event in events:
            year = 2025 if event == "JLWEB2025" else int(event[2:])
            registered = moment_between(rng, date(year - 1, 10, 1), min(date(year, 5, 31), AS_OF))
            attended = rng.random() < 0.9 if date(year, 6, 15) < AS_OF else None
            row("event_participations", {
                "participation_id": self.next_id("participation"),
                "event_code": event,
                "ticket_type": pick(rng, TICKETS),
                "registered_at": registered,
                "attended": attended,
                "shared_with_partners": rng.random() < 0.8,
            })
            if attended and rng.random() < 0.4:
                rating = rng.randint(2, 5)
                row("feedback", {
                    "feedback_id": self.next_id("feedback"),
                    "event_code": event,
                    "given_at": moment_between(rng, date(year, 6, 16), min(date(year, 8, 31), AS_OF)),
                    "rating": rating,
                    "comment": rng.choice((
                        "Veldig bra program i år!", "For lange køer ved registreringen.",
                        "Savnet flere vegetarretter.", "Gode foredrag, dårlig lyd i sal 2.", None)),
                })
        for _ in range(count(rng, 1.0, high=8)):
            row("notes", {
                "note_id": self.next_id("note"),
                "written_at": moment_between(rng, created, AS_OF),
                "written_by": rng.choice(STAFF),
                "note": rng.choice((
                    f"Snakket med {first} om partneravtale for neste år.",
                    f"{first} ønsker faktura til {company}, ikke privat.",
                    "Interessert i å holde foredrag om bærekraft.",
                    f"Ringte og bekreftet kostholdsbehov: {diet}." if diet else "Ingen spesielle behov.",
                    "Ba om å ikke få SMS, kun e-post.",
                )),
            })
        for _ in range(count(rng, 3, high=30)):
            sent = moment_between(rng, created, AS_OF)
            opened = after(rng, sent, min_minutes=1, max_minutes=3000) if rng.random() < 0.5 else None
            row("campaign_messages", {
                "message_id": self.next_id("message"),
                "campaign_code": f"{sent:%Y}-{rng.choice(CAMPAIGNS)}",
                "channel": pick(rng, {"EMAIL": 0.85, "SMS": 0.1, "PHONE": 0.05}),
                "sent_at": sent,
                "opened_at": opened,
                "clicked_at": after(rng, opened, min_minutes=0, max_minutes=30) if opened and rng.random() < 0.4 else None,
            })
        if events and rng.random() < 0.4:
            answered = moment_between(rng, created, AS_OF)
            for question, answers in SURVEY:
                row("survey_answers", {
                    "answer_id": self.next_id("answer"),
                    "survey_code": f"{events[-1]}-EVAL",
                    "question": question,
                    "answer": rng.choice(answers),
                    "answered_at": answered,
                })
        for interest in rng.sample(INTERESTS, rng.randint(0, 3)):
            row("interests", {
                "interest": interest,
                "origin": pick(rng, {"SELF": 0.5, "SURVEY": 0.2, "PROFILED": 0.3}),
                "registered_at": moment_between(rng, created, AS_OF),
            })
        for channel in ("EMAIL", "SMS", "PHONE", "PARTNER_MARKETING"):
            row("marketing_choices", {
                "channel": channel,
                "opted_in": rng.random() < (0.8 if channel == "EMAIL" else 0.35),
                "changed_at": moment_between(rng, created, AS_OF),
            })
        # Rare, but every world has at least one: the first customer exercised a right.
        if rng.random() < 0.03 or not self.last_id("rights"):
            received = moment_between(rng, created, AS_OF - timedelta(days=1))
            right = pick(rng, {"ACCESS": 0.4, "RECTIFICATION": 0.3, "OBJECTION": 0.2, "PORTABILITY": 0.1})
            row("rights_requests", {
                "request_id": self.next_id("rights"),
                "right_exercised": right,
                "received_at": received,
                "completed_at": after(rng, received, min_minutes=600, max_minutes=30000),
                "outcome": {"ACCESS": "Kopi sendt kryptert på e-post", "RECTIFICATION": "Stillingstittel rettet",
                            "OBJECTION": "Direkte markedsføring stanset", "PORTABILITY": "Data utlevert som CSV"}[right],
            })
        language = "nb-NO" if nationality == "NO" else rng.choice(("en-GB", "en-US", "sv-SE", "de-DE"))
        for _ in range(count(rng, 6, high=60)):
            row("web_events", {
                "event_id": self.next_id("web_event"),
                "occurred_at": moment_between(rng, created, AS_OF),
                "ip_address": ipv4(rng),
                "operating_system": rng.choice(("Windows 11", "macOS 15", "iOS 18", "Android 15")),
                "browser": rng.choice(("Chrome", "Safari", "Edge", "Firefox")),
                "browser_language": language,
                "page": rng.choice(("/", "/program", "/billetter", "/foredragsholdere", "/partnere", "/butikk")),
            })
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            first_seen = moment_between(rng, created, AS_OF)
            model = rng.choice(("iPhone 15", "iPhone 13", "Galaxy S24", "Pixel 8", "iPad Air"))
            row("devices", {
                "device_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper(),
                "device_name": f"{first.split()[0]}s {model.split()[0]}",
                "device_model": model,
                "operating_system": "iOS 18" if model.startswith("i") else "Android 15",
                "first_seen_at": first_seen,
                "last_seen_at": moment_between(rng, first_seen, AS_OF),
            })
        if rng.random() < 0.2:
            for _ in range(rng.randint(1, 2)):
                started = moment_between(rng, created, AS_OF)
                agent = rng.choice(STAFF)
                event_name = events[-1] if events else "konferansen"
                row("chat_transcripts", {
                    "chat_id": self.next_id("chat"),
                    "started_at": started,
                    "ended_at": after(rng, started, min_minutes=2, max_minutes=25),
                    "agent": agent,
                    "transcript": (
                        f"[Kunde] Hei, jeg lurer på om billetten min til {event_name} kan overføres "
                        "til en kollega?\n"
                        f"[{agent}] Hei {first.split()[0]}! Ja, det går fint. Send oss navnet på kollegaen.\n"
                        "[Kunde] Takk, jeg sender en e-post."
                    ),
                })
        if rng.random() < 0.15 or self.in_(person, "regular"):
            for _ in range(rng.randint(1, 3)):
                recording_id = self.next_id("recording")
                called = moment_between(rng, created, AS_OF)
                row("call_recordings", {
                    "recording_id": recording_id,
                    "called_at": called,
                    "direction": pick(rng, {"IN": 0.7, "OUT": 0.3}),
                    "caller_number": spelling.phone(person.phone, "e164"),
                    "duration_seconds": rng.randint(40, 1500),
                    "agent": rng.choice(STAFF),
                    "audio_file": (audio := f"calls/{called:%Y/%m}/{recording_id:08d}.wav"),
                })
                write_sound(self.file_path("kundearkiv", "call_recordings", "audio_file", audio), f"call-{recording_id}")
        return customer_id, company

    def _shop_order(self, rng: random.Random, person: Person, customer_id: int, company: str) -> None:
        order_id = self.next_id("shop_order")
        ordered = moment_between(rng, date(2021, 9, 1), AS_OF - timedelta(days=1))
        to_company = rng.random() < 0.5
        method = pick(rng, {"CARD": 0.55, "INVOICE": 0.35 if to_company else 0.0, "VIPPS": 0.1})
        status = pick(rng, INVOICE_STATUS if method == "INVOICE" else PAID_STATUS)
        lines = []
        for line_no in range(1, rng.randint(1, 3) + 1):
            code, description, price = rng.choice(PRODUCTS)
            lines.append({"order_id": order_id, "line_no": line_no, "product_code": code,
                          "description": description, "quantity": rng.choice((1, 1, 1, 2)),
                          "unit_price_nok": money(rng, price, price)})
        total = sum(line["unit_price_nok"] * line["quantity"] for line in lines)
        company_place = rng.choice((("0101", "Oslo"), ("5804", "Bergen"), ("7404", "Trondheim")))
        self.emit("nettbutikk", "shop_orders", {
            "order_id": order_id,
            "order_number": f"JL-{ordered:%Y}-{order_id:06d}",
            "customer_id": customer_id,
            "ordered_at": ordered,
            "billing_name": spelling.full_name(rng, person),
            "billing_company": company if to_company else None,
            "billing_org_nr": f"9{rng.randint(10_000_000, 99_999_999)}" if to_company else None,
            "billing_email": spelling.email_as_typed(rng, person.email) if person.email else None,
            "billing_phone": spelling.phone_as_typed(rng, person.phone) if rng.random() < 0.6 else None,
            "billing_address": f"Postboks {rng.randint(100, 9999)}" if to_company else person.street,
            "billing_postcode": company_place[0] if to_company else person.postcode,
            "billing_city": company_place[1] if to_company else person.city,
            "billing_country": "NO",
            "payment_method": method,
            "payment_reference": f"{method[:2]}-{slug(str(uuid.UUID(int=rng.getrandbits(128), version=4)))[:18]}",
            "payment_status": status,
            "total_nok": total,
            "vat_nok": (total * 20 / 100).quantize(total),
        }, owners=[person])
        for line in lines:
            self.emit("nettbutikk", "shop_order_lines", line, owners=[person])
