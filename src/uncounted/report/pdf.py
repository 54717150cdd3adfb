"""Print an HTML report to PDF with Debian's Chromium, driven by playwright.

Only the local file and its embedded data URIs may load: every other request is aborted and
counted, so a PDF can never depend on the network (and a report that tried to reach it is
caught). Chromium is Debian's (``scripts/system-deps.sh`` installs it); playwright's own browser
download is never used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from uncounted.core.errors import UncountedError

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES: Final = ("file:", "data:", "about:")
PAPER: Final = "A4"
PAPER_WIDTH_MM: Final = 210.0
MARGINS_MM: Final = {"top": 14.0, "bottom": 14.0, "left": 12.0, "right": 12.0}
# Collapsed <details> would print as their summary line alone: the PDF shows everything.
OPEN_DETAILS: Final = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


@dataclass
class PrintResult:
    path: Path
    blocked_requests: list[str] = field(default_factory=list)


def chromium_path() -> Path:
    """The Chromium to use: $UNCOUNTED_CHROMIUM or /usr/bin/chromium."""
    return Path(os.environ.get("UNCOUNTED_CHROMIUM", str(CHROMIUM)))


def require_chromium() -> Path:
    executable = chromium_path()
    if not executable.is_file():
        raise UncountedError(
            "Chromium is needed to write the PDF and was not found; install it with "
            "scripts/system-deps.sh (Debian's chromium package), or write HTML instead "
            "(--format html)",
            file=str(executable),
        )
    return executable


def launch_options() -> dict[str, Any]:
    return {"executable_path": str(require_chromium()), "args": CHROMIUM_ARGS}


def printable_width_px() -> float:
    """The width a PDF page leaves for the report, in CSS pixels (96 to the inch): what every
    table must fit in."""
    return (PAPER_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 96


def prepare_for_print(page: Any) -> None:
    """Lay the loaded page out as it prints: print styles, every collapsed details open."""
    page.emulate_media(media="print")
    page.evaluate(OPEN_DETAILS)


def print_pdf(html: Path, pdf: Path, *, timeout_ms: int = 120_000) -> PrintResult:
    """Write ``pdf`` from the HTML file ``html`` (A4, backgrounds printed, details open)."""
    options = launch_options()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import Route, sync_playwright
    except ImportError:
        raise UncountedError(
            "the PDF is printed through playwright, which is not installed; "
            "pip install playwright (no browser download is needed)"
        ) from None
    blocked: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_name(pdf.name + ".partial")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(**options)
            try:
                page = browser.new_page()
                page.route("**/*", only_local)
                page.goto(html.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                prepare_for_print(page)
                page.pdf(path=str(partial), format=PAPER, print_background=True,
                         margin={"top": f"{MARGINS_MM['top']:g}mm",
                                 "bottom": f"{MARGINS_MM['bottom']:g}mm",
                                 "left": f"{MARGINS_MM['left']:g}mm",
                                 "right": f"{MARGINS_MM['right']:g}mm"})
            finally:
                browser.close()
    except PlaywrightError as problem:
        partial.unlink(missing_ok=True)
        raise UncountedError(f"Chromium could not print the report: {problem.message}",
                             file=str(html)) from None
    partial.replace(pdf)
    return PrintResult(pdf, blocked)
