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
from uncounted.report.html import ReportInputs, ReportOptions, build_report, render_html
from uncounted.report.pdf import launch_options, prepare_for_print, printable_width_px
from uncounted.report.tables import months_by_year
from uncounted.store import Project
from uncounted.workflow.release_diff import releases_section

from .test_html import needs_chromium


@pytest.fixture(scope="module")
def report(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic project's report with its releases compared; no estimate and no
    suppression (its audit is slow, and a page's layout does not depend on it)."""
    path = tmp_path_factory.mktemp("layout") / "report.html"
    with Project.open(synthetic, read_only=True) as project:
        report = build_report(project, options=ReportOptions(min_cell=0),
                              inputs=ReportInputs(releases=releases_section(project)))
    path.write_text(render_html(report), encoding="utf-8")
    return path


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
    # small counts: whole ticks only, each label once
    small = plots.deaths_figure({"deaths_by_month": [{"month": "2000-01", "persons": 3}]}, 0)
    assert small is not None
    ticks = [t for t in small.axes[0].get_yticks() if 0 <= t <= 3]
    assert ticks and all(float(t).is_integer() for t in ticks)


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


def _tables(html: str, section: str) -> list[str]:
    start = html.index(f'<h2 id="{section}">')
    end = html.index("<h2", start + 1)
    return re.findall(r"<table.*?</table>", html[start:end], re.S)


def _columns(table: str) -> int:
    """The widest row's columns, colspans counted."""
    widest = 0
    for row in re.findall(r"<tr>.*?</tr>", table, re.S):
        spans = re.findall(r"<t[hd]\b([^>]*)>", row)
        widest = max(widest, sum(int(m.group(1)) if (m := re.search(r'colspan="(\d+)"', a))
                                 else 1 for a in spans))
    return widest


def test_the_releases_tables_are_narrow_enough_for_a_page(report: Path) -> None:
    """The release comparison was one table of 17 columns, cut at the printed page's right
    edge; now two, each of at most 11 columns (the page test below measures them)."""
    tables = _tables(report.read_text(encoding="utf-8"), "releases")
    assert any("persons before" in t for t in tables) and any("relinked" in t for t in tables)
    assert all(_columns(t) <= 11 for t in tables), [_columns(t) for t in tables]


FIT = """() => {
  const body = document.body, style = getComputedStyle(body);
  const right = body.getBoundingClientRect().right - parseFloat(style.paddingRight);
  return [right, [...document.querySelectorAll('table')].map(t => [
    t.querySelector('th, td') ? t.querySelector('th, td').textContent.trim() : '',
    t.getBoundingClientRect().right, t.offsetParent !== null])];
}"""


@needs_chromium
def test_every_table_fits_the_printed_page(report: Path) -> None:
    """Laid out as the PDF prints it (print styles, A4 less the PDF's margins), no table runs
    past the right edge of the page."""
    from playwright.sync_api import sync_playwright

    width = printable_width_px()
    assert 700 < width < 705  # 186 mm
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        try:
            page = browser.new_page(viewport={"width": int(width), "height": 1000})
            page.goto(report.as_uri())
            prepare_for_print(page)
            right, tables = page.evaluate(FIT)
        finally:
            browser.close()
    assert right <= width
    assert len(tables) >= 15 and any(first == "from → to" for first, _, _ in tables)
    wide = [(first, edge) for first, edge, _ in tables if edge > right + 0.5]
    assert wide == []


DETAILS = """() => [...document.querySelectorAll('details')].map(d => [d.open,
  [...d.querySelectorAll('table')].every(t => t.checkVisibility())])"""


@needs_chromium
def test_collapsed_details_are_open_in_print(report: Path) -> None:
    """On screen the per-group tables of a release comparison are collapsed; printed, they are
    shown: the print style shows their content, and the PDF opens every details element."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        try:
            page = browser.new_page()
            page.goto(report.as_uri())
            on_screen = page.evaluate(DETAILS)
            page.emulate_media(media="print")
            printed_from_browser = page.evaluate(DETAILS)
            prepare_for_print(page)
            in_pdf = page.evaluate(DETAILS)
        finally:
            browser.close()
    assert on_screen and all(not is_open and not shown for is_open, shown in on_screen)
    assert all(shown for _, shown in printed_from_browser)
    assert all(is_open and shown for is_open, shown in in_pdf)
