"""A killed link leaves its DuckDB spill folder; the next run removes it, and only folders whose
owner is dead: never a live process's, nor one a dead owner's forked worker still uses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from uncounted.core.scratch import remove_stale

PREFIX = "uncounted-duckdb-"

# Makes the DuckDB connection link uses (its spill folder with it), says where it spills, and
# then: waits to be killed ("wait"), ends normally ("exit"), or forks a worker that keeps
# running and dies at once without clean-up, as a killed owner would ("fork").
LINKER = """
import os, sys, time
from uncounted.link.backends import duckdb_connection
con = duckdb_connection()
print(con.execute("SELECT current_setting('temp_directory')").fetchone()[0], flush=True)
if sys.argv[1] == "wait":
    time.sleep(120)
elif sys.argv[1] == "fork":
    worker = os.fork()
    if worker == 0:
        time.sleep(120)
        os._exit(0)
    print(worker, flush=True)
    os._exit(0)
"""


def _linker(tmpdir: Path, how: str) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen([sys.executable, "-c", LINKER, how], stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "TMPDIR": str(tmpdir)})
    assert process.stdout is not None
    spill = Path(process.stdout.readline().strip())
    assert spill.parent == tmpdir
    return process, spill


def _spill_folders(tmpdir: Path) -> list[Path]:
    return sorted(p for p in tmpdir.iterdir() if p.name.startswith(PREFIX))


def test_the_next_run_removes_the_spill_folder_of_a_killed_one(tmp_path: Path) -> None:
    killed = []
    for _ in range(3):
        process, spill = _linker(tmp_path, "wait")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed.append(spill)
    # kill -9 runs no clean-up, but each run removed the folder of the one killed before it
    assert _spill_folders(tmp_path) == [killed[-1]]
    process, spill = _linker(tmp_path, "exit")
    process.wait()
    assert _spill_folders(tmp_path) == []  # the three stale ones, and its own at exit


def test_a_live_owner_keeps_its_folder(tmp_path: Path) -> None:
    process, spill = _linker(tmp_path, "wait")
    assert spill.name.startswith(f"{PREFIX}{process.pid}-")  # the owner, for all to see
    try:
        other, _ = _linker(tmp_path, "exit")
        other.wait()
        assert remove_stale(PREFIX, tmp_path) == []
        assert _spill_folders(tmp_path) == [spill]
    finally:
        process.kill()
        process.wait()
    assert remove_stale(PREFIX, tmp_path) == [spill]


def test_a_dead_owners_worker_still_using_the_folder_keeps_it(tmp_path: Path) -> None:
    process, spill = _linker(tmp_path, "fork")
    assert process.stdout is not None
    worker = int(process.stdout.readline())
    process.wait()  # the owner is dead; its forked worker holds the owner's lock
    try:
        assert remove_stale(PREFIX, tmp_path) == []
        assert spill.is_dir()
    finally:
        os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while remove_stale(PREFIX, tmp_path) != [spill]:  # once the worker is gone
        assert time.monotonic() < deadline, "the folder outlived its owner and its worker"
        time.sleep(0.05)


def test_only_this_modules_folders_of_dead_owners_are_touched(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    kept = [
        tmp_path / f"{PREFIX}{os.getpid()}-abc123",  # this process: alive
        tmp_path / f"{PREFIX}1-abc123",  # pid 1: alive (a pid reused by another program)
        tmp_path / "uncounted-duckdb-x1y2z3ab",  # no owner in its name (older versions)
        tmp_path / f"other-{dead_pid}-abc123",  # not ours
    ]
    stale = tmp_path / f"{PREFIX}{dead_pid}-abc123"  # dead, never locked: died making it
    for folder in [*kept, stale]:
        folder.mkdir()
        (folder / "spill.tmp").write_bytes(b"x")
    assert remove_stale(PREFIX, tmp_path) == [stale]
    assert all(folder.is_dir() for folder in kept)
