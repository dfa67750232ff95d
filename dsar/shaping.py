"""What may leave a system, applied before anything is staged.

Secrets (password hashes, MFA secrets, API keys) are dropped: the package and the letter say
the category exists, never the value. Card numbers keep at most the first 6 and last 4 digits
(PCI DSS 3.3). Special-category fields stay — the person is entitled to them — and are flagged
from the configuration when the package is written.
"""

from __future__ import annotations

import re
from typing import Any

from dsar.config.models import Collection


def shape(fields: dict[str, Any], collection: Collection) -> dict[str, Any]:
    shaped = {}
    for name, value in fields.items():
        if name in collection.secret:
            continue
        if collection.masked.get(name) == "pan":
            value = mask_pan(value)
        shaped[name] = value
    return shaped


def mask_pan(value: Any) -> Any:
    """``4111111111111111`` → ``411111******1111``; shorter or odd values are masked whole.

    A value already masked within PCI DSS's limit (at most 10 digits shown, the rest ``*``)
    is kept as it is, so shaping twice — at search and again at release — changes nothing.
    """
    if value is None or value == "":
        return value
    digits = re.sub(r"\D", "", str(value))
    if "*" in str(value) and len(digits) <= 10:
        return value
    if len(digits) < 13:
        # Already masked upstream (e.g. "**** 1234") or not a card number: keep only what
        # is already safe to show, the last four digits.
        return "*" * max(len(digits) - 4, 0) + digits[-4:] if digits else "****"
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
