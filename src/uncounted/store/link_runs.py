"""Link runs: what each run of `link` was given and what it made.

A run is written whole in one transaction (the caller's, see ``workflow.linkage``): its row
here, its scored pairs (:mod:`uncounted.store.link_pairs`), the persons and their records
and the person id events (:mod:`uncounted.store.persons`). Run numbers are computed inside
that transaction, not drawn from a sequence, so a killed run leaves no gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from uncounted.store.project import Project


def latest_run_record(project: Project, *, with_model: bool = False) -> dict[str, Any] | None:
    """Every column of the newest run (``settings`` as stored JSON text), or None before the
    first run. The fitted ``model`` (JSON text, the largest column) only ``with_model``:
    pages and status read the run far more often than the model."""
    wanted = "*" if with_model else "* EXCLUDE (model)"
    result = project.con.execute(f"SELECT {wanted} FROM link_runs ORDER BY run_id DESC LIMIT 1")
    names = [d[0] for d in result.description or ()]
    rows = result.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def latest_run_id(project: Project) -> int | None:
    """The newest run's number, or None before the first run."""
    rows = project.con.execute("SELECT max(run_id) FROM link_runs").fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def run_count(project: Project) -> int:
    return int(project.con.execute("SELECT count(*) FROM link_runs").fetchall()[0][0])


def run_model(project: Project, run_id: int) -> str | None:
    """A run's fitted model as stored JSON text (None for an unknown run)."""
    rows = project.con.execute("SELECT model FROM link_runs WHERE run_id = ?",
                               [run_id]).fetchall()
    return rows[0][0] if rows else None


def linkage_counts(project: Project) -> tuple[int, int, int, int]:
    """(persons, records, records not linked by the latest run, review decisions)."""
    rows = project.con.execute(
        "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM records),"
        " (SELECT count(*) FROM records WHERE record_id NOT IN"
        "   (SELECT record_id FROM person_records)),"
        " (SELECT count(*) FROM review_decisions)"
    ).fetchall()
    persons, records, not_linked, decisions = rows[0]
    return int(persons), int(records), int(not_linked), int(decisions)


def add_run(con: duckdb.DuckDBPyConnection, values: Sequence[Any]) -> int:
    """Store a run's row inside the caller's transaction under the next run number, which
    it returns. ``values``: every column of ``link_runs`` after ``run_id``, in order."""
    rows = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM link_runs").fetchall()
    run_id = int(rows[0][0]) if rows else 1
    con.execute(
        "INSERT INTO link_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, *values],
    )
    return run_id
