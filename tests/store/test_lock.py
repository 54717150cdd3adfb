"""Processes take turns on a project: a command waits for the holder (and names it) instead of
failing, gives up after --wait naming it, and goes on at once when the holder is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.store.holding import CLI, held, wait_until_queued
from uncounted.store import Project
from uncounted.store.lock import ProjectBusy, current_holder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    Project.create(tmp_path / "p").close()
    return tmp_path / "p"


def _status(root: Path, *before: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *before, "status", str(root), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_command_waits_for_the_holder_names_it_and_then_runs(root: Path) -> None:
    with held(root) as (holder, release):
        status = _status(root)
        wait_until_queued(root, status)
        time.sleep(1.5)  # past the second of silence (the server holds it for milliseconds)
        assert status.poll() is None, "status did not wait: " + status.communicate()[1]
        release.touch()
        out, err = status.communicate(timeout=60)
    assert status.returncode == 0, err
    assert json.loads(out)["totals"]["sources"] == 0
    assert f"`uncounted link` (pid {holder.pid}, since " in err
    assert "waiting for the project: " in err  # the progress line
    assert "going on" in err


def test_a_command_gives_up_after_its_wait_naming_the_holder(root: Path) -> None:
    with held(root) as (holder, _):
        started = time.monotonic()
        status = _status(root, "--wait", "0.5")
        _, err = status.communicate(timeout=60)
        took = time.monotonic() - started
    assert status.returncode == 1
    assert f"in use by `uncounted link` (pid {holder.pid}" in err
    assert "--wait SECONDS" in err
    assert took < 15  # the interpreter's start, then half a second


def test_the_environment_variable_sets_the_wait(root: Path) -> None:
    with held(root):
        status = subprocess.run([*CLI, "status", str(root)], capture_output=True, text=True,
                                env={**os.environ, "UNCOUNTED_WAIT": "0"}, timeout=60)
    assert status.returncode == 1 and "in use by `uncounted link`" in status.stderr


def test_killing_the_holder_lets_the_waiting_command_go_on(root: Path) -> None:
    with held(root) as (holder, _):
        status = _status(root)
        wait_until_queued(root, status)
        os.kill(holder.pid, signal.SIGKILL)
        _, err = status.communicate(timeout=60)
    assert status.returncode == 0, err
    assert current_holder(root) is None


def test_one_process_shares_its_own_turn_and_others_wait_for_all_of_it(root: Path) -> None:
    first = Project.open(root)
    second = Project.open(root, wait=0)  # the same process: no waiting for itself
    second.close()
    holder = current_holder(root)
    assert holder is not None and holder.pid == os.getpid()
    other = subprocess.run([*CLI, "--wait", "0", "status", str(root)], capture_output=True,
                           text=True, timeout=60)
    assert other.returncode == 1, "the first open still holds the project"
    first.close()
    first.close()  # closing twice gives nothing back twice
    assert current_holder(root) is None


def test_a_forked_child_does_not_keep_the_turn_of_its_parent(root: Path) -> None:
    with held(root, "uncounted link", "fork") as (holder, release):
        release.touch()
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "closed"
        # The parent closed; its forked child lives on, without the parent's turn.
        Project.open(root, wait=10).close()


def test_a_timeout_in_python_raises_project_busy_naming_the_holder(root: Path) -> None:
    with held(root) as (holder, _), pytest.raises(ProjectBusy) as caught:
        Project.open(root, wait=0.2)
    assert caught.value.holder is not None
    assert caught.value.holder.pid == holder.pid
    assert caught.value.holder.command == "uncounted link"


# Two processes that open and close the project back to back, as a web server under two busy
# reviewers does.
HAMMER = """
import sys, time
from uncounted.store import Project
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    with Project.open(sys.argv[1]) as project:
        project.con.execute("SELECT count(*) FROM records").fetchall()
"""


def test_a_command_is_not_starved_by_a_stream_of_short_turns(root: Path) -> None:
    hammers = [subprocess.Popen([sys.executable, "-c", HAMMER, str(root), "20"])
               for _ in range(2)]
    try:
        time.sleep(2.0)  # both are opening and closing
        started = time.monotonic()
        status = subprocess.run([*CLI, "status", str(root), "--json"], capture_output=True,
                                text=True, timeout=60)
        took = time.monotonic() - started
        assert status.returncode == 0, status.stderr
        assert all(h.poll() is None for h in hammers), "the stream ended before the command ran"
        assert took < 15
    finally:
        for hammer in hammers:
            hammer.kill()
            hammer.wait()
