"""The project, opened for the moment of a request and closed after it.

DuckDB lets one process at a time open a database for writing. A server that kept the project
open would lock every command out while it runs (a team reviewing in the browser while an
analyst ingests the next release). So each use opens the project when this process has its turn
(:mod:`uncounted.store.lock`) and closes it at the end, and a command waiting for the project
gets it between two requests.

One connection must not run two queries at once, so requests take their turns on a lock here
too: requests are short reads or single-row writes, so serializing them is cheap and makes every
write (a decision and its audit row) atomic with respect to the others. A request waits at most
``wait`` seconds for a command that holds the project (an ingest or a link run can take
minutes); then :class:`ProjectBusy` names the command and the app shows a notice instead of the
page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from uncounted.store import Project
from uncounted.store.lock import POLICY, ProjectBusy, Timeout, current_holder

# Long enough for a short command (status, export, a user added) to finish, short enough
# that a browser shows the notice before anyone gives up on the page.
REQUEST_WAIT: Final = 5.0
SERVER_COMMAND: Final = "uncounted serve (a web request)"


class ProjectAccess:
    def __init__(self, project_dir: Path, *, wait: float = REQUEST_WAIT) -> None:
        self.project_dir = project_dir
        self.wait = wait
        self._lock = threading.RLock()
        self._project: Project | None = None

    @contextmanager
    def use(self, *, wait: Timeout | None = None) -> Iterator[Project]:
        """The open project, for the ``with`` block; waits ``wait`` seconds for it (default:
        the app's request wait; ``POLICY``: as long as this process waits for projects)."""
        limit = self.wait if wait is None else wait
        started = time.monotonic()
        if not self._lock.acquire(timeout=-1 if not isinstance(limit, float | int) else limit):
            raise ProjectBusy(self.project_dir, current_holder(self.project_dir),
                              time.monotonic() - started)
        try:
            if self._project is not None:  # a nested use in the same request
                yield self._project
                return
            left = limit
            if isinstance(limit, float | int):
                left = max(0.0, limit - (time.monotonic() - started))
            project = Project.open(self.project_dir, wait=left, command=SERVER_COMMAND)
            self._project = project
            try:
                yield project
            finally:
                self._project = None
                project.close()
        finally:
            self._lock.release()

    def close(self) -> None:
        """Wait for the request in flight, if any; nothing stays open between requests."""
        with self._lock:
            pass


__all__ = ["POLICY", "REQUEST_WAIT", "ProjectAccess", "ProjectBusy"]
