"""From an ``Answer`` to what the letter template shows: every text resolved to one language.

The template only lays out; every decision about what to say is made here, so it can be
tested without rendering. All facts about the processing come from the controller's
configuration (``LocalText.get``); nothing is invented. Values stay plain ``str``: the
template escapes them (names and register texts are untrusted).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from dsar.config.models import Collection, Controller, Language, LocalText, Register
from dsar.i18n import format_int
from dsar.letter.phrases import Phrases
from dsar.report import Answer, SystemReport
from dsar.safetext import for_letter

# Legal bases are free text in the register, so consent is recognised by its words and by the
# article it cites (Art. 6(1)(a), 9(2)(a)); the letter then offers withdrawing consent.
_CONSENT = re.compile(
    r"samtykk|consent|\b[69]\s*(?:\(\s*[12]\s*\)\s*\(\s*a\s*\)|nr\.?\s*[12]\s*(?:bokstav\s*)?a\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Found:
    """One collection the person has records in: its title and how many."""

    title: str
    count: str


@dataclass(frozen=True)
class Recipient:
    name: str
    receives: str


@dataclass(frozen=True)
class SystemSection:
    """One system with data: what was found and every Art. 15(1) item of its register."""

    title: str
    found_sentence: str
    found: list[Found]
    purposes: list[str]
    legal_basis: list[str]
    categories: list[str]
    recipients: list[Recipient]
    retention: str
    sources: list[str]
    transfers: list[str]
    profiling: str | None
    automated_decisions: str | None
    special: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pending:
    """A system missing from a partial answer, and why (in words for the person)."""

    title: str
    reason: str


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: list[str]
    org_nr: str | None
    email: str
    phone: str | None
    website: str | None
    responsible: str


@dataclass(frozen=True)
class LetterContext:
    """Everything ``letter.html.j2`` renders. ``t`` gives the fixed sentences."""

    t: Phrases
    language: Language
    head: Letterhead
    reference: str
    date: str
    subject_name: str
    subject_email: str | None
    requested_by: str | None
    intro: str
    confirmation: str
    complete: bool
    pending: list[Pending]
    sections: list[SystemSection]
    without_data: list[str]
    password_sentence: str
    consent_systems: str | None
    contact_sentence: str
    dpo_sentence: str | None
    generated_at: str


def build_context(answer: Answer) -> LetterContext:
    """Resolve ``answer`` into the letter's texts in ``answer.language``, every text free of
    control characters (``dsar.safetext.for_letter``): names and register texts are typed by
    people, and an escape or a bidi override would garble the letter or reorder its words."""
    return _cleaned(_build_context(answer))


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return for_letter(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _cleaned(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    return value  # Phrases, numbers, booleans, None


def _build_context(answer: Answer) -> LetterContext:
    lang = answer.language
    t = Phrases(lang)
    controller = answer.controller

    received = t.date(answer.received_on)
    if answer.requested_by:
        intro = t(
            "intro_behalf",
            subject=answer.subject_name,
            requester=answer.requested_by,
            received=received,
        )
    else:
        intro = t("intro_self", received=received)

    sections = [_section(report, lang, t) for report in answer.with_data]
    # A system that failed (or waits for staff's own search) was not searched; one waiting
    # for review was, in part.
    n_searched = sum(1 for s in answer.systems if s.status not in ("failed", "waiting"))
    searched = t.systems(n_searched)
    if sections:
        found = t.found_in(len(sections), n_searched)
        confirmation = t("confirm_data", searched=searched, found=found)
    elif answer.complete:
        confirmation = t("confirm_none", searched=searched)
    else:
        confirmation = t("confirm_none_yet", searched=searched)

    consent = [
        s.title for s, r in zip(sections, answer.with_data, strict=True) if _consent_based(r.system.processing)
    ]

    return LetterContext(
        t=t,
        language=lang,
        head=_letterhead(controller, lang),
        reference=answer.request_id,
        date=t.date(answer.answered_on),
        subject_name=answer.subject_name,
        subject_email=answer.subject_email,
        requested_by=answer.requested_by,
        intro=intro,
        confirmation=confirmation,
        complete=answer.complete,
        pending=[
            Pending(
                title=s.system.title.get(lang),
                reason=t({"failed": "partial_failed", "waiting": "partial_manual"}.get(s.status, "partial_review")),
            )
            for s in answer.not_searched
        ],
        sections=sections,
        without_data=[s.system.title.get(lang) for s in answer.without_data],
        password_sentence=t(f"password_{answer.password_channel}"),
        consent_systems=t.join(consent) if consent else None,
        contact_sentence=t(
            "contact_us",
            contacts=t.join([x for x in (controller.email, controller.phone) if x]),
            ref=answer.request_id,
        ),
        dpo_sentence=_dpo_sentence(controller, lang, t),
        generated_at=answer.generated_at.isoformat(timespec="seconds"),
    )


def _letterhead(controller: Controller, lang: Language) -> Letterhead:
    return Letterhead(
        name=controller.name,
        address=list(controller.address),
        org_nr=_format_org_nr(controller.org_nr),
        email=controller.email,
        phone=controller.phone,
        website=controller.website,
        responsible=controller.responsible.get(lang),
    )


def _format_org_nr(org_nr: str | None) -> str | None:
    """``986 724 397``, the way Brønnøysundregistrene prints it."""
    if org_nr is None:
        return None
    digits = re.sub(r"\D", "", org_nr)
    if len(digits) != 9:
        return org_nr
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def _dpo_sentence(controller: Controller, lang: Language, t: Phrases) -> str | None:
    dpo = controller.dpo
    if dpo is None:
        return None
    parts = [x for x in (dpo.email, dpo.phone) if x]
    contacts = t.join(parts)
    if dpo.name is not None:
        contacts = f"{dpo.name.get(lang)}, {contacts}"
    return t("contact_dpo", contacts=contacts)


def _texts(items: list[LocalText], lang: Language) -> list[str]:
    return [item.get(lang) for item in items]


def _consent_based(register: Register) -> bool:
    return any(
        _CONSENT.search(basis.nb) or (basis.en and _CONSENT.search(basis.en))
        for basis in register.legal_basis
    )


def _section(report: SystemReport, lang: Language, t: Phrases) -> SystemSection:
    system = report.system
    register = system.processing
    collections = system.collections

    found = [
        Found(
            title=collections[cid].title.get(lang) if cid in collections else cid,
            count=format_int(count, lang),
        )
        for cid, count in report.collections.items()
        if count > 0
    ]
    # Notes about secrets, masking and Art. 9 concern the collections the person is in.
    holding = [collections[cid] for cid, n in report.collections.items() if n > 0 and cid in collections]

    return SystemSection(
        title=system.title.get(lang),
        found_sentence=t("found", records=t.records(report.records)),
        found=found,
        purposes=_texts(register.purposes, lang),
        legal_basis=_texts(register.legal_basis, lang),
        categories=_texts(register.categories, lang),
        recipients=[
            Recipient(name=r.name.get(lang), receives=r.receives.get(lang))
            for r in register.recipients
        ],
        retention=register.retention.get(lang),
        sources=_texts(register.sources, lang),
        transfers=[
            t(
                "transfer_item",
                recipient=x.recipient,
                country=x.country.get(lang),
                safeguard=x.safeguard.get(lang),
            )
            for x in register.transfers
        ],
        profiling=register.profiling.get(lang) if register.profiling else None,
        automated_decisions=(
            register.automated_decisions.get(lang) if register.automated_decisions else None
        ),
        special=[
            t("special_item", field=_label(c, col, lang), collection=c.title.get(lang), why=why.get(lang))
            for c in holding
            for col, why in c.special_category.items()
        ],
        secrets=[
            t("secret_item", what=what.get(lang), collection=c.title.get(lang))
            for c in holding
            for what in c.secret.values()
        ],
        masked=[
            t("masked_item", field=_label(c, col, lang), collection=c.title.get(lang))
            for c in holding
            for col in c.masked
        ],
    )


def _label(collection: Collection, column: str, lang: Language) -> str:
    """The field's explanation where the configuration gives one, else its column name."""
    text = collection.fields.get(column)
    return text.get(lang) if text is not None else column
