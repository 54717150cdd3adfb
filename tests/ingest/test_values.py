from __future__ import annotations

from datetime import date

import pytest

from uncounted.ingest.values import (
    SEX_CODES,
    ValueProblem,
    id_check_status,
    infer_day_first,
    is_missing,
    normalize_id,
    parse_age,
    parse_code,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("34", 34.0),
        ("34.0", 34.0),
        ("٣٤", 34.0),
        ("3 months", 0.25),
        ("6 أشهر", 0.5),
        ("Less than a day", 0.0),
        ("2 years 6 months", 2.5),
        ("14 שעות", round(14 / 8766, 4)),
        ("1,5", 1.5),
    ],
)
def test_ages_become_fractional_years(text: str, years: float) -> None:
    assert parse_age(text) == pytest.approx(years)


@pytest.mark.parametrize("text", ["abc", "250", "-3", "3 parsecs", "12 months of war"])
def test_impossible_or_unreadable_ages_are_problems(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_age(text)


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2024-01-05", True, date(2024, 1, 5)),
        ("05/01/2024", True, date(2024, 1, 5)),
        ("05/01/2024", False, date(2024, 5, 1)),
        ("October 7, 2023", True, date(2023, 10, 7)),
        ("7 October 2023", True, date(2023, 10, 7)),
        ("20240105", True, date(2024, 1, 5)),
        ("18-Nov-23", True, date(2023, 11, 18)),
        ("3-Dec-99", True, date(1999, 12, 3)),
    ],
)
def test_dates(text: str, day_first: bool, expected: date) -> None:
    assert parse_date(text, day_first=day_first) == expected


@pytest.mark.parametrize("text", ["31/02/2020", "1.2.99", "yesterday", "Killed during a raid"])
def test_bad_dates_are_problems(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_date(text)


def test_the_day_order_of_a_column_is_decided_from_all_its_values() -> None:
    assert infer_day_first(["01/02/2020", "25/12/2020"]) is True
    assert infer_day_first(["01/02/2020", "12/25/2020"]) is False
    assert infer_day_first(["25/01/2020", "12/25/2020"]) is None


@pytest.mark.parametrize(
    ("code", "sex"),
    [
        ("M", "male"),
        ("ذكر", "male"),
        ("זכר", "male"),
        ("f", "female"),
        ("أنثى", "female"),
        ("נקבה", "female"),
    ],
)
def test_sex_codes(code: str, sex: str) -> None:
    assert parse_code(code, SEX_CODES, "sex") == sex


def test_unknown_codes_are_problems() -> None:
    with pytest.raises(ValueProblem, match="unknown sex code"):
        parse_code("X", SEX_CODES, "sex")


def test_id_numbers() -> None:
    assert normalize_id(" 123-456-782 ") == "123456782"
    assert normalize_id("٠١٢٣") == "0123"
    assert id_check_status("123456782") == "valid"
    assert id_check_status("123456789") == "invalid"
    assert id_check_status("12345678") == "partial"
    assert id_check_status("1234567890") == "too_long"
    with pytest.raises(ValueProblem):
        normalize_id("missing-2024-17")


def test_missing_markers() -> None:
    assert is_missing(None) and is_missing(" - ") and is_missing("N/A") and is_missing("-1")
    assert not is_missing("0")
