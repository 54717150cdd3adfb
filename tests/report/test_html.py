"""The HTML report: self-contained (no external references), suppressed, right to left where
names are; its PDF; and the `report` command."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from uncounted.report.html import ReportOptions
from uncounted.report.pdf import chromium_path, print_pdf
from uncounted.workflow.reporting import write_report

from .conftest import A1, B


class _References(HTMLParser):
    """Every attribute that can make a browser fetch something, and the style text."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action", "background"):
                self.references.append((tag, name, value or ""))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False if tag == "style" else self._in_style

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def references(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def report(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("html") / "project"
    shutil.copytree(synthetic, copy)
    return write_report(copy, options=ReportOptions(name_examples=5)).path


def browser_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return chromium_path().is_file()


needs_chromium = pytest.mark.skipif(not browser_available(),
                                    reason="Chromium (/usr/bin/chromium) or playwright missing")


def test_no_external_references(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    found = references(html)
    assert found.references, "the report has figures and a table of contents"
    for tag, name, value in found.references:
        # figures are data URIs; the table of contents links within the page
        assert value.startswith(("data:image/svg+xml;base64,", "#")), (tag, name, value[:60])
    assert "link" not in found.tags and "script" not in found.tags and "iframe" not in found.tags
    assert "url(" not in found.style and "@import" not in found.style
    assert "http://" not in html and "https://" not in html
    figures = [v for tag, _, v in found.references if tag == "img"]
    assert len(figures) >= 5  # pyramid, places, deaths, overlap, releases, weights
    for uri in figures:
        svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        # the SVG namespace is a name, not a request; nothing inside points outside
        assert 'href="http' not in svg and "url(http" not in svg


def test_sections_counts_and_suppression(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    for heading in ("Sources and provenance", "Data quality per source", "Documented victims",
                    "List overlap", "Linkage", "Estimates", "Examples of linked records",
                    "Releases compared", "Reproducibility"):
        assert heading in html
    # every count of this tiny project is below 5 except the rows, records and 7 on list a
    assert "&lt;5" in html
    assert "333.3" in html  # Whipple's index of a1.csv, by hand in test_sections
    assert "<td>link (probability ≥ 0.5)</td>" in html
    unsuppressed = write_report(report.parents[1], output=report.with_name("raw.html"),
                                options=ReportOptions(min_cell=0)).path
    raw = unsuppressed.read_text(encoding="utf-8")
    assert "Small-cell suppression is <strong>off</strong>" in raw
    assert "&lt;5" not in raw


def test_names_are_in_auto_direction_cells(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    arabic, hebrew = A1[0][0], B[0][0]
    assert f'<td class="name" dir="auto">{arabic}</td>' in html
    assert f'<td class="name" dir="auto">{hebrew}</td>' in html
    assert "Noto Naskh Arabic" in html and "Noto Sans Hebrew" in html


def test_no_names_when_asked(synthetic: Path, tmp_path: Path) -> None:
    shutil.copytree(synthetic, tmp_path / "project")
    path = write_report(tmp_path / "project", options=ReportOptions(name_examples=0)).path
    html = path.read_text(encoding="utf-8")
    assert A1[0][0] not in html and "names nobody unless asked" in html


def test_a_report_names_nobody_unless_asked(synthetic: Path, tmp_path: Path) -> None:
    shutil.copytree(synthetic, tmp_path / "project")
    html = write_report(tmp_path / "project").path.read_text(encoding="utf-8")
    assert "Examples of linked records" in html and "names nobody unless asked" in html
    assert not any(row[0] in html for row in (*A1, *B))


@needs_chromium
def test_names_render_right_to_left_in_chromium(report: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from uncounted.report.pdf import launch_options

    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        page = browser.new_page()
        page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                else outside.append(r.url))
        page.goto(report.as_uri())
        cells = page.eval_on_selector_all(
            "td.name", "els => els.map(e => [e.textContent, getComputedStyle(e).direction,"
            " e.getBoundingClientRect().width])")
        images = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        page.screenshot(path=str(tmp_path / "examples.png"), full_page=True)
        browser.close()
    assert outside == []
    directions = {text: direction for text, direction, _ in cells}
    assert directions[A1[0][0]] == "rtl" and directions[B[0][0]] == "rtl"
    assert directions["Test Three Person"] == "ltr"
    assert all(width > 0 for _, _, width in cells)
    assert images and all(width > 0 for width in images)  # every figure decoded and drawn
    assert (tmp_path / "examples.png").stat().st_size > 10_000


@needs_chromium
def test_pdf_is_written(report: Path, tmp_path: Path) -> None:
    printed = print_pdf(report, tmp_path / "report.pdf")
    assert printed.blocked_requests == []
    data = printed.path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert not (tmp_path / "report.pdf.partial").exists()


def uncounted(*args: str | Path, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from uncounted.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, **(env or {})},
    )


def test_report_command(synthetic: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(synthetic, project)
    done = uncounted("report", project, "--json", "--min-cell", "3", "--names", "2")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["path"] == str(project / "reports" / "report.html")
    sections = document["sections"]
    assert sections["persons"] == 8 and sections["sources"] == 3 and sections["lists"] == 2
    assert sections["min_cell"] == 3 and sections["name_examples"] == 2
    assert sections["releases_section"] is True
    assert {"pyramid", "places", "deaths", "upset", "weights"} <= set(sections["figures"])
    text = uncounted("report", project, "--output", tmp_path / "r.html")
    assert text.returncode == 0 and f"report written to {tmp_path / 'r.html'}" in text.stdout
    # without --names the report names nobody
    assert A1[0][0] not in (tmp_path / "r.html").read_text(encoding="utf-8")

    usage = uncounted("report", project, "--format", "docx")
    assert usage.returncode == 2 and "html, pdf" in usage.stderr
    assert uncounted("report", project, "--min-cell", "-1").returncode == 2
    missing = uncounted("report", tmp_path / "nowhere", "--json")
    assert missing.returncode == 1 and "not an uncounted project" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert json.loads(missing.stdout)["error"]["type"] == "ProjectError"


def test_pdf_without_chromium_is_a_clear_error(synthetic: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(synthetic, project)
    done = uncounted("report", project, "--format", "pdf",
                     env={"UNCOUNTED_CHROMIUM": str(tmp_path / "no-chromium")})
    assert done.returncode == 1
    assert "Chromium is needed to write the PDF" in done.stderr and "Traceback" not in done.stderr
    assert not (project / "reports" / "report.html").exists()  # stopped before any work


@needs_chromium
def test_report_command_writes_pdf(synthetic: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(synthetic, project)
    done = uncounted("report", project, "--format", "pdf", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["path"] == str(project / "reports" / "report.pdf")
    assert Path(document["path"]).read_bytes().startswith(b"%PDF")
    assert Path(document["html"]).is_file()
