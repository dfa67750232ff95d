"""The sample world's mail archives: realistic Norwegian correspondence, and its ground truth.

Four controllers keep mail (WORLD.md): Stavanger Sentrum (Maildir++: post@ with Sendt and
Arkiv folders, and staff mailboxes), Janteloppet (Maildir, nested folders), Stavanger foto
(mbox, mboxrd) and Gjøvik Kultursenter (a Thunderbird-style directory of mbox files, mboxo).

What a person's mail holds, as it does in real life:

- threads: the person asks, staff answer quoting them ("… skrev:"), the person answers back;
- signatures with phone numbers (the person's own, staff members' direct lines, the
  switchboard, which is a role number and stays);
- newsletters sent to them; internal forwards of their message between staff;
- mail from a family's shared address written by the other family member (whose it is: the
  writer's; for the other, a weak match to hold);
- messages that mention third parties: by name, e-mail and phone, or by name only (a
  candidate for that third party, never theirs alone); notes with a phone-only person's number;
- every charset and transfer encoding mail clients write (UTF-8 quoted-printable, base64 and
  8-bit, ISO-8859-1, Windows-1252), encoded-word subjects and names, HTML alternatives, text
  and PDF attachments.

Ground truth: ``ground_truth.csv`` lists each message for every person it belongs to (their
address in a header, or their e-mail or phone in the text); ``mail_truth.jsonl`` lists per
message every identifier in it and whose it is (a person, ``staff`` or ``role``) and who is
named only by name, so the accuracy benchmark can check both what is found and what is
blacked out.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import IO

from connectors.mail import message_key
from sample_data import spelling
from sample_data.names import name_pool
from sample_data.people import AS_OF, Person, ascii_local
from sample_data.sinks import GroundTruth

START = datetime(2023, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Staff:
    name: str
    email: str
    phone: str  # as written in the signature
    e164: str
    title: str


@dataclass(frozen=True)
class Office:
    """One controller's mail: its role address and number, its staff, what people write about."""

    controller: str
    system: str
    layout: str  # "maildir++" | "maildir-fs" | "mbox" | "mbox-dir"
    path: str  # relative to the workspace
    role_email: str
    role_phone: str
    role_phone_e164: str
    organisation: str
    domain: str
    mailbox: str  # the role mailbox's folder (Maildir) or file (mbox)
    topics: tuple[tuple[str, str], ...]
    """(subject, the person's question) pairs; {ref} is filled with a number."""
    answers: tuple[str, ...]
    variant: str = "mboxrd"


OFFICES = {
    "stavanger-sentrum": Office(
        "stavanger-sentrum", "epost", "maildir++", "sources/stavanger-sentrum/epost", "post@byen.no",
        "51 89 51 51", "+4751895151", "Stavanger Sentrum AS", "byen.no", "post",
        (
            ("Faktura for medlemsavgift {ref}", "Vi har mottatt faktura {ref} for medlemsavgiften, men beløpet stemmer ikke med omsetningen vi rapporterte via Mendo."),
            ("Stand på Marked i Sentrum", "Vi ønsker å ha stand på Marked i Sentrum i august. Er det ledige plasser, og hva koster det?"),
            ("Gavekortløsningen", "Kan butikken vår bli med i gavekortløsningen? Vi har vært medlem siden i fjor."),
            ("Avmelding SMS-klubb", "Jeg vil ikke lenger motta SMS fra kundeklubben. Kan dere melde meg av?"),
            ("Food Court på Fjåge i Vågen", "Vi vil gjerne delta på Food Court på Fjåge i Vågen. Når er fristen for påmelding?"),
        ),
        ("Takk for henvendelsen. Vi har sett på saken og sender en ny faktura i løpet av uken.",
         "Det er fortsatt ledige plasser. Vi sender påmeldingsskjema i egen e-post.",
         "Vi har registrert ønsket ditt og melder fra når det er gjort."),
    ),
    "janteloppet": Office(
        "janteloppet", "epost", "maildir-fs", "sources/janteloppet/epost", "notices@janteloppet.com",
        "22 33 44 55", "+4722334455", "Janteloppet", "janteloppet.com", "notices",
        (
            ("Påmelding {ref}", "Jeg meldte meg på konferansen, men har ikke fått bekreftelse på påmelding {ref}."),
            ("Allergier – middag", "Jeg har nøtteallergi og spiser glutenfritt. Kan dere ta hensyn til det på middagen?"),
            ("Faktura bedriftslag {ref}", "Fakturaen {ref} for bedriftslaget vårt skal til regnskapsavdelingen, ikke til meg."),
            ("Endring av deltaker", "Jeg kan dessverre ikke delta. Kan en kollega ta plassen min?"),
        ),
        ("Takk for beskjed, vi har oppdatert påmeldingen.",
         "Dette er notert, og kjøkkenet får beskjed.",
         "Vi sender ny faktura til riktig adresse."),
    ),
    "stavanger-foto": Office(
        "stavanger-foto", "epost", "mbox-dir", "sources/stavanger-foto/epost", "post@stavangerfoto.no",
        "51 52 10 20", "+4751521020", "Stavanger foto", "stavangerfoto.no", "Innboks",
        (
            ("Bestilling {ref}", "Jeg har bestilt en fotobok (ordre {ref}), men den har ikke kommet. Kan dere sjekke sendingen?"),
            ("Reklamasjon på kamera", "Kameraet jeg kjøpte hos dere har sluttet å virke. Kan det repareres på garanti?"),
            ("Digitalisering av smalfilm", "Hvor lang tid tar digitalisering av tre ruller smalfilm, og hva koster det?"),
            ("Bilder til henting {ref}", "Er bildene fra ordre {ref} klare til henting i butikken?"),
        ),
        ("Takk for at du tok kontakt. Pakken er sendt med Posten og skal være framme i morgen.",
         "Vi sender kameraet til autorisert verksted og gir beskjed når vi hører fra dem.",
         "Bildene er klare og kan hentes i Lars Hertervigs gate 3B."),
        variant="mboxrd",
    ),
    "gjovik-kultursenter": Office(
        "gjovik-kultursenter", "kundeservice", "mbox", "sources/gjovik-kultursenter/kundeservice",
        "postmottak@gjovik.kommune.no", "61 18 95 00", "+4761189500", "Gjøvik Kultursenter",
        "gjovik.kommune.no", "Innboks",
        (
            ("Billetter {ref}", "Jeg kjøpte billetter (kjøp {ref}), men fikk ingen e-post med billettene."),
            ("Refusjon av billetter", "Forestillingen ble avlyst. Hvordan får jeg pengene tilbake?"),
            ("Rullestolplass", "Har dere rullestolplass på forestillingen i kulturhuset på lørdag?"),
            ("Avmelding nyhetsbrev", "Jeg vil ikke lenger ha nyhetsbrevet. Kan dere slette meg fra listen?"),
        ),
        ("Billettene er sendt på nytt til e-postadressen din.",
         "Du får pengene tilbake på kortet innen fem virkedager.",
         "Ja, vi har reservert en rullestolplass til deg."),
        variant="mboxo",
    ),
}

TITLES = ("Rådgiver", "Kundeservice", "Daglig leder", "Markedsansvarlig", "Prosjektleder")
SHARE_WRITES = 0.7
THREAD_MORE = 0.35
NOISE_PER_BLOCK = 12


@dataclass
class Written:
    """One message as the generator decides it, before it is encoded."""

    sender: tuple[str, str]
    to: list[tuple[str, str]]
    subject: str
    body: str
    date: datetime
    folder: str  # where it is filed: "" (the role mailbox), "Sendt", "Arkiv/2024"
    message_id: str
    cc: list[tuple[str, str]] = field(default_factory=list)
    in_reply_to: str | None = None
    owners: set[str] = field(default_factory=set)
    candidates: set[str] = field(default_factory=set)
    ids: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, normalised value, whose: person id, "staff" or "role")."""
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, content type, data)
    html: bool = False


def staff_of(office: Office) -> list[Staff]:
    """The four staff members who answer an office's mail (the same in every world)."""
    rng = random.Random(f"{office.controller}:staff")
    pool = name_pool()
    staff = []
    for i in range(4):
        first = rng.choice(pool.female if i % 2 else pool.male)
        last = rng.choice(pool.last)
        local = f"{ascii_local(first.split()[0])}.{ascii_local(last)}"
        digits = f"{office.role_phone_e164[3:7]}{rng.randint(10, 99)}{rng.randint(10, 99)}"
        written = f"{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
        staff.append(Staff(f"{first} {last}", f"{local}@{office.domain}", written, "+47" + digits, rng.choice(TITLES)))
    return staff


def name_only_people(root: Path, controller: str) -> set[str]:
    """People an office's mail names without their e-mail or phone, and people sharing a
    name with its staff: their requests would hold name-only candidates for review."""
    from sample_data.people import namesake_key

    named: set[str] = set()
    truth = root / "sources" / "mail_truth.jsonl"
    if truth.exists():
        with truth.open(encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                if item["controller"] == controller:
                    named.update(item["candidates"])
    office = OFFICES.get(controller)
    staff_names = {namesake_key(*s.name.split(" ", 1)) for s in staff_of(office)} if office else set()
    return named | {f"name:{key}" for key in staff_names}


class MailArchive:
    """Writes one office's messages in its layout, with the ground truth."""

    def __init__(self, root: Path, office: Office, truth: GroundTruth) -> None:
        self.office = office
        self.root = root / office.path
        self.truth = truth
        self.count = 0
        self.staff = staff_of(office)
        self._mbox: dict[str, IO[bytes]] = {}
        self._offsets: dict[str, int] = {}
        self._truth_file = (root / "sources" / "mail_truth.jsonl").open("a", encoding="utf-8")
        self._serial = 0

    # -- people → messages -----------------------------------------------------------------

    def add_block(self, people: list[Person], members: list[Person], rng: random.Random) -> None:
        """Mail of the ``members`` (people in this controller's systems) of one block."""
        by_id = {p.person_id: p for p in people}
        for person in members:
            if person.phone_only:
                self._phone_note(rng, person)
                continue
            if not person.email or person.is_child:
                continue
            others = [p for p in members if p is not person and not p.is_child]
            partner = by_id.get(person.shares_email_with[0]) if person.shares_email else None
            if partner is not None and not partner.is_child:
                # Written by this person from the address the family shares, under their name.
                if rng.random() < 0.5:
                    self._inquiry(rng, person, others, named=True)
                continue
            # A shared address only ever appears with a name beside it (as in every other
            # system of the sample world), so matching can hold it back; no newsletters to it.
            if rng.random() < SHARE_WRITES:
                self._inquiry(rng, person, others, named=person.shares_email)
            if rng.random() < 0.3 and not person.shares_email:
                self._newsletter(rng, person)
        for _ in range(NOISE_PER_BLOCK):
            self._internal(rng)

    def _date(self, rng: random.Random) -> datetime:
        span = (datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC) - START).total_seconds()
        return START + timedelta(seconds=int(rng.random() * span))

    def _msgid(self) -> str:
        self._serial += 1
        return f"{self._serial}.{self.office.system}@{self.office.domain}"

    def _person_name(self, rng: random.Random, person: Person) -> str:
        return spelling.full_name(rng, person)

    def _inquiry(self, rng: random.Random, person: Person, others: list[Person], named: bool = False) -> None:
        office = self.office
        staff = rng.choice(self.staff)
        subject_tpl, question = rng.choice(office.topics)
        ref = str(rng.randint(10000, 99999))
        subject = subject_tpl.format(ref=ref)
        shown = self._person_name(rng, person)
        address = spelling.email_as_typed(rng, person.email, sloppy=0.1).strip()
        third = rng.choice(others) if others and rng.random() < 0.35 else None
        lines = ["Hei,", "", question.format(ref=ref)]
        ids: list[tuple[str, str, str]] = [("email", person.email, person.person_id), ("email", office.role_email, "role")]
        owners = {person.person_id}
        candidates: set[str] = set()
        if third is not None:
            mention = self._mention(rng, third, ids, owners, candidates)
            lines += ["", mention]
        signature = ["", rng.choice(["Med vennlig hilsen", "Mvh", "Hilsen", "Vennlig hilsen"]), shown]
        if rng.random() < 0.6:
            written = spelling.phone_as_typed(rng, person.phone)
            signature.append(f"{rng.choice(['Tlf', 'Mob', 'Mobil', 'Telefon'])}: {written}")
            ids.append(("phone", person.phone, person.person_id))
        body = "\n".join(lines + signature) + "\n"
        first = Written(
            sender=(shown if named or rng.random() < 0.85 else "", address), to=[(office.organisation, office.role_email)],
            subject=subject, body=body, date=self._date(rng), folder="", message_id=self._msgid(),
            owners=set(owners), candidates=set(candidates), ids=list(ids), html=rng.random() < 0.2,
        )
        reply = self._reply(rng, first, staff, person, shown, address)
        text_owners, text_ids = set(first.owners), list(first.ids)
        # Attached after the reply took its copy: replies and forwards quote the text, not the file.
        if third is not None and rng.random() < 0.3:
            first.attachments.append(self._list_attachment(rng, person, third, first))
        if rng.random() < 0.05:
            first.attachments.append(("kvittering.pdf", "application/pdf", b"%PDF-1.4\n% sample receipt\n%%EOF\n"))
        self._write(rng, first)
        self._write(rng, reply)
        if rng.random() < THREAD_MORE:
            again = Written(
                sender=(shown, address), to=[(staff.name, staff.email)], cc=[(office.organisation, office.role_email)],
                subject="SV: " + subject, body="Tusen takk for raskt svar!\n\n" + _quote(reply, staff.name, staff.email),
                date=reply.date + timedelta(hours=rng.randint(1, 48)), folder="", message_id=self._msgid(),
                in_reply_to=reply.message_id, owners=set(reply.owners), candidates=set(reply.candidates),
                ids=list(reply.ids) + [("email", staff.email, "staff")],
            )
            self._write(rng, again)
        if rng.random() < 0.15:
            colleague = rng.choice([s for s in self.staff if s is not staff])
            forward = Written(
                sender=(staff.name, staff.email), to=[(colleague.name, colleague.email)],
                subject="VS: " + subject,
                body=f"Kan du ta denne, {colleague.name.split()[0]}?\n\n---------- Videresendt melding ----------\n"
                f"Fra: {shown} <{address}>\nDato: {format_datetime(first.date)}\nEmne: {subject}\n\n{first.body}",
                date=first.date + timedelta(hours=2), folder="Sendt", message_id=self._msgid(),
                owners=text_owners, candidates=set(first.candidates),
                ids=[i for i in text_ids if i[2] != "role"] + [("email", staff.email, "staff"), ("email", colleague.email, "staff")],
            )
            self._write(rng, forward)

    def _mention(self, rng: random.Random, third: Person, ids: list, owners: set[str], candidates: set[str]) -> str:
        name = third.name
        roll = rng.random()
        if roll < 0.4 and third.email:
            ids.append(("email", third.email, third.person_id))
            owners.add(third.person_id)
            return f"Jeg melder også på kollegaen min {name} ({third.email})."
        if roll < 0.75:
            written = spelling.phone_as_typed(rng, third.phone)
            ids.append(("phone", third.phone, third.person_id))
            owners.add(third.person_id)
            return f"Naboen min, {name}, tlf {written}, lurte på det samme."
        candidates.add(third.person_id)
        return f"{name} sa at jeg burde ta kontakt med dere."

    def _list_attachment(self, rng: random.Random, person: Person, third: Person, message: Written) -> tuple[str, str, bytes]:
        text = f"Navn;Telefon\n{person.name};{spelling.phone(person.phone, 'national')}\n{third.name};{spelling.phone(third.phone, 'national')}\n"
        message.ids.append(("phone", third.phone, third.person_id))
        message.ids.append(("phone", person.phone, person.person_id))
        message.owners.add(third.person_id)
        return ("deltakere.csv", "text/csv", text.encode("utf-8"))

    def _reply(self, rng: random.Random, first: Written, staff: Staff, person: Person, shown: str, address: str) -> Written:
        office = self.office
        answer = rng.choice(office.answers)
        signature = (
            f"\n\nMed vennlig hilsen\n{staff.name}\n{staff.title}, {office.organisation}\n"
            f"Direkte: {staff.phone} | Sentralbord: {office.role_phone}\n{staff.email}\n"
        )
        ids = list(first.ids) + [
            ("email", staff.email, "staff"), ("phone", staff.e164, "staff"), ("phone", office.role_phone_e164, "role"),
        ]
        return Written(
            sender=(staff.name, staff.email), to=[(first.sender[0], first.sender[1])], cc=[(office.organisation, office.role_email)],
            subject="SV: " + first.subject,
            body=f"Hei {shown.split(',')[-1].split()[0] if shown else ''},\n\n{answer}{signature}\n" + _quote(first, first.sender[0], first.sender[1]),
            date=first.date + timedelta(hours=rng.randint(1, 72)), folder="Sendt", message_id=self._msgid(),
            in_reply_to=first.message_id, owners=set(first.owners), candidates=set(first.candidates), ids=ids,
            html=rng.random() < 0.2,
        )

    def _newsletter(self, rng: random.Random, person: Person) -> None:
        office = self.office
        body = (
            f"Nyhetsbrev fra {office.organisation}\n\nDenne måneden: nye arrangementer, gode tilbud og åpningstider i "
            f"høstferien.\n\nDu får denne e-posten fordi du er registrert med {person.email}.\n"
            f"Meld deg av: svar på denne e-posten.\n"
        )
        self._write(rng, Written(
            sender=(office.organisation, office.role_email), to=[("", person.email)],
            subject=f"Nyhetsbrev {rng.choice(['januar', 'mars', 'juni', 'september', 'november'])}",
            body=body, date=self._date(rng), folder="Sendt", message_id=self._msgid(),
            owners={person.person_id}, ids=[("email", person.email, person.person_id), ("email", office.role_email, "role")],
            html=True,
        ))

    def _phone_note(self, rng: random.Random, person: Person) -> None:
        if rng.random() > 0.5:
            return
        a, b = rng.sample(self.staff, 2)
        written = spelling.phone_as_typed(rng, person.phone)
        first = person.first_name.split()[0]
        self._write(rng, Written(
            sender=(a.name, a.email), to=[(b.name, b.email)], subject="Telefonnotat",
            body=f"Hei,\n\n{first} ringte om SMS-klubben og ville bli ringt opp igjen på {written}.\n\nHilsen {a.name.split()[0]}\n",
            date=self._date(rng), folder="Sendt", message_id=self._msgid(),
            owners={person.person_id}, ids=[("phone", person.phone, person.person_id), ("email", a.email, "staff"), ("email", b.email, "staff")],
        ))

    def _internal(self, rng: random.Random) -> None:
        a, b = rng.sample(self.staff, 2)
        self._write(rng, Written(
            sender=(a.name, a.email), to=[(b.name, b.email)], subject=rng.choice(["Møte tirsdag", "Lunsj", "Rapport", "Vaktliste"]),
            body=f"Hei {b.name.split()[0]},\n\nKan vi ta en prat i morgen? Ring meg på {a.phone}.\n\nHilsen {a.name.split()[0]}\n",
            date=self._date(rng), folder="Sendt", message_id=self._msgid(),
            ids=[("email", a.email, "staff"), ("email", b.email, "staff"), ("phone", a.e164, "staff")],
        ))

    # -- encoding and filing -------------------------------------------------------------------

    def _write(self, rng: random.Random, message: Written) -> None:
        raw = encode(message, rng)
        folder, locator = self._file(rng, message, raw)
        key = message_key(folder, locator)
        for owner in sorted(message.owners):
            self.truth.add(owner, self.office.controller, self.office.system, "messages", key)
        self._truth_file.write(json.dumps({
            "controller": self.office.controller, "system": self.office.system, "key": key,
            "owners": sorted(message.owners), "candidates": sorted(message.candidates - message.owners),
            "ids": message.ids,
        }, ensure_ascii=False) + "\n")
        self.count += 1

    def _file(self, rng: random.Random, message: Written, raw: bytes) -> tuple[str, str]:
        """Store the message; returns (folder, locator) as the connector will name them."""
        office = self.office
        sub = message.folder or ("Arkiv/" + str(message.date.year) if message.date.year < AS_OF.year else "")
        if office.layout in ("maildir++", "maildir-fs"):
            if office.layout == "maildir++":
                directory = self.root / office.mailbox / ("." + sub.replace("/", ".") if sub else "")
            else:
                directory = self.root / office.mailbox / sub
            folder = "/".join(p for p in (office.mailbox, sub) if p)
            fresh = message.date > datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC) - timedelta(days=3)
            for d in ("cur", "new", "tmp"):
                (directory / d).mkdir(parents=True, exist_ok=True)
            unique = f"{int(message.date.timestamp())}.M{self.count}P4242.sample,S={len(raw)}"
            name = unique if fresh else f"{unique}:2,{rng.choice(['S', 'RS', ''])}"
            path = directory / ("new" if fresh else "cur") / name
            path.write_bytes(raw)
            return folder, unique
        folder = sub or office.mailbox
        handle = self._mbox.get(folder)
        if handle is None:
            parts = folder.split("/")
            path = self.root.joinpath(*(p + ".sbd" for p in parts[:-1]), parts[-1])
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = self._mbox[folder] = path.open("wb")
            self._offsets[folder] = 0
        chunk = mbox_chunk(raw, message.sender[1], message.date, office.variant)
        offset = self._offsets[folder]
        handle.write(chunk)
        self._offsets[folder] = offset + len(chunk)
        return folder, f"{offset}:{len(chunk)}"

    def close(self) -> None:
        for handle in self._mbox.values():
            handle.close()
        self._truth_file.close()


def _quote(message: Written, name: str, address: str) -> str:
    who = f"{name} <{address}>" if name else address
    quoted = "\n".join("> " + line if line else ">" for line in message.body.rstrip("\n").split("\n"))
    return f"{format_datetime(message.date).replace(' +0000', '')} skrev {who}:\n{quoted}\n"


# -------------------------------------------------------------------------------- encoding


def _word(text: str) -> str:
    """A header text as an RFC 2047 encoded word where it isn't ASCII."""
    if text.isascii():
        return text
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _address(name: str, address: str, rng: random.Random) -> str:
    if not name:
        return address
    if "," in name or not name.isascii():
        return f'"{name}" <{address}>' if name.isascii() else f"{_word(name)} <{address}>"
    return f"{name} <{address}>"


def _body(text: str, rng: random.Random, subtype: str = "plain") -> tuple[str, bytes]:
    """Headers and bytes of a text part in one of the encodings mail clients write."""
    choice = rng.random()
    if choice < 0.4:
        data = binascii.b2a_qp(text.replace("\n", "\r\n").encode("utf-8"))
        return f"Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n", data
    if choice < 0.6:
        data = base64.encodebytes(text.replace("\n", "\r\n").encode("utf-8")).replace(b"\n", b"\r\n")
        return f"Content-Type: text/{subtype}; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n", data
    if choice < 0.8:
        data = text.replace("\n", "\r\n").encode("utf-8")
        return f"Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n", data
    if choice < 0.9:
        data = binascii.b2a_qp(text.replace("\n", "\r\n").encode("iso-8859-1", "replace"))
        return f"Content-Type: text/{subtype}; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n", data
    data = text.replace("\n", "\r\n").encode("cp1252", "replace")
    return f"Content-Type: text/{subtype}; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n", data


def _html(text: str) -> str:
    import html

    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    return f"<html><body>{paragraphs}</body></html>"


def encode(message: Written, rng: random.Random) -> bytes:
    """The message as a mail client would have sent it (CRLF, MIME)."""
    head = [
        f"From: {_address(*message.sender, rng)}",
        "To: " + ", ".join(_address(n, a, rng) for n, a in message.to),
    ]
    if message.cc:
        head.append("Cc: " + ", ".join(_address(n, a, rng) for n, a in message.cc))
    head += [f"Subject: {_word(message.subject)}", f"Date: {format_datetime(message.date)}",
             f"Message-ID: <{message.message_id}>", "MIME-Version: 1.0"]
    if message.in_reply_to:
        head += [f"In-Reply-To: <{message.in_reply_to}>", f"References: <{message.in_reply_to}>"]
    boundary = f"=_dsar_{rng.getrandbits(48):012x}"
    if message.html:
        plain_head, plain = _body(message.body, rng)
        html_head, html_part = _body(_html(message.body), rng, "html")
        inner = (f"--{boundary}a\r\n{plain_head}\r\n".encode() + plain + f"\r\n--{boundary}a\r\n{html_head}\r\n".encode()
                 + html_part + f"\r\n--{boundary}a--\r\n".encode())
        main_head, main = f'Content-Type: multipart/alternative; boundary="{boundary}a"\r\n', inner
    else:
        main_head, main = _body(message.body, rng)
    if not message.attachments:
        return ("\r\n".join(head) + "\r\n" + main_head + "\r\n").encode() + main
    parts = f"--{boundary}\r\n{main_head}\r\n".encode() + main
    for name, ctype, data in message.attachments:
        encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
        parts += (f"\r\n--{boundary}\r\nContent-Type: {ctype}; name=\"{name}\"\r\nContent-Disposition: attachment; "
                  f"filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n").encode() + encoded
    parts += f"\r\n--{boundary}--\r\n".encode()
    head.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    return ("\r\n".join(head) + "\r\n\r\n").encode() + parts


def mbox_chunk(raw: bytes, sender: str, date: datetime, variant: str) -> bytes:
    """One mbox entry: the ``From `` line, the message with LF endings and ``From`` quoted,
    and the empty line that ends it."""
    import re

    body = raw.replace(b"\r\n", b"\n")
    pattern = rb"(?m)^(>*From )" if variant == "mboxrd" else rb"(?m)^(From )"
    body = re.sub(pattern, rb">\1", body)
    if not body.endswith(b"\n"):
        body += b"\n"
    stamp = date.strftime("%a %b %d %H:%M:%S %Y")
    return f"From {sender.strip() or 'MAILER-DAEMON'} {stamp}\n".encode() + body + b"\n"

