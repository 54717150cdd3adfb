from __future__ import annotations

import pytest

from uncounted.core.ids import make_valid_id
from uncounted.normalize.ids import id_is_valid, id_relation, normalize_id, normalize_id_many

VALID = make_valid_id("80435949")


def test_normalize_id() -> None:
    assert normalize_id("٨٠٤٣٥٩٤٩٥") == "804359495"
    assert normalize_id(" 4-001234-56 ") == "400123456"
    assert normalize_id("12345678") == "012345678"
    assert normalize_id(804359495.0) == "804359495"
    assert normalize_id("804359495.0") == "804359495"
    for empty in (None, "", "0000", "000000000", "1234", "1234567890"):
        assert normalize_id(empty) is None
    assert normalize_id_many(["1234567", None]) == ["001234567", None]


def test_validity_uses_core_check_digit() -> None:
    assert id_is_valid(VALID)
    assert not id_is_valid(VALID[:-1] + str((int(VALID[-1]) + 1) % 10))


@pytest.mark.parametrize(
    ("a", "b", "relation"),
    [
        ("123456789", "123456789", "same"),
        ("123456789", "023456789", "one_digit_off"),
        ("123456789", "123456798", "transposition"),
        ("123456789", "213456789", "transposition"),
        ("123456789", "987654321", "different"),
        ("123456789", "123457689", "transposition"),
        ("123456789", "124356798", "different"),
        ("123456789", "", "missing"),
        (None, "123456789", "missing"),
        ("١٢٣٤٥٦٧٨٩", "123456789", "same"),
        ("12345678", "012345678", "same"),
    ],
)
def test_id_relation(a: str | None, b: str | None, relation: str) -> None:
    assert id_relation(a, b) == relation
    assert id_relation(b, a) == relation
