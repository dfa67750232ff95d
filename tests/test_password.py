"""Package passwords: strong enough for AES-256, and easy to read aloud or type from SMS."""

from __future__ import annotations

import math
import re

import pytest

from dsar.package.password import ALPHABET, generate_password, password_entropy_bits

# Characters that are mistaken for one another when read, typed or heard.
LOOK_ALIKES = "0O1ILUV"


def test_shape_is_seven_groups_of_four() -> None:
    password = generate_password()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){6}", password), password
    assert len(password) == 34


def test_alphabet_has_no_look_alikes() -> None:
    assert not set(LOOK_ALIKES) & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 29
    for _ in range(200):
        assert not set(LOOK_ALIKES) & set(generate_password())


def test_at_least_128_bits() -> None:
    bits = password_entropy_bits(generate_password())
    assert bits >= 128
    assert bits == pytest.approx(28 * math.log2(29))  # 136.0


def test_two_calls_differ() -> None:
    assert len({generate_password() for _ in range(100)}) == 100


def test_all_symbols_are_used() -> None:
    # A coarse check that every symbol can be drawn (secrets.choice is uniform).
    seen = set("".join(generate_password() for _ in range(200)).replace("-", ""))
    assert seen == set(ALPHABET)


@pytest.mark.parametrize(
    ("password", "bits"),
    [
        ("", 0.0),
        ("2345", 4 * math.log2(29)),  # separators carry no entropy
        ("ABCD-EFGH", 8 * math.log2(29)),
    ],
)
def test_entropy_counts_alphabet_symbols(password: str, bits: float) -> None:
    assert password_entropy_bits(password) == pytest.approx(bits)


def test_entropy_refuses_foreign_characters_without_echoing_them() -> None:
    with pytest.raises(ValueError) as info:
        password_entropy_bits("hunter2")
    assert "hunter" not in str(info.value)
