"""Processes take turns on a project: a command waits for the holder (and names it) instead of
failing, gives up after --wait naming it, and goes on at once when the holder is killed."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from uncounted.store import Project
from uncounted.store.lock import QUEUE_NAME, ProjectBusy, current_holder

CLI = [sys.executable, "-c", "from uncounted.cli.main import run; run()"]

# A process that opens the project as `uncounted link` would and keeps it until told to stop
# (the file in argv[2] appears). With argv[3] == "fork", it forks a child that outlives its
# hold, as link's worker processes can.
HOLDER = """
import os, sys, time
from pathlib import Path
from uncounted.store import Project
from uncounted.store.lock import configure
configure(command="uncounted link")
project = Project.open(sys.argv[1])
child = os.fork() if len(sys.argv) > 3 else None
if child == 0:
    time.sleep(30)
    os._exit(0)
print("holding", flush=True)
while not Path(sys.argv[2]).exists():
    time.sleep(0.01)
project.close()
print("closed", flush=True)
if child:
    time.sleep(30)
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    Project.create(tmp_path / "p").close()
    return tmp_path / "p"


@contextmanager
def held(root: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    release = root.parent / "release-now"
    release.unlink(missing_ok=True)
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(root), str(release), *extra],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "holding"
        yield process, release
    finally:
        release.touch()
        if process.poll() is None:
            process.kill()
        process.wait()


def _wait_until_queued(root: Path, process: subprocess.Popen[str]) -> None:
    """Until ``process`` waits for its turn: it holds the turnstile (the queue's lock)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "it did not wait: " + process.communicate()[1]
        fd = os.open(root / QUEUE_NAME, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        finally:
            os.close(fd)
        time.sleep(0.05)
    raise AssertionError("it never queued for the project")


def _status(root: Path, *before: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *before, "status", str(root), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_command_waits_for_the_holder_names_it_and_then_runs(root: Path) -> None:
    with held(root) as (holder, release):
        status = _status(root)
        _wait_until_queued(root, status)
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
        _wait_until_queued(root, status)
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
    with held(root, "fork") as (holder, release):
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
