"""Work on worker processes finishes, with the same results, when a worker dies."""

from __future__ import annotations

import logging
import os

import pytest

from uncounted.core.processes import map_in_processes


def _square_unless_in_a_worker(value: int, parent: int) -> int:
    if os.getpid() != parent:
        os._exit(1)  # a worker killed abruptly, as the system's out-of-memory killer does
    return value * value


def _square(value: int) -> int:
    return value * value


def test_results_in_order_on_workers() -> None:
    assert map_in_processes(_square, range(7), workers=2) == [v * v for v in range(7)]


def test_a_dead_worker_leaves_the_work_to_this_process(caplog: pytest.LogCaptureFixture) -> None:
    parent = os.getpid()
    with caplog.at_level(logging.WARNING, logger="uncounted.core.processes"):
        results = map_in_processes(_square_unless_in_a_worker, range(5), [parent] * 5, workers=2)
    assert results == [0, 1, 4, 9, 16]
    assert "worker process died" in caplog.text
