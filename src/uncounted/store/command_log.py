"""The command log: every command that changed the project, oldest first (written by
:meth:`uncounted.store.project.Project.log_command`, in the command's own transaction)."""

from __future__ import annotations

import datetime as dt

from uncounted.store.project import Project


def command_log_rows(project: Project) -> list[tuple[str, str, str, dt.datetime, str]]:
    """(command, arguments as JSON text, outcome, finished at, uncounted version), oldest
    first."""
    return project.con.execute(
        "SELECT command, arguments, outcome, finished_at, uncounted_version"
        " FROM command_log ORDER BY id"
    ).fetchall()
