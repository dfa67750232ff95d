"""Every rate the unseen world is drawn with, and where it comes from.

Three kinds of source, marked on each constant:

- **SSB** / **Nkom** / **Medietilsynet**: published Norwegian statistics (figures rounded;
  the year is given). These fix who lives with whom, how old they are and how many children
  they have, which in turn fixes how often an e-mail or landline is shared.
- **estimate**: no statistic exists (how often a club secretary types a name wrong); the value
  is an order of magnitude argued in the comment. Each is a *world* parameter, not a target
  for the matcher: none was chosen by looking at how the product matches.
- **visibility**: a rare case set a little above its real frequency so that a world of a few
  thousand people holds at least a dozen of them (a benchmark cannot weigh a case it holds
  twice). These are the only ones nudged, and they say so.

``tests/test_unseen_world.py`` checks that a generated world holds each case at roughly the
rate written here.
"""

from __future__ import annotations

from datetime import date

REFERENCE_DATE = date(2026, 11, 1)
"""The day the world is "now": ages, membership years and the last bookings are counted to
it. Births are all before it, so every fødselsnummer is valid on any later day."""

HOUSEHOLDS_PER_SCALE = 1400
"""Households at scale 1: SSB 2023 counts 2.11 persons per private household, so about 3000
people — "a few thousand"."""

BLOCK_HOUSEHOLDS = 250
"""Households generated, written and forgotten together (memory stays flat with scale)."""

# --------------------------------------------------------------------------- households
HOUSEHOLD_TYPES = (
    # SSB, Familier og husholdninger, 1 January 2023 (households; 2 581 721 in all).
    ("single", 1_047_741),            # aleneboende
    ("couple", 628_822),              # par uten barn
    ("couple_children", 488_069),     # ektepar 302 437 + samboerpar 185 632 med barn 0-17
    ("single_parent", 107_184),       # mor/far med barn 0-17
    ("adult_children", 185_299),      # enfamiliehusholdninger med voksne barn
    ("multi", 93_225),                # flerfamiliehusholdninger uten barn 0-17
    ("multi_children", 31_381),       # flerfamiliehusholdninger med barn 0-17
)

CHILDREN_IN_FAMILY = (
    # SSB 2023, children 0-17 living with both parents, by number of siblings at home,
    # turned into families: 130 251 only children, 428 256 / 2 with one sibling, 221 561 / 3
    # with two, 48 817 / 4, 12 305 / 5, 7 119 / 6 (five or more siblings, taken as six).
    (1, 130_251), (2, 214_128), (3, 73_854), (4, 12_204), (5, 2_461), (6, 1_187),
)

SINGLE_PARENT_CHILDREN = ((1, 55), (2, 35), (3, 10))
"""estimate: single parents have fewer children than couples (SSB publishes children by
family type, not this split)."""

COUPLE_SAME_SURNAME = 0.55
"""estimate: married couples mostly share a surname, cohabiting couples (38 % of couples
with children, SSB 2023) mostly do not."""

CHILD_MIDDLE_NAME = 0.35
"""estimate: children given the other parent's surname as a middle name (mellomnavn), the
commonest Norwegian pattern when parents' surnames differ."""

ADULT_MIDDLE_NAME = 0.2
"""estimate: adults with a middle name (mellomnavn: a mother's or a farm's surname between
given names and surname: ``Kari Berg Hansen``)."""

HYPHENATED_SURNAME = 0.04
"""estimate: double surnames joined by a hyphen (``Hansen-Berg``)."""

DOUBLE_GIVEN_NAME = {"old": 0.30, "mid": 0.20, "young": 0.10}
"""estimate: two given names written together (``Anne Marie``, ``Per Olav``); common in the
older cohorts, rarer among children."""

FOREIGN_ORIGIN = 0.20
"""SSB 1 January 2024: immigrants 16.8 % and Norwegian-born to immigrant parents 4.0 % of
the population; a household's adults share an origin."""

# ------------------------------------------------------------------------------- ages
ADULT_AGE_BANDS = {
    # (low, high, weight) for the oldest adult of each household type. estimate shaped on
    # SSB's population by age: people living alone are mostly young or old; parents of
    # children 0-17 are 25-55 (SSB: mean age at first birth 30 for women, 32 for men).
    "single": ((19, 29, 30), (30, 49, 25), (50, 66, 20), (67, 95, 25)),
    "couple": ((22, 34, 25), (35, 54, 15), (55, 66, 25), (67, 92, 35)),
    "adult_children": ((45, 54, 35), (55, 66, 45), (67, 85, 20)),
    "multi": ((19, 29, 50), (30, 66, 30), (67, 90, 20)),
}

# ------------------------------------------------------------------ telephone and e-mail
MOBILE_SERIES = (
    # estimate: Nkom's numbering plan gives mobiles the 4- and 9-series (eight digits). The
    # 9-series has been in use longest; in the 4-series the ranges 42, 43, 44 and 49 were
    # opened most recently (and some phone libraries do not list them yet: people.csv's
    # ``phone_outside_plan`` says which numbers the phonenumbers library rejects).
    (tuple(f"9{d}" for d in range(10)), 60),
    (("40", "41", "45", "46", "47", "48"), 30),
    (("42", "43", "44", "49"), 10),
)

MOBILE_ADULT = 0.98
"""Nkom: about one mobile subscription per inhabitant; a few elderly have none."""

MOBILE_BY_CHILD_AGE = ((0, 8, 0.0), (9, 9, 0.6), (10, 12, 0.95), (13, 17, 0.99))
"""Medietilsynet, Barn og medier 2022: nearly all children have their own mobile from 10."""

EMAIL_ADULT = {"young": 0.97, "mid": 0.96, "old": 0.80}
"""estimate from SSB's ICT use surveys: e-mail use is near universal below 75 and lower above."""

EMAIL_CHILD_FROM_AGE = 13
EMAIL_CHILD = 0.55
"""estimate: own address from about 13 (school and game accounts)."""

LANDLINE_HOUSEHOLD = {"young": 0.03, "mid": 0.08, "old": 0.35}
"""Nkom's ekomstatistikk shows fixed voice lines in steep decline (a small minority of
households today); estimate by the age of the household's oldest adult — landlines live on
with older people and in old records."""

FAMILY_EMAIL_COUPLES = 0.12
"""estimate: couples who keep a shared family address (``familien.hansen@``) beside or
instead of their own, and give it to clubs, shops and their housing cooperative."""

FAMILY_EMAIL_ONLY = 0.35
"""estimate: share of those couples (mostly older) where one partner has no address of their
own and uses only the family one."""

CHANGED_EMAIL = 0.12
"""estimate: adults whose main address changed within the years these systems keep (ISP
addresses given up, jobs changed): an old record holds the old one."""

CHANGED_EMAIL_GIVES_OLD = 0.30
"""estimate: of those, the share who also give the old address when asking."""

IDN_EMAIL = 0.02
"""visibility: a personal or small-firm domain with æ/ø/å; rarer in reality. The mailing
tool exports such domains in their ASCII form (``xn--``), as does the CRM's old import."""

EMPLOYER_EMAIL = 0.07
"""estimate: adults who give their work address to a club or shop."""

# -------------------------------------------------------------------------- the request
GUARDIAN_ASKS_15_17 = 0.5
"""estimate: at 15-17 a person may ask alone (consent age 15 for information society
services, personopplysningsloven § 5) but parents keep responsibility to 18 (barneloven
§ 30); half are taken as asked by a guardian."""

REQUEST_BIRTHDATE = 0.6
"""estimate: adults who give a birth date when asking (forms ask; many leave it out)."""

REQUEST_MIDDLE_OMITTED = 0.3
"""estimate: people with a middle name who leave it out of the request."""

REQUEST_PHONE_ONLY = 0.05
"""estimate: requests made by SMS or phone that give a mobile number and no e-mail."""

REQUEST_GIVES_PHONE = 0.7
"""estimate: e-mail requests that also give a mobile number."""

REQUEST_GIVES_FAMILY_EMAIL = 0.4
"""estimate: people with a family address who also give it when asking."""

REQUEST_GIVES_LANDLINE = 0.3
"""estimate: people in a household with a landline who also give it."""

REQUEST_SURNAME_ONLY = 0.012
REQUEST_EMPTY_NAME = 0.006
REQUEST_NON_LATIN = 0.1
"""visibility: requests with only a surname, with no name at all, and — among people whose
origin writes another script — with the name in that script. Rare in reality ("a few")."""

JR_SR = 0.08
"""visibility: families with children (or grown children at home) where a child of the same
sex carries a parent's first name and surname (Jr./Sr.); the old custom survives in some
families — set so a few thousand people hold a couple of dozen pairs."""

PLANTED_NAMESAKES = 0.01
"""visibility: on top of the namesakes the name frequencies produce by themselves, a person
given the first name and surname of someone in another household of the same block."""

DNUMBER_ORIGINS = ("pl", "lt", "ua", "se", "ph")
DNUMBER_LABOUR_MIGRANT = 0.25
"""estimate: adults of the groups that come for work or short stays (Poland, Lithuania,
Sweden, au pairs from the Philippines, Ukrainians before a residence permit) who are known by
a D-number (day + 40) rather than a fødselsnummer."""

# ----------------------------------------------------------------------- organisations
CLUB_CHILD_MEMBER = 0.35
"""estimate: children 6-19 who are members of this club (NIF: about two in three children
take part in organised sport at some age, spread over several clubs in a town)."""

CLUB_SIBLING_JOINS = 0.5
CLUB_ADULT_MEMBER = 0.07
CLUB_VOLUNTEER_HOUSEHOLD = 0.45
"""estimate: member households where a parent signs up for dugnad (kiosk, car park,
cake-baking), recorded in the coordinator's spreadsheet."""

VOLUNTEER_ROW_PHONE = 0.4
"""estimate: dugnad rows where the coordinator noted a phone number."""

HOUSING_BY_TYPE = {
    # SSB, Eierstatus for husholdningstyper 2019: share of each household type living as
    # andels-/aksjeeier (housing cooperatives), 13.8 % of all households.
    "single": 0.183, "couple": 0.121, "couple_children": 0.09, "single_parent": 0.137,
    "adult_children": 0.101, "multi": 0.116, "multi_children": 0.088,
}
HOUSING_CHILD_REGISTERED = 0.6
"""estimate: children the board lists as residents (fire safety, key chips)."""

CLINIC_PATIENT = 0.12
"""estimate: people (8 and older) with a record at this clinic over the years it keeps them;
SSB's living-conditions survey has roughly one adult in five seeing a physiotherapist in a
year, spread over many clinics."""

CLINIC_SMS_RESERVED = 0.1
"""estimate: patients who declined SMS reminders."""

SHOP_CUSTOMER = 0.18
SHOP_GUEST_ONLY = 0.4
"""estimate: shoppers who never open an account (guest checkout is offered and widely used)."""

SHOP_ACCOUNT_GUEST_ORDER = 0.15
SHOP_FAMILY_EMAIL_ORDER = 0.6
"""estimate: orders placed with the household's family address by those who have one."""

SHOP_TAGGED_EMAIL = 0.15
"""visibility: customers of tagging providers who sign up as ``name+strikk@``."""

NEWSLETTER_SUBSCRIBER = 0.5
CRM_MEMBER = 0.12
CRM_HOUSEHOLD_MEMBERSHIP = 0.35
CRM_DUPLICATE = 0.06
"""estimate: members entered twice (an import and a later web sign-up); every CRM that has
been migrated once has them."""

CRM_BIRTHDATE_MISSING = 0.25
CRM_EVENT_MEMBER = 0.4
CRM_EVENT_NON_MEMBER = 0.04
CRM_EVENT_COUPLE_ROW = 0.05
"""estimate: sign-ups where one form names two people (``Kari og Per Hansen``)."""

BIRTHDATE_MISTYPED = 0.01
"""estimate: birth dates entered with day and month swapped (club register, CRM)."""

# ------------------------------------------------------------------- how names are typed
NAME_TYPO = 0.012
"""estimate: single manual entry of a name goes wrong about once in a hundred (the order of
magnitude data-entry studies report for unchecked single entry)."""

NAME_ASCII_FOLD = 0.15
"""estimate: rows where a system or a foreign keyboard wrote æ/ø/å as ae/o/a or ae/oe/aa,
among names that hold them (web shop, imports)."""

NAME_NFD = 0.08
"""visibility: rows whose æ/ø/å/é came decomposed (combining marks: copied from a Mac or a
PDF), among names that hold them; rarer in reality."""

NAME_REVERSED = {"club": 0.05, "volunteers": 0.1, "housing": 0.6, "crm": 0.15}
"""estimate: "Etternavn, Fornavn": most register exports, some hand-kept lists."""

NAME_MIDDLE_DROPPED = 0.5
"""estimate: systems with one first-name field often keep only the first given name."""

NAME_HYPHEN_PART = 0.3
"""estimate: rows where a hyphenated double surname is written with one part only or a blank
for the hyphen (``Hansen-Berg`` as ``Hansen``, ``Berg`` or ``Hansen Berg``)."""

NAME_INITIAL = 0.05
"""estimate: dugnad rows noting a surname by its initial (``Kari H.``)."""
