"""Short leases on review pairs, so that reviewers working at once see different pairs.

A pair shown to a reviewer is theirs for ``LEASE_SECONDS`` (renewed while they look at it);
nobody else is handed it meanwhile. A lease only steers who sees what: whether a decision is
recorded is decided against the stored decisions (see :mod:`uncounted.web.review_desk`), so an
expired lease can never lose or double a decision.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

Pair = tuple[str, str]
LEASE_SECONDS: Final = 600.0


class ReviewLeases:
    def __init__(
        self, seconds: float = LEASE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._held: dict[Pair, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _expire(self) -> None:
        now = self._clock()
        for pair in [p for p, (_, until) in self._held.items() if until <= now]:
            del self._held[pair]

    def holder(self, pair: Pair) -> str | None:
        with self._lock:
            self._expire()
            held = self._held.get(pair)
            return held[0] if held else None

    def held_by(self, username: str) -> Pair | None:
        with self._lock:
            self._expire()
            for pair, (holder, _) in self._held.items():
                if holder == username:
                    return pair
            return None

    def held_by_others(self, username: str) -> set[Pair]:
        with self._lock:
            self._expire()
            return {pair for pair, (holder, _) in self._held.items() if holder != username}

    def take(self, pair: Pair, username: str) -> bool:
        """Lease the pair to the user (one pair per user); False if another holds it."""
        with self._lock:
            self._expire()
            held = self._held.get(pair)
            if held and held[0] != username:
                return False
            for other in [p for p, (h, _) in self._held.items() if h == username and p != pair]:
                del self._held[other]
            self._held[pair] = (username, self._clock() + self._seconds)
            return True

    def release(self, pair: Pair) -> None:
        with self._lock:
            self._held.pop(pair, None)
