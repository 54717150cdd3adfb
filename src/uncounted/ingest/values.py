"""Parse raw text values into typed canonical values.

Each parser returns the typed value or raises :class:`ValueProblem` with a reason in plain
words. Parsers never guess silently: ambiguous input is a problem, not a value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from uncounted.core.ids import is_valid_id


class ValueProblem(ValueError):
    """A raw value that cannot be turned into the field's type."""


_DIGITS: Final = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MISSING: Final = frozenset(
    {
        "",
        "-",
        "--",
        "—",
        "?",
        "na",
        "n/a",
        "nan",
        "none",
        "null",
        "unknown",
        "غير معروف",
        "لا يوجد",
        "غير معرف",
        "غير محدد",
        "לא ידוע",
        "-1",
    }
)

SEX_CODES: Final[dict[str, str]] = {
    "m": "male",
    "male": "male",
    "man": "male",
    "boy": "male",
    "h": "male",
    "hombre": "male",
    "masculino": "male",
    "ذكر": "male",
    "ذ": "male",
    "זכר": "male",
    "ז": "male",
    "f": "female",
    "female": "female",
    "woman": "female",
    "girl": "female",
    "w": "female",
    "mujer": "female",
    "femenino": "female",
    "انثى": "female",
    "أنثى": "female",
    "انثي": "female",
    "أنثي": "female",
    "ا": "female",
    "נקבה": "female",
    "נ": "female",
}
STATUS_CODES: Final[dict[str, str]] = {
    "killed": "killed",
    "dead": "killed",
    "deceased": "killed",
    "died": "killed",
    "martyr": "killed",
    "شهيد": "killed",
    "شهيدة": "killed",
    "נהרג": "killed",
    "נרצח": "killed",
    "injured": "injured",
    "wounded": "injured",
    "جريح": "injured",
    "פצוע": "injured",
    "detained": "detained",
    "arrested": "detained",
    "abducted": "detained",
    "hostage": "detained",
    "kidnapped": "detained",
    "معتقل": "detained",
    "أسير": "detained",
    "חטוף": "detained",
    "missing": "missing",
    "disappeared": "missing",
    "مفقود": "missing",
    "נעדר": "missing",
}

_AGE_UNITS: Final[dict[str, float]] = {}
for _unit, _years in (
    (
        (
            "y",
            "yr",
            "yrs",
            "year",
            "years",
            "a",
            "años",
            "ans",
            "سنة",
            "سنه",
            "سنوات",
            "سنين",
            "عام",
            "اعوام",
            "أعوام",
            "שנה",
            "שנים",
        ),
        1.0,
    ),
    (
        (
            "m",
            "mo",
            "mos",
            "month",
            "months",
            "mes",
            "meses",
            "mois",
            "شهر",
            "شهور",
            "اشهر",
            "أشهر",
            "חודש",
            "חודשים",
        ),
        1 / 12,
    ),
    (
        (
            "w",
            "wk",
            "wks",
            "week",
            "weeks",
            "semana",
            "semanas",
            "اسبوع",
            "أسبوع",
            "اسابيع",
            "أسابيع",
            "שבוע",
            "שבועות",
        ),
        7 / 365.25,
    ),
    (
        ("d", "day", "days", "día", "días", "jours", "jour", "يوم", "ايام", "أيام", "יום", "ימים"),
        1 / 365.25,
    ),
    (("h", "hr", "hrs", "hour", "hours", "ساعة", "ساعه", "ساعات", "שעה", "שעות"), 1 / 8766),
):
    for _name in _unit:
        _AGE_UNITS[_name] = _years

_AGE_PART: Final = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\d\s.,]+)?")
_LESS_THAN_A_DAY: Final = re.compile(
    r"^(less than (a|one|1) day|newborn|new born|<\s*1\s*day|اقل من يوم|أقل من يوم|رضيع|"
    r"פחות מיום)$"
)
MAX_AGE: Final = 120.0


def is_missing(value: str | None) -> bool:
    return value is None or value.strip().casefold() in _MISSING


def fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def parse_code(value: str, codes: dict[str, str], what: str) -> str:
    folded = fold(value).rstrip(".")
    if folded in codes:
        return codes[folded]
    raise ValueProblem(f"unknown {what} code {value!r}; add it to the mapping's values")


def parse_age(value: str) -> float:
    """Age in years, fractional for infants: '34', '34.0', '3 months', '2 years 4 months'."""
    text = fold(value).translate(_DIGITS)
    if _LESS_THAN_A_DAY.match(text):
        return 0.0
    try:
        years = float(text.replace(",", "."))
    except ValueError:
        years = _age_with_units(text, value)
    if years != years or years < 0:
        raise ValueProblem(f"impossible age {value!r}")
    if years > MAX_AGE:
        raise ValueProblem(f"impossible age {value!r} (over {MAX_AGE:.0f})")
    return round(years, 4)


def _age_with_units(text: str, original: str) -> float:
    total = 0.0
    matched = False
    rest = text
    for number, unit in _AGE_PART.findall(text):
        factor = _AGE_UNITS.get(unit.strip().rstrip(".")) if unit else None
        if factor is None:
            raise ValueProblem(f"cannot read age {original!r}")
        total += float(number.replace(",", ".")) * factor
        matched = True
        rest = rest.replace(number, "", 1).replace(unit, "", 1)
    if not matched or re.sub(r"[\s,and&وو]+", "", rest):
        raise ValueProblem(f"cannot read age {original!r}")
    return total


_MONTHS: Final = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january", "enero", "janvier"),
            ("feb", "february", "febrero", "février"),
            ("mar", "march", "marzo", "mars"),
            ("apr", "april", "abril", "avril"),
            ("may", "mayo", "mai"),
            ("jun", "june", "junio", "juin"),
            ("jul", "july", "julio", "juillet"),
            ("aug", "august", "agosto", "août"),
            ("sep", "sept", "september", "septiembre", "septembre"),
            ("oct", "october", "octubre", "octobre"),
            ("nov", "november", "noviembre", "novembre"),
            ("dec", "december", "diciembre", "décembre"),
        ),
        start=1,
    )
    for name in names
}
_ISO: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_NUMERIC: Final = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_WORDY: Final = re.compile(
    r"^(?:(\d{1,2})[\s\-]+([^\W\d_]+)\.?,?[\s\-]+(\d{4}|\d{2})"
    r"|([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4}))$"
)
MIN_DATE: Final = date(1880, 1, 1)


def infer_day_first(values: Iterable[str]) -> bool | None:
    """Whether slash-dates in a column put the day first: True, False, or None if undecided.

    Decided once per column, from every value: a first part above 12 proves day-first, a
    second part above 12 proves month-first. Mixed evidence means the column is unusable as is.
    """
    day_first = month_first = False
    for raw in values:
        proves_day, proves_month = day_month_evidence(raw)
        day_first |= proves_day
        month_first |= proves_month
    if day_first and month_first:
        return None
    return not month_first


def day_month_evidence(raw: str) -> tuple[bool, bool]:
    """What one value proves: (its first part is a day, its first part is a month)."""
    shape = date_shape(raw)
    if shape.kind != "day-month":
        return False, False
    return shape.first > 12, shape.second > 12


@dataclass(frozen=True, slots=True)
class DateShape:
    """How a date value is written, as far as the order of its parts goes.

    ``kind`` is "year-first" (2024-01-05, 2024/01/05, 20240105), "day-month" (two numbers then
    the year, in an order the column decides: 05/01/2024) or "other" (words, unreadable).
    ``first`` and ``second`` are the two numbers before the year of a "day-month" value.
    """

    kind: str
    separator: str = "-"
    first: int = 0
    second: int = 0


def date_shape(raw: str) -> DateShape:
    text = raw.strip().translate(_DIGITS)
    if _ISO.match(text) or re.fullmatch(r"\d{8}", text):
        return DateShape("year-first")
    match = _NUMERIC.match(text)
    if not match:
        return DateShape("other")
    separator = text[match.end(1)]
    if len(match.group(1)) == 4:
        return DateShape("year-first", separator)
    return DateShape("day-month", separator, int(match.group(1)), int(match.group(2)))


def parse_date(value: str, *, day_first: bool = True, fmt: str | None = None) -> date:
    text = fold(value).translate(_DIGITS)
    try:
        if fmt:
            return datetime.strptime(value.strip(), fmt).date()
        if match := _ISO.match(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC.match(text):
            a, b, c = match.groups()
            if len(a) == 4:
                return date(int(a), int(b), int(c))
            year = int(c)
            if len(c) == 2:
                raise ValueProblem(f"two-digit year in date {value!r} is ambiguous")
            day, month = (int(a), int(b)) if day_first else (int(b), int(a))
            return date(year, month, day)
        if match := _WORDY.match(text):
            day_text, month_name, year_text = (
                match.group(1, 2, 3) if match.group(1) else match.group(5, 4, 6)
            )
            month_number = _MONTHS.get(month_name)
            if month_number is None:
                raise ValueProblem(f"unknown month in date {value!r}")
            return date(_full_year(year_text), month_number, int(day_text))
        if re.fullmatch(r"\d{8}", text):
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        if isinstance(exc, ValueProblem):
            raise
        raise ValueProblem(f"impossible date {value!r}: {exc}") from None
    raise ValueProblem(f"cannot read date {value!r}")


def normalize_id(value: str) -> str:
    """Digits of an ID number; letters or punctuation inside make it a problem."""
    text = fold(value).translate(_DIGITS)
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    digits = re.sub(r"[\s\-]", "", text)
    if not digits.isdigit():
        raise ValueProblem(f"ID number {value!r} has characters other than digits")
    return digits


def id_check_status(digits: str) -> str:
    """'valid' or 'invalid' for 9 digits, 'partial' for fewer, 'too_long' for more."""
    if len(digits) < 9:
        return "partial"
    if len(digits) > 9:
        return "too_long"
    return "valid" if is_valid_id(digits) else "invalid"


def _full_year(year: str) -> int:
    """'23' in '18-Nov-23' (a spreadsheet's default format) is the nearest past year ending 23."""
    if len(year) == 4:
        return int(year)
    this_year = date.today().year
    candidate = this_year - this_year % 100 + int(year)
    return candidate if candidate <= this_year else candidate - 100


def is_placeholder_birth_date(value: date) -> bool:
    """1 January stands in for 'year known, day unknown' in many registers."""
    return value.month == 1 and value.day == 1
