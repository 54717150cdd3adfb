"""Small-cell suppression: the one rule every published count in a report goes through.

A count of people below the threshold (default 5) is shown as ``"<5"`` so that a table cannot
single out a handful of identifiable victims; a threshold of 0 turns suppression off. Zero is
shown as ``0``: an empty cell identifies nobody. Names are not counts and never pass through
here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

DEFAULT_MIN_CELL: Final = 5


def is_suppressed(count: int | None, threshold: int = DEFAULT_MIN_CELL) -> bool:
    """True when ``count`` must not be published as it is."""
    return count is not None and threshold > 0 and 0 < count < threshold


def suppress(count: int | float | None, threshold: int = DEFAULT_MIN_CELL) -> str:
    """A count as it may be published: ``"<threshold"`` for small cells, else with separators."""
    if count is None:
        return "—"
    value = round(count)
    if is_suppressed(value, threshold):
        return f"<{threshold}"
    return f"{value:,}"


def suppress_table(
    rows: Iterable[Mapping[str, Any]],
    count_columns: Sequence[str],
    threshold: int = DEFAULT_MIN_CELL,
) -> list[dict[str, Any]]:
    """Copies of ``rows`` with each of ``count_columns`` replaced by its published text.

    Other columns are kept as they are; ``suppressed`` counts the cells hidden in the row.
    """
    out: list[dict[str, Any]] = []
    for row in rows:
        published = dict(row)
        hidden = 0
        for column in count_columns:
            value = row.get(column)
            if isinstance(value, int | float) and is_suppressed(round(value), threshold):
                hidden += 1
            published[column] = suppress(value, threshold)
        published["suppressed"] = hidden
        out.append(published)
    return out


def suppressed_values(
    counts: Sequence[int], threshold: int = DEFAULT_MIN_CELL
) -> list[int]:
    """Counts for a figure: small cells drawn as zero, so a bar never shows a value the
    tables hide."""
    return [0 if is_suppressed(c, threshold) else int(c) for c in counts]
