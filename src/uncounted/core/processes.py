"""Work split over worker processes, that still finishes when a worker dies.

Workers are forked. A forked child inherits the parent's objects, and the child's garbage
collector may run the finalizers of the parent's garbage (a DuckDB or Arrow object) in a
process without the parent's threads: a worker of the test suite died so, with a segmentation
fault while collecting garbage. So the parent collects its garbage and freezes what is left
(``gc.freeze``, which keeps those objects out of every later collection, the child's too)
while its workers start, and unfreezes when they are done.

Every task given here is a pure function of its arguments (its random stream is one of them),
so when the pool breaks — a worker killed by the system, or crashed by a lock it inherited
from a parent holding threads (DuckDB's, a web server's) — the tasks are run again in this
process, with the same results, and a warning says so.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Result = TypeVar("Result")


def map_in_processes(
    function: Callable[..., Result], *iterables: Iterable[Any], workers: int
) -> list[Result]:
    """``[function(*args) for args in zip(*iterables)]``, on ``workers`` processes."""
    tasks = list(zip(*iterables, strict=True))
    if workers > 1 and len(tasks) > 1:
        gc.collect()
        gc.freeze()
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                return list(pool.map(function, *zip(*tasks, strict=True)))
        except BrokenProcessPool as error:
            log.warning("a worker process died (%s); running the %d tasks here", error, len(tasks))
        finally:
            gc.unfreeze()
    return [function(*args) for args in tasks]
