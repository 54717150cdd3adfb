from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from uncounted.core.errors import ProjectError
from uncounted.store import SCHEMA_VERSION, Project
from uncounted.store.project import DATABASE_NAME
from uncounted.store.schema import current_version, migrate


def test_create_makes_the_layout(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p") as project:
        assert current_version(project.con) == SCHEMA_VERSION
    names = sorted(p.name for p in (tmp_path / "p").iterdir())
    # The lock files: who has the project now, and who is next (uncounted.store.lock).
    assert names == ["project.duckdb", "project.lock", "project.lock.queue", "reports",
                     "sources"]


def test_create_refuses_an_existing_project_and_a_non_empty_folder(tmp_path: Path) -> None:
    Project.create(tmp_path / "p").close()
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(tmp_path / "p")
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "notes.txt").write_text("x")
    with pytest.raises(ProjectError, match="not empty"):
        Project.create(tmp_path / "q")


def test_open_refuses_a_folder_that_is_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="not an uncounted project"):
        Project.open(tmp_path)


def test_an_older_project_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    root = tmp_path / "old"
    (root / "sources").mkdir(parents=True)
    con = duckdb.connect(str(root / DATABASE_NAME))
    con.execute("BEGIN")
    migrate(con, target=1)
    con.execute("INSERT INTO lists VALUES ('moh', now()::TIMESTAMP)")
    con.execute("COMMIT")
    con.close()
    with Project.open(root) as project:
        assert current_version(project.con) == SCHEMA_VERSION
        assert project.con.execute("SELECT name FROM lists").fetchall() == [("moh",)]
        assert project.con.execute("SELECT count(*) FROM command_log").fetchone() == (0,)


def test_a_project_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    Project.create(tmp_path / "p").close()
    con = duckdb.connect(str(tmp_path / "p" / DATABASE_NAME))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(ProjectError, match="newer"):
        Project.open(tmp_path / "p")


def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p") as project:
        with pytest.raises(RuntimeError), project.transaction() as con:
            con.execute("INSERT INTO lists VALUES ('x', now()::TIMESTAMP)")
            raise RuntimeError("boom")
        assert project.con.execute("SELECT count(*) FROM lists").fetchone() == (0,)


def test_opening_recovers_staged_files(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p") as project:
        project.stage_file(b"never committed", "orphan.csv")
        project.stage_file(b"committed", "kept.csv")
        project.con.execute("INSERT INTO lists VALUES ('l', now()::TIMESTAMP)")
        project.con.execute(
            "INSERT INTO sources VALUES ('kept', 'l', NULL, 'kept.csv', 'sources/kept.csv', 'csv',"
            " 'utf-8', 9, 1, 0, 0, 0, 0, NULL, '{}', '{}', now()::TIMESTAMP, 'test')"
        )
    with Project.open(tmp_path / "p") as project:
        assert (project.sources_dir / "kept.csv").read_bytes() == b"committed"
        assert not project.staging_dir.exists()
        assert not (project.sources_dir / "orphan.csv").exists()
