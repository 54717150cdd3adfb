"""How the report is laid out for the page (issue 15): deaths on a real time axis, a long month
table folded by year, no table wider than the printed page, collapsed details open in print."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import matplotlib.dates as mdates
import pytest

from uncounted.report import plots
from uncounted.report.html import ReportOptions, build_report, render_html
from uncounted.report.tables import months_by_year
from uncounted.store import Project


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


def test_a_short_month_table_is_not_folded() -> None:
    rows = [{"month": f"2024-{m:02d}", "persons": m} for m in range(1, 13)]
    assert months_by_year(rows) is None
    assert months_by_year(rows, fold_after=11) == [
        {"year": "2024", "months": list(range(1, 13))}]


def _add_persons_dying_over(project_dir: Path, months: list[str]) -> None:
    """One simulated person (no name, no records) dying in each month given."""
    with Project.open(project_dir) as project:
        for i, month in enumerate(months):
            project.con.execute(
                "INSERT INTO persons VALUES (?, 1, ['a'], 'male', 30, NULL, 'north', ?, 1)",
                [f"P9{i:05d}", date.fromisoformat(month + "-15")])


def test_a_long_month_table_is_folded_by_year(synthetic: Path, tmp_path: Path) -> None:
    """24 years of months (one year, 2010, without a death) are one row a year with the months
    as columns, not some 280 rows; the counts are still the ledger's (strict rendering)."""
    project_dir = tmp_path / "project"
    shutil.copytree(synthetic, project_dir)
    months = [f"{y}-{m:02d}" for y in range(2000, 2024) if y != 2010 for m in range(1, 13)]
    _add_persons_dying_over(project_dir, months)
    with Project.open(project_dir) as project:
        # suppression off: auditing some 280 small monthly cells is slow, and beside the point
        report = build_report(project, options=ReportOptions(min_cell=0))
    by_month = report["victims"]["deaths_by_month"]
    assert len(by_month) == len(months) + 3  # the synthetic project's three months of 2024
    html = render_html(report, strict=True)
    table = re.search(r'<table class="months">.*?</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr>.*?</tr>", table.group(0), re.S)
    header, body = rows[0], rows[1:]
    assert header.count("<th") == 13 and ">Jan<" in header and ">Dec<" in header
    assert [re.search(r"<td>(\d{4})</td>", r).group(1) for r in body] == [  # type: ignore[union-attr]
        str(y) for y in range(2000, 2025)]
    assert all(r.count("<td") == 13 for r in body)
    year_2010 = body[10]
    assert re.findall(r'<td class="n">([^<]*)</td>', year_2010) == [""] * 12  # a gap year
    assert "2000-01</td>" not in html  # no row a month
    assert "Date unknown:" in html
    # and the figure next to it is on a time axis, 2010 a gap
    assert report["figures"]["deaths"].startswith("data:image/svg+xml")
