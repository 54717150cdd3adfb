"""The review queue: one pair at a time, side by side; a / r / s on the keyboard decide."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from uncounted.link.review import DECISIONS
from uncounted.web.auth import ReviewerUser
from uncounted.web.csrf import csrf_protect
from uncounted.web.pages import flash, redirect, render
from uncounted.web.review_desk import DecisionConflict, decide, next_pair, show_pair
from uncounted.workflow.link_results import RECORD_FIELDS
from uncounted.workflow.overview import display_name

router = APIRouter()

# The rows of the side-by-side table: label, record field.
SIDE_BY_SIDE = (
    ("Name", "display_name"), ("List", "list"), ("Release", "release"),
    ("File", "source_file"), ("Row", "row_number"),
    ("Person now", "person_id"),
    *[(name.replace("_", " ").capitalize().replace("Id ", "ID "), name)
      for name in RECORD_FIELDS],
)


def _page(request: Request, details: dict[str, Any] | None) -> Response:
    if details is not None:
        for side in ("left", "right"):
            details[side]["display_name"] = display_name(details[side])
    return render(request, "review.html.j2", {"details": details, "rows": SIDE_BY_SIDE})


@router.get("/review")
def review_page(request: Request, viewer: ReviewerUser) -> Response:
    state = request.app.state
    with state.access.use() as project:
        low, high = state.review_window
        details = next_pair(project, state.leases, viewer.username, low=low, high=high)
    return _page(request, details)


@router.get("/review/pair")
def review_pair_page(
    request: Request, viewer: ReviewerUser, left: str, right: str
) -> Response:
    state = request.app.state
    with state.access.use() as project:
        details = show_pair(project, state.leases, viewer.username, left, right)
    return _page(request, details)


@router.post("/review/decide", dependencies=[Depends(csrf_protect)])
def review_decide(
    request: Request,
    viewer: ReviewerUser,
    left: str = Form(...),
    right: str = Form(...),
    decision: str = Form(...),
    seen_decision_id: int = Form(0),
    note: str = Form(""),
) -> Response:
    if decision not in DECISIONS:
        return render(request, "error.html.j2", {
            "title": "Not a decision",
            "message": f"A decision is one of {', '.join(DECISIONS)}.",
        }, status_code=400)
    state = request.app.state
    try:
        with state.access.use() as project:
            stored = decide(project, state.leases, viewer.username, left, right, decision,
                            seen_decision_id=seen_decision_id, note=note.strip() or None)
    except DecisionConflict as conflict:
        flash(request, conflict.message, "error")
        return redirect("/review/pair?" + urlencode({"left": left, "right": right}))
    flash(request, f"Recorded: {stored['decision']} (decision {stored['decision_id']}).")
    return redirect("/review")
