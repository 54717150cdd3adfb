"""The report of two real Gaza MoH releases (2023-10-26 and 2024-01-05), built as a user would
and opened in Chromium: the Arabic names render right to left and every figure draws.

The data are read from ../shared/data at test time; no name is printed or asserted on (the
assertions compare counts and booleans only).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from uncounted.ingest.pipeline import ingest_file
from uncounted.report.html import ReportOptions
from uncounted.store import Project
from uncounted.workflow.linkage import link_project
from uncounted.workflow.reporting import write_report

from .test_html import needs_chromium, references

RELEASES = ("fatalities_20231026.csv", "fatalities_20240105.csv")
ARABIC_LETTERS = range(0x0600, 0x0700)


@pytest.fixture(scope="module")
def moh_report(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = shared_data / "gaza-moh-releases-alexschell"
    if not folder.is_dir():
        pytest.skip("the MoH releases are not in ../shared/data")
    root = tmp_path_factory.mktemp("moh") / "project"
    with Project.create(root) as project:
        for name in RELEASES:
            ingest_file(project, folder / name, list_name="moh", profile="gaza-moh")
        link_project(project, seed=1)
    return write_report(root, options=ReportOptions(name_examples=5)).path


def test_report_of_two_releases(moh_report: Path) -> None:
    html = moh_report.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    for tag, _, value in references(html).references:
        assert value.startswith(("data:image/svg+xml;base64,", "#")), tag
    assert "Releases compared" in html and "Releases of list moh" in html
    # one list: documented, not estimated, and the report says why
    assert "it documents victims but cannot estimate how many no list recorded" in html
    with Project.open(moh_report.parents[1], read_only=True) as project:
        records, rows = project.con.execute(
            "SELECT sum(records), sum(rows) FROM sources").fetchall()[0]
        persons = project.con.execute("SELECT count(*) FROM persons").fetchall()[0][0]
    assert rows == 6747 + 14121 and records <= rows
    assert 10_000 < persons < records  # duplicates within and across releases joined
    assert f"{persons:,} persons (records linked" in html


@needs_chromium
def test_arabic_names_render_right_to_left(moh_report: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from uncounted.report.pdf import launch_options

    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                else outside.append(r.url))
        page.goto(moh_report.as_uri())
        cells = page.eval_on_selector_all(
            "td.name", "els => els.map(e => [e.textContent, getComputedStyle(e).direction,"
            " e.getBoundingClientRect().width, e.getBoundingClientRect().right])")
        table_right = page.eval_on_selector(
            "#examples ~ table", "t => t.querySelector('td.name').getBoundingClientRect().right")
        images = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        page.eval_on_selector("#examples", "e => e.scrollIntoView()")
        page.screenshot(path=str(tmp_path / "examples.png"))
        browser.close()
    assert outside == []
    assert len(cells) >= 10  # five persons, two releases each at least
    arabic = [any(ord(c) in ARABIC_LETTERS for c in text) for text, _, _, _ in cells]
    rtl = [direction == "rtl" for _, direction, _, _ in cells]
    assert all(arabic) and all(rtl)
    assert all(width > 0 for _, _, width, _ in cells)
    # right to left: the text hugs the cell's right edge
    assert cells[0][3] == pytest.approx(table_right)
    # pyramid, first listed by release, the releases UpSet, match weights (no places or dates)
    assert len(images) >= 4 and all(width > 0 for width in images)
    assert (tmp_path / "examples.png").stat().st_size > 20_000
