"""How long tables are laid out for the page: presentation only, no counting.

A table of persons by month of death over two decades would run for pages as one row a month;
past :data:`FOLD_MONTHS` rows it is folded into one row a year with the months as columns.
The counts are the section's own (each still goes through the report's ``cell`` filter).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

FOLD_MONTHS: Final = 24
MONTH_NAMES: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def months_by_year(rows: Sequence[dict[str, Any]], *, fold_after: int = FOLD_MONTHS
                   ) -> list[dict[str, Any]] | None:
    """``rows`` of ``{"month": "YYYY-MM", "persons": n}`` (in order) as one row a year,
    ``{"year": "YYYY", "months": [n or None] * 12}``, every year from the first to the last
    (a year without a row shows empty); None when there are ``fold_after`` rows or fewer, which
    read well one row a month."""
    if len(rows) <= fold_after:
        return None
    by_year: dict[int, list[Any]] = {}
    for row in rows:
        year, month = (int(part) for part in str(row["month"]).split("-"))
        by_year.setdefault(year, [None] * 12)[month - 1] = row["persons"]
    first, last = min(by_year), max(by_year)
    return [{"year": str(year), "months": by_year.get(year, [None] * 12)}
            for year in range(first, last + 1)]
