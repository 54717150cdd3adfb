"""Schema v4 (estimate runs, users, audit log): a v3 project migrates and keeps its data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from uncounted.store import SCHEMA_VERSION, Project
from uncounted.store.project import DATABASE_NAME
from uncounted.store.schema import current_version, migrate


def _v3_project(root: Path) -> None:
    (root / "sources").mkdir(parents=True)
    con = duckdb.connect(str(root / DATABASE_NAME))
    con.execute("BEGIN")
    migrate(con, target=3)
    con.execute("INSERT INTO lists VALUES ('moh', now()::TIMESTAMP)")
    con.execute("COMMIT")
    con.close()


def test_a_v3_project_gets_the_new_tables_and_keeps_its_lists(tmp_path: Path) -> None:
    assert SCHEMA_VERSION >= 4
    _v3_project(tmp_path / "p")
    with Project.open(tmp_path / "p") as project:
        assert current_version(project.con) == SCHEMA_VERSION
        tables = {
            row[0]
            for row in project.con.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall()
        }
        assert {"estimate_runs", "users", "audit_log"} <= tables
        assert project.con.execute("SELECT name FROM lists").fetchall() == [("moh",)]


def test_users_have_known_roles_and_audit_rows_number_themselves(tmp_path: Path) -> None:
    _v3_project(tmp_path / "p")
    with Project.open(tmp_path / "p") as project:
        con = project.con
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "INSERT INTO users (username, password_hash, role, created_at)"
                " VALUES ('a', 'h', 'owner', now()::TIMESTAMP)"
            )
        for action in ("login", "review"):
            con.execute(
                "INSERT INTO audit_log (happened_at, username, action, details)"
                " VALUES (now()::TIMESTAMP, 'a', ?, '{}')",
                [action],
            )
        rows = con.execute("SELECT audit_id, action FROM audit_log ORDER BY audit_id").fetchall()
        assert rows == [(1, "login"), (2, "review")]
