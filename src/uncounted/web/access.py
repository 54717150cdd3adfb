"""One open project shared by every request, one request at a time.

DuckDB lets one process write a database, and one connection must not run two queries at
once, so the app opens the project once and every request takes this lock around its use of
the connection. Requests are short reads or single-row writes, so serializing them is cheap
and makes every write (a decision and its audit row) atomic with respect to the others.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from uncounted.store import Project


class ProjectAccess:
    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self._project = Project.open(project_dir)
        self._lock = threading.RLock()

    @contextmanager
    def use(self) -> Iterator[Project]:
        with self._lock:
            yield self._project

    def close(self) -> None:
        with self._lock:
            self._project.close()
