"""The dashboard, and the sources with what was quarantined and why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from uncounted.core.errors import UncountedError
from uncounted.web import charts
from uncounted.web.auth import AnyUser
from uncounted.web.pages import page_number, render
from uncounted.workflow.overview import (
    QUARANTINE_PAGE,
    dashboard,
    quarantined_rows,
    sources_overview,
)

router = APIRouter()


@router.get("/")
def dashboard_page(request: Request, viewer: AnyUser) -> Response:
    with request.app.state.access.use() as project:
        figures = dashboard(project)
    estimate = figures["estimate"]
    headline = estimate["result"]["estimates"][0] if estimate else None
    strata_chart = None
    if estimate and len(estimate["result"]["estimates"]) > 1:
        strata_chart = charts.estimate_intervals(
            estimate["result"]["estimates"], "stratum",
            "Estimated victims per stratum (dot), interval (line), documented (red tick)")
    return render(request, "dashboard.html.j2", {
        "figures": figures,
        "headline": headline,
        "charts": {
            "records": charts.records_by_list(figures["lists"]) if figures["lists"] else None,
            "overlap": (charts.persons_by_lists(figures["persons_by_lists"])
                        if figures["persons_by_lists"] else None),
            "strata": strata_chart,
        },
    })


@router.get("/sources")
def sources_page(request: Request, viewer: AnyUser) -> Response:
    with request.app.state.access.use() as project:
        status = sources_overview(project)
    return render(request, "sources.html.j2", {"status": status})


@router.get("/sources/{sha256}")
def source_page(
    request: Request, viewer: AnyUser, sha256: str, page: int = 1
) -> Response:
    with request.app.state.access.use() as project:
        found = quarantined_rows(project, sha256, offset=0)
        if found is None:
            raise UncountedError("no source has this SHA-256", field="sha256")
        page = page_number(page, int(found["source"]["quarantined"]), QUARANTINE_PAGE)
        if page > 1:
            found = quarantined_rows(project, sha256, offset=(page - 1) * QUARANTINE_PAGE)
    assert found is not None
    return render(request, "quarantine.html.j2", {"found": found, "page": page,
                                                  "page_size": QUARANTINE_PAGE})
