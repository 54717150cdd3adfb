"""Turn raw rows into records or quarantined rows, with the checks done at ingest.

Policy: a row is quarantined only when it cannot be a record — it could not be read, or it
names nobody (no name and no ID number). A bad value in a readable row (an impossible age, a
date that is not a date) does not lose the person: the value is left empty in the typed field,
kept in the raw record, and listed in the record's ``issues`` with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from uncounted.core.errors import FieldProblem
from uncounted.core.fields import (
    CODED_FIELDS,
    DATE_FIELDS,
    NAME_FIELDS,
    NUMBER_FIELDS,
)
from uncounted.ingest.mapping import ResolvedField, ResolvedMapping
from uncounted.ingest.readers import RawRow
from uncounted.ingest.values import (
    ValueProblem,
    date_shape,
    id_check_status,
    is_missing,
    is_placeholder_birth_date,
    normalize_id,
    parse_age,
    parse_code,
    parse_date,
)

IDENTIFYING_FIELDS = (*NAME_FIELDS, "id_number")
AGE_DOB_TOLERANCE_YEARS = 2.0
# Reason of the one check that flags a value but keeps it (either the age or the birth date may
# be the wrong one); counted separately in the checks.
AGE_DOB_MISMATCH = "disagrees with the date of birth"
_SPACES = re.compile(r"\s+")
_WHERE = re.compile(r"\blines? [\d,]+(?:–[\d,]+)?")
_COUNT = re.compile(r"\b[\d,]+ lines")


@dataclass
class Record:
    row_number: int
    raw: dict[str, str | None]
    values: dict[str, Any]
    id_check: str | None
    dob_placeholder: bool
    issues: list[FieldProblem]
    duplicate_of: int | None = None


@dataclass
class QuarantinedRow:
    row_number: int
    raw: dict[str, str | None] | str | None
    reasons: list[FieldProblem]


@dataclass
class ValidationResult:
    records: list[Record] = field(default_factory=list)
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def checks(self) -> dict[str, Any]:
        counter = CheckCounter()
        for record in self.records:
            counter.add_record(record)
        for row in self.quarantined:
            counter.add_quarantined(row)
        return counter.as_dict(sum(r.duplicate_of is not None for r in self.records))


class CheckCounter:
    """The checks done at ingest, counted one row at a time."""

    def __init__(self) -> None:
        self.id_checks: Counter[str] = Counter()
        self.issues: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.dob_placeholder = 0
        self.age_dob_mismatch = 0
        self.records_with_issues = 0

    def add_record(self, record: Record) -> None:
        self.id_checks[record.id_check or "absent"] += 1
        self.issues.update(p.field for p in record.issues)
        self.dob_placeholder += record.dob_placeholder
        self.age_dob_mismatch += any(p.reason.startswith(AGE_DOB_MISMATCH) for p in record.issues)
        self.records_with_issues += bool(record.issues)

    def add_quarantined(self, row: QuarantinedRow) -> None:
        self.reasons[_reason_kind(row)] += 1

    def as_dict(self, duplicate_rows: int) -> dict[str, Any]:
        return {
            "id_check": {
                k: self.id_checks.get(k, 0)
                for k in ("valid", "invalid", "partial", "too_long", "absent")
            },
            "dob_placeholder": self.dob_placeholder,
            "duplicate_rows": duplicate_rows,
            "age_dob_mismatch": self.age_dob_mismatch,
            "records_with_issues": self.records_with_issues,
            "issues_by_field": dict(sorted(self.issues.items())),
            "quarantine_reasons": dict(sorted(self.reasons.items())),
        }


def _reason_kind(row: QuarantinedRow) -> str:
    """The reason without what differs from row to row (where it is), to count rows by it."""
    if not row.reasons:
        return "unknown"
    kind = row.reasons[0].reason.split(" (")[0]
    return _WHERE.sub("line N", _COUNT.sub("N lines", kind))


@dataclass
class _DateEvidence:
    """What the values of one date column say about how it is written."""

    fields: list[str]
    year_first: int = 0
    day_month: int = 0
    proves_day: int = 0
    proves_month: int = 0
    # day-month values whose two readings are two different dates (05/06, not 05/05)
    readings_differ: int = 0
    separator: str | None = None
    year_separator: str | None = None


@dataclass(frozen=True)
class DateReading:
    """How each date column is read: ``day_first`` for the validator; ``columns``, one entry
    per date field with its column, the format chosen and why, for the ingest summary; and
    ``warnings`` for a column whose order nothing in the file decides."""

    day_first: dict[str, bool]
    columns: list[dict[str, Any]]
    warnings: list[str]


class DateOrder:
    """Whether each date column puts the day first, decided from every value of the column.

    Fed one row at a time (:meth:`add`), so the rows need not be held: a first part above 12
    proves day-first, a second part above 12 proves month-first. A column where no value
    proves either (every day is 12 or less) is read day-first, as the lists that write dates
    this way do, and :meth:`decide` warns: both orders read every value as a date.
    """

    def __init__(self, mapping: ResolvedMapping) -> None:
        self.given = [
            (rule.field, rule.column, rule.date_format)
            for rule in mapping.fields
            if rule.field in DATE_FIELDS and rule.column and rule.date_format
        ]
        self._evidence: dict[str, _DateEvidence] = {}
        for rule in mapping.fields:
            if rule.field in DATE_FIELDS and rule.column and not rule.date_format:
                self._evidence.setdefault(rule.column, _DateEvidence([])).fields.append(
                    rule.field
                )
        self.columns = list(self._evidence)

    def add(self, row: RawRow) -> None:
        if row.values is None:
            return
        for column, evidence in self._evidence.items():
            value = row.values.get(column)
            if value is None:
                continue
            shape = date_shape(value)
            if shape.kind == "year-first":
                evidence.year_first += 1
                evidence.year_separator = evidence.year_separator or shape.separator
            elif shape.kind == "day-month":
                evidence.day_month += 1
                evidence.separator = evidence.separator or shape.separator
                evidence.proves_day += shape.first > 12
                evidence.proves_month += shape.second > 12
                evidence.readings_differ += shape.first != shape.second

    def decide(self) -> DateReading:
        day_first: dict[str, bool] = {}
        columns: list[dict[str, Any]] = []
        warnings: list[str] = []
        for field_name, column, fmt in self.given:
            columns.append({"field": field_name, "column": column, "format": fmt,
                            "ambiguous": False, "basis": "the format given in the mapping"})
        for column, e in self._evidence.items():
            day_first[column] = bool(e.proves_day) or not e.proves_month
            order = "DD{0}MM{0}YYYY" if day_first[column] else "MM{0}DD{0}YYYY"
            formats = []
            if e.day_month:
                formats.append(order.format(e.separator))
            if e.year_first:
                formats.append(f"YYYY{e.year_separator}MM{e.year_separator}DD")
            ambiguous = bool(e.readings_differ) and not e.proves_day and not e.proves_month
            if e.proves_day and e.proves_month:
                basis = (f"mixed: {_values(e.proves_day)} with a first part above 12, "
                         f"{_values(e.proves_month)} with a second part above 12; read day "
                         "first")
                warnings.append(
                    f"column {column!r} mixes day-first and month-first dates; slash dates in "
                    "it are read day-first — give a format in the mapping"
                )
            elif e.proves_day:
                basis = f"day first: {_values(e.proves_day)} with a first part above 12"
            elif e.proves_month:
                basis = f"month first: {_values(e.proves_month)} with a second part above 12"
            elif ambiguous:
                basis = "ambiguous (every day is 12 or less): read day first"
                fields = ", ".join(e.fields)
                warnings.append(
                    f"column {column!r} ({fields}) is ambiguous: every day is 12 or less, so "
                    f"its {e.day_month:,} dates read as well day first as month first "
                    f"({e.readings_differ:,} of them differ between the two readings); they "
                    f"are read day first ({order.format(e.separator)}). If the list writes "
                    f"the month first, give {e.fields[0]}: {{column: {column}, format: "
                    f"\"%m{e.separator}%d{e.separator}%Y\"}} in a mapping file"
                )
            elif e.day_month:
                basis = "day and month are the same number in every value: both orders agree"
            elif e.year_first:
                basis = "year first"
            else:
                basis = "no numeric dates"
            for field_name in e.fields:
                columns.append({"field": field_name, "column": column,
                                "format": " and ".join(formats) or None,
                                "ambiguous": ambiguous, "basis": basis})
        order_of = {name: i for i, name in enumerate(DATE_FIELDS)}
        columns.sort(key=lambda entry: order_of.get(entry["field"], len(order_of)))
        return DateReading(day_first, columns, warnings)


def _values(count: int) -> str:
    return f"{count:,} value" + ("" if count == 1 else "s")


class RowValidator:
    """Validates the rows of one source against one resolved mapping.

    ``day_first`` says, for each date column, whether slash dates put the day first (see
    :class:`DateOrder`); a column missing from it is read day-first.
    """

    def __init__(
        self,
        mapping: ResolvedMapping,
        *,
        today: date,
        release: date | None,
        day_first: dict[str, bool] | None = None,
    ) -> None:
        self.mapping = mapping
        self.latest_possible = min(today, release) if release else today
        self.release = release
        self.day_first: dict[str, bool] = dict(day_first or {})

    def validate(
        self, rows: list[RawRow], progress: Callable[[str, int, int], None] | None = None
    ) -> ValidationResult:
        """Validate rows held in memory (the pipeline streams with :meth:`validate_row`)."""
        result = ValidationResult()
        for done, row in enumerate(rows):
            if progress and done % 5000 == 0:
                progress("validating rows", done, len(rows))
            outcome = self.validate_row(row)
            if isinstance(outcome, Record):
                result.records.append(outcome)
            else:
                result.quarantined.append(outcome)
        mark_duplicates(result.records)
        if progress:
            progress("validating rows", len(rows), len(rows))
        return result

    def validate_row(self, row: RawRow) -> Record | QuarantinedRow:
        if row.values is None:
            reason = FieldProblem("row", None, None, row.problem or "unreadable row")
            return QuarantinedRow(row.row_number, row.raw_text, [reason])
        values: dict[str, Any] = {}
        issues: list[FieldProblem] = []
        for rule in self.mapping.fields:
            raw = rule.constant if rule.constant is not None else row.values.get(rule.column or "")
            if is_missing(raw):
                values[rule.field] = None
                continue
            assert raw is not None
            try:
                values[rule.field] = self._parse(rule, raw)
            except ValueProblem as problem:
                values[rule.field] = None
                issues.append(FieldProblem(rule.field, rule.column, raw, str(problem)))
        id_check = None
        if values.get("id_number"):
            id_check = id_check_status(values["id_number"])
        self._check_dates(values, issues)
        if not any(values.get(name) for name in IDENTIFYING_FIELDS):
            reason = FieldProblem(
                "row", None, None, "names nobody: no name and no ID number in the mapped columns"
            )
            return QuarantinedRow(row.row_number, row.values, [reason, *issues])
        dob = values.get("date_of_birth")
        return Record(
            row_number=row.row_number,
            raw=row.values,
            values=values,
            id_check=id_check,
            dob_placeholder=bool(dob and is_placeholder_birth_date(dob)),
            issues=issues,
        )

    def _parse(self, rule: ResolvedField, raw: str) -> Any:
        if rule.field in NAME_FIELDS or rule.field == "place":
            return _clean_text(raw)
        if rule.field == "id_number":
            return normalize_id(raw)
        if rule.field in CODED_FIELDS:
            return parse_code(raw, dict(rule.codes), "sex" if rule.field == "sex" else "status")
        if rule.field in NUMBER_FIELDS:
            return parse_age(raw)
        if rule.field in DATE_FIELDS:
            parsed = parse_date(
                raw, day_first=self.day_first.get(rule.column or "", True), fmt=rule.date_format
            )
            if parsed < date(1880, 1, 1):
                raise ValueProblem(f"impossible date {raw!r} (before 1880)")
            if parsed > self.latest_possible:
                when = (
                    "the release date"
                    if self.release and self.latest_possible == self.release
                    else "today"
                )
                raise ValueProblem(f"impossible date {raw!r}: after {when}")
            return parsed
        raise AssertionError(f"no parser for {rule.field}")

    def _check_dates(self, values: dict[str, Any], issues: list[FieldProblem]) -> None:
        dob: date | None = values.get("date_of_birth")
        death: date | None = values.get("date_of_death")
        if dob and death and dob > death:
            issues.append(
                FieldProblem(
                    "date_of_birth",
                    None,
                    dob.isoformat(),
                    f"born after the date of death {death.isoformat()}",
                )
            )
            values["date_of_birth"] = None
            return
        age = values.get("age_years")
        reference = death or self.release
        if dob and age is not None and reference:
            age_from_dob = (reference - dob).days / 365.25
            # Placeholder 1 January births know only the year, so allow a year more of drift.
            tolerance = AGE_DOB_TOLERANCE_YEARS + (1 if is_placeholder_birth_date(dob) else 0)
            if abs(age_from_dob - age) > tolerance:
                issues.append(
                    FieldProblem(
                        "age_years",
                        None,
                        f"{age:g}",
                        f"{AGE_DOB_MISMATCH} {dob.isoformat()} "
                        f"(which gives {age_from_dob:.1f} at {reference.isoformat()})",
                    )
                )


def _clean_text(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def mark_duplicates(records: list[Record]) -> None:
    """A row whose every mapped value equals an earlier row's is a duplicate of it."""
    first_seen: dict[tuple[Any, ...], int] = {}
    for record in records:
        key = tuple(sorted((k, v) for k, v in record.values.items() if v is not None))
        if key in first_seen:
            record.duplicate_of = first_seen[key]
        else:
            first_seen[key] = record.row_number
