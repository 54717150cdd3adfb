"""Who is asking, and may they? FastAPI dependencies that give each route its viewer.

With no users in the project (allowed only on 127.0.0.1) everyone is the local admin; as soon
as one user exists, every page needs a login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from uncounted.web.sessions import session_alive
from uncounted.web.users import LOCAL_USER, Role, any_users, get_user, role_at_least


@dataclass(frozen=True)
class Viewer:
    username: str
    role: Role
    local: bool = False  # the login-free user of an app on 127.0.0.1 without users

    def can(self, needed: Role) -> bool:
        return role_at_least(self.role, needed)


class LoginRequired(Exception):
    """No logged-in user where one is needed."""


class RoleRefused(Exception):
    def __init__(self, needed: Role) -> None:
        super().__init__(needed)
        self.needed = needed


def current_viewer(request: Request) -> Viewer | None:
    """The logged-in (or local) user, or None."""
    state = request.app.state
    with state.access.use() as project:
        if not any_users(project):
            # create_app refuses any other host while the project has no users.
            return Viewer(LOCAL_USER, "admin", local=True) if state.local else None
        username = request.state.session.username
        if not username:
            return None
        # The signature says who the cookie was made for; the server's list says whether that
        # login is still live (logout, a password change or disabling the user end it).
        if not session_alive(project, request.state.session):
            return None
        user = get_user(project, username)
    if user is None or user.disabled:
        return None
    return Viewer(user.username, user.role)


def require(needed: Role) -> Callable[[Request], Viewer]:
    """A dependency giving the viewer, or refusing: not logged in, or a role too low."""

    def dependency(request: Request) -> Viewer:
        viewer = current_viewer(request)
        if viewer is None:
            raise LoginRequired()
        if not viewer.can(needed):
            raise RoleRefused(needed)
        request.state.viewer = viewer
        return viewer

    return dependency


# Route parameters: `viewer: AnyUser` and so on give the route its checked viewer.
AnyUser = Annotated[Viewer, Depends(require("viewer"))]
ReviewerUser = Annotated[Viewer, Depends(require("reviewer"))]
AdminUser = Annotated[Viewer, Depends(require("admin"))]
