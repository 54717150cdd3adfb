"""The audit log: one row for every change made through the app (or the `user` commands),
written on the connection of the change's own transaction."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from uncounted.store.project import Project, utc_now
from uncounted.store.web_accounts import add_audit_row, audit_row_count, audit_rows
from uncounted.workflow.link_results import jsonable


def write_audit(
    con: duckdb.DuckDBPyConnection,
    username: str,
    action: str,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one audit row inside the caller's transaction; returns its id."""
    return add_audit_row(con, utc_now(), username, action, target, details or {})


def read_audit(project: Project, *, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """The newest audit rows first."""
    rows = audit_rows(project, limit, offset)
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
    return audit_row_count(project)
