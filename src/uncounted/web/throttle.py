"""Slowing down password guessing: after ``MAX_FAILURES`` failed logins for one user name
within ``WINDOW_SECONDS``, further attempts on that name are refused until the window passes.
Kept in memory: a restart forgets it, which costs a guesser a restart of someone else's server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

MAX_FAILURES: Final = 5
WINDOW_SECONDS: Final = 600.0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, username: str) -> list[float]:
        cutoff = self._clock() - WINDOW_SECONDS
        recent = [t for t in self._failures.get(username, []) if t > cutoff]
        self._failures[username] = recent
        return recent

    def blocked_for(self, username: str) -> float:
        """Seconds until the name may try again (0 if it may now)."""
        with self._lock:
            recent = self._recent(username)
            if len(recent) < MAX_FAILURES:
                return 0.0
            return max(0.0, recent[-MAX_FAILURES] + WINDOW_SECONDS - self._clock())

    def failed(self, username: str) -> None:
        with self._lock:
            self._recent(username).append(self._clock())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)
