"""Sessions in a signed cookie, and the secret that signs them.

The cookie holds a random session id and, after a login, the user name; it is signed with
itsdangerous (so it cannot be forged) and expires after ``MAX_AGE``. The user's role and
whether they are still enabled are read from the project at every request, so disabling a
user ends their sessions at once. The secret lives in the project folder (readable by its
owner only), so sessions survive a restart of the server but not a copy of the code.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from itsdangerous import BadSignature, URLSafeTimedSerializer

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
