"""Private scratch folders that a killed process does not leave behind for good.

A process removes its scratch folder at exit, but one killed with ``kill -9`` (or by the
kernel's out-of-memory killer) runs no exit handler, and its folder (DuckDB's spill files:
gigabytes when linking a million records) stays in the temporary directory. So each folder
says whose it is: its name carries the owner's pid, and the owner holds a ``flock`` on a file
inside it for its whole life (its forked workers inherit that lock). The next process to make
a folder of the same kind removes those whose owner is dead: no process has that pid, and the
lock is free. Either test alone could mislead (a pid reused by another program; a folder so
new that its owner has not locked it yet), so both must agree before anything is removed, and
only folders of this user, named by this module, are ever looked at. Windows: no clean-up.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Final

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

OWNER_FILE: Final = "owner.lock"

_folders: dict[str, tuple[Path, int | None]] = {}


def scratch_folder(prefix: str) -> Path:
    """This process's folder ``<TMPDIR>/<prefix><pid>-<random>``, made on the first call,
    removed at exit; making it first removes the folders of ``prefix`` whose owner is dead."""
    made = _folders.get(prefix)
    if made is not None and made[0].is_dir():
        return made[0]
    remove_stale(prefix)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))
    fd: int | None = None
    if fcntl is not None:
        fd = os.open(folder / OWNER_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
    _folders[prefix] = (folder, fd)
    atexit.register(_remove_own, folder, fd)
    return folder


def _remove_own(folder: Path, fd: int | None) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def remove_stale(prefix: str, parent: Path | None = None) -> list[Path]:
    """Remove the folders ``<prefix><pid>-*`` in ``parent`` (the temporary directory) that
    belong to this user and whose owner is dead; returns them."""
    if fcntl is None or not hasattr(os, "getuid"):
        return []
    parent = Path(tempfile.gettempdir()) if parent is None else parent
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[A-Za-z0-9_]+")
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None:
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if not _is_own_folder(info) or int(found.group(1)) == os.getpid():
            continue
        if _alive(int(found.group(1))):
            continue
        if _remove_if_unlocked(entry):
            removed.append(entry)
    return removed


def _is_own_folder(info: os.stat_result) -> bool:
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a pid no process can have: leave it
    return True


def _remove_if_unlocked(folder: Path) -> bool:
    """Remove the folder unless its owner's lock is held (a forked worker of a dead owner may
    still use it). No lock file: the owner died before taking the lock."""
    try:
        fd = os.open(folder / OWNER_FILE, os.O_RDONLY)
    except FileNotFoundError:
        fd = None
    except OSError:
        return False
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
        shutil.rmtree(folder, ignore_errors=True)
        return not folder.exists()
    finally:
        if fd is not None:
            os.close(fd)
