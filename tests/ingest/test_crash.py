"""kill -9 in the middle of an ingest leaves the project exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from uncounted.store import Project

from .helpers import snapshot

ROWS = 150_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("name,sex,age,id\n")
        for i in range(ROWS):
            handle.write(f"person {i} of the list,{'MF'[i % 2]},{i % 90},{100000000 + i}\n")
    return path


def _start_ingest(root: Path, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from uncounted.cli.main import run; run()",
            "ingest",
            str(root),
            str(path),
            "--list",
            "big",
            "--map",
            "full_name=name",
            "--map",
            "sex=sex",
            "--map",
            "age_years=age",
            "--map",
            "id_number=id",
            "--json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition: object, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition() and process.poll() is None:  # type: ignore[operator]
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def _project_with_one_source(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    Project.create(root).close()
    small = tmp_path / "small.csv"
    small.write_text("name,sex\nA,M\nB,F\n")
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from uncounted.cli.main import run; run()",
            "ingest",
            str(root),
            str(small),
            "--list",
            "small",
            "--map",
            "full_name=name",
            "--map",
            "sex=sex",
        ],
        check=True,
        capture_output=True,
    )
    return root


def test_kill_inside_the_database_transaction(tmp_path: Path, big_file: Path) -> None:
    root = _project_with_one_source(tmp_path)
    before = snapshot(root)
    process = _start_ingest(root, big_file)
    staging = root / ".staging"
    # The file is staged just before the transaction opens: kill while the rows are written.
    reached = _wait_for(lambda: staging.is_dir() and any(staging.iterdir()), process, 120)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert reached, "the ingest ended before it could be killed inside its transaction"
    assert snapshot(root) == before


def test_kill_while_reading(tmp_path: Path, big_file: Path) -> None:
    root = _project_with_one_source(tmp_path)
    before = snapshot(root)
    process = _start_ingest(root, big_file)
    time.sleep(1.0)
    still_running = process.poll() is None
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert still_running
    assert snapshot(root) == before


def test_the_same_ingest_completes_after_a_kill(tmp_path: Path, big_file: Path) -> None:
    root = _project_with_one_source(tmp_path)
    process = _start_ingest(root, big_file)
    staging = root / ".staging"
    _wait_for(lambda: staging.is_dir() and any(staging.iterdir()), process, 120)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    rerun = _start_ingest(root, big_file)
    assert rerun.wait(timeout=300) == 0
    with Project.open(root) as project:
        assert project.con.execute(
            "SELECT rows, records, quarantined FROM sources WHERE list = 'big'"
        ).fetchone() == (ROWS, ROWS, 0)
        assert project.con.execute("SELECT count(*) FROM records").fetchone() == (ROWS + 2,)
