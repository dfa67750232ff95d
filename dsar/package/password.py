"""Passwords for the encrypted package: strong, and easy to read aloud or send by SMS.

A password is 7 groups of 4 characters, ``K7QM-9XD2-...``, drawn with ``secrets`` from an
alphabet without look-alikes: no ``0``/``O``, no ``1``/``I``/``L``, and neither ``U`` nor
``V`` (they blur in handwriting and on small screens). That leaves 29 symbols, so a password
carries 28 x log2(29) = 136 bits, above the 128 bits AES-256 deserves from a human secret.

The dashes belong to the password: the package opens only with the text exactly as given,
which keeps the rule for the person simple ("type it as you received it"). Nothing here
writes, logs or returns the password anywhere but to the caller.
"""

from __future__ import annotations

import math
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
"""29 symbols: digits 2-9 and A-Z without I, L, O, U, V."""
GROUPS = 7
GROUP_SIZE = 4
SEPARATOR = "-"


def generate_password() -> str:
    """A new random password, e.g. ``K7QM-9XD2-HT4R-...`` (7 groups of 4, 136 bits)."""
    groups = (
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_SIZE)) for _ in range(GROUPS)
    )
    return SEPARATOR.join(groups)


def password_entropy_bits(password: str) -> float:
    """Entropy of a password made by :func:`generate_password`, in bits.

    Counts the alphabet symbols (separators carry no entropy: their places are fixed) times
    log2 of the alphabet size. A character outside the alphabet means the password was not
    made here, and its strength can't be judged this way: ``ValueError``.
    """
    symbols = password.replace(SEPARATOR, "")
    foreign = {c for c in symbols if c not in ALPHABET}
    if foreign:
        # Say how many, never which: the characters are part of a secret.
        raise ValueError(
            f"the password has {len(foreign)} character(s) outside the package alphabet"
        )
    return len(symbols) * math.log2(len(ALPHABET))
