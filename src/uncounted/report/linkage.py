"""Linkage: the latest run's settings and counts, its links by review status, the spread of
match weights, and accuracy against known truth when the caller has it.

A pair is a *link* when the model gave it at least the run's threshold. Its review status is
the latest decision people recorded on it (accept, reject, skip) or "not reviewed".
"""

from __future__ import annotations

import json
from typing import Any, Final

from uncounted.link.review import threshold_weight
from uncounted.store.decisions import decision_count
from uncounted.store.link_pairs import pairs_by_review_status, weight_histogram
from uncounted.store.link_runs import latest_run_record, run_count
from uncounted.store.person_counts import persons_by_record_count
from uncounted.store.project import Project

STATUSES: Final = ("accept", "reject", "skip", "not reviewed")
WEIGHT_BIN: Final = 1.0


def linkage_section(
    project: Project,
    *,
    review_queue: int | None = None,
    accuracy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    latest = latest_run_record(project)
    if latest is None:
        return {"run": None}
    keys = ("run_id", "finished_at", "threshold", "seed", "backend", "records",
            "candidate_pairs", "persons", "persons_created", "persons_merged", "persons_split",
            "decisions_applied", "settings")
    run = {key: latest[key] for key in keys}
    run["finished_at"] = run["finished_at"].isoformat(timespec="seconds")
    run["settings"] = json.loads(run["settings"])
    runs = run_count(project)
    by_status = {call: dict.fromkeys(STATUSES, 0) for call in ("link", "not a link")}
    for is_link, decision, n in pairs_by_review_status(project, run["run_id"], run["threshold"]):
        by_status["link" if is_link else "not a link"][decision] += int(n)
    weights = weight_histogram(project, run["run_id"], WEIGHT_BIN)
    person_sizes = persons_by_record_count(project, 6)
    return {
        "run": run,
        "runs": runs,
        "threshold_weight": threshold_weight(run["threshold"]),
        "pairs_by_status": by_status,
        "decisions": decision_count(project),
        "review_queue": review_queue,
        "weight_histogram": {"edges": [float(e) for e, _ in weights],
                             "counts": [int(n) for _, n in weights]},
        "records_per_person": [
            {"records": f"{k}+" if k == 6 else str(k), "persons": n} for k, n in person_sizes],
        "accuracy": accuracy,
    }
