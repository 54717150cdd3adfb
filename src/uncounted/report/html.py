"""Write a project's report as one self-contained HTML file (no external requests).

:func:`build_report` gathers each section's plain data (one module per section) and its
figures; :func:`write_html_report` renders ``templates/report.html.j2``. Every count in every
table goes through the ``cell`` filter, i.e. :func:`uncounted.report.suppression.suppress`,
after :func:`uncounted.report.margins.protect_report` has chosen the cells to hide (small
cells, and the complementary cells that keep them from being worked out from the totals).
Names appear only in the small examples section, inside ``<bdi>``/``dir="auto"`` elements so
Arabic and Hebrew run right to left.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from uncounted.report import plots
from uncounted.report.estimates import estimates_section
from uncounted.report.linkage import linkage_section
from uncounted.report.margins import protect_report
from uncounted.report.names import DEFAULT_EXAMPLES, names_section
from uncounted.report.overlap import overlap_section
from uncounted.report.provenance import provenance
from uncounted.report.quality import quality_section
from uncounted.report.reproducibility import reproducibility_section
from uncounted.report.suppression import DEFAULT_MIN_CELL, Count, suppress
from uncounted.report.tables import MONTH_NAMES, months_by_year
from uncounted.report.victims import victims_section
from uncounted.store.project import Project
from uncounted.store.statuses import DEFAULT_STATUS


@dataclass(frozen=True)
class ReportOptions:
    """What the person asking for the report chose."""

    min_cell: int = DEFAULT_MIN_CELL
    name_examples: int = DEFAULT_EXAMPLES
    strata: tuple[str, ...] = ()
    title: str | None = None


@dataclass(frozen=True)
class ReportInputs:
    """What the report cannot read from the project by itself: the estimate run to show (as a
    plain dict), whether it was computed for this report, the review queue size, linkage
    accuracy against known truth, and the release diffs."""

    estimate_run: dict[str, Any] | None = None
    estimate_computed_now: bool = False
    review_queue: int | None = None
    accuracy: dict[str, Any] | None = None
    # uncounted.workflow.release_diff.releases_section(project)
    releases: dict[str, Any] | None = None


def _hidden(count: Any) -> bool:
    return isinstance(count, Count) and count.hidden is not None


def _share(part: Any, whole: Any) -> str:
    # a percentage of a hidden count, or of a hidden whole, would give the count away
    if not whole or _hidden(part) or _hidden(whole):
        return "—"
    return f"{100 * part / whole:.1f}%"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("uncounted.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = lambda v: "—" if v is None else f"{v:,.0f}"
    environment.filters["share"] = _share
    environment.filters["months_by_year"] = months_by_year
    environment.globals["month_names"] = MONTH_NAMES
    return environment


_ENVIRONMENT = _environment()


def build_report(
    project: Project,
    extra_sections: dict[str, Any] | None = None,
    *,
    options: ReportOptions | None = None,
    inputs: ReportInputs | None = None,
) -> dict[str, Any]:
    options = options or ReportOptions()
    inputs = inputs or ReportInputs()
    source_data = provenance(project)
    # "Documented victims" are of the status the estimate counted (killed by default).
    run_settings = (inputs.estimate_run or {}).get("settings") or {}
    victims = victims_section(project, str(run_settings.get("status") or DEFAULT_STATUS))
    overlap = overlap_section(project)
    linkage = linkage_section(project, review_queue=inputs.review_queue,
                              accuracy=inputs.accuracy)
    estimates = estimates_section(
        inputs.estimate_run, computed_now=inputs.estimate_computed_now,
        latest_link_run=(linkage.get("run") or {}).get("run_id"))
    settings = {"min_cell": options.min_cell, "names": options.name_examples,
                "strata": ",".join(options.strata)}
    min_cell = options.min_cell
    report = {
        "title": options.title or f"uncounted report: {project.root.name}",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "min_cell": min_cell,
        "provenance": source_data,
        "quality": quality_section(project),
        "victims": victims,
        "overlap": overlap,
        "linkage": linkage,
        "estimates": estimates,
        "names": names_section(project, options.name_examples),
        "releases": inputs.releases,
        "reproducibility": reproducibility_section(source_data, linkage, estimates, settings),
        "figures": {},
        "options": asdict(options),
        "sections": extra_sections or {},
    }
    # Before the figures: a bar is drawn as zero where its table hides the count.
    protect_report(report, min_cell)
    report["figures"] = _figures(report, min_cell)
    return report


def _figures(report: dict[str, Any], min_cell: int) -> dict[str, Any]:
    victims, overlap = report["victims"], report["overlap"]
    linkage, estimates = report["linkage"], report["estimates"]
    return {
        "pyramid": plots.pyramid_plot(victims, min_cell),
        "places": plots.places_plot(victims, min_cell),
        "deaths": plots.deaths_plot(victims, min_cell),
        "first_release": plots.first_release_plot(victims, min_cell),
        # one list has no overlap to draw; its table says so
        "upset": plots.upset_plot(overlap, min_cell) if len(overlap["sets"]) > 1 else None,
        "upset_releases": [plots.upset_plot(r, min_cell) for r in overlap["releases"]],
        "weights": plots.weights_plot(linkage),
        "forest": plots.forest_plot(estimates),
        "sensitivity": plots.sensitivity_plot(estimates),
    }


def render_html(report: dict[str, Any], *, strict: bool = False) -> str:
    """The report as HTML. ``strict`` (for tests) refuses to print a count that did not go
    through the report's ledger, i.e. one whose relations to the others were not audited."""
    environment = _ENVIRONMENT.overlay()

    def cell(count: Any) -> str:
        if strict and count is not None and not isinstance(count, Count):
            raise AssertionError(f"a count printed outside the ledger: {count!r}")
        return suppress(count, report["min_cell"])

    environment.filters["cell"] = cell
    return environment.get_template("report.html.j2").render(report=report)


def write_html_report(
    project: Project,
    path: Path | None = None,
    extra_sections: dict[str, Any] | None = None,
    *,
    options: ReportOptions | None = None,
    inputs: ReportInputs | None = None,
) -> Path:
    path = path or project.reports_dir / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(build_report(project, extra_sections, options=options, inputs=inputs))
    temporary = path.with_name(path.name + ".partial")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(path)
    return path
