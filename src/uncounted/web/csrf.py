"""CSRF protection: every POST carries a token bound to the session, checked on the server.

The token is an HMAC of the session id, so it needs no storage, changes with every new
session (a login makes a new one) and cannot be computed by another site. Forms send it as
the ``csrf_token`` field, scripts as the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from fastapi import Request

FORM_FIELD: Final = "csrf_token"
HEADER: Final = "x-csrf-token"


class CsrfRefused(Exception):
    """A POST without the session's CSRF token."""


def csrf_token(secret: str, sid: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()


async def csrf_protect(request: Request) -> None:
    """FastAPI dependency for every POST route."""
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(FORM_FIELD)
        sent = value if isinstance(value, str) else None
    expected = csrf_token(request.app.state.secret, request.state.session.sid)
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()
