"""The web app's own tables: users, live sessions, failed logins and the audit log.

The web layer decides (roles, password hashing, session ids, the login throttle); this module
only reads and writes the rows. Writes take the caller's transaction connection, so that an
audit row commits or rolls back with the change it records.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb

from uncounted.store.project import Project

# -- users ----------------------------------------------------------------------------------


def user_count(project: Project, *, enabled_only: bool) -> int:
    """How many users exist (only those not disabled, when ``enabled_only``)."""
    where = " WHERE NOT disabled" if enabled_only else ""
    return int(project.con.execute(f"SELECT count(*) FROM users{where}").fetchall()[0][0])


def user_rows(project: Project) -> list[tuple[str, str, dt.datetime, bool]]:
    """(username, role, created_at, disabled) of every user, by name."""
    return project.con.execute(
        "SELECT username, role, created_at, disabled FROM users ORDER BY username"
    ).fetchall()


def enabled_password_hash(project: Project, username: str) -> str | None:
    """The password hash of an enabled user (None for a disabled or unknown name)."""
    rows = project.con.execute(
        "SELECT password_hash FROM users WHERE username = ? AND NOT disabled", [username]
    ).fetchall()
    return str(rows[0][0]) if rows else None


def add_user_row(
    con: duckdb.DuckDBPyConnection, username: str, password_hash: str, role: str,
    created_at: dt.datetime,
) -> None:
    """Add an enabled user inside the caller's transaction."""
    con.execute(
        "INSERT INTO users (username, password_hash, role, created_at, disabled)"
        " VALUES (?, ?, ?, ?, false)",
        [username, password_hash, role, created_at],
    )


def disable_user_row(con: duckdb.DuckDBPyConnection, username: str) -> None:
    con.execute("UPDATE users SET disabled = true WHERE username = ?", [username])


def set_password_hash(con: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                [password_hash, username])


# -- sessions -------------------------------------------------------------------------------


def add_session(
    con: duckdb.DuckDBPyConnection, sid_hash: str, username: str, now: float, expires_at: float
) -> None:
    """Record a live session inside the caller's transaction, dropping expired ones first."""
    con.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [now])
    con.execute("INSERT INTO web_sessions VALUES (?, ?, ?, ?)",
                [sid_hash, username, now, expires_at])


def session_is_live(project: Project, sid_hash: str, username: str, now: float) -> bool:
    rows = project.con.execute(
        "SELECT count(*) FROM web_sessions WHERE sid_hash = ? AND username = ?"
        " AND expires_at > ?", [sid_hash, username, now]).fetchall()
    return bool(rows[0][0])


def delete_session(con: duckdb.DuckDBPyConnection, sid_hash: str) -> None:
    con.execute("DELETE FROM web_sessions WHERE sid_hash = ?", [sid_hash])


def delete_user_sessions(con: duckdb.DuckDBPyConnection, username: str) -> int:
    """End every session of a user inside the caller's transaction; returns how many."""
    rows = con.execute("DELETE FROM web_sessions WHERE username = ? RETURNING sid_hash",
                       [username]).fetchall()
    return len(rows)


# -- failed logins --------------------------------------------------------------------------


def forget_attempts_before(con: duckdb.DuckDBPyConnection, moment: float) -> None:
    con.execute("DELETE FROM login_attempts WHERE attempted_at <= ?", [moment])


def add_attempt(con: duckdb.DuckDBPyConnection, username: str, client: str, now: float) -> None:
    con.execute("INSERT INTO login_attempts VALUES (?, ?, ?)", [username, client, now])


def forget_attempts_of(con: duckdb.DuckDBPyConnection, username: str) -> None:
    con.execute("DELETE FROM login_attempts WHERE username = ?", [username])


def recent_attempts(
    con: duckdb.DuckDBPyConnection, *, by_client: bool, key: str, since: float, limit: int
) -> list[float]:
    """The times of the newest ``limit`` attempts after ``since`` of a user name (or of a
    client, when ``by_client``), newest first."""
    column = "client" if by_client else "username"
    return [float(r[0]) for r in con.execute(
        f"SELECT attempted_at FROM login_attempts WHERE {column} = ?"
        " AND attempted_at > ? ORDER BY attempted_at DESC LIMIT ?",
        [key, since, limit]).fetchall()]


# -- the audit log --------------------------------------------------------------------------


def add_audit_row(
    con: duckdb.DuckDBPyConnection,
    happened_at: dt.datetime,
    username: str,
    action: str,
    target: str | None,
    details: dict[str, Any],
) -> int:
    """Append one audit row inside the caller's transaction; returns its id."""
    rows = con.execute(
        "INSERT INTO audit_log (happened_at, username, action, target, details)"
        " VALUES (?, ?, ?, ?, ?) RETURNING audit_id",
        [happened_at, username, action, target,
         json.dumps(details, sort_keys=True, ensure_ascii=False, default=str)],
    ).fetchall()
    return int(rows[0][0])


def audit_rows(project: Project, limit: int, offset: int) -> list[tuple[Any, ...]]:
    """A page of the audit log, newest first: ``audit_id, happened_at, username, action,
    target, details`` (details as JSON text)."""
    return project.con.execute(
        "SELECT audit_id, happened_at, username, action, target, details FROM audit_log"
        " ORDER BY audit_id DESC LIMIT ? OFFSET ?",
        [limit, offset],
    ).fetchall()


def audit_row_count(project: Project) -> int:
    return int(project.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0])
