"""Data quality per source: missing fields, age heaping, placeholder birth dates, ID check
digits and duplicates within a list.

Whipple's index (the United Nations' standard definition) measures heaping on ages ending in
0 or 5 among completed ages 23 to 62: ``100 × 5 × (ages ending in 0 or 5) / (all ages)``. It is
100 with no heaping, 500 when every age ends in 0 or 5, and 0 when none does; the UN calls
below 105 highly accurate, 105–110 fairly, 110–125 approximate, 125–175 rough and above 175
very rough.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, Final

from uncounted.core.fields import CANONICAL_FIELDS
from uncounted.store.project import Project
from uncounted.store.source_checks import (
    any_linked_record,
    birth_date_counts,
    id_check_counts,
    missing_counts,
    repeated_persons,
    stated_ages,
)
from uncounted.store.sources import source_mapping_rows

WHIPPLE_AGES: Final = (23, 62)
ID_STATES: Final = ("valid", "invalid", "partial", "too_long", "absent")


def whipple_index(ages: Iterable[float | None]) -> float | None:
    """Whipple's index of completed ages 23–62; None when no age falls in that range."""
    low, high = WHIPPLE_AGES
    completed = [math.floor(a) for a in ages if a is not None and not math.isnan(a)]
    in_range = [a for a in completed if low <= a <= high]
    if not in_range:
        return None
    heaped = sum(1 for a in in_range if a % 5 == 0)
    return 100.0 * 5 * heaped / len(in_range)


def whipple_rating(index: float | None) -> str:
    if index is None:
        return "no ages 23–62"
    for limit, words in ((105, "highly accurate"), (110, "fairly accurate"),
                         (125, "approximate"), (175, "rough")):
        if index < limit:
            return words
    return "very rough"


def quality_section(project: Project) -> dict[str, Any]:
    """One entry per source, in the provenance order, with plain counts."""
    sources = source_mapping_rows(project)
    has_persons = any_linked_record(project)
    out = []
    for sha, list_name, release, original, n_records, mapping_text, checks_text in sources:
        mapped = set(json.loads(mapping_text).get("fields", {}))
        checks = json.loads(checks_text)
        missing = _missing_fields(project, sha, [f for f in CANONICAL_FIELDS if f in mapped])
        ages = stated_ages(project, sha)
        index = whipple_index(ages)
        out.append({
            "sha256": sha,
            "list": list_name,
            "release": release.isoformat() if release else None,
            "file": original,
            "records": n_records,
            "missing": missing,
            "not_in_file": [f for f in CANONICAL_FIELDS if f not in mapped],
            "ages": len(ages),
            "whipple": None if index is None else round(index, 1),
            "whipple_rating": whipple_rating(index),
            "ages_in_whipple_range": sum(
                1 for a in ages if WHIPPLE_AGES[0] <= math.floor(a) <= WHIPPLE_AGES[1]),
            "birth_dates": _birth_dates(project, sha),
            "ids": _id_checks(project, sha),
            "duplicate_rows": int(checks.get("duplicate_rows", 0)),
            "persons_with_several_records": _within_source_duplicates(project, sha)
            if has_persons else None,
        })
    return {"sources": out, "linked": has_persons}


def _missing_fields(project: Project, sha: str, fields: list[str]) -> list[dict[str, Any]]:
    if not fields:
        return []
    counts = missing_counts(project, sha, fields)
    return [{"field": f, "missing": int(n)} for f, n in zip(fields, counts, strict=True)]


def _birth_dates(project: Project, sha: str) -> dict[str, Any]:
    """1 January placeholders and the date most repeated (a default a form filled in)."""
    total, placeholders, distinct, top = birth_date_counts(project, sha)
    most = {"date": top[0].isoformat(), "count": top[1]} if top else None
    return {
        "with_date": int(total),
        "january_first": int(placeholders),
        "distinct": int(distinct),
        # under an even spread each date would carry with_date / distinct records
        "most_repeated": most,
        "expected_per_date": round(total / distinct, 1) if distinct else None,
    }


def _id_checks(project: Project, sha: str) -> dict[str, int]:
    counts = id_check_counts(project, sha)
    return {state: int(counts.get(state, 0)) for state in ID_STATES}


def _within_source_duplicates(project: Project, sha: str) -> dict[str, int]:
    """Persons of the latest link run holding two or more records of this one file."""
    persons, records = repeated_persons(project, sha)
    return {"persons": int(persons), "records": int(records)}
