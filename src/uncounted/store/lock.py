"""Taking turns on a project: a lock file beside the database, with who holds it.

DuckDB lets one process at a time open a database file for writing; a second process that
tries is refused at once. The web server and the commands share a project by taking turns: a
process takes the project's lock (``DIR/project.lock``) before it opens the database and gives
it back after closing it, and a process that finds the lock taken waits for it instead of
failing. The holder writes who it is into the lock file (pid, command, host, since when), so
that whoever waits can say what it waits for.

The lock is an advisory ``flock``: the kernel drops it when its process ends, ``kill -9``
included, so a dead holder never blocks anyone, and no lock file is ever stale.

Turns are fair: before waiting for the lock a process takes a second lock, the turnstile
(``DIR/project.lock.queue``), and gives it back once it holds the first. The web server takes
the project again for the next request as soon as it has given it up; without the turnstile a
command could wait forever for a gap between two reviewers' requests (it did, in the test of
this), with it the command is next. The server also looks at the turnstile to know that a
process waits (:func:`others_waiting`), and hands the project over after the request in flight.

Within one process the lock is counted, not taken twice: code that opens the project while the
same process has it open (another thread, or a nested open) shares the turn, as DuckDB shares
its database within a process. A forked child (the workers of ``link``) closes its copies of
the lock files at once, so that it does not keep the parent's turn alive after the parent
ends. Where ``fcntl`` is missing (Windows) there is no waiting: DuckDB's own lock refuses a
second process at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from uncounted.core.errors import ProjectError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME: Final = "project.lock"
QUEUE_NAME: Final = "project.lock.queue"
# Polling, not a blocking flock: a wait must end at its timeout and report progress. The first
# polls are quick (the web server holds the lock for milliseconds), later ones back off.
_FIRST_POLL: Final = 0.002
_LAST_POLL: Final = 0.1
_REPORT_EVERY: Final = 0.5


@dataclass(frozen=True)
class Holder:
    """Who holds a project's lock, as the holder wrote it."""

    pid: int
    command: str
    host: str
    since: str  # UTC, ISO 8601 to the second

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"`{self.command}` (pid {self.pid}{where}, since {self.since} UTC)"

    def since_datetime(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.since)
        except ValueError:
            return None


@dataclass(frozen=True)
class Waiting:
    """What a waiting process reports: the project, its holder (if it says), the seconds waited
    so far, and whether the wait is over (``done``: the lock was taken or the wait gave up)."""

    root: Path
    holder: Holder | None
    waited: float
    done: bool = False


Reporter = Callable[[Waiting], None]


class ProjectBusy(ProjectError):
    """Another process held the project for longer than this one would wait."""

    def __init__(self, root: Path, holder: Holder | None, waited: float) -> None:
        who = holder.describe() if holder else "another process"
        super().__init__(
            f"the project is in use by {who}; waited {waited:.1f} s. Wait longer with "
            "`uncounted --wait SECONDS ...` (or UNCOUNTED_WAIT), or run this when it ends",
            file=str(root),
        )
        self.root = root
        self.holder = holder
        self.waited = waited


class _UsePolicy:
    """The sentinel: wait as this process's policy says."""


POLICY: Final = _UsePolicy()
Timeout = float | None | _UsePolicy


class _Policy:
    """How long this process waits for a project (POLICY: as UNCOUNTED_WAIT says), whom it
    tells, and what it says it is."""

    def __init__(self) -> None:
        self.timeout: Timeout = POLICY
        self.report: Reporter | None = None
        self.command: str = "uncounted (Python)"


def timeout_from_env() -> float | None:
    """``UNCOUNTED_WAIT`` in seconds; None (wait as long as it takes) when unset."""
    text = os.environ.get("UNCOUNTED_WAIT", "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ProjectError(
            f"UNCOUNTED_WAIT={text!r} is not a number of seconds", field="UNCOUNTED_WAIT"
        ) from None
    if value != value or value < 0:
        raise ProjectError(
            f"UNCOUNTED_WAIT={text!r} must be 0 or more seconds", field="UNCOUNTED_WAIT"
        )
    return value


_policy = _Policy()


class _Unchanged:
    """The sentinel of :func:`configure`: leave this setting as it is."""


_UNCHANGED: Final = _Unchanged()


def configure(
    *,
    timeout: Timeout | _Unchanged = _UNCHANGED,
    report: Reporter | _Unchanged | None = _UNCHANGED,
    command: str | None = None,
) -> None:
    """Set this process's defaults: ``timeout`` seconds (None: as long as it takes; 0: not at
    all; POLICY: as UNCOUNTED_WAIT says), a ``report`` callback for waits, and the ``command``
    named to those who wait. What is not given is left as it is."""
    if not isinstance(timeout, _Unchanged):
        _policy.timeout = timeout
    if not isinstance(report, _Unchanged):
        _policy.report = report
    if command is not None:
        _policy.command = command


def default_timeout() -> float | None:
    """How long this process waits for a project unless told otherwise."""
    if isinstance(_policy.timeout, _UsePolicy):
        return timeout_from_env()
    return _policy.timeout


# --- the lock ----------------------------------------------------------------------------------


@dataclass
class _Held:
    fd: int
    count: int


_registry: dict[str, _Held] = {}
_registry_lock = threading.Lock()
_taking: dict[str, threading.Lock] = {}


def _forget_in_child() -> None:
    """In a forked child: close the inherited lock files (the parent keeps its turn: a flock
    ends when its last descriptor closes, and the parent's stays open)."""
    global _registry_lock
    for held in _registry.values():
        with contextlib.suppress(OSError):
            os.close(held.fd)
    _registry.clear()
    _taking.clear()
    _registry_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


class ProjectLease:
    """This process's turn on a project. :meth:`release` once (more calls do nothing)."""

    def __init__(self, key: str | None) -> None:
        self._key = key
        self._released = False

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        if self._key is None:
            return
        with _registry_lock:
            held = _registry.get(self._key)
            if held is None:  # forgotten in a forked child
                return
            held.count -= 1
            if held.count > 0:
                return
            del _registry[self._key]
        with contextlib.suppress(OSError):
            os.ftruncate(held.fd, 0)
        os.close(held.fd)  # closing the last descriptor drops the flock


def _key(root: Path) -> str:
    return os.path.realpath(root / LOCK_NAME)


def _open_lock_file(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _try(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def read_holder(root: Path) -> Holder | None:
    """Who wrote themselves into the lock file last (whether or not they still hold it)."""
    try:
        text = (Path(root) / LOCK_NAME).read_text(encoding="utf-8")
        data = json.loads(text)
        return Holder(int(data["pid"]), str(data["command"]), str(data["host"]),
                      str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def current_holder(root: Path) -> Holder | None:
    """The holder of the project's lock now, or None when nobody holds it."""
    if fcntl is None:
        return None
    root = Path(root)
    try:
        fd = os.open(root / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return None
    try:
        if _try(fd):
            return None
        return read_holder(root)
    finally:
        os.close(fd)  # drops the probe's flock, if it took one


def others_waiting(root: Path) -> bool:
    """Whether another process waits for its turn on the project (holds the turnstile): the
    web server, which keeps the project open between requests, gives it up when one does."""
    if fcntl is None:
        return False
    try:
        fd = os.open(Path(root) / QUEUE_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        return not _try(fd)
    finally:
        os.close(fd)  # drops the probe's flock, if it took one


def acquire(
    root: str | Path,
    *,
    timeout: Timeout = POLICY,
    command: str | None = None,
    report: Reporter | _UsePolicy | None = POLICY,
    required: bool = True,
) -> ProjectLease:
    """Take the project's lock, waiting up to ``timeout`` seconds (None: as long as it takes).

    Raises :class:`ProjectBusy` naming the holder when the wait runs out. ``required=False``
    (a read-only open) goes on without the lock when the lock file cannot be created (a
    read-only folder): DuckDB's own lock still keeps writers out."""
    root = Path(root)
    if fcntl is None:
        return ProjectLease(None)
    limit = default_timeout() if isinstance(timeout, _UsePolicy) else timeout
    reporter = _policy.report if isinstance(report, _UsePolicy) else report
    started = time.monotonic()
    key = _key(root)
    with _registry_lock:
        held = _registry.get(key)
        if held is not None:
            held.count += 1
            return ProjectLease(key)
        taking = _taking.setdefault(key, threading.Lock())
    # One thread of this process takes the lock from the others; the rest then share it.
    if not taking.acquire(timeout=-1 if limit is None else limit):
        raise ProjectBusy(root, current_holder(root), time.monotonic() - started)
    try:
        with _registry_lock:
            held = _registry.get(key)
            if held is not None:
                held.count += 1
                return ProjectLease(key)
        try:
            fd = _open_lock_file(root / LOCK_NAME)
        except OSError as problem:
            if not required:
                return ProjectLease(None)
            raise ProjectError(f"cannot create the project's lock file: {problem.strerror}",
                               file=str(root / LOCK_NAME)) from None
        try:
            _wait_for_turn(root, fd, limit, reporter, started, command or _policy.command)
        except BaseException:
            os.close(fd)
            raise
        with _registry_lock:
            _registry[key] = _Held(fd, 1)
        return ProjectLease(key)
    finally:
        taking.release()


def _wait_for_turn(
    root: Path,
    fd: int,
    limit: float | None,
    reporter: Reporter | None,
    started: float,
    command: str,
) -> None:
    queue_fd: int | None = None
    in_queue = False
    poll = _FIRST_POLL
    last_report = started
    reported = False
    try:
        try:
            queue_fd = _open_lock_file(root / QUEUE_NAME)
        except OSError:
            queue_fd = None  # a read-only folder: wait without the turnstile
        while True:
            if queue_fd is not None and not in_queue:
                in_queue = _try(queue_fd)
            if (queue_fd is None or in_queue) and _try(fd):
                _write_holder(fd, command)
                return
            now = time.monotonic()
            waited = now - started
            if limit is not None and waited >= limit:
                holder = read_holder(root)
                if reporter is not None and reported:
                    reporter(Waiting(root, holder, waited, done=True))
                    reported = False
                raise ProjectBusy(root, holder, waited)
            if reporter is not None and now - last_report >= _REPORT_EVERY:
                reporter(Waiting(root, read_holder(root), waited))
                reported = True
                last_report = now
            pause = poll if limit is None else min(poll, max(limit - waited, 0.0))
            time.sleep(pause)
            poll = min(poll * 2, _LAST_POLL)
    finally:
        if queue_fd is not None:
            os.close(queue_fd)  # leaves the turnstile to the next in line
        if reporter is not None and reported:
            reporter(Waiting(root, read_holder(root), time.monotonic() - started, done=True))


def _write_holder(fd: int, command: str) -> None:
    holder = {
        "pid": os.getpid(),
        "command": command,
        "host": socket.gethostname(),
        "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
    }
    data = json.dumps(holder).encode("utf-8")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    except OSError:
        pass  # who holds the lock is a courtesy to those who wait; the lock itself is taken
