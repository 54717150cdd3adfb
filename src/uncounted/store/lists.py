"""Lists and their releases, as the sources name them.

A list is a capture system (``lists``); its releases are the dates its sources were published
(``sources.release``). Undated sources belong to a list but to none of its releases.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb

from uncounted.store.project import Project

# Also a subquery of other reads (first releases of persons), so written once here.
LISTS_WITH_SEVERAL_RELEASES: Final = (
    "SELECT list FROM sources WHERE release IS NOT NULL GROUP BY list"
    " HAVING count(DISTINCT release) >= 2"
)


def list_names(project: Project) -> list[str]:
    """Every list of the project, by name."""
    return [str(r[0]) for r in project.con.execute("SELECT name FROM lists ORDER BY name")
            .fetchall()]


def release_dates(project: Project, list_name: str) -> list[dt.date]:
    """The dated releases of a list, oldest first, each once."""
    return [r[0] for r in project.con.execute(
        "SELECT DISTINCT release FROM sources WHERE list = ? AND release IS NOT NULL"
        " ORDER BY release",
        [list_name],
    ).fetchall()]


def lists_with_several_releases(project: Project) -> list[str]:
    """The lists with two or more dated releases, by name: the lists a release diff,
    chain or overlap can compare."""
    return [str(r[0]) for r in project.con.execute(
        f"{LISTS_WITH_SEVERAL_RELEASES} ORDER BY list"
    ).fetchall()]


def add_list(con: duckdb.DuckDBPyConnection, name: str, created_at: dt.datetime) -> None:
    """Make the list ``name`` known, if it is not yet, inside the caller's transaction."""
    con.execute(
        "INSERT INTO lists (name, created_at) SELECT ?, ? WHERE NOT EXISTS "
        "(SELECT 1 FROM lists WHERE name = ?)",
        [name, created_at, name],
    )
