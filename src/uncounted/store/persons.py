"""Persons: the clusters of records of the latest link run, and what runs did to their ids.

``persons`` and ``person_records`` hold the latest run only (every run rewrites them);
``person_events`` keeps every run's created, merged and split events, so an id that is gone
can still be explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from uncounted.store.project import Project


def person_of_records(project: Project) -> dict[str, str]:
    """Record id → its person, for every linked record."""
    return {str(r): str(p) for r, p in project.con.execute(
        "SELECT record_id, person_id FROM person_records").fetchall()}


def person_count(project: Project) -> int:
    return int(project.con.execute("SELECT count(*) FROM persons").fetchall()[0][0])


def person_ids(project: Project) -> list[str]:
    """Every person id, in no particular order."""
    return [str(p) for (p,) in project.con.execute("SELECT person_id FROM persons").fetchall()]


def persons_by_release(project: Project, list_name: str) -> list[tuple[Any, str, int]]:
    """(release date, person, that person's records in the release) for every dated release
    of a list, in no order."""
    return [(release, str(person), int(n)) for release, person, n in project.con.execute(
        "SELECT r.release, pr.person_id, count(*) FROM records r"
        " JOIN person_records pr USING (record_id)"
        " WHERE r.list = ? AND r.release IS NOT NULL GROUP BY ALL",
        [list_name],
    ).fetchall()]


def persons_on_other_lists(
    project: Project, list_name: str, persons: Sequence[str]
) -> tuple[list[tuple[str, int]], int]:
    """Of these persons, how many each other list holds ((list, persons), by list name), and
    how many any other list holds."""
    ids = list(persons)
    by_list = project.con.execute(
        "SELECT r.list, count(DISTINCT pr.person_id) FROM records r"
        " JOIN person_records pr USING (record_id)"
        " WHERE r.list <> ? AND pr.person_id IN (SELECT unnest(?::VARCHAR[]))"
        " GROUP BY r.list ORDER BY r.list",
        [list_name, ids],
    ).fetchall()
    anywhere = project.con.execute(
        "SELECT count(DISTINCT pr.person_id) FROM records r"
        " JOIN person_records pr USING (record_id)"
        " WHERE r.list <> ? AND pr.person_id IN (SELECT unnest(?::VARCHAR[]))",
        [list_name, ids],
    ).fetchall()[0][0]
    return [(str(k), int(v)) for k, v in by_list], int(anywhere)


def persons_run_id(project: Project) -> int | None:
    """The link run the persons come from (None before linkage)."""
    rows = project.con.execute("SELECT max(run_id) FROM persons").fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def person_row(project: Project, person_id: str, columns: Sequence[str]) -> tuple[Any, ...] | None:
    """``columns`` of one person, or None if no person has the id."""
    rows = project.con.execute(
        f"SELECT {', '.join(columns)} FROM persons WHERE person_id = ?", [person_id]
    ).fetchall()
    return rows[0] if rows else None


def persons_in_id_order(project: Project, columns: Sequence[str]) -> pd.DataFrame:
    """``person_id, n_records, lists`` and ``columns`` of every person, in person id order
    (by number: P2 before P10)."""
    return project.con.execute(
        "SELECT person_id, n_records, lists, " + ", ".join(columns)
        + " FROM persons ORDER BY length(person_id), person_id"
    ).df()


def issued_person_ids(project: Project) -> list[str]:
    """Every person id ever issued: every one has a 'created' event or is a person now."""
    return [str(r[0]) for r in project.con.execute(
        "SELECT person_id FROM person_events WHERE event = 'created'"
        " UNION SELECT person_id FROM persons"
    ).fetchall()]


def merged_into(project: Project, person_id: str) -> tuple[str, int] | None:
    """(person, run) that the latest merge of ``person_id`` went into, if a run merged it."""
    rows = project.con.execute(
        "SELECT person_id, run_id FROM person_events WHERE event = 'merged'"
        " AND list_contains(other_ids, ?) ORDER BY event_id DESC LIMIT 1",
        [person_id],
    ).fetchall()
    return (str(rows[0][0]), int(rows[0][1])) if rows else None


def events_of_person(project: Project, person_id: str) -> list[tuple[Any, ...]]:
    """Every event that names the person, oldest first: ``run_id, event, person_id,
    other_ids, n_records``."""
    return project.con.execute(
        "SELECT run_id, event, person_id, other_ids, n_records FROM person_events"
        " WHERE person_id = ? OR list_contains(other_ids, ?) ORDER BY event_id",
        [person_id, person_id],
    ).fetchall()


def replace_persons(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    persons: pa.Table,
) -> None:
    """Put a run's persons (``person_id, n_records, lists, sex, age_years, age_group, place,
    date_of_death``) in place of the previous run's, inside the caller's transaction."""
    con.execute("DELETE FROM persons")
    con.register("_persons", persons)
    con.execute(
        "INSERT INTO persons SELECT person_id, n_records, lists, sex, age_years, age_group,"
        " place, CAST(date_of_death AS DATE), ? FROM _persons",
        [run_id],
    )
    con.unregister("_persons")


def replace_person_records(
    con: duckdb.DuckDBPyConnection, run_id: int, person_of: pa.Table
) -> None:
    """Put each record's person (``record_id, person_id``) of a run in place of the previous
    run's, inside the caller's transaction."""
    con.execute("DELETE FROM person_records")
    con.register("_person_records", person_of)
    con.execute(
        "INSERT INTO person_records SELECT record_id, person_id, ? FROM _person_records",
        [run_id],
    )
    con.unregister("_person_records")


def add_person_events(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    events: Sequence[tuple[str, str, Sequence[str], int]],
) -> None:
    """Append a run's (event, person_id, other_ids, n_records) events, numbered on from the
    last event, inside the caller's transaction."""
    rows = con.execute("SELECT coalesce(max(event_id), 0) FROM person_events").fetchall()
    first_event = (int(rows[0][0]) if rows else 0) + 1
    if not events:
        return
    con.register(
        "_events",
        pa.table(
            {
                "event_id": list(range(first_event, first_event + len(events))),
                "event": [e[0] for e in events],
                "person_id": [e[1] for e in events],
                "other_ids": pa.array([list(e[2]) for e in events], type=pa.list_(pa.string())),
                "n_records": [e[3] for e in events],
            }
        ),
    )
    con.execute(
        "INSERT INTO person_events SELECT event_id, ?, event, person_id, other_ids,"
        " n_records FROM _events",
        [run_id],
    )
    con.unregister("_events")
