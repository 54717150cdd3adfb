"""Sessions: a signed cookie, the secret that signs it, and the server's list of live logins.

The cookie holds a random session id and, after a login, the user name; it is signed with
itsdangerous (so it cannot be forged) and expires after ``MAX_AGE``. A logged-in session must
also be a row of ``web_sessions`` (by the SHA-256 of its id, so the database alone gives no
usable session): logout deletes the row, a password change or disabling the user deletes all
of the user's rows, so a cookie copied before any of those stops working at once. The user's
role and whether they are still enabled are read from the project at every request too. The
secret lives in the project folder (readable by its owner only), so sessions survive a
restart of the server but not a copy of the code.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
from itsdangerous import BadSignature, URLSafeTimedSerializer

from uncounted.store.project import Project
from uncounted.store.web_accounts import (
    add_session,
    delete_session,
    delete_user_sessions,
    session_is_live,
)

COOKIE_NAME: Final = "uncounted_session"
MAX_AGE: Final = 12 * 3600
SECRET_FILE: Final = ".web-secret"


@dataclass(frozen=True)
class Session:
    sid: str
    username: str | None = None


def new_session(username: str | None = None) -> Session:
    return Session(secrets.token_urlsafe(24), username)


def project_secret(project_dir: Path) -> str:
    """The project's session secret, made on first use with owner-only permissions."""
    path = project_dir / SECRET_FILE
    if not path.is_file():
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


class SessionCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="uncounted-session")

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps({"sid": session.sid, "user": session.username})

    def loads(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=MAX_AGE)
        except BadSignature:  # also covers expired signatures
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return None
        user = data.get("user")
        return Session(data["sid"], user if isinstance(user, str) else None)


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(project: Project, username: str, *, now: float | None = None) -> Session:
    """A new logged-in session of ``username``, recorded as live (expired rows are dropped)."""
    now = time.time() if now is None else now
    session = new_session(username)
    with project.transaction() as con:
        add_session(con, _sid_hash(session.sid), username, now, now + MAX_AGE)
    return session


def session_alive(project: Project, session: Session, *, now: float | None = None) -> bool:
    """Whether a logged-in session is still live on the server (not ended, not expired)."""
    if not session.username:
        return False
    now = time.time() if now is None else now
    return session_is_live(project, _sid_hash(session.sid), session.username, now)


def end_session(project: Project, session: Session) -> None:
    with project.transaction() as con:
        delete_session(con, _sid_hash(session.sid))


def end_user_sessions(con: duckdb.DuckDBPyConnection, username: str) -> int:
    """End every session of a user, inside the caller's transaction; returns how many."""
    return delete_user_sessions(con, username)
