"""Gjøvik Kultursenter (seed 002): ticketing and web usage with profiling, in one database.

Ticketing: user accounts (with birth date; children under 15 have a guardian's account as
``guardian_account_id`` and usually the guardian's e-mail), shows, purchases (payment method
as a code, card number stored masked) and tickets with seats. Guests buy without an account.

Web usage and profiling: a profile per logged-in adult, sessions (device, IP address, pages),
derived genre preferences and demographic segments — unless the person objected to
profiling. Children are never profiled, and nor is an address shared by a family: a profile
holds no name, so matching could not tell the family apart.

Newsletter (Mailchimp, a vendor API served locally by ``sample_data.vendor_api`` from
``sources/gjovik-kultursenter/nyhetsbrev.api.jsonl``): one member per address (adults with an
address of their own), the interest groups they chose and their campaign activity.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from dsar.config.models import ControllerConfig
from sample_data import spelling
from sample_data.people import AS_OF, Person, ascii_local
from sample_data.worlds.base import BuildContext, ControllerWorld
from sample_data.worlds.common import TIMESTAMP, after, count, ipv4, moment_between, money, pick

GENRES = ("KONSERT", "TEATER", "STANDUP", "BARN", "DANS", "OPERA", "FOREDRAG")
TITLE_WORDS = {
    "KONSERT": ("Vårkonsert", "Jazz i Storsalen", "Gjøvik Byorkester", "Viser og vers", "Rock i Fjellhallen"),
    "TEATER": ("Peer Gynt", "Et dukkehjem", "Vildanden", "Brand", "Gengangere"),
    "STANDUP": ("Humorkveld", "Stand-up: Nytt materiale", "Latterfest"),
    "BARN": ("Karius og Baktus", "Kardemomme by", "Dyrene i Hakkebakkeskogen", "Pippi"),
    "DANS": ("Svanesjøen", "Moderne dans", "Danseforestilling Mjøs"),
    "OPERA": ("La Bohème", "Carmen", "Tryllefløyten"),
    "FOREDRAG": ("Foredrag: Mjøsa før og nå", "Reisebrev fra Antarktis", "Historien om Gjøvik glassverk"),
}
VENUES = ("Storsalen", "Lillesalen", "Scene 3", "Kulturhusets foaje")
ORGANISERS = ("Gjøvik Kultursenter", "Riksteatret", "Rikskonsertene", "Lokal arrangør")
SEGMENTS = {
    "FAMILIE_MED_BARN": "kjøp av barnebilletter og barneforestillinger",
    "UNG_VOKSEN": "alder 18–30 fra fødselsdato",
    "SENIOR": "alder over 67 fra fødselsdato og honnørbilletter",
    "KULTURENTUSIAST": "mer enn seks kjøp siste år",
    "HUMORPUBLIKUM": "flere kjøp og sidevisninger i sjangeren standup",
    "KLASSISK_PUBLIKUM": "kjøp og sidevisninger innen opera og klassisk konsert",
}
OS_BROWSERS = {
    "MOBILE": (("iOS 18", "Safari"), ("Android 15", "Chrome"), ("Android 14", "Samsung Internet")),
    "DESKTOP": (("Windows 11", "Edge"), ("Windows 11", "Chrome"), ("macOS 15", "Safari"), ("Linux", "Firefox")),
    "TABLET": (("iPadOS 18", "Safari"), ("Android 14", "Chrome")),
}
CARD_PREFIXES = {"VISA": ("492500", "457173", "421234"), "MASTERCARD": ("552233", "510510", "222300")}
NEWSLETTER_LIST = "5f3a9c2e71"
NEWSLETTER_INTERESTS = (
    ("9a1c0e", "Sjangre", "Konserter"), ("9a1c0f", "Sjangre", "Teater"), ("9a1c10", "Sjangre", "Stand-up"),
    ("9a1c11", "Sjangre", "Barn og familie"), ("9a1c12", "Sjangre", "Opera og dans"),
    ("9a1c13", "Annet", "Tilbud fra samarbeidspartnere"),
)
NEWSLETTER_CAMPAIGNS = (
    ("c-2024-09", "Høstprogrammet er her"), ("c-2024-11", "Julekonserter i Storsalen"),
    ("c-2025-01", "Nytt år, nye forestillinger"), ("c-2025-03", "Påskefestival på Gjøvik"),
    ("c-2025-08", "Sesongstart: billettslipp"), ("c-2026-02", "Vinterferie for hele familien"),
    ("c-2026-05", "Sommerkonsertene i Fjellhallen"), ("c-2026-09", "Høsten 2026"),
)
FUNCTIONS = ("søk", "kalender", "kjøp", "favoritt", "setevelger", "gavekort", "min side")


class GjovikWorld(ControllerWorld):
    controller_id = "gjovik-kultursenter"

    def __init__(self, ctx: BuildContext, config: ControllerConfig) -> None:
        super().__init__(ctx, config)
        self._shows: list[tuple[int, str, datetime]] = []  # (show_id, genre, starts_at)
        self._next_seat: dict[int, int] = {}

    # -- schema --------------------------------------------------------------------------

    def schema(self, system_id: str) -> sa.MetaData:
        md = sa.MetaData()
        if system_id == "billettsystem":
            sa.Table(
                "accounts", md,
                sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("username", sa.String(100), nullable=False),
                sa.Column("password_hash", sa.String(200), nullable=False),
                sa.Column("first_name", sa.String(100)),
                sa.Column("last_name", sa.String(100)),
                sa.Column("street_address", sa.String(200)),
                sa.Column("postcode", sa.String(4)),
                sa.Column("city", sa.String(100)),
                sa.Column("phone", sa.String(30)),
                sa.Column("email", sa.String(254)),
                sa.Column("birth_date", sa.Date),
                sa.Column("guardian_account_id", sa.Integer, sa.ForeignKey("accounts.account_id")),
                sa.Column("created_at", TIMESTAMP, nullable=False),
                sa.Column("last_login_at", TIMESTAMP),
            )
            sa.Table(
                "shows", md,
                sa.Column("show_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("title", sa.String(200), nullable=False),
                sa.Column("genre", sa.String(12), nullable=False),
                sa.Column("venue", sa.String(100), nullable=False),
                sa.Column("organiser", sa.String(200), nullable=False),
                sa.Column("starts_at", TIMESTAMP, nullable=False),
            )
            sa.Table(
                "purchases", md,
                sa.Column("purchase_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("order_number", sa.String(20), nullable=False),
                sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.account_id")),
                sa.Column("buyer_name", sa.String(200)),
                sa.Column("buyer_email", sa.String(254)),
                sa.Column("buyer_phone", sa.String(30)),
                sa.Column("purchased_at", TIMESTAMP, nullable=False),
                sa.Column("channel", sa.String(12), nullable=False),
                sa.Column("payment_method", sa.String(12), nullable=False),
                sa.Column("card_number", sa.String(25)),
                sa.Column("total_nok", sa.Numeric(10, 2), nullable=False),
                sa.Column("status", sa.String(10), nullable=False),
            )
            sa.Table(
                "tickets", md,
                sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("purchase_id", sa.Integer, sa.ForeignKey("purchases.purchase_id"), nullable=False),
                sa.Column("show_id", sa.Integer, sa.ForeignKey("shows.show_id"), nullable=False),
                sa.Column("section", sa.String(30), nullable=False),
                sa.Column("seat_row", sa.Integer, nullable=False),
                sa.Column("seat_number", sa.Integer, nullable=False),
                sa.Column("price_category", sa.String(10), nullable=False),
                sa.Column("price_nok", sa.Numeric(10, 2), nullable=False),
                sa.Column("ticket_code", sa.String(20), nullable=False),
                sa.Column("scanned_at", TIMESTAMP),
            )
        elif system_id == "nettbruk":
            sa.Table(
                "web_profiles", md,
                sa.Column("profile_id", sa.Integer, primary_key=True, autoincrement=False),
                # The account lives in the ticketing system: a number, not a foreign key, so
                # each system can be moved to its own database server.
                sa.Column("account_id", sa.Integer),
                sa.Column("email", sa.String(254)),
                sa.Column("created_at", TIMESTAMP, nullable=False),
                sa.Column("cookie_consent", sa.String(12), nullable=False),
                sa.Column("profiling_objected", sa.Boolean, nullable=False),
                sa.Column("objected_at", TIMESTAMP),
                sa.Column("last_seen_at", TIMESTAMP),
            )
            sa.Table(
                "web_sessions", md,
                sa.Column("session_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("profile_id", sa.Integer, sa.ForeignKey("web_profiles.profile_id"), nullable=False),
                sa.Column("started_at", TIMESTAMP, nullable=False),
                sa.Column("ended_at", TIMESTAMP),
                sa.Column("device_type", sa.String(10), nullable=False),
                sa.Column("operating_system", sa.String(40)),
                sa.Column("browser", sa.String(40)),
                sa.Column("via_app", sa.Boolean, nullable=False),
                sa.Column("ip_address", sa.String(45)),
                sa.Column("pages_viewed", sa.Integer, nullable=False),
                sa.Column("pages", sa.Text),
                sa.Column("functions_used", sa.String(200)),
            )
            sa.Table(
                "derived_preferences", md,
                sa.Column("profile_id", sa.Integer, sa.ForeignKey("web_profiles.profile_id"), primary_key=True),
                sa.Column("genre", sa.String(12), primary_key=True),
                sa.Column("score", sa.Numeric(4, 3), nullable=False),
                sa.Column("derived_at", TIMESTAMP, nullable=False),
                sa.Column("model_version", sa.String(20), nullable=False),
            )
            sa.Table(
                "demographic_segments", md,
                sa.Column("profile_id", sa.Integer, sa.ForeignKey("web_profiles.profile_id"), primary_key=True),
                sa.Column("segment", sa.String(20), primary_key=True),
                sa.Column("confidence", sa.Numeric(4, 3), nullable=False),
                sa.Column("derived_from", sa.String(200), nullable=False),
                sa.Column("derived_at", TIMESTAMP, nullable=False),
            )
        return md

    # -- rows ----------------------------------------------------------------------------

    def start(self, rng: random.Random) -> None:
        shows = max(30, round(150 * self.ctx.scale ** 0.5))
        for show_id in range(1, shows + 1):
            genre = rng.choice(GENRES)
            starts = moment_between(rng, date(2019, 1, 1), AS_OF + timedelta(days=120))
            starts = starts.replace(hour=rng.choice((11, 18, 19, 20)), minute=rng.choice((0, 30)), second=0)
            self.emit("billettsystem", "shows", {
                "show_id": show_id,
                "title": rng.choice(TITLE_WORDS[genre]),
                "genre": genre,
                "venue": rng.choice(VENUES),
                "organiser": rng.choice(ORGANISERS),
                "starts_at": starts,
            })
            self._shows.append((show_id, genre, starts))

    def add_block(self, block: list[Person], rng: random.Random) -> None:
        accounts: dict[str, int] = {}
        guardians = {p.guardian_id for p in block if p.is_child}
        # Guardians before children: a child's account names its guardian's.
        for person in sorted(block, key=lambda p: p.is_child):
            if not self.in_(person, "billettsystem"):
                continue
            guardian_account = accounts.get(person.guardian_id)
            if person.is_child and guardian_account is None:
                continue
            has_account = person.is_child or person.person_id in guardians or rng.random() < 0.75
            account_id = self._account(rng, person, guardian_account) if has_account else None
            if account_id is not None:
                accounts[person.person_id] = account_id
            purchases = count(rng, 0.4 if person.is_child else 3.0, low=0 if account_id else 1, high=40)
            seen_shows: set[int] = set()
            for _ in range(purchases):
                self._purchase(rng, person, account_id, seen_shows)
            if account_id and not person.is_child and not person.shares_email and rng.random() < 0.85:
                self._profile(rng, person, account_id)
        # The newsletter last: its draws leave every system above as it was for the seed.
        for person in block:
            if self._subscribes(rng, person):
                self._subscriber(rng, person)

    def _subscribes(self, rng: random.Random, person: Person) -> bool:
        """Adults with an address of their own (Mailchimp keeps one member per address): every
        regular, a third of the ticket buyers, a few other people of Gjøvik."""
        if not person.email or person.shares_email or person.is_child or person.phone_only:
            return False
        if self.in_(person, "regular"):
            return True
        if self.in_(person, "billettsystem"):
            return rng.random() < 0.3
        return person.region == "gjovik" and rng.random() < 0.03

    def _subscriber(self, rng: random.Random, person: Person) -> None:
        """A Mailchimp-style list member, the interest groups they chose and their activity."""
        where = ["mailchimp", "lists", NEWSLETTER_LIST]
        email = spelling.email_as_typed(rng, person.email, sloppy=0.1).strip()
        member_id = hashlib.md5(email.lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's subscriber hash
        first, last = spelling.name_parts(rng, person)
        signed_up = moment_between(rng, date(2016, 1, 1), AS_OF - timedelta(days=2))
        regular = self.in_(person, "regular")
        status = "subscribed" if regular or rng.random() < 0.85 else "unsubscribed"
        self.api_record("nyhetsbrev", "members", [*where, "members"], {
            "id": member_id,
            "web_id": self.next_id("newsletter-member") + 100_000,
            "email_address": email,
            "status": status,
            "merge_fields": {
                "FNAME": first,
                "LNAME": last,
                "PHONE": spelling.phone_as_typed(rng, person.phone) if rng.random() < 0.5 else "",
            },
            "language": "nb",
            "source": pick(rng, {"SIGNUP_FORM": 0.6, "TICKET_PURCHASE": 0.4}),
            "ip_signup": ipv4(rng),
            "timestamp_signup": signed_up.isoformat(),
            "last_changed": after(rng, signed_up, min_minutes=1, max_minutes=400_000).isoformat()
            if status == "unsubscribed" else signed_up.isoformat(),
            "member_rating": rng.randint(1, 5),
            "location": {"country_code": "NO", "timezone": "Europe/Oslo"},
        }, [member_id], [person])
        chosen = rng.sample(NEWSLETTER_INTERESTS, rng.randint(1, 3) if regular else rng.randint(0, 3))
        for interest_id, category, name in chosen:
            self.api_record(
                "nyhetsbrev", "interests", [*where, "interests", member_id],
                {"id": interest_id, "category": category, "name": name, "subscribed": True},
                [member_id, interest_id], [person],
            )
        moment = signed_up
        for _ in range(count(rng, 5.0, low=2 if regular else 0, high=20)):
            moment = after(rng, moment, min_minutes=600, max_minutes=60_000)
            if moment.date() >= AS_OF:
                break
            campaign_id, title = rng.choice(NEWSLETTER_CAMPAIGNS)
            action = pick(rng, {"sent": 0.5, "open": 0.35, "click": 0.15})
            self.api_record("nyhetsbrev", "activity", [*where, "activity", member_id], {
                "action": action,
                "timestamp": moment.isoformat(),
                "campaign_id": campaign_id,
                "title": title,
                "url": "https://www.gjovikkultursenter.no/program" if action == "click" else None,
            }, [member_id, moment.isoformat(), action], [person])

    def _account(self, rng: random.Random, person: Person, guardian_account: int | None) -> int:
        account_id = self.next_id("account")
        first, last = spelling.name_parts(rng, person)
        created = moment_between(rng, max(date(2014, 1, 1), person.birthdate), AS_OF - timedelta(days=1))
        email = spelling.email_as_typed(rng, person.email)
        self.emit("billettsystem", "accounts", {
            "account_id": account_id,
            # Usernames are unique: a shared family address is no one's username.
            "username": email.strip().lower() if not person.shares_email else f"{ascii_local(first)}{account_id}",
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$" + f"{rng.getrandbits(128):032x}${rng.getrandbits(256):064x}",
            "first_name": first,
            "last_name": last,
            "street_address": person.street,
            "postcode": person.postcode,
            "city": person.city,
            "phone": (spelling.phone_as_typed(rng, person.phone) if rng.random() < 0.85 else None),
            "email": email,
            "birth_date": person.birthdate,
            "guardian_account_id": guardian_account,
            "created_at": created,
            "last_login_at": moment_between(rng, created, AS_OF) if rng.random() < 0.9 else None,
        }, owners=[person])
        return account_id

    def _purchase(self, rng: random.Random, person: Person, account_id: int | None, seen_shows: set[int]) -> None:
        purchase_id = self.next_id("purchase")
        show_id, genre, starts = rng.choice(self._shows)
        if person.is_child:
            candidates = [s for s in self._shows if s[1] == "BARN"] or self._shows
            show_id, genre, starts = rng.choice(candidates)
        purchased = moment_between(rng, starts - timedelta(days=90), min(starts.date(), AS_OF))
        if purchased.date() >= AS_OF:
            purchased = moment_between(rng, AS_OF - timedelta(days=30), AS_OF - timedelta(days=1))
        channel = pick(rng, {"WEB": 0.75, "BOX_OFFICE": 0.2, "PHONE": 0.05})
        method = pick(rng, {"VISA": 0.4, "MASTERCARD": 0.2, "VIPPS": 0.3, "GIFT_CARD": 0.05, "CASH": 0.05})
        if channel == "WEB" and method == "CASH":
            method = "VIPPS"
        tickets = rng.choice((1, 2, 2, 2, 3, 4)) if not person.is_child else 1
        prices = []
        ticket_rows = []
        for _ in range(tickets):
            category = "CHILD" if person.is_child or (genre == "BARN" and rng.random() < 0.5) else pick(
                rng, {"ORDINARY": 0.75, "SENIOR": 0.15 if person.age() >= 67 else 0.0, "STUDENT": 0.1})
            price = money(rng, 150, 650, 50) if category != "CHILD" else money(rng, 100, 200, 50)
            seat = self._next_seat.get(show_id, 0)
            self._next_seat[show_id] = seat + 1
            ticket_id = self.next_id("ticket")
            prices.append(price)
            ticket_rows.append({
                "ticket_id": ticket_id,
                "purchase_id": purchase_id,
                "show_id": show_id,
                "section": "Balkong" if seat // 400 % 2 else "Parkett",
                "seat_row": seat % 400 // 20 + 1,
                "seat_number": seat % 20 + 1,
                "price_category": category,
                "price_nok": price,
                "ticket_code": f"GK{show_id:05d}{ticket_id:09d}",
                "scanned_at": (after(rng, starts, min_minutes=-45, max_minutes=-1)
                               if starts.date() < AS_OF and rng.random() < 0.9 else None),
            })
        status = pick(rng, {"PAID": 0.94, "REFUNDED": 0.04, "CANCELLED": 0.02})
        card = None
        if method in ("VISA", "MASTERCARD"):
            # Stored masked, as the ticketing vendor keeps it: first 6 and last 4 digits.
            card = f"{rng.choice(CARD_PREFIXES[method])}******{rng.randint(0, 9999):04d}"
        self.emit("billettsystem", "purchases", {
            "purchase_id": purchase_id,
            "order_number": f"GK-{purchased:%y}-{purchase_id:07d}",
            "account_id": account_id,
            "buyer_name": spelling.full_name(rng, person),
            # A guest must leave an e-mail for the tickets; an account holder at the box office
            # need not (the purchase hangs on the account).
            "buyer_email": (spelling.email_as_typed(rng, person.email)
                            if account_id is None or channel != "BOX_OFFICE" or rng.random() < 0.5 else None),
            "buyer_phone": (spelling.phone_as_typed(rng, person.phone)
                            if not person.is_child and rng.random() < 0.7 else None),
            "purchased_at": purchased,
            "channel": channel,
            "payment_method": method,
            "card_number": card,
            "total_nok": sum(prices),
            "status": status,
        }, owners=[person])
        for row in ticket_rows:
            self.emit("billettsystem", "tickets", row, owners=[person])
        if show_id not in seen_shows:
            seen_shows.add(show_id)
            self.own("billettsystem", "shows", str(show_id), person)

    def _profile(self, rng: random.Random, person: Person, account_id: int) -> None:
        profile_id = self.next_id("profile")
        created = moment_between(rng, date(2019, 6, 1), AS_OF - timedelta(days=10))
        objected = rng.random() < 0.12
        consent = pick(rng, {"NECESSARY": 0.2, "STATISTICS": 0.3, "ALL": 0.5})
        last_seen = created
        sessions = []
        for _ in range(count(rng, 30, low=1, high=400)):
            started = moment_between(rng, created, AS_OF)
            last_seen = max(last_seen, started)
            device = pick(rng, {"MOBILE": 0.6, "DESKTOP": 0.3, "TABLET": 0.1})
            os_name, browser = rng.choice(OS_BROWSERS[device])
            pages = [rng.choice(("/", "/program", "/kalender", "/min-side"))] + [
                f"/forestilling/{rng.choice(self._shows)[0]}" for _ in range(rng.randint(0, 5))]
            if rng.random() < 0.3:
                pages.append("/kjop")
            sessions.append({
                "session_id": self.next_id("session"),
                "profile_id": profile_id,
                "started_at": started,
                "ended_at": after(rng, started, min_minutes=1, max_minutes=40),
                "device_type": device,
                "operating_system": os_name,
                "browser": browser,
                "via_app": device != "DESKTOP" and rng.random() < 0.25,
                "ip_address": ipv4(rng),
                "pages_viewed": len(pages),
                "pages": ";".join(pages),
                "functions_used": ";".join(sorted(set(rng.sample(FUNCTIONS, rng.randint(0, 3))))) or None,
            })
        self.emit("nettbruk", "web_profiles", {
            "profile_id": profile_id,
            "account_id": account_id,
            "email": spelling.email_as_typed(rng, person.email, sloppy=0.1),
            "created_at": created,
            "cookie_consent": consent,
            "profiling_objected": objected,
            "objected_at": moment_between(rng, created, AS_OF) if objected else None,
            "last_seen_at": last_seen,
        }, owners=[person])
        for row in sessions:
            self.emit("nettbruk", "web_sessions", row, owners=[person])
        if objected:
            return
        derived = moment_between(rng, AS_OF - timedelta(days=7), AS_OF - timedelta(days=1))
        for genre in rng.sample(GENRES, rng.randint(1, 4)):
            self.emit("nettbruk", "derived_preferences", {
                "profile_id": profile_id,
                "genre": genre,
                "score": money(rng, 0.05, 0.99, 0.001),
                "derived_at": derived,
                "model_version": "anbefaling-2.3",
            }, owners=[person])
        age = person.age()
        segments = ["SENIOR"] if age >= 67 else ["UNG_VOKSEN"] if age <= 30 else []
        segments += rng.sample([s for s in SEGMENTS if s not in ("SENIOR", "UNG_VOKSEN")], rng.randint(0, 2))
        for segment in segments:
            self.emit("nettbruk", "demographic_segments", {
                "profile_id": profile_id,
                "segment": segment,
                "confidence": money(rng, 0.5, 0.99, 0.01),
                "derived_from": SEGMENTS[segment],
                "derived_at": derived,
            }, owners=[person])
