"""Chapman two-list estimates, worked by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from uncounted.estimate.simple import Chapman, chapman
from uncounted.estimate.table import CaptureTable


def test_chapman_by_hand() -> None:
    # n1 = 80, n2 = 50, both 20: (81 * 51) / 21 - 1 = 195.714...
    estimate, variance = chapman(80, 50, 20)
    assert estimate == pytest.approx(81 * 51 / 21 - 1)
    assert variance == pytest.approx(81 * 51 * 60 * 30 / (21**2 * 22))


def test_chapman_every_pair_of_hav(mse_tables: Path) -> None:
    table = CaptureTable.from_csv(mse_tables / "hav.csv")
    pairs = Chapman().fit(table).pairs_
    assert [p.model for p in pairs] == ["L1·L2", "L1·L3", "L2·L3"]
    # list sizes 135, 122, 126; overlaps 49, 45, 46 (counted by hand from hav.csv)
    first = pairs[0]
    assert first.diagnostics["both"] == 49
    assert first.estimate == pytest.approx(136 * 123 / 50 - 1)
    assert first.observed == 135 + 122 - 49
    assert first.lower is not None and first.upper is not None
    assert first.observed < first.lower < first.estimate < first.upper


def test_chapman_interval_is_log_transformed() -> None:
    table = CaptureTable.from_patterns(["a", "b"], [(1, 0), (0, 1), (1, 1)], [60, 30, 20])
    result = Chapman().fit(table).result_
    estimate, variance = chapman(80, 50, 20)
    unseen = estimate - 110
    factor = math.exp(1.959963984540054 * math.sqrt(math.log(1 + variance / unseen**2)))
    assert result.lower == pytest.approx(110 + unseen / factor)
    assert result.upper == pytest.approx(110 + unseen * factor)
