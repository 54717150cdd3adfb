"""Releases of a list: the chain of every release, and what one release changed against
another (added, removed, corrected persons), by the linkage's identity."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from uncounted.store.lists import list_names
from uncounted.web import charts
from uncounted.web.auth import AnyUser
from uncounted.web.pages import render
from uncounted.workflow.release_diff import (
    COMPARED_FIELDS,
    list_releases,
    release_chain,
    release_diff,
)

router = APIRouter()
CHANGES_SHOWN: Final = 300


def _lists_with_releases(request: Request) -> dict[str, list[str]]:
    with request.app.state.access.use() as project:
        names = list_names(project)
        return {name: list_releases(project, name) for name in names}


@router.get("/releases")
def releases_page(request: Request, viewer: AnyUser) -> Response:
    releases = _lists_with_releases(request)
    chains: list[dict[str, Any]] = []
    with request.app.state.access.use() as project:
        for name, dated in releases.items():
            if len(dated) >= 2:
                chain = release_chain(project, name).to_dict()
                chain["chart"] = charts.release_chain(chain["releases"], name)
                chains.append(chain)
    return render(request, "releases.html.j2", {"chains": chains, "releases": releases})


@router.get("/releases/{list_name}")
def release_diff_page(
    request: Request, viewer: AnyUser, list_name: str, from_release: str | None = None,
    to_release: str | None = None,
) -> Response:
    with request.app.state.access.use() as project:
        dated = list_releases(project, list_name)
        diff = release_diff(project, list_name, from_release or None, to_release or None)
    changes = [c.to_dict() for c in diff.changes if c.classification != "unchanged"]
    order = {"corrected": 0, "added": 1, "removed": 2}
    changes.sort(key=lambda c: (order.get(c["classification"], 3), c["person_id"]))
    return render(request, "release_diff.html.j2", {
        "diff": diff.to_dict(),
        "releases": dated,
        "changes": changes[:CHANGES_SHOWN],
        "changes_total": len(changes),
        "fields": COMPARED_FIELDS,
    })
