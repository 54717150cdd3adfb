"""Stored estimates: every stratum, every method behind it, diagnostics and warnings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from uncounted.web import charts
from uncounted.web.auth import AnyUser
from uncounted.web.pages import render
from uncounted.workflow.estimation import latest_estimate_run
from uncounted.workflow.link_results import latest_run

router = APIRouter()


def scalar_items(diagnostics: Any) -> list[tuple[str, Any]]:
    """The diagnostics a table cell can show: numbers, words, flags (nested ones are left to
    the JSON of `uncounted estimate`)."""
    if not isinstance(diagnostics, dict):
        return []
    return [(str(k), v) for k, v in diagnostics.items()
            if v is None or isinstance(v, str | int | float | bool)]


@router.get("/estimates")
def estimates_page(request: Request, viewer: AnyUser) -> Response:
    with request.app.state.access.use() as project:
        run = latest_estimate_run(project)
        link_run = latest_run(project)
    if run is None:
        return render(request, "estimates.html.j2", {"run": None, "strata": [],
                                                     "charts": {}, "latest_link_run": None})
    result = run.result
    strata = []
    for number, headline in enumerate(result["estimates"], 1):
        label = headline["stratum"]
        methods = result.get("methods", {}).get(label, [])
        strata.append({
            "diagnostics": scalar_items(headline.get("diagnostics")),
            "label": label,
            "anchor": f"stratum-{number}",
            "headline": headline,
            "methods": methods,
            "chart": charts.estimate_intervals(
                methods, "method", f"{label}: each method"
            ) if methods else None,
        })
    sensitivity = result.get("sensitivity") or None
    sensitivity_rows = [{**row, "changed": f"{row['assumption']}: {row['variant']}"}
                        for row in (sensitivity or {}).get("rows", [])]
    return render(request, "estimates.html.j2", {
        "latest_link_run": link_run.run_id if link_run else None,
        "run": run.to_dict(),
        "strata": strata,
        "sensitivity": {**sensitivity, "rows": sensitivity_rows} if sensitivity else None,
        "charts": {"strata": charts.estimate_intervals(
            result["estimates"], "stratum", "Headline estimate per stratum"),
            "sensitivity": charts.estimate_intervals(
                sensitivity_rows, "changed", "Total under each changed assumption",
            ) if sensitivity_rows else None},
    })
