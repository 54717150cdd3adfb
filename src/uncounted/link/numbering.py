"""splink's numbering of a comparison's levels, written once.

splink numbers the levels of a comparison in their order: the null level -1, then the others
from the first (the strongest, numbered one less than their count) down to the last, the ELSE
level, numbered 0 (``splink.internals.comparison.Comparison``). The pairs' levels (``gamma_*``),
the scorers' CASE and weight tables, training's arrays indexed by level and the compiled
kernel's level table all use this numbering; they take it from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

NULL_LEVEL: Final = -1


def level_number(position: int, count: int) -> int:
    """The number of the non-null level at ``position`` (0 for the first) of ``count``."""
    return count - 1 - position


def level_numbers(levels: Sequence[Mapping[str, Any]]) -> list[int]:
    """The number of each of a comparison's levels (splink dicts), in their order."""
    count = sum(not level.get("is_null_level") for level in levels)
    out = []
    position = 0
    for level in levels:
        if level.get("is_null_level"):
            out.append(NULL_LEVEL)
        else:
            out.append(level_number(position, count))
            position += 1
    return out


def non_null_levels(comparison: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A comparison's levels but the null level, in their order (strongest first)."""
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


def numbered_levels(comparison: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(number, level) of a comparison's non-null levels, in their order (strongest first)."""
    levels = non_null_levels(comparison)
    return [(level_number(position, len(levels)), lv) for position, lv in enumerate(levels)]


def levels_by_number(comparison: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A comparison's non-null levels indexed by their number: ELSE first, the strongest last."""
    return non_null_levels(comparison)[::-1]
