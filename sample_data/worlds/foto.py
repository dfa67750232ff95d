"""Stavanger foto / Alexander AS (seed 001): web shop, photo lab and newsletter.

Web shop: customer accounts (username and password hash — the hash is secret), orders, order
lines, shipments through Posten or PostNord, and repair cases sent to authorised workshops.
A customer's address is sometimes filled in from 1881.no or Brønnøysundregistrene.

Photo lab (lab.stavangerfoto.no): photo orders are kept one year, uploaded images six months;
older rows simply are not there. Each upload's image file lies under ``sources/stavanger-foto/lab/``
as ``stored_path`` names it (a small JPEG made from the upload's number).

Newsletter: the mailing tool's two exports — subscribers (one line per address: a family
sharing an address is one subscriber) and click tracking, which names the subscriber by id.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from sample_data import spelling
from sample_data.media import write_photo
from sample_data.people import AS_OF, Person, ascii_local
from sample_data.worlds.base import ControllerWorld
from sample_data.worlds.common import TIMESTAMP, after, count, moment_between, money, pick

PRODUCTS = (
    ("KAM-X100", "Kompaktkamera X100", 8990, 24), ("OBJ-50-18", "Objektiv 50 mm f/1.8", 2490, 24),
    ("MINNE-64", "Minnekort SDXC 64 GB", 299, 0), ("STATIV-PRO", "Stativ Pro", 1290, 12),
    ("VESKE-S", "Kameraveske S", 499, 0), ("FILM-400", "Film ISO 400, 36 bilder", 149, 0),
    ("RAMME-30", "Bilderamme 30x40", 349, 0), ("BATT-LP", "Ekstra batteri", 690, 12),
    ("SPEIL-A7", "Speilløst kamera A7", 21990, 24), ("ALBUM-L", "Fotoalbum stort", 429, 0),
)
LAB_PRODUCTS = {
    "PRINTS": ("IN_HOUSE", ("10x15", "13x18", "15x21", "20x30"), 4),
    "PHOTOBOOK": ("PHOTOBOOK_PARTNER", ("A4 fotobok", "A5 fotobok"), 399),
    "CARDS": ("CARD_PARTNER", ("Dobbelt kort A6",), 25),
    "FILM_DIGITISING": ("DIGITISING_PARTNER", ("Smalfilm 8 mm", "Super 8"), 590),
    "VIDEO_DIGITISING": ("DIGITISING_PARTNER", ("VHS-kassett", "Hi8-kassett"), 390),
    "CANVAS": ("IN_HOUSE", ("Lerret 40x60",), 890),
}
NOTES = (None, None, None, "Ring før levering", "Gave, ikke legg ved kvittering", "Hentes av samboer")
CAMPAIGNS = ("vinterkampanje", "black-week", "julegaver", "fotokurs-var", "nytt-fra-laben",
             "sommerbilder", "fotobok-tilbud", "kamerafestival")


class FotoWorld(ControllerWorld):
    controller_id = "stavanger-foto"

    # -- schema --------------------------------------------------------------------------

    def schema(self, system_id: str) -> sa.MetaData:
        md = sa.MetaData()
        if system_id == "nettbutikk":
            sa.Table(
                "customers", md,
                sa.Column("customer_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("username", sa.String(100), nullable=False),
                sa.Column("password_hash", sa.String(200), nullable=False),
                sa.Column("first_name", sa.String(100)),
                sa.Column("last_name", sa.String(100)),
                sa.Column("company_name", sa.String(200)),
                sa.Column("email", sa.String(254)),
                sa.Column("phone", sa.String(30)),
                sa.Column("street_address", sa.String(200)),
                sa.Column("postcode", sa.String(4)),
                sa.Column("city", sa.String(100)),
                sa.Column("address_source", sa.String(10), nullable=False),
                sa.Column("address_checked_on", sa.Date),
                sa.Column("privacy_statement_version", sa.String(10)),
                sa.Column("privacy_statement_accepted_at", TIMESTAMP),
                sa.Column("created_at", TIMESTAMP, nullable=False),
                sa.Column("last_login_at", TIMESTAMP),
            )
            sa.Table(
                "orders", md,
                sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.customer_id"), nullable=False),
                sa.Column("order_number", sa.String(20), nullable=False),
                sa.Column("ordered_at", TIMESTAMP, nullable=False),
                sa.Column("status", sa.String(20), nullable=False),
                sa.Column("delivery_method", sa.String(10), nullable=False),
                sa.Column("payment_provider", sa.String(10), nullable=False),
                sa.Column("payment_method", sa.String(12), nullable=False),
                sa.Column("payment_reference", sa.String(40)),
                sa.Column("subtotal_nok", sa.Numeric(12, 2), nullable=False),
                sa.Column("shipping_nok", sa.Numeric(10, 2), nullable=False),
                sa.Column("total_nok", sa.Numeric(12, 2), nullable=False),
                sa.Column("customer_note", sa.String(500)),
            )
            sa.Table(
                "order_lines", md,
                sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.order_id"), primary_key=True),
                sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("sku", sa.String(30), nullable=False),
                sa.Column("product_name", sa.String(200), nullable=False),
                sa.Column("quantity", sa.Integer, nullable=False),
                sa.Column("unit_price_nok", sa.Numeric(12, 2), nullable=False),
                sa.Column("vat_percent", sa.Integer, nullable=False),
                sa.Column("warranty_months", sa.Integer, nullable=False),
            )
            sa.Table(
                "shipments", md,
                sa.Column("shipment_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.order_id"), nullable=False),
                sa.Column("carrier", sa.String(10), nullable=False),
                sa.Column("service", sa.String(60), nullable=False),
                sa.Column("tracking_number", sa.String(40), nullable=False),
                sa.Column("recipient_name", sa.String(200)),
                sa.Column("recipient_address", sa.String(200)),
                sa.Column("recipient_postcode", sa.String(4)),
                sa.Column("recipient_city", sa.String(100)),
                sa.Column("recipient_phone", sa.String(30)),
                sa.Column("recipient_email", sa.String(254)),
                sa.Column("shipped_at", TIMESTAMP, nullable=False),
                sa.Column("delivered_at", TIMESTAMP),
            )
            sa.Table(
                "repair_cases", md,
                sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.customer_id"), nullable=False),
                sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.order_id")),
                sa.Column("product_name", sa.String(200), nullable=False),
                sa.Column("serial_number", sa.String(40)),
                sa.Column("fault_description", sa.String(1000)),
                sa.Column("under_warranty", sa.Boolean, nullable=False),
                sa.Column("workshop", sa.String(20), nullable=False),
                sa.Column("status", sa.String(12), nullable=False),
                sa.Column("received_at", TIMESTAMP, nullable=False),
                sa.Column("sent_to_workshop_at", TIMESTAMP),
                sa.Column("returned_at", TIMESTAMP),
            )
        elif system_id == "fotolab":
            sa.Table(
                "photo_orders", md,
                sa.Column("photo_order_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("order_ref", sa.String(20), nullable=False),
                sa.Column("customer_name", sa.String(200)),
                sa.Column("email", sa.String(254)),
                sa.Column("phone", sa.String(30)),
                sa.Column("ordered_at", TIMESTAMP, nullable=False),
                sa.Column("product", sa.String(20), nullable=False),
                sa.Column("produced_by", sa.String(20), nullable=False),
                sa.Column("delivery", sa.String(10), nullable=False),
                sa.Column("status", sa.String(15), nullable=False),
                sa.Column("price_nok", sa.Numeric(10, 2), nullable=False),
                sa.Column("ready_at", TIMESTAMP),
                sa.Column("collected_at", TIMESTAMP),
                sa.Column("shred_after", sa.Date),
                sa.Column("delete_after", sa.Date, nullable=False),
            )
            sa.Table(
                "photo_uploads", md,
                sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("photo_order_id", sa.Integer, sa.ForeignKey("photo_orders.photo_order_id"), nullable=False),
                sa.Column("original_filename", sa.String(255), nullable=False),
                sa.Column("stored_path", sa.String(255), nullable=False),
                sa.Column("uploaded_at", TIMESTAMP, nullable=False),
                sa.Column("delete_after", sa.Date, nullable=False),
                sa.Column("width_px", sa.Integer),
                sa.Column("height_px", sa.Integer),
                sa.Column("size_bytes", sa.Integer),
            )
            sa.Table(
                "photo_order_items", md,
                sa.Column("photo_order_id", sa.Integer, sa.ForeignKey("photo_orders.photo_order_id"), primary_key=True),
                sa.Column("item_no", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("upload_id", sa.Integer, sa.ForeignKey("photo_uploads.upload_id")),
                sa.Column("format", sa.String(40), nullable=False),
                sa.Column("paper", sa.String(10)),
                sa.Column("copies", sa.Integer, nullable=False),
                sa.Column("unit_price_nok", sa.Numeric(10, 2), nullable=False),
            )
        return md

    def csv_header(self, system_id: str, collection_id: str) -> list[str]:
        if collection_id == "subscribers":
            return ["subscriber_id", "email", "first_name", "consent_given_at", "consent_source",
                    "consent_withdrawn_at"]
        return ["subscriber_id", "campaign", "sent_at", "clicked_at", "url"]

    # -- rows ----------------------------------------------------------------------------

    def add_block(self, block: list[Person], rng: random.Random) -> None:
        subscribed: set[str] = set()
        for person in block:
            if self.in_(person, "nettbutikk"):
                self._customer(rng, person)
            if self.in_(person, "fotolab"):
                for n in range(count(rng, 1.2, low=1, high=8)):
                    self._photo_order(rng, person, with_uploads=n == 0 and self.in_(person, "regular"))
            if self.in_(person, "nyhetsbrev") and person.email not in subscribed:
                # The mailing tool keeps one subscriber per address: a family shares one.
                subscribed.add(person.email)
                self._subscriber(rng, person)

    def _customer(self, rng: random.Random, person: Person) -> None:
        customer_id = self.next_id("customer")
        first, last = spelling.name_parts(rng, person)
        created = moment_between(rng, date(2012, 1, 1), AS_OF - timedelta(days=2))
        source = pick(rng, {"CUSTOMER": 0.9, "1881": 0.07, "BRREG": 0.03})
        accepted = moment_between(rng, max(created.date(), date(2018, 7, 18)), AS_OF)
        email = spelling.email_as_typed(rng, person.email)
        self.emit("nettbutikk", "customers", {
            "customer_id": customer_id,
            # Usernames are unique: an address shared by a family can be only one's username.
            "username": (email.strip().lower() if rng.random() < 0.6 and not person.shares_email
                         else f"{ascii_local(first)}{customer_id}"),
            "password_hash": _password_hash(rng),
            "first_name": first,
            "last_name": last,
            "company_name": f"{last} Foto AS" if source == "BRREG" else None,
            "email": email,
            "phone": spelling.phone_as_typed(rng, person.phone) if rng.random() < 0.92 else None,
            "street_address": person.street,
            "postcode": person.postcode,
            "city": person.city,
            "address_source": source,
            "address_checked_on": moment_between(rng, created, AS_OF).date() if source != "CUSTOMER" else None,
            "privacy_statement_version": "2018-07-18",
            "privacy_statement_accepted_at": accepted,
            "created_at": created,
            "last_login_at": moment_between(rng, created, AS_OF) if rng.random() < 0.85 else None,
        }, owners=[person])
        order_ids = []
        for _ in range(count(rng, 2.5, high=25)):
            order_ids.append(self._order(rng, person, customer_id, created, f"{first} {last}", email))
        if rng.random() < 0.08 or not self.last_id("repair"):  # at least one in every world
            self._repair(rng, person, customer_id, rng.choice(order_ids) if order_ids else None, created)

    def _order(
        self, rng: random.Random, person: Person, customer_id: int, created: datetime, name: str, email: str
    ) -> int:
        order_id = self.next_id("order")
        ordered = moment_between(rng, created, AS_OF)
        delivery = pick(rng, {"PICKUP": 0.35, "POSTEN": 0.45, "POSTNORD": 0.2})
        provider = pick(rng, {"NETS": 0.85, "SANTANDER": 0.15})
        method = pick(rng, {"CARD": 0.7, "VIPPS": 0.3}) if provider == "NETS" else pick(rng, {"INSTALMENT": 0.6, "INVOICE": 0.4})
        recent = (AS_OF - ordered.date()).days < 5
        status = pick(rng, {"NEW": 0.5, "PAID": 0.5}) if recent else pick(
            rng, {"DELIVERED": 0.8, "CANCELLED": 0.05, "RETURNED": 0.05, "COLLECTED": 0.1})
        if delivery == "PICKUP" and status == "DELIVERED":
            status = "COLLECTED"
        lines = []
        for line_no in range(1, count(rng, 1.8, low=1, high=8) + 1):
            sku, product, price, warranty = rng.choice(PRODUCTS)
            lines.append({
                "order_id": order_id, "line_no": line_no, "sku": sku, "product_name": product,
                "quantity": rng.choice((1, 1, 1, 2, 3)), "unit_price_nok": money(rng, price, price),
                "vat_percent": 25, "warranty_months": warranty,
            })
        subtotal = sum(line["unit_price_nok"] * line["quantity"] for line in lines)
        shipping = money(rng, 0, 0) if delivery == "PICKUP" else money(rng, 79, 149, 10)
        self.emit("nettbutikk", "orders", {
            "order_id": order_id,
            "customer_id": customer_id,
            "order_number": f"SF-{100000 + order_id}",
            "ordered_at": ordered,
            "status": status,
            "delivery_method": delivery,
            "payment_provider": provider,
            "payment_method": method,
            "payment_reference": f"{provider[:2]}{rng.getrandbits(48):012X}",
            "subtotal_nok": subtotal,
            "shipping_nok": shipping,
            "total_nok": subtotal + shipping,
            "customer_note": rng.choice(NOTES),
        }, owners=[person])
        for line in lines:
            self.emit("nettbutikk", "order_lines", line, owners=[person])
        if delivery != "PICKUP" and status in ("DELIVERED", "RETURNED"):
            shipped = after(rng, ordered, min_minutes=600, max_minutes=4000)
            self.emit("nettbutikk", "shipments", {
                "shipment_id": self.next_id("shipment"),
                "order_id": order_id,
                "carrier": delivery,
                "service": rng.choice(("Pakke i postkassen", "Pakke til hentested", "Hjemlevering")),
                "tracking_number": f"{'70' if delivery == 'POSTEN' else '37'}{rng.getrandbits(56):017d}"[:20],
                "recipient_name": name,
                "recipient_address": person.street,
                "recipient_postcode": person.postcode,
                "recipient_city": person.city,
                "recipient_phone": spelling.phone(person.phone, "e164"),
                "recipient_email": email.strip().lower(),
                "shipped_at": shipped,
                "delivered_at": after(rng, shipped, min_minutes=1200, max_minutes=6000),
            }, owners=[person])
        return order_id

    def _repair(
        self, rng: random.Random, person: Person, customer_id: int, order_id: int | None, created: datetime
    ) -> None:
        received = moment_between(rng, created, AS_OF)
        sent = after(rng, received, min_minutes=60, max_minutes=3000)
        returned = after(rng, sent, min_minutes=7000, max_minutes=30000)
        done = returned.date() < AS_OF
        self.emit("nettbutikk", "repair_cases", {
            "case_id": self.next_id("repair"),
            "customer_id": customer_id,
            "order_id": order_id,
            "product_name": rng.choice(PRODUCTS[:2] + PRODUCTS[8:9])[1],
            "serial_number": f"SN{rng.getrandbits(32):010d}",
            "fault_description": rng.choice((
                "Lukkeren henger seg opp etter noen bilder.",
                "Autofokus fungerer ikke i svakt lys.",
                "Skjermen er sprukket etter fall.",
                "Kameraet slår seg av selv om batteriet er fulladet.",
            )),
            "under_warranty": order_id is not None and rng.random() < 0.7,
            "workshop": rng.choice(("CAMERA_SERVICE", "LENS_SERVICE")),
            "status": "COLLECTED" if done else "AT_WORKSHOP",
            "received_at": received,
            "sent_to_workshop_at": sent,
            "returned_at": returned if done else None,
        }, owners=[person])

    def _photo_order(self, rng: random.Random, person: Person, *, with_uploads: bool = False) -> None:
        photo_order_id = self.next_id("photo_order")
        ordered = moment_between(rng, AS_OF - timedelta(days=360), AS_OF)
        product = pick(rng, {"PRINTS": 0.6, "PHOTOBOOK": 0.15, "CARDS": 0.1, "FILM_DIGITISING": 0.05,
                             "VIDEO_DIGITISING": 0.05, "CANVAS": 0.05})
        if with_uploads:  # a regular's order whose uploads are still on the portal (no draws: same stream)
            if (AS_OF - ordered.date()).days >= 182:
                ordered += timedelta(days=180)
            if product.endswith("DIGITISING"):
                product = "PRINTS"
        produced_by, formats, unit = LAB_PRODUCTS[product]
        delivery = pick(rng, {"PICKUP": 0.75, "MAIL": 0.25})
        ready = after(rng, ordered, min_minutes=120, max_minutes=20000)
        if ready.date() >= AS_OF:
            status, ready, collected = "IN_PRODUCTION", None, None
        elif delivery == "MAIL":
            status, collected = "SENT", None
        elif rng.random() < 0.85:
            status, collected = "COLLECTED", after(rng, ready, min_minutes=60, max_minutes=20000)
            if collected.date() >= AS_OF:
                status, collected = "READY", None
        else:
            status, collected = "READY", None
        digitising = product.endswith("DIGITISING")
        self.emit("fotolab", "photo_orders", {
            "photo_order_id": photo_order_id,
            "order_ref": f"LAB-{ordered:%y}{photo_order_id:06d}",
            "customer_name": spelling.full_name(rng, person),
            "email": spelling.email_as_typed(rng, person.email),
            "phone": spelling.phone_as_typed(rng, person.phone),
            "ordered_at": ordered,
            "product": product,
            "produced_by": produced_by,
            "delivery": delivery,
            "status": status,
            "price_nok": money(rng, unit * 2, unit * 30, 1),
            "ready_at": ready,
            "collected_at": collected,
            "shred_after": ready.date() + timedelta(days=365) if status == "READY" and ready else None,
            "delete_after": ordered.date() + timedelta(days=365),
        }, owners=[person])
        # Uploads older than six months are deleted from the portal; the order keeps its items.
        uploads = []
        if not digitising and (AS_OF - ordered.date()).days < 182:
            for _ in range(count(rng, 12, low=1, high=120)):
                upload_id = self.next_id("upload")
                uploaded = ordered - timedelta(minutes=rng.randint(1, 90))
                width, height = rng.choice(((6000, 4000), (4032, 3024), (3024, 4032), (5472, 3648)))
                self.emit("fotolab", "photo_uploads", {
                    "upload_id": upload_id,
                    "photo_order_id": photo_order_id,
                    "original_filename": rng.choice(("IMG_", "DSC_", "PXL_", "DSCF")) + f"{rng.randint(1, 9999):04d}.JPG",
                    "stored_path": (stored := f"uploads/{uploaded:%Y/%m}/{photo_order_id:07d}-{upload_id:08d}.jpg"),
                    "uploaded_at": uploaded,
                    "delete_after": uploaded.date() + timedelta(days=182),
                    "width_px": width,
                    "height_px": height,
                    "size_bytes": rng.randint(1_500_000, 14_000_000),
                }, owners=[person])
                write_photo(self.file_path("fotolab", "photo_uploads", "stored_path", stored), f"upload-{upload_id}")
                uploads.append(upload_id)
        items = max(1, min(len(uploads), 6)) if uploads else rng.randint(1, 3)
        for item_no in range(1, items + 1):
            self.emit("fotolab", "photo_order_items", {
                "photo_order_id": photo_order_id,
                "item_no": item_no,
                "upload_id": uploads[item_no - 1] if uploads else None,
                "format": rng.choice(formats),
                "paper": rng.choice(("GLOSSY", "MATT")) if product in ("PRINTS", "CARDS") else None,
                "copies": rng.choice((1, 1, 2, 5, 10)) if product == "PRINTS" else 1,
                "unit_price_nok": money(rng, unit, unit),
            }, owners=[person])

    def _subscriber(self, rng: random.Random, person: Person) -> None:
        subscriber_id = self.next_id("subscriber")
        given = moment_between(rng, date(2016, 1, 1), AS_OF)
        withdrawn = moment_between(rng, given, AS_OF) if rng.random() < 0.2 else None
        # A shared address must carry a name, or matching could not tell the family apart.
        named = person.shares_email or rng.random() < 0.8
        self.emit("nyhetsbrev", "subscribers", {
            "subscriber_id": subscriber_id,
            "email": spelling.email_as_typed(rng, person.email, sloppy=0.15),
            "first_name": person.first_name.split()[0] if named else "",
            "consent_given_at": given.isoformat(sep=" "),
            "consent_source": pick(rng, {"CHECKOUT": 0.5, "SIGNUP_FORM": 0.35, "IN_STORE": 0.15}),
            "consent_withdrawn_at": withdrawn.isoformat(sep=" ") if withdrawn else "",
        }, owners=[person])
        end = withdrawn or AS_OF
        for _ in range(count(rng, 4, high=40)):
            sent = moment_between(rng, given, end)
            campaign = rng.choice(CAMPAIGNS)
            self.emit("nyhetsbrev", "clicks", {
                "subscriber_id": subscriber_id,
                "campaign": f"{sent:%Y-%m}-{campaign}",
                "sent_at": sent.isoformat(sep=" "),
                "clicked_at": after(rng, sent, min_minutes=1, max_minutes=4000).isoformat(sep=" "),
                "url": f"https://www.stavangerfoto.no/{campaign}?utm_source=nyhetsbrev&utm_medium=epost",
            }, owners=[person])


def _password_hash(rng: random.Random) -> str:
    """A bcrypt-shaped value: never a real hash of anything (the sample world has no passwords)."""
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "$2b$12$" + "".join(rng.choice(alphabet) for _ in range(53))
