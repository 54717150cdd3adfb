"""A process that holds a project as a command would, for the tests of taking turns."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from uncounted.store.lock import QUEUE_NAME

CLI = [sys.executable, "-c", "from uncounted.cli.main import run; run()"]

# Opens the project as argv[3] (a command's name) and keeps it until the file in argv[2]
# appears. With argv[4] == "fork", it forks a child that outlives its hold, as link's worker
# processes can.
HOLDER = """
import os, sys, time
from pathlib import Path
from uncounted.store import Project
from uncounted.store.lock import configure
configure(command=sys.argv[3])
project = Project.open(sys.argv[1])
child = os.fork() if len(sys.argv) > 4 else None
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


@contextmanager
def held(
    root: Path, command: str = "uncounted link", *extra: str
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """(the holding process, the file whose creation makes it let go)."""
    release = root.parent / f"release-{root.name}"
    release.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), str(release), command, *extra],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "holding"
        yield process, release
    finally:
        release.touch()
        if process.poll() is None:
            process.kill()
        process.wait()


def wait_until_queued(root: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until some process waits for its turn (holds the turnstile), while ``process`` runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "it did not wait: " + str(process.communicate()[1])
        fd = os.open(root / QUEUE_NAME, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        finally:
            os.close(fd)
        time.sleep(0.05)
    raise AssertionError("it never queued for the project")
