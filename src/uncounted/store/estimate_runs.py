"""Estimate runs: every stored estimate with the settings and seed that reproduce it.

Estimate numbers are computed inside the writing transaction (as link run numbers are), so
an estimate that is never committed leaves no gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb

from uncounted.store.project import Project

COLUMNS = ("estimate_id", "created_at", "link_run_id", "method", "strata", "seed", "settings",
           "result", "uncounted_version")


def add_estimate_run(
    con: duckdb.DuckDBPyConnection,
    *,
    created_at: dt.datetime,
    link_run_id: int | None,
    method: str,
    strata: Sequence[str],
    seed: int,
    settings: str,
    result: str,
    uncounted_version: str,
) -> int:
    """Store one estimate run (``settings`` and ``result`` as JSON text) inside the caller's
    transaction under the next estimate number, which it returns."""
    rows = con.execute("SELECT coalesce(max(estimate_id), 0) FROM estimate_runs").fetchall()
    estimate_id = int(rows[0][0] if rows else 0) + 1
    con.execute(
        "INSERT INTO estimate_runs (estimate_id, created_at, link_run_id, method, strata,"
        " seed, settings, result, uncounted_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [estimate_id, created_at, link_run_id, method, strata, seed, settings, result,
         uncounted_version],
    )
    return estimate_id


def estimate_run_rows(project: Project) -> list[tuple[Any, ...]]:
    """Every stored estimate run, newest first, with the :data:`COLUMNS` in order."""
    return project.con.execute(
        f"SELECT {', '.join(COLUMNS)} FROM estimate_runs ORDER BY estimate_id DESC"
    ).fetchall()
