"""Identity numbers: the 9-digit Israeli / Palestinian ID check digit.

Both registries use the same scheme: the eight leading digits are weighted 1, 2, 1, 2, ...,
two-digit products are replaced by the sum of their digits, and the ninth digit makes the
total a multiple of ten (a Luhn variant).
"""

from __future__ import annotations


def id_digit_sum(digits: str) -> int:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (1 if position % 2 == 0 else 2)
        total += product - 9 if product > 9 else product
    return total


def check_digit(first_eight: str) -> int:
    """The ninth digit that makes ``first_eight`` a valid ID."""
    if len(first_eight) != 8 or not first_eight.isdigit():
        raise ValueError("check_digit needs exactly eight digits")
    # The ninth position has weight 1, so the digit is whatever tops the sum up to a multiple of 10.
    return (10 - id_digit_sum(first_eight) % 10) % 10


def is_valid_id(value: str) -> bool:
    """True when ``value`` is nine digits with a correct check digit.

    Shorter values are not padded: in the Gaza registers an 8-digit ID passes the check no
    more often than chance (about one in ten), so short IDs are truncated, not zero-stripped.
    """
    if len(value) != 9 or not value.isdigit():
        return False
    return id_digit_sum(value) % 10 == 0


def make_valid_id(first_eight: str) -> str:
    return first_eight + str(check_digit(first_eight))
