"""Small-cell suppression: the one rule behind every published count."""

from __future__ import annotations

import pytest

from uncounted.report.suppression import (
    DEFAULT_MIN_CELL,
    is_suppressed,
    suppress,
    suppress_table,
    suppressed_values,
)


@pytest.mark.parametrize(
    ("count", "threshold", "shown"),
    [
        (0, 5, "0"),  # an empty cell identifies nobody
        (1, 5, "<5"),
        (4, 5, "<5"),
        (5, 5, "5"),
        (12345, 5, "12,345"),
        (2, 3, "<3"),
        (3, 3, "3"),
        (1, 0, "1"),  # 0 turns suppression off
        (None, 5, "—"),
        (4.4, 5, "<5"),
        (4.6, 5, "5"),
    ],
)
def test_suppress(count: int | float | None, threshold: int, shown: str) -> None:
    assert suppress(count, threshold) == shown


def test_default_threshold_is_five() -> None:
    assert DEFAULT_MIN_CELL == 5
    assert suppress(4) == "<5" and suppress(5) == "5"
    assert is_suppressed(4) and not is_suppressed(0) and not is_suppressed(None)


def test_table_helper_replaces_only_count_columns_and_counts_hidden_cells() -> None:
    rows = [{"place": "north", "male": 3, "female": 12}, {"place": "2", "male": 0, "female": 1}]
    published = suppress_table(rows, ["male", "female"])
    assert published == [
        {"place": "north", "male": "<5", "female": "12", "suppressed": 1},
        {"place": "2", "male": "0", "female": "<5", "suppressed": 1},
    ]
    assert rows[0]["male"] == 3  # the input is not changed
    assert suppress_table(rows, ["male"], threshold=0)[0]["male"] == "3"


def test_figures_draw_small_cells_as_zero() -> None:
    assert suppressed_values([0, 1, 4, 5, 100]) == [0, 0, 0, 5, 100]
    assert suppressed_values([1, 4], threshold=0) == [1, 4]
