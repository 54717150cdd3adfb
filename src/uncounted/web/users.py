"""The app's users: names, roles and Argon2id password hashes in the project's ``users`` table.

Roles are cumulative: a viewer reads, a reviewer also decides pairs, an admin also manages
users. Passwords are never stored, only their Argon2id hashes (memory-hard, so a stolen
database does not give the passwords away cheaply). Every change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from uncounted.core.errors import UncountedError
from uncounted.store.project import Project, utc_now
from uncounted.store.web_accounts import (
    add_user_row,
    disable_user_row,
    enabled_password_hash,
    set_password_hash,
    user_count,
    user_rows,
)
from uncounted.web.audit import write_audit
from uncounted.web.sessions import end_user_sessions
from uncounted.workflow.link_results import jsonable

Role = Literal["viewer", "reviewer", "admin"]
ROLES: Final[tuple[Role, ...]] = ("viewer", "reviewer", "admin")
MIN_PASSWORD_LENGTH: Final = 10
# The name of the one user of an app bound to 127.0.0.1 while the project has no users.
LOCAL_USER: Final = "local"
_USERNAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, 64 MiB, 3 passes
# Verifying against this when the name is unknown makes a wrong name cost as much as a wrong
# password, so timing does not tell which names exist.
_DUMMY_HASH: Final = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    created_at: str
    disabled: bool

    def to_dict(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role, "created_at": self.created_at,
                "disabled": self.disabled}


def role_at_least(role: str, needed: Role) -> bool:
    return role in ROLES and ROLES.index(cast(Role, role)) >= ROLES.index(needed)


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise UncountedError(f"a role is one of {', '.join(ROLES)}, not {role!r}", field="role")
    return cast(Role, role)


def check_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise UncountedError(
            "a user name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or"
            f" digit; {username!r} is not",
            field="username",
        )
    if username == LOCAL_USER:
        raise UncountedError(
            f"{LOCAL_USER!r} is the name of the login-free local user; choose another",
            field="username",
        )
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UncountedError(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    return password


def has_users(project: Project) -> bool:
    """Whether any enabled user exists (then every page needs a login)."""
    return bool(user_count(project, enabled_only=True))


def any_users(project: Project) -> bool:
    """Whether any user was ever added (enabled or not): then the app needs logins."""
    return bool(user_count(project, enabled_only=False))


def list_users(project: Project) -> list[User]:
    return [User(str(u), cast(Role, r), str(jsonable(c)), bool(d))
            for u, r, c, d in user_rows(project)]


def get_user(project: Project, username: str) -> User | None:
    for user in list_users(project):
        if user.username == username:
            return user
    return None


def add_user(project: Project, username: str, password: str, role: str, *, by: str) -> User:
    """Create a user; ``by`` (who did it) goes into the audit log with the change."""
    check_username(username)
    checked_role = check_role(role)
    check_password(password)
    if get_user(project, username) is not None:
        raise UncountedError(f"the user {username!r} exists already", field="username")
    password_hash = _hasher.hash(password)
    with project.transaction() as con:
        add_user_row(con, username, password_hash, checked_role, utc_now())
        write_audit(con, by, "user_add", username, {"role": checked_role})
    user = get_user(project, username)
    assert user is not None
    return user


def disable_user(project: Project, username: str, *, by: str) -> User:
    """Disable a user: their sessions end at once (deleted from the server's list)."""
    user = get_user(project, username)
    if user is None:
        raise UncountedError(f"no user is called {username!r}", field="username")
    if user.disabled:
        return user
    with project.transaction() as con:
        disable_user_row(con, username)
        ended = end_user_sessions(con, username)
        write_audit(con, by, "user_disable", username, {"sessions_ended": ended})
    disabled = get_user(project, username)
    assert disabled is not None
    return disabled


def set_password(project: Project, username: str, password: str, *, by: str) -> User:
    """Give a user a new password and end every session they have (a cookie copied under the
    old password stops working)."""
    check_password(password)
    user = get_user(project, username)
    if user is None:
        raise UncountedError(f"no user is called {username!r}", field="username")
    password_hash = _hasher.hash(password)
    with project.transaction() as con:
        set_password_hash(con, username, password_hash)
        ended = end_user_sessions(con, username)
        write_audit(con, by, "user_password", username, {"sessions_ended": ended})
    return user


def authenticate(project: Project, username: str, password: str) -> User | None:
    """The enabled user with this name and password, or None (same cost either way)."""
    found = enabled_password_hash(project, username)
    try:
        _hasher.verify(_DUMMY_HASH if found is None else found, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if found is None:
        return None
    return get_user(project, username)
