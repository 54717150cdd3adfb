"""Logging in and out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from uncounted.web.audit import write_audit
from uncounted.web.auth import current_viewer
from uncounted.web.csrf import csrf_protect
from uncounted.web.pages import redirect, render
from uncounted.web.sessions import end_session, new_session, open_session
from uncounted.web.users import authenticate

router = APIRouter()


@router.get("/login")
def login_page(request: Request) -> Response:
    viewer = current_viewer(request)
    if viewer is not None:
        return redirect("/")
    return render(request, "login.html.j2", {"error": None, "username": ""})


def _client(request: Request) -> str:
    """The address the connection comes from (a proxy's, behind one)."""
    return request.client.host if request.client else "unknown"


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
    username = username.strip()
    throttle = request.app.state.throttle
    access = request.app.state.access
    # Reserve the attempt before checking the password: guesses sent at once cannot all
    # pass the check of the count before any of them is counted.
    with access.use() as project:
        wait = throttle.reserve(project, username, _client(request))
    if wait:
        with access.use() as project, project.transaction() as con:
            write_audit(con, username or "(empty)", "login_blocked", None, {})
        return render(request, "login.html.j2", {
            "error": "Too many failed logins for this name or from this address; try again in"
                     f" {max(1, round(wait / 60))} minute(s).",
            "username": username}, status_code=429)
    with access.use() as project:
        user = authenticate(project, username, password)
        with project.transaction() as con:
            # Only the name someone typed, never the password; unknown names are kept too,
            # since guessing is what an audit log should show.
            write_audit(con, username or "(empty)", "login" if user else "login_failed", None,
                        {})
    if user is None:
        return render(request, "login.html.j2",
                      {"error": "Wrong user name or password, or the user is disabled.",
                       "username": username}, status_code=401)
    with access.use() as project:
        throttle.succeeded(project, username)
        # A new session id at login, so a session id planted before it is worth nothing; it
        # is live on the server until logout, a password change or disabling the user.
        request.state.new_session = open_session(project, user.username)
    return redirect("/")


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    viewer = current_viewer(request)
    with request.app.state.access.use() as project:
        if viewer is not None and not viewer.local:
            with project.transaction() as con:
                write_audit(con, viewer.username, "logout", None, {})
        # Ended on the server: a copy of the cookie is worth nothing from now on.
        end_session(project, request.state.session)
    request.state.new_session = new_session()
    return redirect("/login")
