"""The audit log, and user management for admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from uncounted.core.errors import UncountedError
from uncounted.web.audit import audit_count, read_audit
from uncounted.web.auth import AdminUser, AnyUser
from uncounted.web.csrf import csrf_protect
from uncounted.web.pages import flash, page_number, redirect, render
from uncounted.web.users import ROLES, add_user, disable_user, list_users

router = APIRouter()
AUDIT_PAGE = 200


@router.get("/audit")
def audit_page(
    request: Request, viewer: AnyUser, page: int = 1
) -> Response:
    with request.app.state.access.use() as project:
        total = audit_count(project)
        page = page_number(page, total, AUDIT_PAGE)
        rows = read_audit(project, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
    return render(request, "audit.html.j2", {"rows": rows, "total": total, "page": page,
                                             "page_size": AUDIT_PAGE})


@router.get("/admin/users")
def users_page(request: Request, viewer: AdminUser) -> Response:
    with request.app.state.access.use() as project:
        users = list_users(project)
    return render(request, "users.html.j2", {"users": users, "roles": ROLES})


@router.post("/admin/users", dependencies=[Depends(csrf_protect)])
def users_add(
    request: Request,
    viewer: AdminUser,
    username: str = Form(...),
    password: str = Form(...),
    role: str = Form(...),
) -> Response:
    try:
        with request.app.state.access.use() as project:
            user = add_user(project, username.strip(), password, role, by=viewer.username)
    except UncountedError as problem:
        flash(request, problem.message, "error")
    else:
        flash(request, f"Added {user.username} ({user.role})."
              + (" From now on every page needs a login." if viewer.local else ""))
    return redirect("/admin/users")


@router.post("/admin/users/{username}/disable", dependencies=[Depends(csrf_protect)])
def users_disable(
    request: Request, viewer: AdminUser, username: str
) -> Response:
    try:
        with request.app.state.access.use() as project:
            disable_user(project, username, by=viewer.username)
    except UncountedError as problem:
        flash(request, problem.message, "error")
    else:
        flash(request, f"Disabled {username}.")
    return redirect("/admin/users")
