"""A project: a folder with one DuckDB database, the raw source files and the reports.

Layout::

    DIR/project.duckdb     the database (schema in :mod:`uncounted.store.schema`)
    DIR/sources/           every ingested file, byte for byte, named by its SHA-256
    DIR/reports/           generated reports
    DIR/.staging/          files whose database transaction has not committed yet

Crash safety: a command stages new source files in ``.staging``, commits its database
transaction, then moves the staged files into ``sources``. Opening a project finishes that
move for committed files and deletes staged files whose transaction never committed, so a
process killed at any point leaves the project as it was before the command or as it would be
after it, never in between.

Sharing: a process opens the database only while it holds the project's lock
(:mod:`uncounted.store.lock`), and waits for its turn when another process holds it, so the web
server (which opens the project for each request) and commands take turns instead of refusing
each other. The staging recovery above runs under the lock too, so it never touches the staged
files of a command that is still running.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import duckdb

from uncounted import __version__
from uncounted.core.errors import ProjectError
from uncounted.store.lock import POLICY, ProjectLease, Timeout, acquire
from uncounted.store.schema import SCHEMA_VERSION, current_version, migrate

DATABASE_NAME: Final = "project.duckdb"
SOURCES_DIR: Final = "sources"
REPORTS_DIR: Final = "reports"
STAGING_DIR: Final = ".staging"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Project:
    """An open project. Use :meth:`create` or :meth:`open`, and close it (or use ``with``)."""

    def __init__(
        self,
        root: Path,
        con: duckdb.DuckDBPyConnection,
        *,
        read_only: bool,
        lease: ProjectLease | None = None,
    ) -> None:
        self.root = root
        self.con = con
        self.read_only = read_only
        self._lease = lease

    # -- life cycle -----------------------------------------------------------------------------
    @classmethod
    def create(cls, root: str | Path) -> Project:
        root = Path(root)
        if (root / DATABASE_NAME).exists():
            raise ProjectError("a project already exists here", file=str(root))
        if root.exists() and not root.is_dir():
            raise ProjectError("exists and is not a folder", file=str(root))
        if root.is_dir() and any(p.name != ".DS_Store" for p in root.iterdir()):
            raise ProjectError(
                "the folder is not empty; give a new or empty folder for the project",
                file=str(root),
            )
        root.mkdir(parents=True, exist_ok=True)
        for sub in (SOURCES_DIR, REPORTS_DIR):
            (root / sub).mkdir(exist_ok=True)
        # Build the database under a temporary name so a crash cannot leave a half-made project.
        temporary = root / (DATABASE_NAME + ".creating")
        temporary.unlink(missing_ok=True)
        con = duckdb.connect(str(temporary))
        try:
            con.execute("BEGIN")
            migrate(con)
            con.execute(
                "INSERT INTO meta VALUES ('created_at', ?), ('created_by', ?)",
                [utc_now().isoformat(timespec="seconds"), f"uncounted {__version__}"],
            )
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _remove_wal(temporary)
        os.replace(temporary, root / DATABASE_NAME)
        return cls.open(root)

    @classmethod
    def open(
        cls,
        root: str | Path,
        *,
        read_only: bool = False,
        wait: Timeout = POLICY,
        command: str | None = None,
    ) -> Project:
        """Open the project once this process has its turn (see :mod:`uncounted.store.lock`).

        ``wait``: seconds to wait while another process holds the project (None: as long as it
        takes; default: this process's setting, ``uncounted --wait`` on the command line).
        ``command``: what this process tells those who wait for it."""
        root = Path(root)
        database = root / DATABASE_NAME
        if not database.is_file():
            raise ProjectError(
                "not an uncounted project (no project.duckdb); create one with `uncounted init`",
                file=str(root),
            )
        lease = acquire(root, timeout=wait, command=command, required=not read_only)
        try:
            con = duckdb.connect(str(database), read_only=read_only)
        except duckdb.IOException as exc:
            lease.release()
            if "lock" in str(exc).lower():
                raise ProjectError(
                    "the database is in use by a process that does not take the project's lock"
                    " (an older uncounted, or a DuckDB shell); try again when it ends",
                    file=str(root),
                ) from None
            raise ProjectError(f"cannot open the database: {exc}", file=str(database)) from None
        except BaseException:
            lease.release()
            raise
        project = cls(root, con, read_only=read_only, lease=lease)
        try:
            project._upgrade()
            if not read_only:
                project._recover_staging()
        except BaseException:
            project.close()
            raise
        return project

    def close(self) -> None:
        """Close the database, then give the project's turn back (in that order: the next
        process must find the database closed)."""
        try:
            self.con.close()
        finally:
            if self._lease is not None:
                self._lease.release()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- paths ----------------------------------------------------------------------------------
    @property
    def sources_dir(self) -> Path:
        return self.root / SOURCES_DIR

    @property
    def reports_dir(self) -> Path:
        return self.root / REPORTS_DIR

    @property
    def staging_dir(self) -> Path:
        return self.root / STAGING_DIR

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One all-or-nothing change to the database."""
        if self.read_only:
            raise ProjectError("the project was opened read-only", file=str(self.root))
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def stage_file(self, content: bytes, name: str) -> Path:
        """Write ``content`` durably into the staging folder, ready to be published after commit."""
        self.staging_dir.mkdir(exist_ok=True)
        target = self.staging_dir / name
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
        return target

    def publish_staged(self, name: str) -> Path:
        """Move a staged file into ``sources/`` once its transaction has committed."""
        staged = self.staging_dir / name
        final = self.sources_dir / name
        self.sources_dir.mkdir(exist_ok=True)
        if staged.exists():
            os.replace(staged, final)
            _fsync_dir(self.sources_dir)
        return final

    def log_command(
        self, command: str, arguments: dict[str, Any], outcome: str, started_at: datetime
    ) -> None:
        self.con.execute(
            "INSERT INTO command_log (command, arguments, outcome, started_at, finished_at,"
            " uncounted_version) VALUES (?, ?, ?, ?, ?, ?)",
            [
                command,
                json.dumps(arguments, sort_keys=True, default=str),
                outcome,
                started_at,
                utc_now(),
                __version__,
            ],
        )

    # -- internals ------------------------------------------------------------------------------
    def _upgrade(self) -> None:
        version = self._version()
        if version > SCHEMA_VERSION:
            raise ProjectError(
                f"the project has schema version {version}, newer than this uncounted "
                f"({__version__}, schema {SCHEMA_VERSION}); upgrade uncounted",
                file=str(self.root),
            )
        if version < SCHEMA_VERSION:
            if self.read_only:
                raise ProjectError(
                    f"the project has schema version {version} and needs migrating to "
                    f"{SCHEMA_VERSION}; open it once with a command that writes (e.g. status)",
                    file=str(self.root),
                )
            with self.transaction() as con:
                migrate(con)

    def _version(self) -> int:
        """The schema version, read the quick way: the web app opens the project for every
        request, and information_schema (which :func:`current_version` asks first, to work
        inside a transaction) costs five times the direct read on a cold catalog."""
        try:
            rows = self.con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchall()
        except duckdb.CatalogException:  # no meta table: outside any transaction, harmless
            return current_version(self.con)
        return int(rows[0][0]) if rows else 0

    def _recover_staging(self) -> None:
        if not self.staging_dir.is_dir():
            return
        committed = {
            Path(row[0]).name
            for row in self.con.execute("SELECT stored_path FROM sources").fetchall()
        }
        for staged in self.staging_dir.iterdir():
            if staged.name in committed:
                self.publish_staged(staged.name)
            elif staged.is_dir():
                shutil.rmtree(staged)
            else:
                staged.unlink()
        self.staging_dir.rmdir()


def _remove_wal(database: Path) -> None:
    wal = database.with_name(database.name + ".wal")
    wal.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
