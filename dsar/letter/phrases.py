"""The letter's own sentences in bokmål and English (dates and numbers: ``dsar.i18n``).

Everything the letter says *about the processing* comes from the controller's register; the
sentences here only frame those facts and state what the law gives the person. Phrases are
plain text with ``str.format`` placeholders: the template escapes the finished sentence, so a
name put into a phrase can never become markup.
"""

from __future__ import annotations

from datetime import date
from string import Formatter

from dsar.config.models import Language
from dsar.i18n import format_date, format_int

# Norwegian style writes small numbers in words; "system" is neuter, hence "ett".
_SYSTEM_NUMBERS: dict[Language, tuple[str, ...]] = {
    "nb": ("ingen", "ett", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti"),
    "en": ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
}

_PHRASES: dict[Language, dict[str, str]] = {
    "nb": {
        "title": "Svar på forespørsel om innsyn",
        "subtitle": "Innsyn i personopplysninger etter personvernforordningen artikkel 15",
        "our_ref": "Vår referanse",
        "date": "Dato",
        "org_nr": "Org.nr.",
        "email": "E-post",
        "phone": "Telefon",
        "web": "Nett",
        "page": "Side",
        "of": "av",
        "care_of": "v/",
        "intro_self": (
            "Vi viser til forespørselen din om innsyn i personopplysninger, som vi mottok "
            "{received}. I dette brevet svarer vi på den."
        ),
        "intro_behalf": (
            "Vi viser til forespørselen om innsyn i personopplysninger om {subject}, som "
            "{requester} sendte oss på vegne av {subject}, og som vi mottok {received}. "
            "I dette brevet betyr «du» {subject}."
        ),
        "confirm_data": (
            "Vi bekrefter at vi behandler personopplysninger om deg. Vi har søkt i {searched} "
            "og fant opplysninger om deg {found}. En kopi av opplysningene følger med "
            "dette brevet i en kryptert pakke."
        ),
        "confirm_none": (
            "Vi har søkt i {searched} og fant ingen personopplysninger om deg, utover "
            "opplysningene i selve forespørselen, som vi behandler for å kunne svare deg."
        ),
        "confirm_none_yet": (
            "Vi har så langt søkt i {searched} uten å finne personopplysninger om deg."
        ),
        "partial_heading": "Dette er et delvis svar",
        "partial_intro": (
            "Vi er ikke ferdige med alle systemene ennå. Disse systemene er ikke med i dette "
            "svaret:"
        ),
        "partial_failed": "kunne ikke søkes ennå",
        "partial_manual": "søkes gjennom for hånd av våre ansatte, og er ikke ferdig ennå",
        "partial_review": "noen mulige treff må kontrolleres manuelt før de kan utleveres",
        "partial_rest": (
            "Vi sender deg resten av svaret så snart disse systemene er gjennomgått. "
            "Det som står i dette brevet, gjelder systemene vi er ferdige med."
        ),
        "systems_heading": "Hva vi har om deg, og hvordan vi bruker det",
        "systems_intro": (
            "Nedenfor beskriver vi hvert system der vi fant opplysninger om deg: hva vi fant, "
            "hvorfor vi behandler opplysningene, hvem som får dem, og hvor lenge vi lagrer dem."
        ),
        "found": "Vi fant {records}.",
        "found_table_head": "Innhold",
        "found_count_head": "Antall",
        "record_one": "{n} registrering",
        "record_many": "{n} registreringer",
        "system_one": "{n} system",
        "system_many": "{n} systemer",
        "found_in_some": "i {n} av dem",
        "found_in_all": "i alle",
        "found_in_only": "der",
        "purposes": "Formål",
        "legal_basis": "Rettslig grunnlag",
        "categories": "Opplysninger vi behandler",
        "recipients": "Mottakere",
        "recipients_none": "Ingen. Vi deler ikke opplysningene fra dette systemet med andre.",
        "retention": "Lagringstid",
        "sources": "Kilde",
        "sources_self": "Opplysningene har du gitt oss selv.",
        "sources_other": "Opplysninger vi ikke har fått fra deg selv, kommer fra:",
        "transfers": "Overføring ut av EØS",
        "transfers_none": "Ingen. Opplysningene overføres ikke til land utenfor EØS.",
        "transfer_item": "Til {recipient} i {country}. Garanti for overføringen: {safeguard}",
        "transfers_more": "Du kan be oss om mer informasjon om garantiene.",
        "profiling": "Profilering",
        "profiling_none": "Nei. Opplysningene brukes ikke til profilering.",
        "automated": "Automatiserte avgjørelser",
        "automated_none": (
            "Nei. Vi treffer ingen avgjørelser om deg som bare bygger på automatisert behandling."
        ),
        "special_heading": "Særlige kategorier av personopplysninger (artikkel 9)",
        "special_intro": (
            "Noen av opplysningene kan avsløre særlige kategorier av personopplysninger, for "
            "eksempel om helse eller religion. De er merket i kopien og sendes deg bare kryptert."
        ),
        "special_item": "«{field}» i {collection}: {why}",
        "secret_heading": "Opplysninger vi ikke utleverer",
        "secret_item": (
            "«{what}» i {collection}: vi bekrefter at dette er lagret, men av "
            "sikkerhetshensyn utleverer vi ikke selve verdien."
        ),
        "masked_heading": "Kortnummer",
        "masked_item": (
            "«{field}» i {collection} vises maskert i kopien: bare de seks første og de fire "
            "siste sifrene er med, slik sikkerhetskravene for betalingskort (PCI DSS) krever."
        ),
        "without_heading": "Systemer uten opplysninger om deg",
        "without_intro": "Vi søkte også i disse systemene, men fant ingen opplysninger om deg:",
        "without_intro_all": "Vi søkte i disse systemene:",
        "package_heading": "Kopien av opplysningene dine",
        "package_intro": (
            "Kopien ligger i en ZIP-fil som er kryptert med AES-256. Den inneholder:"
        ),
        "package_index": (
            "index.html: en lesbar oversikt over alle opplysningene. Åpne den i en nettleser."
        ),
        "package_data": (
            "En JSON-fil og en CSV-fil for hver del av hvert system (for eksempel kunder og "
            "ordrer), med forklaring av feltene. Dette er "
            "maskinlesbare formater som du kan ta med deg til en annen tjeneste "
            "(dataportabilitet)."
        ),
        "package_letter": "Dette brevet.",
        "package_partial": "Pakken inneholder bare opplysninger fra systemene vi er ferdige med.",
        "package_open": (
            "For å åpne filen trenger du et program som støtter AES-kryptert ZIP, for eksempel "
            "det gratis programmet 7-Zip (Windows, www.7-zip.org), The Unarchiver eller Keka "
            "(Mac) eller 7z (Linux). Det innebygde utpakkingsverktøyet i Windows klarer ikke "
            "alltid å åpne slike filer."
        ),
        "password_sms": "Passordet får du i en egen SMS til telefonnummeret du oppga.",
        "password_phone": (
            "Passordet får du ved at vi ringer deg på telefonnummeret du oppga."
        ),
        "password_post": "Passordet får du i et eget brev i posten.",
        "password_digipost": (
            "Passordet får du i en egen melding i den digitale postkassen din i Digipost."
        ),
        "password_separate": (
            "Av sikkerhetshensyn sender vi aldri passordet i samme melding som filen. "
            "Ta kontakt med oss hvis du ikke får passordet."
        ),
        "free_copy": (
            "Denne kopien er gratis. Ber du om flere kopier, kan vi kreve et rimelig gebyr "
            "for de administrative kostnadene (artikkel 15 nr. 3)."
        ),
        "rights_heading": "Dine rettigheter",
        "rights_intro": "Etter personvernforordningen har du også disse rettighetene:",
        "right_rectification_label": "Retting (artikkel 16)",
        "right_rectification": (
            "Du kan be oss rette opplysninger som er feil, og "
            "supplere opplysninger som er ufullstendige."
        ),
        "right_erasure_label": "Sletting (artikkel 17)",
        "right_erasure": (
            "Du kan be oss slette opplysninger om deg, blant annet "
            "når vi ikke lenger trenger dem til formålet de ble samlet inn for."
        ),
        "right_restriction_label": "Begrensning (artikkel 18)",
        "right_restriction": (
            "Du kan be oss begrense behandlingen, for eksempel "
            "mens vi undersøker om opplysningene er riktige."
        ),
        "right_objection_label": "Protest (artikkel 21)",
        "right_objection": (
            "Du kan protestere mot behandling som bygger på vår "
            "berettigede interesse eller på en oppgave i allmennhetens interesse. Mot "
            "direkte markedsføring, og profilering knyttet til den, kan du alltid protestere."
        ),
        "right_portability_label": "Dataportabilitet (artikkel 20)",
        "right_portability": (
            "Opplysninger du har gitt oss, og som vi behandler "
            "på grunnlag av samtykke eller avtale, kan du få i et maskinlesbart format og ta "
            "med deg til en annen virksomhet."
        ),
        "right_portability_package": "JSON- og CSV-filene i pakken er laget for dette.",
        "right_consent_label": "Trekke samtykke (artikkel 7 nr. 3)",
        "right_consent": (
            "Der behandlingen bygger på samtykke ({systems}), "
            "kan du når som helst trekke samtykket tilbake. Det påvirker ikke lovligheten av "
            "behandlingen før du trakk det tilbake."
        ),
        "rights_how": "Ta kontakt med oss hvis du vil bruke noen av disse rettighetene.",
        "complaint_heading": "Klage",
        "complaint_intro": (
            "Mener du at vi behandler personopplysninger om deg i strid med regelverket, eller "
            "er du ikke fornøyd med svaret, kan du klage til Datatilsynet:"
        ),
        "complaint_court": (
            "Du kan også bringe saken inn for domstolene (personvernforordningen artikkel 79)."
        ),
        "contact_heading": "Spørsmål",
        "contact_us": "Har du spørsmål om svaret, kan du kontakte oss: {contacts}. Oppgi referansen {ref}.",
        "contact_dpo": "Du kan også kontakte personvernombudet vårt: {contacts}.",
        "or": "eller",
        "closing": "Med vennlig hilsen",
        "no_signature": "Brevet er sendt elektronisk og har derfor ingen håndskreven signatur.",
        "enclosure": "Vedlegg",
        "enclosure_package": "Kryptert ZIP-fil med kopi av opplysningene dine",
    },
    "en": {
        "title": "Your request for access to personal data",
        "subtitle": "Right of access under Article 15 of the General Data Protection Regulation",
        "our_ref": "Our reference",
        "date": "Date",
        "org_nr": "Org. no.",
        "email": "Email",
        "phone": "Phone",
        "web": "Web",
        "page": "Page",
        "of": "of",
        "care_of": "c/o",
        "intro_self": (
            "We refer to your request for access to your personal data, which we received on "
            "{received}. This letter is our answer."
        ),
        "intro_behalf": (
            "We refer to the request for access to the personal data of {subject}, which "
            "{requester} made on behalf of {subject} and which we received on {received}. "
            "In this letter, “you” means {subject}."
        ),
        "confirm_data": (
            "We confirm that we process personal data about you. We searched {searched} and "
            "found data about you {found}. A copy of the data comes with this letter in an "
            "encrypted package."
        ),
        "confirm_none": (
            "We searched {searched} and found no personal data about you, apart from the "
            "details in your request itself, which we process in order to answer it."
        ),
        "confirm_none_yet": (
            "So far we have searched {searched} without finding personal data about you."
        ),
        "partial_heading": "This is a partial answer",
        "partial_intro": (
            "We have not finished with all systems yet. These systems are not part of this "
            "answer:"
        ),
        "partial_failed": "could not be searched yet",
        "partial_manual": "is being searched by hand by our staff, and is not finished yet",
        "partial_review": "some possible matches must be checked by a person before release",
        "partial_rest": (
            "We will send you the rest of the answer as soon as these systems have been dealt "
            "with. What this letter says applies to the systems we have finished."
        ),
        "systems_heading": "What we hold about you, and how we use it",
        "systems_intro": (
            "Below we describe each system in which we found data about you: what we found, "
            "why we process the data, who receives it, and how long we keep it."
        ),
        "found": "We found {records}.",
        "found_table_head": "Contents",
        "found_count_head": "Records",
        "record_one": "{n} record",
        "record_many": "{n} records",
        "system_one": "{n} system",
        "system_many": "{n} systems",
        "found_in_some": "in {n} of them",
        "found_in_all": "in all of them",
        "found_in_only": "there",
        "purposes": "Purposes",
        "legal_basis": "Legal basis",
        "categories": "Data we process",
        "recipients": "Recipients",
        "recipients_none": "None. We do not share the data in this system with anyone else.",
        "retention": "Retention",
        "sources": "Source",
        "sources_self": "You gave us the data yourself.",
        "sources_other": "Data we did not get from you comes from:",
        "transfers": "Transfers outside the EEA",
        "transfers_none": "None. The data is not transferred to countries outside the EEA.",
        "transfer_item": "To {recipient} in {country}. Safeguard for the transfer: {safeguard}",
        "transfers_more": "You may ask us for more information about the safeguards.",
        "profiling": "Profiling",
        "profiling_none": "No. The data is not used for profiling.",
        "automated": "Automated decisions",
        "automated_none": (
            "No. We make no decisions about you based solely on automated processing."
        ),
        "special_heading": "Special categories of personal data (Article 9)",
        "special_intro": (
            "Some of the data may reveal special categories of personal data, such as health "
            "or religion. It is marked in the copy and sent to you only in encrypted form."
        ),
        "special_item": "“{field}” in {collection}: {why}",
        "secret_heading": "Data we do not release",
        "secret_item": (
            "“{what}” in {collection}: we confirm that this is stored, but for security "
            "reasons we do not release the value itself."
        ),
        "masked_heading": "Card numbers",
        "masked_item": (
            "“{field}” in {collection} is shown masked in the copy: only the first six and the "
            "last four digits are included, as the payment card security rules (PCI DSS) require."
        ),
        "without_heading": "Systems with no data about you",
        "without_intro": "We also searched these systems but found no data about you:",
        "without_intro_all": "We searched these systems:",
        "package_heading": "Your copy of the data",
        "package_intro": "The copy is in a ZIP file encrypted with AES-256. It contains:",
        "package_index": "index.html: a readable overview of all the data. Open it in a web browser.",
        "package_data": (
            "A JSON file and a CSV file for each part of each system (customers, orders and so "
            "on), with an explanation of the fields. These "
            "are machine-readable formats you can take with you to another service (data "
            "portability)."
        ),
        "package_letter": "This letter.",
        "package_partial": "The package only holds data from the systems we have finished.",
        "package_open": (
            "To open the file you need a program that supports AES-encrypted ZIP files, such "
            "as the free 7-Zip (Windows, www.7-zip.org), The Unarchiver or Keka (Mac), or 7z "
            "(Linux). The extraction tool built into Windows cannot always open such files."
        ),
        "password_sms": (
            "You will receive the password in a separate SMS to the phone number you gave us."
        ),
        "password_phone": "We will call you on the phone number you gave us and tell you the password.",
        "password_post": "You will receive the password in a separate letter by post.",
        "password_digipost": (
            "You will receive the password in a separate message in your Digipost digital mailbox."
        ),
        "password_separate": (
            "For your security we never send the password in the same message as the file. "
            "Please contact us if the password does not reach you."
        ),
        "free_copy": (
            "This copy is free of charge. For any further copies you ask for, we may charge a "
            "reasonable fee based on administrative costs (Article 15(3))."
        ),
        "rights_heading": "Your rights",
        "rights_intro": "Under the General Data Protection Regulation you also have these rights:",
        "right_rectification_label": "Rectification (Article 16)",
        "right_rectification": (
            "You may ask us to correct data that is wrong and to "
            "complete data that is incomplete."
        ),
        "right_erasure_label": "Erasure (Article 17)",
        "right_erasure": (
            "You may ask us to erase data about you, for instance where "
            "we no longer need it for the purpose it was collected for."
        ),
        "right_restriction_label": "Restriction (Article 18)",
        "right_restriction": (
            "You may ask us to restrict the processing, for instance "
            "while we check whether the data is correct."
        ),
        "right_objection_label": "Objection (Article 21)",
        "right_objection": (
            "You may object to processing based on our legitimate "
            "interests or on a task in the public interest. You may always object to direct "
            "marketing, and to profiling related to it."
        ),
        "right_portability_label": "Data portability (Article 20)",
        "right_portability": (
            "Where we process data you gave us on the basis of consent or a contract, you may "
            "receive it in a machine-readable format and take it to another organisation."
        ),
        "right_portability_package": "The JSON and CSV files in the package are made for this.",
        "right_consent_label": "Withdrawing consent (Article 7(3))",
        "right_consent": (
            "Where the processing is based on consent "
            "({systems}), you may withdraw your consent at any time. This does not affect the "
            "lawfulness of the processing before you withdrew it."
        ),
        "rights_how": "Contact us if you want to exercise any of these rights.",
        "complaint_heading": "Complaints",
        "complaint_intro": (
            "If you believe that we process personal data about you in breach of the rules, or "
            "you are not satisfied with this answer, you may complain to the Norwegian Data "
            "Protection Authority (Datatilsynet):"
        ),
        "complaint_court": (
            "You may also take the matter to the courts (Article 79 of the General Data "
            "Protection Regulation)."
        ),
        "contact_heading": "Questions",
        "contact_us": "If you have questions about this answer, contact us: {contacts}. Please quote the reference {ref}.",
        "contact_dpo": "You may also contact our data protection officer: {contacts}.",
        "or": "or",
        "closing": "Kind regards",
        "no_signature": "This letter was sent electronically and therefore has no handwritten signature.",
        "enclosure": "Enclosure",
        "enclosure_package": "Encrypted ZIP file with a copy of your data",
    },
}


class Phrases:
    """The letter's sentences in one language: ``t("key", name=value)`` returns plain text.

    A missing key or placeholder raises ``KeyError``: a letter with a hole in it must not
    be sent.
    """

    def __init__(self, language: Language) -> None:
        self.language = language
        self._table = _PHRASES[language]

    def __call__(self, key: str, **values: object) -> str:
        return self._table[key].format(**values)

    def fixed(self) -> dict[str, str]:
        """Every phrase without a placeholder, by key: what a template may show as it is."""
        return {
            key: text
            for key, text in self._table.items()
            if not any(name is not None for _, name, _, _ in Formatter().parse(text))
        }

    def records(self, n: int) -> str:
        """``"1 registrering"`` / ``"1 234 registreringer"``."""
        return self("record_one" if n == 1 else "record_many", n=format_int(n, self.language))

    def systems(self, n: int) -> str:
        """A count of systems, in words up to ten as Norwegian and English style prefer."""
        words = _SYSTEM_NUMBERS[self.language]
        number = words[n] if 0 < n < len(words) else format_int(n, self.language)
        return self("system_one" if n == 1 else "system_many", n=number)

    def found_in(self, found: int, searched: int) -> str:
        """Where data was found among the systems searched: "i to av dem", "i alle", "der"."""
        if found == searched:
            return self("found_in_only" if searched == 1 else "found_in_all")
        words = _SYSTEM_NUMBERS[self.language]
        n = words[found] if 0 < found < len(words) else format_int(found, self.language)
        return self("found_in_some", n=n)

    def date(self, value: date) -> str:
        return format_date(value, self.language)

    def join(self, items: list[str]) -> str:
        """``"a, b eller c"`` / ``"a, b or c"``: alternatives (contact ways, consent systems)."""
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self('or')} " + items[-1]


def phrase_keys(language: Language) -> frozenset[str]:
    """The keys defined for ``language``; both languages must define the same keys."""
    return frozenset(_PHRASES[language])
