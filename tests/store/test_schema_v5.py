"""Schema v5 (the web app's live sessions and failed logins): a v4 project migrates and keeps
its users and audit log."""

from __future__ import annotations

from pathlib import Path

import duckdb

from uncounted.store import SCHEMA_VERSION, Project
from uncounted.store.project import DATABASE_NAME
from uncounted.store.schema import current_version, migrate


def _v4_project(root: Path) -> None:
    (root / "sources").mkdir(parents=True)
    con = duckdb.connect(str(root / DATABASE_NAME))
    con.execute("BEGIN")
    migrate(con, target=4)
    con.execute("INSERT INTO users VALUES ('ann', 'hash', 'viewer', now()::TIMESTAMP, false)")
    con.execute("INSERT INTO audit_log (happened_at, username, action, details)"
                " VALUES (now()::TIMESTAMP, 'cli:x', 'user_add', '{}')")
    con.execute("COMMIT")
    con.close()


def test_a_v4_project_gets_sessions_and_login_attempts_and_keeps_its_users(
    tmp_path: Path,
) -> None:
    assert SCHEMA_VERSION >= 5
    _v4_project(tmp_path / "p")
    with Project.open(tmp_path / "p") as project:
        con = project.con
        assert current_version(con) == SCHEMA_VERSION
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"web_sessions", "login_attempts"} <= tables
        assert con.execute("SELECT username FROM users").fetchall() == [("ann",)]
        assert con.execute("SELECT count(*) FROM audit_log").fetchall() == [(1,)]
        con.execute("INSERT INTO web_sessions VALUES ('h', 'ann', 1.0, 2.0)")
        con.execute("INSERT INTO login_attempts VALUES ('ann', '127.0.0.1', 1.0)")
