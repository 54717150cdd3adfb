"""Logging in and out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from uncounted.web.audit import write_audit
from uncounted.web.auth import current_viewer
from uncounted.web.csrf import csrf_protect
from uncounted.web.pages import redirect, render
from uncounted.web.sessions import new_session
from uncounted.web.users import authenticate

router = APIRouter()


@router.get("/login")
def login_page(request: Request) -> Response:
    viewer = current_viewer(request)
    if viewer is not None:
        return redirect("/")
    return render(request, "login.html.j2", {"error": None, "username": ""})


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
    username = username.strip()
    throttle = request.app.state.throttle
    wait = throttle.blocked_for(username)
    if wait:
        with request.app.state.access.use() as project, project.transaction() as con:
            write_audit(con, username or "(empty)", "login_blocked", None, {})
        return render(request, "login.html.j2", {
            "error": f"Too many failed logins for this name; try again in {wait / 60:.0f}"
                     " minute(s).",
            "username": username}, status_code=429)
    with request.app.state.access.use() as project:
        user = authenticate(project, username, password)
        with project.transaction() as con:
            # Only the name someone typed, never the password; unknown names are kept too,
            # since guessing is what an audit log should show.
            write_audit(con, username or "(empty)", "login" if user else "login_failed", None,
                        {})
    if user is None:
        throttle.failed(username)
        return render(request, "login.html.j2",
                      {"error": "Wrong user name or password, or the user is disabled.",
                       "username": username}, status_code=401)
    throttle.succeeded(username)
    # A new session id at login, so a session id planted before it is worth nothing.
    request.state.new_session = new_session(user.username)
    return redirect("/")


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    viewer = current_viewer(request)
    if viewer is not None and not viewer.local:
        with request.app.state.access.use() as project, project.transaction() as con:
            write_audit(con, viewer.username, "logout", None, {})
    request.state.new_session = new_session()
    return redirect("/login")
