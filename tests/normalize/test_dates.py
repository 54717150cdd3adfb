from __future__ import annotations

import datetime as dt

import pytest

from uncounted.normalize.dates import (
    BirthDate,
    age_at,
    age_range_at,
    ages_compatible,
    completed_years,
    default_tolerance,
    parse_birth_date,
    parse_date,
)

DEATH = dt.date(2023, 11, 2)


def test_parse_date_formats() -> None:
    assert parse_date("2024-01-05") == dt.date(2024, 1, 5)
    assert parse_date("05/01/2024") == dt.date(2024, 1, 5)
    assert parse_date("٢٠٢٤-٠١-٠٥") == dt.date(2024, 1, 5)
    assert parse_date(dt.datetime(2024, 1, 5, 10)) == dt.date(2024, 1, 5)
    assert parse_date("2024-02-30") is None
    assert parse_date("soon") is None
    assert parse_date(None) is None


def test_first_of_january_is_a_year_only_placeholder() -> None:
    assert parse_birth_date("2023-01-01") == BirthDate(2023, None, None, placeholder=True)
    assert parse_birth_date("2023-01-01", jan1_is_placeholder=False) == BirthDate(2023, 1, 1)
    assert parse_birth_date("1990") == BirthDate(1990, None, None)
    assert parse_birth_date("1990-03-05") == BirthDate(1990, 3, 5)
    assert parse_birth_date("1700-03-05") is None


def test_age_at_death() -> None:
    birth = BirthDate(1990, 3, 5)
    assert completed_years(birth, DEATH) == 33
    assert age_at(birth, DEATH) == pytest.approx(33.66, abs=0.01)
    low, high = age_range_at(BirthDate(2023, None, None, placeholder=True), DEATH)
    assert low == 0.0
    assert high == pytest.approx(0.84, abs=0.01)
    assert completed_years(BirthDate(1990, None, None), DEATH) is None


def test_tolerance_grows_with_age() -> None:
    assert default_tolerance(0.3) < default_tolerance(10) < default_tolerance(40)


def test_ages_compatible() -> None:
    dob = BirthDate(1990, 3, 5)
    assert ages_compatible(33, None, None, dob, DEATH) is True
    assert ages_compatible(35, None, None, dob, DEATH) is True  # within two years
    assert ages_compatible(30, None, None, dob, DEATH) is False
    assert ages_compatible(40, None, 43, None) is True
    assert ages_compatible(40, None, 45, None) is False
    assert ages_compatible(None, None, 3, None) is None


def test_infants_use_fractional_years() -> None:
    born = BirthDate(2023, 6, 1)
    assert ages_compatible(0.4, None, None, born, DEATH) is True
    assert ages_compatible(2, None, None, born, DEATH) is False
    assert ages_compatible(0, None, 1, None) is True
    assert ages_compatible(0, None, 3, None) is False


def test_placeholder_birth_dates_compare_as_years() -> None:
    placeholder = BirthDate(1990, None, None, placeholder=True)
    exact = BirthDate(1990, 8, 20)
    assert ages_compatible(None, placeholder, None, exact) is True
    assert ages_compatible(None, BirthDate(1980, 1, 5), None, exact) is False
