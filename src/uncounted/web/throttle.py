"""Slowing down password guessing, per user name and per client, kept in the project.

Every login attempt first *reserves* a slot: in one step (a lock and one transaction) the
throttle counts the recent failures of the name and of the client and, if both are under
their limits, records this attempt as a failure before the password is checked. A success
then removes the name's failures. So 50 guesses sent at once for one name get
``MAX_FAILURES`` checks, not 43: the others find the slots taken before any password is
verified. Counting by client too stops one client from trying one password on many names.
The attempts are rows of ``login_attempts``, so a restart of the server forgets nothing.

The client is the address the connection comes from. Behind a reverse proxy every client
has the proxy's address: then the per-client limit is shared by everyone, which slows
everyone during an attack rather than letting the attack through.

The price of counting by name: anyone can lock a name out for ``WINDOW_SECONDS`` by failing
five times; an admin can still log in under another name.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

import duckdb

from uncounted.store.project import Project
from uncounted.store.web_accounts import (
    add_attempt,
    forget_attempts_before,
    forget_attempts_of,
    recent_attempts,
)

MAX_FAILURES: Final = 5  # per user name, within the window
MAX_CLIENT_FAILURES: Final = 20  # per client address, over every name, within the window
WINDOW_SECONDS: Final = 600.0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        # Wall-clock seconds: the rows outlive the process, so a monotonic clock would not do.
        self._clock = clock
        # The transaction alone would not make count-then-insert atomic (DuckDB lets two
        # transactions insert at once); this lock does, within the one server process.
        self._lock = threading.Lock()

    def reserve(self, project: Project, username: str, client: str) -> float:
        """0 when this attempt may check a password (it is recorded as a failure until
        :meth:`succeeded`), else the seconds until the name or the client may try again."""
        with self._lock, project.transaction() as con:
            now = self._clock()
            forget_attempts_before(con, now - WINDOW_SECONDS)
            wait = _wait(con, username, client, now)
            if wait > 0:
                return wait
            add_attempt(con, username, client, now)
            return 0.0

    def succeeded(self, project: Project, username: str) -> None:
        """The name's owner proved who they are: forget the name's failures (the client's
        failures on other names stay)."""
        with self._lock, project.transaction() as con:
            forget_attempts_of(con, username)

    def blocked_for(self, project: Project, username: str, client: str) -> float:
        """Seconds until the name or the client may try again (0 if they may now)."""
        with self._lock:
            return _wait(project.con, username, client, self._clock())


def _wait(con: duckdb.DuckDBPyConnection, username: str, client: str, now: float) -> float:
    wait = 0.0
    for by_client, key, limit in ((False, username, MAX_FAILURES),
                                  (True, client, MAX_CLIENT_FAILURES)):
        times = recent_attempts(con, by_client=by_client, key=key, since=now - WINDOW_SECONDS,
                                limit=limit)
        if len(times) >= limit:
            # the oldest of the last `limit` failures leaves the window first
            wait = max(wait, times[-1] + WINDOW_SECONDS - now)
    return wait
