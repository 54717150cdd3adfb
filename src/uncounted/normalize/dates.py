"""Dates of birth and ages: placeholders, age at death, and whether two records agree.

The lists give age, date of birth, or both; ages drift between releases because some are
computed at the release date rather than at death (the MoH 2024-01-05 sheet used
``YEARFRAC(dob, TODAY())``), and 1 January stands in for an unknown birth day. Comparisons
therefore work on intervals of possible birth dates, widened by a tolerance.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from uncounted.normalize.columns import as_values

_DAYS_PER_YEAR: Final = 365.2425
_ISO: Final = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST: Final = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_YEAR_ONLY: Final = re.compile(r"^\s*(\d{4})\s*$")
_TO_ASCII: Final = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_MIN_YEAR: Final = 1880


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A date of birth as far as it is known.

    ``placeholder`` marks a 1 January date that stands for "year only"; month and day are then
    ``None`` like for a bare year.
    """

    year: int
    month: int | None
    day: int | None
    placeholder: bool = False

    @property
    def exact(self) -> bool:
        return self.month is not None and self.day is not None

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        if self.exact:
            return self.earliest()
        if self.month is not None:
            next_month = dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
            return next_month - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)


def parse_date(value: str | dt.date | None) -> dt.date | None:
    """ISO (``2024-01-05``) or day-first (``05/01/2024``) dates; ``None`` when unreadable."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).translate(_TO_ASCII)
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DAY_FIRST.match(text)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_birth_date(
    value: str | dt.date | None, *, jan1_is_placeholder: bool = True
) -> BirthDate | None:
    """A ``BirthDate`` from a date or a bare year; 1 January becomes a year-only placeholder."""
    if value is None:
        return None
    if not isinstance(value, dt.date):
        year_match = _YEAR_ONLY.match(str(value).translate(_TO_ASCII))
        if year_match:
            year = int(year_match.group(1))
            return BirthDate(year, None, None) if year >= _MIN_YEAR else None
    date = parse_date(value)
    if date is None or date.year < _MIN_YEAR:
        return None
    if jan1_is_placeholder and date.month == 1 and date.day == 1:
        return BirthDate(date.year, None, None, placeholder=True)
    return BirthDate(date.year, date.month, date.day)


def parse_birth_date_many(values: Iterable[str | dt.date | None]) -> list[BirthDate | None]:
    return [parse_birth_date(value) for value in as_values(values)]


def _years_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / _DAYS_PER_YEAR


def age_range_at(birth: BirthDate, on: dt.date) -> tuple[float, float]:
    """Smallest and largest age in fractional years on ``on`` given what is known of birth."""
    return (
        max(0.0, _years_between(birth.latest(), on)),
        max(0.0, _years_between(birth.earliest(), on)),
    )


def age_at(birth: BirthDate, on: dt.date) -> float:
    """Age in fractional years on ``on``; the middle of the range for year-only births."""
    low, high = age_range_at(birth, on)
    return (low + high) / 2


def completed_years(birth: BirthDate, on: dt.date) -> int | None:
    """Age in whole years as lists print it; ``None`` when a year-only birth leaves it open."""
    low, high = age_range_at(birth, on)
    return int(low) if int(low) == int(high) else None


def default_tolerance(age: float) -> float:
    """Drift allowed between two records: half a year for infants, one for children, two after."""
    if age < 2:
        return 0.5
    if age < 18:
        return 1.0
    return 2.0


def _birth_interval(
    age: float | None, birth: BirthDate | None, death: dt.date | None
) -> tuple[float, float] | None:
    """Possible birth instants as fractional years (e.g. 1990.5)."""
    if birth is not None:
        low = birth.earliest()
        high = birth.latest()
        return (_fractional_year(low), _fractional_year(high) + 1 / _DAYS_PER_YEAR)
    if age is not None and death is not None:
        at_death = _fractional_year(death)
        # a printed age n means n <= true age < n + 1; a fractional age is taken as given
        span = 1.0 if float(age).is_integer() else 0.0
        return (at_death - age - span, at_death - age)
    return None


def _fractional_year(date: dt.date) -> float:
    return date.year + (date.timetuple().tm_yday - 1) / _DAYS_PER_YEAR


def ages_compatible(
    age_a: float | None,
    dob_a: BirthDate | None,
    age_b: float | None,
    dob_b: BirthDate | None,
    death_date_a: dt.date | None = None,
    death_date_b: dt.date | None = None,
    *,
    tolerance_years: float | None = None,
) -> bool | None:
    """Whether two records could be the same person as far as age goes; ``None`` if unknown.

    When both sides give a date of birth, or an age with a date of death, the comparison is on
    intervals of possible birth dates. Otherwise the two ages are compared directly (for two
    releases of one list that compute age on similar dates). The tolerance defaults to
    ``default_tolerance`` of the younger side.
    """
    death_a = death_date_a or death_date_b
    death_b = death_date_b or death_date_a
    birth_a = _birth_interval(age_a, dob_a, death_a)
    birth_b = _birth_interval(age_b, dob_b, death_b)
    ages = [a for a in (age_a, age_b) if a is not None]
    if dob_a is not None and death_a is not None:
        ages.append(age_at(dob_a, death_a))
    if dob_b is not None and death_b is not None:
        ages.append(age_at(dob_b, death_b))
    tolerance = tolerance_years
    if tolerance is None:
        tolerance = default_tolerance(min(ages)) if ages else 2.0
    if birth_a is not None and birth_b is not None:
        gap = max(birth_a[0] - birth_b[1], birth_b[0] - birth_a[1], 0.0)
        return gap <= tolerance
    if age_a is not None and age_b is not None:
        span_a = 1.0 if float(age_a).is_integer() else 0.0
        span_b = 1.0 if float(age_b).is_integer() else 0.0
        gap = max(age_a - (age_b + span_b), age_b - (age_a + span_a), 0.0)
        return gap <= tolerance
    return None
