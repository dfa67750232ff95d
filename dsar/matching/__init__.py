"""Deciding which records a search found are the asking person's: evidence along every path.

A record is judged on what it says itself and on how it was reached:

- *Assessment* (``assess``): a record that says who it is about — a name, a birth date, a
  national id — *agrees* with the request (the name agrees, the birth date is the same),
  *conflicts* with it (another first name, another birth date; or the same first name under
  another surname), is *unverifiable* (it holds a name, but the request's name can't tell
  people apart), or is *neutral* (it says nothing to compare: a contact row holding only an
  e-mail).
- *Groups*: a record that is found by lookup, can be reached more than once, or says who it
  is about is a *node* with a group of its own; any other record joins the group of the
  record it was reached from (an order's lines share the order's fate).
- *Whose a record that names no one is*: a record found by the person's own e-mail or phone
  that says nothing else (a contact row, an SMS log line) is the person's: they hold the
  identifier. What it points up to is judged on its own evidence — the member row a family
  e-mail's contact row points to may be another member's — and a record reached up that says
  nothing and carries no identifier (an appointment between an SMS line and the patient)
  *follows* the record it points to. When the request is a guardian's for a child, the
  identifiers given are the guardian's: a record found by them that says nothing is the
  child's only when its path up reaches the child's own record.
- *Verdict*: a group is

  ``excluded`` (clearly somebody else, not a question for staff) when it conflicts on a first
  name, a birth date or a national id; when it was reached down from a record that doesn't
  say who it is about and carries an e-mail or phone of somebody else's (a household's
  booking under another resident's number); or, for a child, when it was found only by the
  guardian's identifiers and never reaches the child's record;

  ``held`` for a person to decide (``dsar review``) when it is unverifiable, when only the
  surname differs (a change of surname?), when it holds only an identifier the person shares
  with somebody whose record it points to (``identifier_shared``), or when it was found by
  name alone: a name never
  releases a record by itself — only a name *and* the birth date (or national id) agreeing
  do;

  ``released`` otherwise, when it was found by the person's e-mail or phone or reached from a
  released group. Groups held or excluded only because they were reached from such a group
  follow that group's fate.

The resolver holds one small node per group, never the records: memory follows the number of
records that say who they are about, not the size of the person's data.

Where each part is decided:

- ``reasons``: why a group is held or excluded, and which reasons decide what;
- ``assessment``: what one record says (``Subject``, ``Assessment``, ``assess``);
- ``contacts``: the e-mails and phones a record holds, the person's or another's;
- ``groups``: the resolver's groups, how records join them, the release as records flow;
- ``namesakes``: rows of the person's name that may be a namesake's;
- ``resolver``: the stream of records and the passes once the search ended (``Resolver``);
- ``resolution``: which groups are released, with staff's decisions (``Resolution``).
"""

from __future__ import annotations

from dsar.matching.assessment import MINOR_AGE, Assessment, Subject, assess
from dsar.matching.contacts import identifiers, identifiers_against, other_identifier
from dsar.matching.reasons import (
    ANOTHER_PERSON,
    CHILD_WITH_OWN_CONTACT,
    CONFINED,
    EXCLUDING,
    REASONS,
    STRONG,
)
from dsar.matching.resolution import GroupVerdict, Resolution
from dsar.matching.resolver import Resolver

__all__ = [
    "ANOTHER_PERSON",
    "CHILD_WITH_OWN_CONTACT",
    "CONFINED",
    "EXCLUDING",
    "MINOR_AGE",
    "REASONS",
    "STRONG",
    "Assessment",
    "GroupVerdict",
    "Resolution",
    "Resolver",
    "Subject",
    "assess",
    "identifiers",
    "identifiers_against",
    "other_identifier",
]
