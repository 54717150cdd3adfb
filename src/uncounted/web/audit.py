"""The audit log: one row for every change made through the app (or the `user` commands),
written on the connection of the change's own transaction."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from uncounted.store.project import Project, utc_now
from uncounted.workflow.linked import jsonable


def write_audit(
    con: duckdb.DuckDBPyConnection,
    username: str,
    action: str,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one audit row inside the caller's transaction; returns its id."""
    rows = con.execute(
        "INSERT INTO audit_log (happened_at, username, action, target, details)"
        " VALUES (?, ?, ?, ?, ?) RETURNING audit_id",
        [utc_now(), username, action, target,
         json.dumps(details or {}, sort_keys=True, ensure_ascii=False, default=str)],
    ).fetchall()
    return int(rows[0][0])


def read_audit(project: Project, *, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """The newest audit rows first."""
    rows = project.con.execute(
        "SELECT audit_id, happened_at, username, action, target, details FROM audit_log"
        " ORDER BY audit_id DESC LIMIT ? OFFSET ?",
        [limit, offset],
    ).fetchall()
    return [
        {
            "audit_id": audit_id,
            "happened_at": jsonable(happened_at),
            "username": username,
            "action": action,
            "target": target,
            "details": json.loads(details) if details else {},
        }
        for audit_id, happened_at, username, action, target, details in rows
    ]


def audit_count(project: Project) -> int:
    rows = project.con.execute("SELECT count(*) FROM audit_log").fetchall()
    return int(rows[0][0])
