"""Linkage: the latest run's settings and counts, its links by review status, the spread of
match weights, and accuracy against known truth when the caller has it.

A pair is a *link* when the model gave it at least the run's threshold. Its review status is
the latest decision people recorded on it (accept, reject, skip) or "not reviewed".
"""

from __future__ import annotations

import json
from typing import Any, Final

from uncounted.link.review import threshold_weight
from uncounted.store.project import Project

STATUSES: Final = ("accept", "reject", "skip", "not reviewed")
WEIGHT_BIN: Final = 1.0


def linkage_section(
    project: Project,
    *,
    review_queue: int | None = None,
    accuracy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    con = project.con
    latest = con.execute(
        "SELECT run_id, finished_at, threshold, seed, backend, records, candidate_pairs,"
        " persons, persons_created, persons_merged, persons_split, decisions_applied, settings"
        " FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()
    if not latest:
        return {"run": None}
    keys = ("run_id", "finished_at", "threshold", "seed", "backend", "records",
            "candidate_pairs", "persons", "persons_created", "persons_merged", "persons_split",
            "decisions_applied", "settings")
    run = dict(zip(keys, latest[0], strict=True))
    run["finished_at"] = run["finished_at"].isoformat(timespec="seconds")
    run["settings"] = json.loads(run["settings"])
    runs = int(con.execute("SELECT count(*) FROM link_runs").fetchall()[0][0])
    by_status = {call: dict.fromkeys(STATUSES, 0) for call in ("link", "not a link")}
    for is_link, decision, n in con.execute(
        """
        WITH latest AS (
            SELECT record_id_l, record_id_r, arg_max(decision, decision_id) AS decision
            FROM review_decisions GROUP BY record_id_l, record_id_r)
        SELECT p.match_probability >= ?, coalesce(latest.decision, 'not reviewed'), count(*)
        FROM link_pairs p LEFT JOIN latest USING (record_id_l, record_id_r)
        WHERE p.run_id = ? GROUP BY 1, 2
        """, [run["threshold"], run["run_id"]]).fetchall():
        by_status["link" if is_link else "not a link"][decision] += int(n)
    weights = con.execute(
        "SELECT floor(match_weight / ?) * ? AS edge, count(*) FROM link_pairs"
        " WHERE run_id = ? GROUP BY 1 ORDER BY 1",
        [WEIGHT_BIN, WEIGHT_BIN, run["run_id"]]).fetchall()
    person_sizes = [(int(k), int(n)) for k, n in con.execute(
        "SELECT least(n_records, 6), count(*) FROM persons GROUP BY 1 ORDER BY 1").fetchall()]
    return {
        "run": run,
        "runs": runs,
        "threshold_weight": threshold_weight(run["threshold"]),
        "pairs_by_status": by_status,
        "decisions": int(con.execute("SELECT count(*) FROM review_decisions").fetchall()[0][0]),
        "review_queue": review_queue,
        "weight_histogram": {"edges": [float(e) for e, _ in weights],
                             "counts": [int(n) for _, n in weights]},
        "records_per_person": [
            {"records": f"{k}+" if k == 6 else str(k), "persons": n} for k, n in person_sizes],
        "accuracy": accuracy,
    }
