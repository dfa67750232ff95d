"""The extension notice: the person is told, with reasons, that the answer will take longer.

GDPR Art. 12(3): the period may be extended by two further months where necessary, taking
into account the complexity and number of requests; the controller informs the person of any
extension within one month of receipt, together with the reasons for the delay. Staff send
this letter (bokmål or English) before the first deadline; the dashboard renders it from the
request store as HTML (Jinja2) and as PDF (Typst, on the cover letter's frame).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime

from dsar.config.models import Controller, Language
from dsar.deadlines import today_oslo
from dsar.errors import InputError
from dsar.i18n import format_date
from dsar.letter.context import Letterhead, _letterhead
from dsar.store.domain import AccessRequest
from dsar.templating import environment

PHRASES: dict[Language, dict[str, str]] = {
    "nb": {
        "title": "Svaret på innsynskravet ditt tar lengre tid",
        "our_ref": "Vår referanse",
        "date": "Dato",
        "org_nr": "Org.nr.",
        "phone": "Tlf.",
        "email": "E-post",
        "care_of": "v/",
        "received": "Vi mottok kravet ditt om innsyn i personopplysninger {received}.",
        "extended": (
            "Personvernforordningen artikkel 12 nr. 3 gir oss en måned på å svare. Fristen kan "
            "forlenges med inntil to måneder når det er nødvendig fordi kravet er komplisert eller "
            "vi har mange krav. Vi forlenger fristen med {months} og svarer deg senest {due}."
        ),
        "reason_heading": "Hvorfor vi trenger mer tid",
        "rights_heading": "Dine rettigheter",
        "rights": (
            "Er du uenig i forlengelsen, kan du klage til oss på adressen over, eller til "
            "Datatilsynet (www.datatilsynet.no, postboks 458 Sentrum, 0105 Oslo). Du kan også "
            "bringe saken inn for domstolene (personvernforordningen artikkel 77 og 79)."
        ),
        "contact": "Har du spørsmål, kan du kontakte oss på {email}.",
        "regards": "Med vennlig hilsen",
        "month_1": "én måned",
        "month_2": "to måneder",
    },
    "en": {
        "title": "The answer to your access request will take longer",
        "our_ref": "Our reference",
        "date": "Date",
        "org_nr": "Org. no.",
        "phone": "Tel.",
        "email": "E-mail",
        "care_of": "c/o",
        "received": "We received your request for access to your personal data on {received}.",
        "extended": (
            "Article 12(3) of the General Data Protection Regulation gives us one month to answer. "
            "That period may be extended by up to two further months where necessary, taking into "
            "account the complexity and number of requests. We are extending it by {months} and "
            "will answer you by {due} at the latest."
        ),
        "reason_heading": "Why we need more time",
        "rights_heading": "Your rights",
        "rights": (
            "If you disagree with the extension, you may complain to us at the address above, or to "
            "the Norwegian Data Protection Authority, Datatilsynet (www.datatilsynet.no, PO Box 458 "
            "Sentrum, 0105 Oslo, Norway). You may also take the matter to court (GDPR Articles 77 and 79)."
        ),
        "contact": "If you have any questions, please contact us at {email}.",
        "regards": "Yours sincerely",
        "month_1": "one month",
        "month_2": "two months",
    },
}


@dataclass(frozen=True)
class NoticeContext:
    language: Language
    head: Letterhead
    reference: str
    date: str
    subject_name: str
    requested_by: str | None
    subject_email: str | None
    received_sentence: str
    extended_sentence: str
    reason: str
    rights: str
    contact: str
    responsible: str
    t: dict[str, str]


def notice_context(request: AccessRequest, controller: Controller, language: Language) -> NoticeContext:
    """What the notice says; ``InputError`` unless the request was extended."""
    if not request.extension_months or request.due_extended is None:
        raise InputError(f"kravet {request.id} er ikke forlenget; det finnes ikke noe forlengelsesbrev å skrive")
    if language not in PHRASES:
        raise InputError(f"forlengelsesbrevet skrives på nb eller en, ikke {language!r}")
    t = PHRASES[language]
    notified = request.extension_notified_on or today_oslo()
    return NoticeContext(
        language=language,
        head=_letterhead(controller, language),
        reference=request.id,
        date=format_date(notified, language),
        subject_name=_clean(request.person.name),
        requested_by=_clean(request.requested_by) if request.requested_by else None,
        subject_email=request.person.emails[0] if request.person.emails else None,
        received_sentence=t["received"].format(received=format_date(request.received_on, language)),
        extended_sentence=t["extended"].format(
            months=t[f"month_{request.extension_months}"], due=format_date(request.due_extended, language)
        ),
        reason=_clean(request.extension_reason or ""),
        rights=t["rights"],
        contact=t["contact"].format(email=controller.email),
        responsible=controller.responsible.get(language),
        t=t,
    )


def render_notice_html(request: AccessRequest, controller: Controller, language: Language) -> str:
    context = notice_context(request, controller, language)
    return environment("letter").get_template("extension.html.j2").render(c=context, t=context.t)


def render_notice_pdf(request: AccessRequest, controller: Controller, language: Language) -> bytes:
    """The notice as a tagged PDF/UA-1 (Typst, ``templates/letter/extension.typ``), the same
    texts as ``render_notice_html``; ``InputError`` unless the request was extended."""
    from dsar.letter.pdf import plain, utc_parts
    from dsar.letter.typeset import typeset

    context = notice_context(request, controller, language)
    values = {f.name: plain(getattr(context, f.name)) for f in fields(context) if f.name != "t"}
    pdf, _warnings = typeset("extension.typ", {"letter": values, "t": context.t, "created": utc_parts(datetime.now(UTC))})
    return pdf


def _clean(text: str) -> str:
    """Control characters never reach a letter (a terminal escape in a name stays out)."""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ")[:300]
