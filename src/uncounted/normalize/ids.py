"""ID numbers as printed in the lists: cleaned to nine digits and compared for typing errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, Literal

from uncounted.core.ids import is_valid_id
from uncounted.normalize.columns import as_values

IdRelation = Literal["same", "one_digit_off", "transposition", "different", "missing"]

_TO_ASCII: Final = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_NON_DIGITS: Final = re.compile(r"\D+")
_ID_LENGTH: Final = 9
# Shorter values are IDs printed without their leading zeros; anything shorter than this is a
# row number or a fragment, not an ID.
_MIN_DIGITS: Final = 5


def normalize_id(value: str | int | None) -> str | None:
    """Digits only, Arabic-Indic digits converted, left-padded with zeros to nine digits.

    Returns ``None`` for empty values, all-zero values, values with fewer than five digits and
    values longer than nine digits (they cannot be a nine-digit ID).
    """
    if value is None:
        return None
    text = str(value).translate(_TO_ASCII)
    if text.endswith(".0"):  # spreadsheets turn IDs into floats
        text = text[:-2]
    digits = _NON_DIGITS.sub("", text)
    if len(digits) < _MIN_DIGITS or len(digits) > _ID_LENGTH or not digits.strip("0"):
        return None
    return digits.zfill(_ID_LENGTH)


def normalize_id_many(values: Iterable[str | int | None]) -> list[str | None]:
    return [normalize_id(value) for value in as_values(values)]


def id_is_valid(value: str | int | None) -> bool:
    """True when the value normalizes to a nine-digit ID with a correct check digit."""
    normalized = normalize_id(value)
    return normalized is not None and is_valid_id(normalized)


def id_relation(a: str | int | None, b: str | int | None) -> IdRelation:
    """How two IDs relate, for a comparison level in linkage.

    ``one_digit_off``: one position differs (a typing or OCR slip); ``transposition``: two
    adjacent digits swapped. Both keep the check digit valid only by chance, so callers may
    combine this with ``id_is_valid`` to tell which side carries the error.
    """
    left = normalize_id(a)
    right = normalize_id(b)
    if left is None or right is None:
        return "missing"
    if left == right:
        return "same"
    differing = [i for i in range(_ID_LENGTH) if left[i] != right[i]]
    if len(differing) == 1:
        return "one_digit_off"
    if (
        len(differing) == 2
        and differing[1] == differing[0] + 1
        and left[differing[0]] == right[differing[1]]
        and left[differing[1]] == right[differing[0]]
    ):
        return "transposition"
    return "different"
