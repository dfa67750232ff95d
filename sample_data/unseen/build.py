"""Builds the unseen world into a workspace: configuration, source systems, people, ground truth.

``build_unseen(workspace, seed=, scale=)`` writes

    config/controllers/<id>.toml   five organisations the product has never seen (copied from
                                   ``sample_data/unseen/config``, written from README and the
                                   sample configuration alone)
    config/dsar.toml               store and data-key settings, if missing
    sources/<id>/…                 their SQLite databases and CSV exports
    sources/people.csv             everyone, with what they give when asking and every hard case
    sources/ground_truth.csv       which record is whose (``orgs/base.py`` states the rule)

The same seed and scale give the same files. Households are made, written and forgotten a
block at a time, so memory does not grow with scale.
"""

from __future__ import annotations

import csv
import random
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from sample_data.sinks import GroundTruth
from sample_data.unseen.orgs import ORGANISATIONS
from sample_data.unseen.people import Person, Town

CONFIG_SOURCE = Path(__file__).parent / "config"
SETTINGS_TOML = """\
# Written by the unseen world generator. The store lives in the workspace; the data key is read
# from the DSAR_DATA_KEY environment variable (or the secret store), never from this file.
[store]
url = "sqlite:///{workspace}/store.db"

[keys]
data_key = "DSAR_DATA_KEY"
"""
PEOPLE_HEADER = (
    # What the person gives when asking (email/phone: the first given; emails/phones: all, "; ")
    "person_id", "name", "email", "phone", "emails", "phones", "birthdate", "relation", "guardian_id",
    # Who they are
    "first_name", "middle_name", "last_name", "true_birthdate", "age", "sex", "household_id", "household_type",
    "origin",
    # Hard cases
    "shares_email_with", "shares_phone_with", "namesake_of", "same_first_name_as", "phone_only",
    "changed_email", "gives_old_email", "request_name_kind", "name_variants", "name_only_rows",
    "phone_outside_plan", "email_idn", "email_tagged", "dnumber", "birthdate_wrong", "crm_duplicate",
    "phone_spellings",
    # What the asker would confirm as theirs when staff ask about an e-mail or phone found in
    # their records (a second search): every one they hold, given or not. For a guardian's
    # request, the guardian's and the child's own.
    "holds_emails", "holds_phones",
    # What the asker names when staff ask openly for every e-mail and phone they use with the
    # organisation: those they use today (own, family, mobile, an adult's landline), not an
    # address given up years ago unless they gave it when asking.
    "names_emails", "names_phones",
)


@dataclass(frozen=True)
class UnseenWorld:
    """What ``build_unseen`` made."""

    workspace: Path
    seed: int
    scale: float
    people: int
    records: dict[str, int] = field(default_factory=dict)
    """Rows written, per ``"<controller>/<system>/<collection or table>"``."""
    truth_rows: int = 0
    seconds: float = 0.0

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


def build_unseen(workspace: Path, *, seed: int = 2026, scale: float = 1.0) -> UnseenWorld:
    """Write the unseen world into ``workspace`` (created if missing; its sources rebuilt).

    Raises ``ValueError`` before writing anything when ``scale`` isn't positive.
    """
    if scale <= 0:
        raise ValueError("scale must be greater than 0")
    started = time.perf_counter()
    root = Path(workspace).expanduser().resolve()
    town = Town(seed, scale)
    _write_configuration(root)
    sources = root / "sources"
    for org_cls in ORGANISATIONS:
        shutil.rmtree(sources / org_cls.controller_id, ignore_errors=True)
    sources.mkdir(parents=True, exist_ok=True)

    truth = GroundTruth(sources / "ground_truth.csv")
    orgs = [org_cls(root, truth) for org_cls in ORGANISATIONS]
    people = 0
    try:
        with (sources / "people.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(PEOPLE_HEADER)
            for block_no, block in enumerate(town.blocks()):
                for org in orgs:
                    org.add_block(block, random.Random(f"{seed}:unseen:{org.controller_id}:{block_no}"))
                for household in block:
                    for person in household.members:
                        writer.writerow(person_row(person))
                        people += 1
    finally:
        for org in orgs:
            org.close()
        truth.close()
    records = {f"{org.controller_id}/{key}": n for org in orgs for key, n in org.counts().items()}
    return UnseenWorld(workspace=root, seed=seed, scale=scale, people=people, records=records,
                       truth_rows=truth.count, seconds=time.perf_counter() - started)


def _write_configuration(root: Path) -> None:
    controllers = root / "config" / "controllers"
    controllers.mkdir(parents=True, exist_ok=True)
    settings = root / "config" / "dsar.toml"
    if not settings.exists():
        settings.write_text(SETTINGS_TOML, encoding="utf-8")
    for source in sorted(CONFIG_SOURCE.glob("*.toml")):
        shutil.copyfile(source, controllers / source.name)


# ------------------------------------------------------------------------------ people.csv


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    for prefix in ("0047", "47"):
        if len(digits) > 8 and digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def _holders_of_email(person: Person, address: str) -> set[Person]:
    household = person.household
    holders = {p for p in household.members if address in (p.email, p.old_email)}
    if address == household.family_email:
        holders.update(household.family_email_users)
    holders.update(p for p in household.members if address in p.request.emails)
    return holders - {person}


def _holders_of_phone(person: Person, digits: str) -> set[Person]:
    household = person.household
    holders = {p for p in household.members if p.mobile == digits}
    if digits == household.landline:
        holders.update(household.adults)
    holders.update(p for p in household.members if digits in {_digits(x) for x in p.request.phones})
    return holders - {person}


def outside_plan(digits: str) -> bool:
    """Whether the phone library's numbering plan doesn't list this Norwegian number (Nkom
    opens ranges before the library's metadata knows them)."""
    import phonenumbers

    return not phonenumbers.is_valid_number(phonenumbers.parse("+47" + digits))


def person_row(person: Person) -> tuple[str, ...]:
    req = person.request
    household = person.household
    sharing_email = set().union(*(_holders_of_email(person, e) for e in req.emails)) if req.emails else set()
    sharing_phone = set().union(*(_holders_of_phone(person, _digits(p)) for p in req.phones)) if req.phones else set()
    variants = sorted({k.split(":", 1)[1] for k in person.marks if k.startswith("name:")})
    spellings = sorted({k.split(":", 1)[1] for k in person.marks if k.startswith("phone:")})
    own_emails = [e for e in (person.email, person.old_email, person.contact_email()) if e]
    return (
        person.pid, req.name, req.emails[0] if req.emails else "", req.phones[0] if req.phones else "",
        "; ".join(req.emails), "; ".join(req.phones), req.birthdate.isoformat() if req.birthdate else "",
        req.relation, req.guardian_id,
        person.given, person.middle, person.last, person.birthdate.isoformat(), str(person.age), person.sex,
        household.hid, household.kind, person.origin.code if person.origin else "no",
        " ".join(sorted(p.pid for p in sharing_email)), " ".join(sorted(p.pid for p in sharing_phone)),
        person.namesake_of, person.same_first_name_as,
        "1" if req.phones and not req.emails else "",
        "1" if person.old_email else "", "1" if person.old_email and person.old_email in req.emails else "",
        req.name_kind, " ".join(variants), str(person.marks["name_only_rows"] or ""),
        "1" if person.mobile and outside_plan(person.mobile) else "",
        "1" if any(not e.split("@")[1].isascii() for e in own_emails) else "",
        "1" if person.marks["email_tagged"] else "", "1" if person.dnumber else "",
        "1" if person.marks["birthdate_wrong"] else "", "1" if person.marks["crm_duplicate"] else "",
        " ".join(spellings),
        *_holds(person),
        *_holds(person, today_only=True),
    )


def _holds(person: Person, *, today_only: bool = False) -> tuple[str, str]:
    """The e-mails and phones the asker holds ("; " between them): their own, old and
    family addresses, their mobile and (an adult's) the household's landline; a guardian asking
    holds their own and knows the child's. ``today_only``: what they name when asked openly —
    an old address only if they gave it when asking."""
    req = person.request
    askers = [person]
    if req.relation == "guardian":
        askers += [g for g in person.guardians if g.pid == req.guardian_id]
    emails: list[str] = []
    phones: list[str] = []
    for p in askers:
        old = p.old_email if not today_only or p.old_email in req.emails else None
        emails += [e for e in (p.email, old, p.contact_email()) if e]
        if p.uses_family_email:
            emails.append(p.household.family_email or "")
        phones += [x for x in (p.mobile,) if x]
        if p.household.landline and not p.is_child:
            phones.append(p.household.landline)
    return "; ".join(dict.fromkeys(e for e in emails if e)), "; ".join(dict.fromkeys(phones))

