"""What review reads: the queue of scored pairs waiting for a decision, and the labels that
decisions give for calibration."""

from __future__ import annotations

from typing import Any, Final

from uncounted.store.decisions import LATEST_DECISIONS_CTE
from uncounted.store.link_pairs import LIST_PAIR
from uncounted.store.project import Project

# One row per pair of the run ($run) with a probability in [$low, $high] that no reviewer
# accepted or rejected: record_id_l, record_id_r, match_probability, match_weight,
# comparison_weights, decision (latest; null or 'skip'), same_person, sexes_differ,
# same_list, list_pair.
_QUEUE: Final = f"""
    WITH {LATEST_DECISIONS_CTE}
    SELECT p.record_id_l, p.record_id_r, p.match_probability, p.match_weight,
           p.comparison_weights, latest.decision,
           coalesce(a.person_id = b.person_id, false) AS same_person,
           coalesce(ra.sex <> rb.sex, false) AS sexes_differ,
           ra.list = rb.list AS same_list,
           {LIST_PAIR} AS list_pair
    FROM link_pairs p
    LEFT JOIN latest USING (record_id_l, record_id_r)
    LEFT JOIN person_records a ON a.record_id = p.record_id_l
    LEFT JOIN person_records b ON b.record_id = p.record_id_r
    JOIN records ra ON ra.record_id = p.record_id_l
    JOIN records rb ON rb.record_id = p.record_id_r
    WHERE p.run_id = $run AND p.match_probability BETWEEN $low AND $high
      AND (latest.decision IS NULL OR latest.decision = 'skip')
      -- Two different valid ID numbers are two people whatever a reviewer says: clustering
      -- never joins them, so asking would waste the reviewer's time.
      AND NOT coalesce(ra.id_check = 'valid' AND rb.id_check = 'valid'
                       AND ra.id_number <> rb.id_number, false)
"""
_UNDECIDED: Final = "AND (latest.decision IS NULL OR latest.decision = 'skip')"


def queue_size(project: Project, run_id: int, low: float, high: float) -> int:
    """How many pairs wait for review in the window."""
    rows = project.con.execute(f"SELECT count(*) FROM ({_QUEUE})",
                               {"run": run_id, "low": low, "high": high}).fetchall()
    return int(rows[0][0]) if rows else 0


def queue_rows(
    project: Project, run_id: int, low: float, high: float, weight: float, limit: int | None
) -> list[tuple[Any, ...]]:
    """The pairs waiting for review in the window, in review order (never looked at before
    skipped; across lists before within one; in turn from each pair of lists; closest to
    the threshold's match ``weight`` first): ``record_id_l, record_id_r, match_probability,
    match_weight, comparison_weights, decision, same_person, sexes_differ, list_pair``."""
    ranked = (
        "SELECT *, row_number() OVER (PARTITION BY (decision IS NOT NULL), same_list, list_pair"
        " ORDER BY abs(match_weight - $w), record_id_l, record_id_r) AS turn"
        f" FROM ({_QUEUE})"
    )
    order = (
        " ORDER BY (decision IS NOT NULL), same_list, turn, abs(match_weight - $w),"
        " record_id_l, record_id_r"
    )
    return project.con.execute(
        "SELECT record_id_l, record_id_r, match_probability, match_weight, comparison_weights,"
        f" decision, same_person, sexes_differ, list_pair FROM ({ranked})"
        + order
        + (f" LIMIT {int(limit)}" if limit is not None else ""),
        {"run": run_id, "low": low, "high": high, "w": weight},
    ).fetchall()


def sample_frame_rows(project: Project, run_id: int) -> list[tuple[Any, ...]]:
    """Every pair of the run a review sample may draw, decided or not, in pair order, with
    the queue's columns (pairs of two different valid IDs left out)."""
    return project.con.execute(
        _QUEUE.replace(_UNDECIDED, "") + " ORDER BY p.record_id_l, p.record_id_r",
        {"run": run_id, "low": 0.0, "high": 1.0},
    ).fetchall()


def calibration_labels(project: Project) -> list[tuple[float | None, bool, str]]:
    """The latest accept or reject of each reviewed pair as a calibration label:
    (probability when decided, else in the latest run; whether accepted; pair of lists)."""
    return [(p, bool(y), str(g)) for p, y, g in project.con.execute(
        "WITH latest AS (SELECT record_id_l, record_id_r, arg_max(decision, decision_id) AS d,"
        " arg_max(match_probability, decision_id) AS p FROM review_decisions"
        " GROUP BY record_id_l, record_id_r)"
        f" SELECT coalesce(latest.p, lp.match_probability), latest.d = 'accept', {LIST_PAIR}"
        " FROM latest"
        " JOIN records ra ON ra.record_id = latest.record_id_l"
        " JOIN records rb ON rb.record_id = latest.record_id_r"
        " LEFT JOIN link_pairs lp ON lp.record_id_l = latest.record_id_l"
        " AND lp.record_id_r = latest.record_id_r"
        " AND lp.run_id = (SELECT max(run_id) FROM link_runs)"
        " WHERE latest.d IN ('accept', 'reject')"
    ).fetchall()]
