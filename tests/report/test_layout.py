"""How the report is laid out for the page (issue 15): deaths on a real time axis, a long month
table folded by year, no table wider than the printed page, collapsed details open in print."""

from __future__ import annotations

from datetime import date

import matplotlib.dates as mdates
import pytest

from uncounted.report import plots


def test_months_of_death_are_drawn_on_a_time_axis() -> None:
    """Two neighbouring months, then a gap of ten years: the bars' spacing is the time between
    them (a category axis would put all three one step apart)."""
    victims = {"deaths_by_month": [{"month": "2000-01", "persons": 7},
                                   {"month": "2000-02", "persons": 9},
                                   {"month": "2010-02", "persons": 8}]}
    figure = plots.deaths_figure(victims, min_cell=0)
    assert figure is not None
    axes = figure.axes[0]
    assert isinstance(axes.xaxis.get_major_locator(), mdates.AutoDateLocator)
    bars = sorted(axes.patches, key=lambda bar: bar.get_x())
    starts = [mdates.num2date(bar.get_x()).date() for bar in bars]
    assert starts == [date(2000, 1, 1), date(2000, 2, 1), date(2010, 2, 1)]
    near = bars[1].get_x() - bars[0].get_x()
    far = bars[2].get_x() - bars[1].get_x()
    assert near == pytest.approx(31)  # days: data units of a date axis
    assert far == pytest.approx((date(2010, 2, 1) - date(2000, 2, 1)).days)
    assert [bar.get_height() for bar in bars] == [7, 9, 8]
    # a bar spans (most of) its own month, and a small count is drawn as zero
    assert 20 < bars[0].get_width() < 31
    hidden = plots.deaths_figure(victims, min_cell=8)
    assert hidden is not None
    assert sorted(b.get_height() for b in hidden.axes[0].patches) == [0, 8, 9]
    assert plots.deaths_figure({"deaths_by_month": []}, 0) is None
