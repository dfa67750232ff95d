"""Stavanger kommune, mediebank (seed 003): the consent register for photos, video and sound,
and the media bank's user accounts and download orders (Screentek's API, served locally by
``sample_data.vendor_api`` from ``sources/stavanger-mediebank/mediebank.api.jsonl``).

A consent is sent as a form to the person photographed; they choose the uses they accept.
Withdrawals are kept as documentation. ``consent_media`` names the media items that show the
person; a group photo is listed under every consent of the people in it. The media files lie under
``sources/stavanger-mediebank/media/`` (JPEG photos, WAV sound, short clips as animated GIF —
the sample world has no video encoder); material removed after a withdrawal is gone from there.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from dsar.config.models import ControllerConfig
from sample_data import spelling
from sample_data.media import write_clip, write_photo, write_sound
from sample_data.people import AS_OF, Person
from sample_data.worlds.base import BuildContext, ControllerWorld
from sample_data.worlds.common import TIMESTAMP, after, count, moment_between, pick

PROJECTS = ("Gladmat", "Nordic Light", "Stavanger sentrum om våren", "Skolestart",
            "Nasjonaldagen", "Bybrannen-jubileum", "Eldreomsorg i praksis", "Sykkelbyen Stavanger",
            "Kulturnatt", "Bydelsportrett Storhaug", "Rekruttering: jobb i kommunen")
USES = ("WEB", "SOCIAL", "PRINT", "PRESS", "PUBLIC_MEDIABANK", "ADVERTISING")
AGREED_RETENTION = ("Slettes etter fem år", "Kun til prosjektets varighet")
PHOTOGRAPHERS = ("INTERNAL", "CONTRACTED")
EMPLOYERS = ("Stavanger Aftenblad", "Region Stavanger BA", "Visit Stavanger", "Frilans", None)
DOWNLOAD_PURPOSES = ("WEB", "PRINT", "SOCIAL", "PRESS", "PRESENTATION")


class MediebankWorld(ControllerWorld):
    controller_id = "stavanger-mediebank"

    def __init__(self, ctx: BuildContext, config: ControllerConfig) -> None:
        super().__init__(ctx, config)
        # The previous consent's project, shoot day and media: a group photo shares them.
        self._last_group: tuple[str, date, list[tuple[int, str, str]]] | None = None

    def schema(self, system_id: str) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table(
            "consents", md,
            sa.Column("consent_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("full_name", sa.String(200)),
            sa.Column("email", sa.String(254)),
            sa.Column("phone", sa.String(30)),
            sa.Column("project", sa.String(200), nullable=False),
            sa.Column("photographer", sa.String(12), nullable=False),
            sa.Column("shot_on", sa.Date, nullable=False),
            sa.Column("form_sent_at", TIMESTAMP, nullable=False),
            sa.Column("signed_at", TIMESTAMP),
            sa.Column("agreed_retention", sa.String(200)),
            sa.Column("status", sa.String(18), nullable=False),
        )
        sa.Table(
            "consent_uses", md,
            sa.Column("consent_id", sa.Integer, sa.ForeignKey("consents.consent_id"), primary_key=True),
            sa.Column("use_code", sa.String(20), primary_key=True),
            sa.Column("chosen_at", TIMESTAMP, nullable=False),
        )
        sa.Table(
            "consent_withdrawals", md,
            sa.Column("withdrawal_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("consent_id", sa.Integer, sa.ForeignKey("consents.consent_id"), nullable=False),
            sa.Column("withdrawn_at", TIMESTAMP, nullable=False),
            sa.Column("scope", sa.String(8), nullable=False),
            sa.Column("use_code", sa.String(20)),
            sa.Column("received_via", sa.String(8), nullable=False),
            sa.Column("material_removed_at", TIMESTAMP),
        )
        sa.Table(
            "consent_media", md,
            sa.Column("consent_id", sa.Integer, sa.ForeignKey("consents.consent_id"), primary_key=True),
            sa.Column("media_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("media_type", sa.String(8), nullable=False),
            sa.Column("title", sa.String(200), nullable=False),
            sa.Column("file_name", sa.String(255), nullable=False),
            sa.Column("captured_on", sa.Date, nullable=False),
            sa.Column("status", sa.String(10), nullable=False),
            sa.Column("in_published_material", sa.Boolean, nullable=False),
        )
        return md

    def add_block(self, block: list[Person], rng: random.Random) -> None:
        for person in block:
            if self.in_(person, "samtykkeregister"):
                for _ in range(count(rng, 1.3, low=1, high=6)):
                    self._consent(rng, person)
        # The media bank's accounts last: their draws leave the consent register as it was.
        for person in block:
            if self._has_account(rng, person):
                self._account(rng, person)

    def _has_account(self, rng: random.Random, person: Person) -> bool:
        """Every regular; some of the people photographed and a few others in Stavanger (staff
        and partners who download material). An account is one address's: not a shared one."""
        if not person.email or person.shares_email or person.phone_only or person.is_child:
            return False
        if self.in_(person, "regular"):
            return True
        if self.in_(person, "samtykkeregister"):
            return rng.random() < 0.2
        return person.region == "stavanger" and rng.random() < 0.02

    def _account(self, rng: random.Random, person: Person) -> None:
        """A Screentek-style media bank user and their download orders."""
        user_id = self.next_id("mediebank-user") + 5000
        employee = rng.random() < 0.4
        created = moment_between(rng, date(2018, 1, 1), AS_OF - timedelta(days=2))
        self.api_record("mediebank", "users", ["screentek", "users"], {
            "id": user_id,
            "name": spelling.full_name(rng, person, reversed_=0.0),
            "email": spelling.email_as_typed(rng, person.email, sloppy=0.1).strip(),
            "employer": "Stavanger kommune" if employee else rng.choice(EMPLOYERS),
            "employee": employee,
            "created_at": created.isoformat(),
            "last_active_at": after(rng, created, min_minutes=60, max_minutes=500_000).isoformat(),
        }, [user_id], [person])
        regular = self.in_(person, "regular")
        moment = created
        for _ in range(count(rng, 6.0, low=30 if regular else 1, high=60)):
            moment = after(rng, moment, min_minutes=30, max_minutes=40_000)
            if moment.date() >= AS_OF:
                break
            order_id = self.next_id("mediebank-order") + 900_000
            kind = pick(rng, {"PHOTO": 0.8, "VIDEO": 0.15, "AUDIO": 0.05})
            self.api_record("mediebank", "downloads", ["screentek", "orders", str(user_id)], {
                "id": order_id,
                "user_id": user_id,
                "ordered_at": moment.isoformat(),
                "file_id": rng.randint(10_000, 99_999),
                "file_title": f"{rng.choice(PROJECTS)} {rng.randint(2019, AS_OF.year)}",
                "file_type": kind,
                "purpose": rng.choice(DOWNLOAD_PURPOSES),
            }, [order_id], [person])

    def _consent(self, rng: random.Random, person: Person) -> None:
        consent_id = self.next_id("consent")
        # Some shoots are group photos: the same media items then show the previous person too.
        group = self._last_group if self._last_group and rng.random() < 0.2 else None
        project = group[0] if group else f"{rng.choice(PROJECTS)} {rng.randint(2019, AS_OF.year)}"
        shot = group[1] if group else _day(rng, date(2019, 1, 1), AS_OF - timedelta(days=3))
        sent = moment_between(rng, shot, shot + timedelta(days=3))
        signed = after(rng, sent, min_minutes=30, max_minutes=20000) if rng.random() < 0.9 else None
        if signed and signed.date() >= AS_OF:
            signed = None
        uses = rng.sample(USES, rng.randint(1, 5)) if signed else []
        # At least one withdrawal in every world, however small.
        regular = self.in_(person, "regular")
        withdrawn_all = signed is not None and not regular and (rng.random() < 0.07 or not self.last_id("withdrawal"))
        withdrawn_some = signed is not None and not withdrawn_all and len(uses) > 1 and rng.random() < 0.08
        status = ("WITHDRAWN" if withdrawn_all else "PARTLY_WITHDRAWN" if withdrawn_some
                  else "ACTIVE" if signed else "PENDING")
        self.emit("samtykkeregister", "consents", {
            "consent_id": consent_id,
            "full_name": spelling.full_name(rng, person, reversed_=0.05),
            "email": spelling.email_as_typed(rng, person.email) if person.email else None,
            "phone": spelling.phone_as_typed(rng, person.phone),
            "project": project,
            "photographer": rng.choice(PHOTOGRAPHERS),
            "shot_on": shot,
            "form_sent_at": sent,
            "signed_at": signed,
            "agreed_retention": rng.choice(AGREED_RETENTION) if signed and rng.random() < 0.1 else None,
            "status": status,
        }, owners=[person])
        for use in uses:
            self.emit("samtykkeregister", "consent_uses", {
                "consent_id": consent_id, "use_code": use, "chosen_at": signed,
            }, owners=[person])
        removed_at = None
        if withdrawn_all or withdrawn_some:
            withdrawn = moment_between(rng, signed, AS_OF)
            removed_at = after(rng, withdrawn, min_minutes=60, max_minutes=5000)
            if removed_at.date() >= AS_OF:
                removed_at = None
            self.emit("samtykkeregister", "consent_withdrawals", {
                "withdrawal_id": self.next_id("withdrawal"),
                "consent_id": consent_id,
                "withdrawn_at": withdrawn,
                "scope": "ALL" if withdrawn_all else "USE",
                "use_code": None if withdrawn_all else rng.choice(uses),
                "received_via": pick(rng, {"EMAIL": 0.7, "FORM": 0.2, "PHONE": 0.1}),
                "material_removed_at": removed_at,
            }, owners=[person])
        media = list(group[2]) if group else []
        for n in range(count(rng, 2.5, low=1, high=12) + (2 if regular else 0)):
            media_id = self.next_id("media")
            kind = pick(rng, {"PHOTO": 0.8, "VIDEO": 0.15, "AUDIO": 0.05})
            if regular and n < 3:  # a regular has one of each kind
                kind = ("PHOTO", "VIDEO", "AUDIO")[n]
            extension = {"PHOTO": "jpg", "VIDEO": "gif", "AUDIO": "wav"}[kind]
            media.append((media_id, kind, f"SK{shot:%Y%m%d}_{media_id:07d}.{extension}"))
        for media_id, kind, file_name in media:
            removed = withdrawn_all and removed_at
            if not removed:  # material removed after a withdrawal is gone from the folder
                path = self.file_path("samtykkeregister", "consent_media", "file_name", file_name)
                if not path.exists():  # a group photo is listed under several consents
                    writer = {"PHOTO": write_photo, "VIDEO": write_clip, "AUDIO": write_sound}[kind]
                    writer(path, f"media-{media_id}")
            self.emit("samtykkeregister", "consent_media", {
                "consent_id": consent_id,
                "media_id": media_id,
                "media_type": kind,
                "title": f"{project} – {file_name.split('_')[1].split('.')[0]}",
                "file_name": file_name,
                "captured_on": shot,
                "status": "REMOVED" if withdrawn_all and removed_at else "AVAILABLE",
                "in_published_material": rng.random() < 0.4,
            }, owners=[person])
        self._last_group = (project, shot, media)


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))
