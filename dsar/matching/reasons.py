"""The words of the matching, and which of them decide what.

``REASONS``: why a group is held or excluded, in the words staff read. ``EXCLUDING``: the
conflicts that make a record clearly somebody else's (excluded, not put to staff);
``ANOTHER_PERSON``: the held ones that say it may be somebody else; ``CHILD_WITH_OWN_CONTACT``
and ``CONFINED``: a minor's record with the person's own e-mail or phone, and the records that
are the person's only for what they say of them; ``STRONG``: what, agreeing beside the name,
makes a record found by name the person's.
"""

from __future__ import annotations

REASONS = {
    "name_differs": "navnet er et annet",
    "surname_differs": "etternavnet er et annet (byttet navn?)",
    "given_name_part": "fornavnet stemmer bare delvis (Per / Per-Erik, Anne / Kari Anne): samme person, eller en slektning?",
    "first_name_close": "fornavnet skiller seg med én bokstav (skrivefeil, eller et familiemedlem?)",
    "child_record": "posten gjelder en mindreårig, og forespørselen oppgir ingen fødselsdato",
    "identifier_differs": "posten har en annen persons e-post eller telefon",
    "household_of_minor": "husstandens post, nådd fra en mindreårigs egen post (foreldrenes?)",
    "identifier_shared": "e-posten eller telefonen brukes også av en annen (posten peker til den andres post, eller den andres navn står ved den)",
    "guardian_identifier_only": "funnet bare på foresattes e-post eller telefon, og peker ikke til barnet",
    "birthdate_differs": "fødselsdatoen er en annen",
    "birthdate_of_another_named": "raden nevner flere personer, og fødselsdatoen kan være en av de andres",
    "birthdate_swapped": "fødselsdatoen er personens med dag og måned byttet om (feilregistrert, eller en annen?)",
    "birthdate_unreadable": "fødselsdatoen eller fødselsnummeret i posten kan ikke leses sikkert (skrevet på en uvanlig måte)",
    "birthdate_differs_named": "personens e-post eller telefon og navn, men en annen fødselsdato (feilregistrert?)",
    "national_id_differs": "fødselsnummeret er et annet",
    "name_unverifiable": "navnet i forespørselen er for lite til å skille personer",
    "name_only": "funnet bare på navn",
    "child_with_own_contact": "et barns post med personens egen e-post eller telefon (foresatt?)",
    "names_another": "henger på personens egen post, men bærer en annens navn (betaleren, en kontaktperson?)",
    "reached_from_held": "nådd fra en post som venter på vurdering",
    "parents_differ": "hører både til en av personens poster og til en annens (koblet på en delt verdi)",
    "guardian_column_only": "personens e-post eller telefon står bare som foresattes på posten",
    "key_not_unique": "flere poster har samme nøkkel i kildesystemet; hver må vurderes",
    "reached_from_excluded": "nådd fra en post som tydelig er en annen persons",
    "owner_unchecked": "nådd fra personens post, men hvem den tilhører, kan ikke slås opp (en konto en ordre ble betalt til?)",
    "owner_confined": "hører til en post om en annen, som bare er personens for kontaktopplysningene på den (barnets timer under barnets pasientpost)",
    "owner_excluded": "hører til en post som tydelig er en annen persons (en konto under en annens kundepost)",
    "namesake_household": "samme navn som personens egen post i samme register, men funnet bare på navnet (to personer med samme navn?)",
    "namesake_birthdate": "samme navn, men en annen fødselsdato enn på personens egen post (to personer med samme navn?)",
    "birthdate_in_doubt": "funnet på navn og fødselsdato, men personens egen post (funnet på e-post eller telefon, samme navn) har en annen fødselsdato: er fødselsdatoen i kravet riktig?",
}
"""Why a group is held or excluded, in the words staff read."""

EXCLUDING = frozenset(
    {"name_differs", "birthdate_differs", "national_id_differs", "identifier_differs", "owner_excluded",
     "owner_confined"}
)
"""Conflicts that make a record clearly somebody else's: excluded, not put to staff."""
ANOTHER_PERSON = frozenset(
    {"first_name_close", "given_name_part", "surname_differs", "birthdate_differs_named", "birthdate_unreadable",
     "birthdate_swapped", "birthdate_of_another_named",
     "namesake_household",
     "namesake_birthdate", "birthdate_in_doubt"}
)
"""Held conflicts that say the record may be somebody else (a sister one letter off, a namesake),
as against doubts about a household's record (``household_of_minor``)."""
CHILD_WITH_OWN_CONTACT = frozenset(
    {"name_differs", "first_name_close", "given_name_part", "surname_differs", "birthdate_differs", "child_record"}
)
"""What a minor's record carrying the adult asker's own e-mail or phone may say against the
person and still be held as ``child_with_own_contact`` (its name and birth date are the child's)."""
CONFINED = frozenset({"child_with_own_contact", "names_another"})
"""Conflicts of a record that is the person's only for what it says of them (their e-mail on a
child's sign-up; the next of kin on their own record): staff may release the record, but what
hangs on it is the other person's."""
STRONG = frozenset({"birthdate", "national_id"})
"""What, agreeing beside the name, makes a record found by name the person's."""

