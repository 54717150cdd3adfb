"""Scored pairs: every pair of records a link run scored, with its per-comparison weights.

Pairs are stored with ``record_id_l < record_id_r``; a caller orders its pair before asking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import duckdb
import pandas as pd
import pyarrow as pa

from uncounted.store.decisions import LATEST_DECISIONS_CTE
from uncounted.store.project import Project

# The group of a pair of records ``ra`` and ``rb``: their two lists, in order, as "a|b".
LIST_PAIR: Final = "least(ra.list, rb.list) || '|' || greatest(ra.list, rb.list)"


def scored_pair_row(
    project: Project, run_id: int, low: str, high: str
) -> tuple[float, float, str] | None:
    """(match_probability, match_weight, comparison_weights) of a pair in a run, or None."""
    rows = project.con.execute(
        "SELECT match_probability, match_weight, comparison_weights FROM link_pairs"
        " WHERE run_id = ? AND record_id_l = ? AND record_id_r = ?",
        [run_id, low, high],
    ).fetchall()
    return (rows[0][0], rows[0][1], rows[0][2]) if rows else None


def pair_probability(project: Project, run_id: int | None, low: str, high: str) -> float | None:
    """The match probability of a pair in a run (None when not scored, or no run)."""
    rows = project.con.execute(
        "SELECT match_probability FROM link_pairs WHERE run_id = ? AND record_id_l = ?"
        " AND record_id_r = ?",
        [run_id, low, high],
    ).fetchall()
    return rows[0][0] if rows else None


def pairs_within_person(project: Project, run_id: int, person_id: str) -> list[tuple[Any, ...]]:
    """The run's pairs of two records of the person, likeliest first: ``record_id_l,
    record_id_r, match_probability, match_weight, comparison_weights``."""
    return project.con.execute(
        "SELECT p.record_id_l, p.record_id_r, p.match_probability, p.match_weight,"
        " p.comparison_weights FROM link_pairs p"
        " JOIN person_records a ON a.record_id = p.record_id_l"
        " JOIN person_records b ON b.record_id = p.record_id_r"
        " WHERE p.run_id = ? AND a.person_id = ? AND b.person_id = ?"
        " ORDER BY p.match_probability DESC, p.record_id_l, p.record_id_r",
        [run_id, person_id, person_id],
    ).fetchall()


def likely_pairs_touching(
    project: Project, run_id: int, min_probability: float, record_ids: Sequence[str]
) -> list[tuple[str, str, float]]:
    """The run's pairs at ``min_probability`` or more with one of these records on either
    side, likeliest first: (record_id_l, record_id_r, match_probability)."""
    ids = list(record_ids)
    return project.con.execute(
        "SELECT record_id_l, record_id_r, match_probability FROM link_pairs"
        " WHERE run_id = ? AND match_probability >= ?"
        " AND (record_id_l IN (SELECT unnest(?::VARCHAR[]))"
        "      OR record_id_r IN (SELECT unnest(?::VARCHAR[])))"
        " ORDER BY match_probability DESC, record_id_l, record_id_r",
        [run_id, min_probability, ids, ids],
    ).fetchall()


def pair_probabilities_by_lists(project: Project, run_id: int) -> list[tuple[str, str, float, str]]:
    """Every pair of the run: (record_id_l, record_id_r, match_probability, pair of lists)."""
    return project.con.execute(
        "SELECT p.record_id_l, p.record_id_r, p.match_probability,"
        f" {LIST_PAIR} FROM link_pairs p"
        " JOIN records ra ON ra.record_id = p.record_id_l"
        " JOIN records rb ON rb.record_id = p.record_id_r WHERE p.run_id = ?",
        [run_id],
    ).fetchall()


def pairs_frame(project: Project, run_id: int) -> pd.DataFrame:
    """Every pair of the run in pair order, as the replicates take them: ``unique_id_l,
    unique_id_r, match_probability, list_pair``."""
    return project.con.execute(
        "SELECT p.record_id_l AS unique_id_l, p.record_id_r AS unique_id_r,"
        f" p.match_probability, {LIST_PAIR} AS list_pair FROM link_pairs p"
        " JOIN records ra ON ra.record_id = p.record_id_l"
        " JOIN records rb ON rb.record_id = p.record_id_r"
        " WHERE p.run_id = ? ORDER BY p.record_id_l, p.record_id_r", [run_id]).df()


def pairs_by_review_status(
    project: Project, run_id: int, threshold: float
) -> list[tuple[bool, str, int]]:
    """The run's pairs counted by (at or above ``threshold``, latest decision or 'not
    reviewed')."""
    return project.con.execute(
        f"""
        WITH {LATEST_DECISIONS_CTE}
        SELECT p.match_probability >= ?, coalesce(latest.decision, 'not reviewed'), count(*)
        FROM link_pairs p LEFT JOIN latest USING (record_id_l, record_id_r)
        WHERE p.run_id = ? GROUP BY 1, 2
        """, [threshold, run_id]).fetchall()


def weight_histogram(project: Project, run_id: int, width: float) -> list[tuple[float, int]]:
    """(lower edge, pairs) of the run's match weights in bins of ``width``, lowest first."""
    return project.con.execute(
        "SELECT floor(match_weight / ?) * ? AS edge, count(*) FROM link_pairs"
        " WHERE run_id = ? GROUP BY 1 ORDER BY 1",
        [width, width, run_id]).fetchall()


def _weights_json(columns: Sequence[str]) -> str:
    """A JSON object of the per-comparison match weights (``mw_<name>`` → ``<name>``)."""
    entries = [
        "'{}': \"{}\"".format(c[3:].replace("'", "''"), c.replace('"', '""'))
        for c in columns
        if c.startswith("mw_")
    ]
    return "to_json({" + ", ".join(entries) + "})" if entries else "'{}'"


def add_pairs(con: duckdb.DuckDBPyConnection, run_id: int, pairs: pa.Table) -> None:
    """Store a run's scored pairs inside the caller's transaction. ``pairs`` has
    ``unique_id_l, unique_id_r, match_probability, match_weight`` and one ``mw_<name>``
    column per comparison; each pair is stored in id order with its weights as JSON."""
    con.register("_link_pairs", pairs)
    con.execute(
        "INSERT INTO link_pairs SELECT ?, least(unique_id_l, unique_id_r),"
        " greatest(unique_id_l, unique_id_r), match_probability, match_weight, "
        + _weights_json(pairs.column_names)
        + " FROM _link_pairs",
        [run_id],
    )
    con.unregister("_link_pairs")
