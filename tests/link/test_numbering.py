"""splink's level numbering, written once in ``uncounted.link.numbering``, against splink's own."""

from __future__ import annotations

from uncounted.link import kernel
from uncounted.link.comparisons import default_comparisons, id_comparison
from uncounted.link.numbering import (
    NULL_LEVEL,
    level_numbers,
    levels_by_number,
    non_null_levels,
    numbered_levels,
)


def test_numbers_are_splinks() -> None:
    for creator in default_comparisons():
        comparison = creator.get_comparison("duckdb")
        rendered = comparison.as_dict()
        theirs = [level.comparison_vector_value for level in comparison.comparison_levels]
        assert level_numbers(rendered["comparison_levels"]) == theirs
        assert theirs[0] == NULL_LEVEL and theirs[-1] == 0
        numbered = numbered_levels(rendered)
        assert [n for n, _ in numbered] == theirs[1:]
        by_number = levels_by_number(rendered)
        assert all(by_number[n] is level for n, level in numbered)
        assert non_null_levels(rendered) == [level for _, level in numbered]


def test_null_level_anywhere_is_minus_one() -> None:
    levels = [{}, {"is_null_level": True}, {}, {}]
    assert level_numbers(levels) == [2, NULL_LEVEL, 1, 0]


def test_kernel_id_levels_are_id_comparisons() -> None:
    comparison = id_comparison().get_comparison("duckdb")
    by_label = {
        level.label_for_charts: level.comparison_vector_value
        for level in comparison.comparison_levels
    }
    assert by_label == {
        "missing": kernel.ID_NULL,
        "same valid ID": kernel.ID_SAME_VALID,
        "same ID, not checked valid": kernel.ID_SAME,
        "one edit apart": kernel.ID_ONE_EDIT,
        "All other comparisons": kernel.ID_ELSE,
    }
