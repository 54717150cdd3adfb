"""The project as the web app uses it: open while requests come, handed over when a command asks.

DuckDB lets one process at a time open a database for writing. A server that kept the project
open would lock every command out while it runs (a team reviewing in the browser while an
analyst ingests the next release). So the app opens the project when this process has its turn
(:mod:`uncounted.store.lock`) and gives the turn back as soon as another process waits for it:
after the request in flight, or at once between requests (a watcher thread looks every
``POLL`` seconds). Nobody waiting, it keeps the project open for ``linger`` seconds after the
last request, so that a reviewer's pages do not each pay for opening the database (tens of
milliseconds, and a cold cache); ``linger=0`` closes it after every request.

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
from uncounted.store.lock import POLICY, ProjectBusy, Timeout, current_holder, others_waiting

# Long enough for a short command (status, export, a user added) to finish, short enough
# that a browser shows the notice before anyone gives up on the page.
REQUEST_WAIT: Final = 5.0
LINGER: Final = 10.0
POLL: Final = 0.02
SERVER_COMMAND: Final = "uncounted serve"


class ProjectAccess:
    def __init__(
        self, project_dir: Path, *, wait: float = REQUEST_WAIT, linger: float = LINGER
    ) -> None:
        self.project_dir = project_dir
        self.wait = wait
        self.linger = linger
        self._lock = threading.RLock()
        self._project: Project | None = None
        self._depth = 0
        self._last_use = 0.0
        self._watcher: threading.Thread | None = None
        self._closing = threading.Event()

    @contextmanager
    def use(self, *, wait: Timeout | None = None) -> Iterator[Project]:
        """The open project, for the ``with`` block; waits ``wait`` seconds for it (default:
        the app's request wait; ``POLICY``: as long as this process waits for projects)."""
        limit = self.wait if wait is None else wait
        started = time.monotonic()
        seconds = limit if isinstance(limit, float | int) else None
        if not self._lock.acquire(timeout=-1 if seconds is None else seconds):
            raise ProjectBusy(self.project_dir, current_holder(self.project_dir),
                              time.monotonic() - started)
        try:
            if self._project is None:
                left = limit if seconds is None else max(0.0, seconds - (time.monotonic()
                                                                         - started))
                self._project = Project.open(self.project_dir, wait=left,
                                             command=SERVER_COMMAND)
            self._depth += 1
            failed = False
            try:
                yield self._project
            except BaseException:
                failed = True
                raise
            finally:
                self._depth -= 1
                self._last_use = time.monotonic()
                if self._depth == 0:
                    # After a failure the connection starts afresh; and a waiting command
                    # gets the project before this server's next request.
                    if failed or self.linger <= 0 or others_waiting(self.project_dir):
                        self._close_project()
                    else:
                        self._watch()
        finally:
            self._lock.release()

    def _close_project(self) -> None:
        project, self._project = self._project, None
        if project is not None:
            project.close()

    def _watch(self) -> None:
        if self._watcher is not None and self._watcher.is_alive():
            return
        self._closing.clear()
        self._watcher = threading.Thread(target=self._watch_loop, name="project-handover",
                                         daemon=True)
        self._watcher.start()

    def _watch_loop(self) -> None:
        """Between requests: close the project once another process waits for it or it has
        been idle ``linger`` seconds; then end (the next request starts a new watcher)."""
        while not self._closing.wait(POLL):
            if not self._lock.acquire(blocking=False):
                continue  # a request is in flight; it hands over at its end if asked
            try:
                if self._project is None:
                    return
                if self._depth == 0 and (
                    time.monotonic() - self._last_use >= self.linger
                    or others_waiting(self.project_dir)
                ):
                    self._close_project()
                    return
            finally:
                self._lock.release()

    def close(self) -> None:
        """Close the project (after the request in flight, if any)."""
        self._closing.set()
        with self._lock:
            self._close_project()


__all__ = ["LINGER", "POLICY", "REQUEST_WAIT", "SERVER_COMMAND", "ProjectAccess",
           "ProjectBusy"]
