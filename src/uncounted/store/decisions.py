"""Review decisions: people's accept, reject or skip on a pair of records.

Decisions are only ever appended; the latest decision on a pair (the largest decision id)
is the one that counts. That rule is written once here, as :data:`LATEST_DECISIONS_CTE`,
and every read of the latest decisions (linkage, the review queue, the report) uses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import duckdb

from uncounted.store.project import Project

# ``latest``: each reviewed pair (record_id_l, record_id_r) with its latest ``decision``.
LATEST_DECISIONS_CTE: Final = (
    "latest AS (SELECT record_id_l, record_id_r, arg_max(decision, decision_id) AS decision"
    " FROM review_decisions GROUP BY record_id_l, record_id_r)"
)


def latest_decisions(project: Project) -> list[tuple[str, str, str]]:
    """(record_id_l, record_id_r, decision) of every reviewed pair: its latest decision, in
    pair order."""
    return [
        (str(a), str(b), str(c)) for a, b, c in project.con.execute(
            f"WITH {LATEST_DECISIONS_CTE} SELECT record_id_l, record_id_r, decision FROM latest"
            " ORDER BY record_id_l, record_id_r"
        ).fetchall()
    ]


def decision_rows(
    project: Project, pairs: Sequence[Sequence[str]]
) -> list[tuple[Any, ...]]:
    """Every decision on these (ordered) pairs, oldest first: ``record_id_l, record_id_r,
    decision, reviewer, decided_at, note, decision_id``."""
    return project.con.execute(
        "SELECT d.record_id_l, d.record_id_r, d.decision, d.reviewer, d.decided_at, d.note,"
        " d.decision_id FROM review_decisions d JOIN"
        " (SELECT unnest(?::VARCHAR[]) AS l, unnest(?::VARCHAR[]) AS r) w"
        " ON d.record_id_l = w.l AND d.record_id_r = w.r ORDER BY d.decision_id",
        [[p[0] for p in pairs], [p[1] for p in pairs]],
    ).fetchall()


def decided_pairs_touching(project: Project, record_ids: Sequence[str]) -> list[tuple[str, str]]:
    """The pairs with a decision that have one of these records on either side, each once."""
    ids = list(record_ids)
    return [(str(left), str(right)) for left, right in project.con.execute(
        "SELECT DISTINCT record_id_l, record_id_r FROM review_decisions"
        " WHERE record_id_l IN (SELECT unnest(?::VARCHAR[]))"
        " OR record_id_r IN (SELECT unnest(?::VARCHAR[]))",
        [ids, ids],
    ).fetchall()]


def decision_count(project: Project) -> int:
    """How many decisions were ever recorded (every one, not only the latest per pair)."""
    return int(project.con.execute("SELECT count(*) FROM review_decisions").fetchall()[0][0])


def add_decision(
    con: duckdb.DuckDBPyConnection,
    *,
    record_id_l: str,
    record_id_r: str,
    decision: str,
    reviewer: str,
    decided_at: dt.datetime,
    note: str | None,
    run_id: int | None,
    match_probability: float | None,
) -> tuple[int, dt.datetime]:
    """Append one decision inside the caller's transaction; its (decision id, time)."""
    rows = con.execute(
        "INSERT INTO review_decisions (record_id_l, record_id_r, decision, reviewer,"
        " decided_at, note, run_id, match_probability) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING decision_id, decided_at",
        [record_id_l, record_id_r, decision, reviewer, decided_at, note, run_id,
         match_probability],
    ).fetchall()
    return rows[0][0], rows[0][1]
