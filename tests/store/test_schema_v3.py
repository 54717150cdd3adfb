"""Schema v3 (linkage tables): a v2 project migrates in one transaction and keeps its data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from uncounted.store import SCHEMA_VERSION, Project, schema
from uncounted.store.project import DATABASE_NAME
from uncounted.store.schema import current_version, migrate

LINK_TABLES = {
    "link_runs",
    "link_pairs",
    "persons",
    "person_records",
    "person_events",
    "review_decisions",
}


def _v2_project(root: Path) -> None:
    (root / "sources").mkdir(parents=True)
    con = duckdb.connect(str(root / DATABASE_NAME))
    con.execute("BEGIN")
    migrate(con, target=2)
    con.execute("INSERT INTO lists VALUES ('moh', now()::TIMESTAMP)")
    con.execute(
        "INSERT INTO command_log (command, arguments, outcome, started_at, finished_at,"
        " uncounted_version) VALUES ('ingest', '{}', 'ok', now()::TIMESTAMP,"
        " now()::TIMESTAMP, 'old')"
    )
    con.execute("COMMIT")
    con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables")
            .fetchall()}


def test_a_v2_project_gets_the_linkage_tables_and_keeps_its_data(tmp_path: Path) -> None:
    assert SCHEMA_VERSION >= 3
    _v2_project(tmp_path / "old")
    with Project.open(tmp_path / "old") as project:
        assert current_version(project.con) == SCHEMA_VERSION
        assert _tables(project.con) >= LINK_TABLES
        assert project.con.execute("SELECT name FROM lists").fetchall() == [("moh",)]
        assert project.con.execute("SELECT count(*) FROM command_log").fetchone() == (1,)
        assert project.con.execute("SELECT count(*) FROM persons").fetchone() == (0,)


def test_a_failing_migration_leaves_the_v2_project_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _v2_project(tmp_path / "old")

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE link_runs (run_id INTEGER)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS[:2], broken))
    with pytest.raises(RuntimeError, match="disk full"):
        Project.open(tmp_path / "old")
    monkeypatch.undo()
    con = duckdb.connect(str(tmp_path / "old" / DATABASE_NAME), read_only=True)
    try:
        assert current_version(con) == 2
        assert not LINK_TABLES & _tables(con)
    finally:
        con.close()


def test_review_decisions_keep_pairs_ordered_and_decisions_known(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p") as project:
        insert = (
            "INSERT INTO review_decisions (record_id_l, record_id_r, decision, reviewer,"
            " decided_at) VALUES (?, ?, ?, 'tester', now()::TIMESTAMP)"
        )
        project.con.execute(insert, ["a:1", "b:1", "accept"])
        with pytest.raises(duckdb.ConstraintException):
            project.con.execute(insert, ["b:1", "a:1", "accept"])
        with pytest.raises(duckdb.ConstraintException):
            project.con.execute(insert, ["a:1", "b:1", "maybe"])
