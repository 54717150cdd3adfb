"""The `report` command's work: gather what the report needs beyond the project's tables, write
the HTML and, if asked, print it to PDF.

The estimates shown are the latest stored estimate run (with the requested strata, when
given). When there is none, one is computed with the given seed and stored — exactly what
`uncounted estimate DIR --seed S` would have done — and the report says so.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from uncounted.core.errors import UncountedError
from uncounted.report.html import ReportInputs, ReportOptions, build_report, render_html
from uncounted.report.pdf import print_pdf, require_chromium
from uncounted.store.persons import person_count
from uncounted.store.project import Project
from uncounted.workflow.estimation import (
    EstimateRun,
    estimate_project,
    latest_estimate_run,
    save_estimate_run,
)
from uncounted.workflow.evaluation import evaluate_linkage
from uncounted.workflow.release_diff import releases_section
from uncounted.workflow.review import review_queue_size

FORMATS: Final = ("html", "pdf")


@dataclass
class ReportResult:
    path: Path
    format: str
    html: Path
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format, "html": str(self.html),
                "seconds": round(self.seconds, 2), "sections": self.summary}


def estimate_run_for_report(
    project: Project, strata: Sequence[str] | None, seed: int, jobs: int = 2
) -> tuple[EstimateRun | None, bool]:
    """(the run to show, whether it was computed now); (None, False) before linkage."""
    run = latest_estimate_run(project, list(strata) if strata else None)
    if run is not None:
        return run, False
    if not person_count(project):
        return None, False
    run = estimate_project(project, strata=list(strata or ()), seed=seed, jobs=jobs)
    save_estimate_run(project, run, command="report: estimate")
    return run, True


def write_report(
    project_dir: str | Path,
    *,
    fmt: str = "html",
    output: str | Path | None = None,
    options: ReportOptions | None = None,
    seed: int = 1,
    truth: str | Path | None = None,
    jobs: int = 2,
    extra_sections: dict[str, Any] | None = None,
) -> ReportResult:
    if fmt not in FORMATS:
        raise UncountedError(f"the format is html or pdf, not {fmt!r}", field="format")
    if fmt == "pdf":
        require_chromium()  # before any work, and before anything is stored
    options = options or ReportOptions()
    if options.min_cell < 0:
        raise UncountedError("--min-cell must be 0 (off) or more", field="min_cell")
    clock = time.perf_counter()
    with Project.open(project_dir) as project:
        run, computed = estimate_run_for_report(project, options.strata or None, seed, jobs)
        accuracy = None
        if truth is not None:
            scores = evaluate_linkage(project, Path(truth))
            accuracy = {**scores["overall"], "true_persons": scores["true_persons"],
                        "reliability": scores.get("reliability")}
        inputs = ReportInputs(
            estimate_run=None if run is None else run.to_dict(),
            estimate_computed_now=computed,
            review_queue=review_queue_size(project),
            accuracy=accuracy,
            releases=releases_section(project),
        )
        report = build_report(project, extra_sections, options=options, inputs=inputs)
        html_path = _html_path(project, output, fmt)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    partial = html_path.with_name(html_path.name + ".partial")
    partial.write_text(render_html(report), encoding="utf-8")
    partial.replace(html_path)
    path = html_path
    if fmt == "pdf":
        path = Path(output) if output else html_path.with_suffix(".pdf")
        printed = print_pdf(html_path, path)
        if printed.blocked_requests:
            raise UncountedError(
                f"the report tried to load {len(printed.blocked_requests)} external "
                f"resources (first: {printed.blocked_requests[0]}); please report it",
                file=str(html_path),
            )
    return ReportResult(path, fmt, html_path, time.perf_counter() - clock,
                        _summary(report, run, computed))


def _html_path(project: Project, output: str | Path | None, fmt: str) -> Path:
    if output is None:
        return project.reports_dir / "report.html"
    output = Path(output)
    # a PDF goes where asked; its HTML beside it
    return output.with_suffix(".html") if fmt == "pdf" else output


def _summary(report: dict[str, Any], run: EstimateRun | None, computed: bool
             ) -> dict[str, Any]:
    totals = report["provenance"]["totals"]
    total = report["estimates"].get("total")
    return {
        "sources": totals["sources"],
        "lists": totals["lists"],
        "records": totals["records"],
        "quarantined": totals["quarantined"],
        "persons": report["victims"]["persons"],
        "link_run": (report["linkage"].get("run") or {}).get("run_id"),
        "estimate_id": None if run is None else run.estimate_id,
        "estimate_computed_now": computed,
        "estimate": None if not total else {
            k: total[k] for k in ("method", "observed", "estimate", "lower", "upper", "level",
                                  "refused")},
        "figures": sorted(k for k, v in report["figures"].items() if v and not isinstance(v, list))
        + [f"upset_releases[{i}]" for i, v in enumerate(report["figures"]["upset_releases"])
           if v],
        "name_examples": len(report["names"]["persons"]),
        "min_cell": report["min_cell"],
        "releases_section": report["releases"] is not None,
    }
