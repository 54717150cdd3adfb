"""The review queue and review decisions (see :mod:`uncounted.link.review` for what they mean).

Each decision is written in its own transaction, at once: a review session stopped at any
point keeps every decision made before it.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from uncounted.core.errors import UncountedError
from uncounted.link.review import DECISIONS, default_window, ordered_pair, threshold_weight
from uncounted.store.decisions import add_decision
from uncounted.store.link_pairs import pair_probability
from uncounted.store.link_runs import latest_run_id
from uncounted.store.project import Project, utc_now
from uncounted.store.review_queue import queue_rows, queue_size, sample_frame_rows
from uncounted.workflow.link_results import (
    RunInfo,
    decisions_on,
    explain_pair,
    jsonable,
    record_details,
    require_run,
    scored_pair,
)


def default_reviewer() -> str:
    """$USER, else the login name, else 'unknown'."""
    name = os.environ.get("USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name on some containers
        return "unknown"


@dataclass
class ReviewQueue:
    run_id: int
    threshold: float
    low: float
    high: float
    total: int
    pairs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "threshold": self.threshold,
            "low": self.low,
            "high": self.high,
            "total": self.total,
            "pairs": self.pairs,
        }


def _window(run: RunInfo, low: float | None, high: float | None) -> tuple[float, float]:
    default_low, default_high = default_window(run.threshold)
    low = default_low if low is None else low
    high = default_high if high is None else high
    if not 0 <= low <= high <= 1:
        raise UncountedError(
            f"the review window must satisfy 0 <= low <= high <= 1, not [{low}, {high}]",
            field="low",
        )
    return low, high


def review_queue(
    project: Project,
    *,
    low: float | None = None,
    high: float | None = None,
    limit: int | None = None,
) -> ReviewQueue:
    """The latest run's pairs to review: probability in [low, high], no accept or reject yet,
    none that clustering could never join (two different valid IDs). Pairs never looked at
    first, then skipped ones; within each, pairs across lists before pairs within one (their
    labels teach the model what the lists' own records cannot), taken in turn from each pair
    of lists, each closest to the threshold first. A pair whose records give two sexes is
    marked (``sexes_differ``): accepting it joins them only by the reviewer's word."""
    run = require_run(project)
    low, high = _window(run, low, high)
    total = queue_size(project, run.run_id, low, high)
    rows = queue_rows(project, run.run_id, low, high, threshold_weight(run.threshold), limit)
    pairs = []
    for left, right, probability, weight, weights, decision, same, sexes, lists in rows:
        entry = explain_pair(run, left, right, probability, weight, weights)
        entry["skipped_before"] = decision == "skip"
        entry["same_person_now"] = bool(same)
        entry["sexes_differ"] = bool(sexes)
        entry["lists"] = str(lists).split("|")
        pairs.append(entry)
    return ReviewQueue(run.run_id, run.threshold, low, high, total, pairs)


def review_queue_size(project: Project) -> int:
    """Pairs waiting for review in the default window (0 before any run)."""
    try:
        return review_queue(project, limit=0).total
    except UncountedError:
        return 0


def pair_for_review(project: Project, left: str, right: str) -> dict[str, Any]:
    """Both records side by side, the scored pair explained (None if the model did not score
    it) and every decision so far."""
    run = require_run(project)
    low, high = ordered_pair(left, right)
    records = record_details(project, [low, high])
    return {
        "run_id": run.run_id,
        "threshold": run.threshold,
        "left": records[low],
        "right": records[high],
        "pair": scored_pair(project, run, low, high),
        "decisions": decisions_on(project, [(low, high)]).get((low, high), []),
    }


def record_decision(
    project: Project,
    left: str,
    right: str,
    decision: str,
    *,
    reviewer: str | None = None,
    note: str | None = None,
    also: Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Store one decision on a pair of records in its own transaction; returns it.

    ``also`` runs inside that transaction with the stored decision, so what a caller writes
    about it (the web app's audit row) commits or rolls back with the decision itself."""
    if decision not in DECISIONS:
        raise UncountedError(
            f"a decision is one of {', '.join(DECISIONS)}, not {decision!r}", field="decision"
        )
    if left == right:
        raise UncountedError("a pair needs two different records", field="record_id")
    low, high = ordered_pair(left, right)
    record_details(project, [low, high])
    reviewer = (reviewer or default_reviewer()).strip() or "unknown"
    run_id = latest_run_id(project)
    probability = pair_probability(project, run_id, low, high)
    started = utc_now()
    with project.transaction() as con:
        decision_id, decided_at = add_decision(
            con, record_id_l=low, record_id_r=high, decision=decision, reviewer=reviewer,
            decided_at=started, note=note, run_id=run_id, match_probability=probability,
        )
        project.log_command(
            "review",
            {"record_id_l": low, "record_id_r": high, "reviewer": reviewer, "note": note},
            decision,
            started,
        )
        stored = {
            "decision_id": decision_id,
            "record_id_l": low,
            "record_id_r": high,
            "decision": decision,
            "reviewer": reviewer,
            "decided_at": jsonable(decided_at),
            "note": note,
            "run_id": run_id,
            "match_probability": probability,
        }
        if also is not None:
            also(con, stored)
    return stored


def review_sample(project: Project, size: int, seed: int) -> ReviewQueue:
    """A review sample for calibration: ``size`` of the latest run's pairs drawn at random
    within probability bins (``uncounted.link.calibration.stratified_sample``), the same for
    the same seed, leaving out pairs already accepted or rejected and pairs of two different
    valid IDs (clustering never joins them, so their labels calibrate nothing that is used).
    Labels on this sample give an unbiased share of true matches in each bin."""
    from uncounted.link.calibration import stratified_sample  # only this command needs it

    if size < 1:
        raise UncountedError("a review sample needs at least one pair", field="sample")
    run = require_run(project)
    rows = sample_frame_rows(project, run.run_id)
    probabilities = [float(r[2]) for r in rows]
    # within each pair of lists: calibration is fitted per pair of lists
    picked = stratified_sample(probabilities, size, seed,
                               groups=[str(r[9]) for r in rows]).tolist()
    pairs = []
    for index in picked:
        left, right, probability, weight, weights, decision, same, sexes, _, lists = rows[index]
        if decision in ("accept", "reject"):
            continue
        entry = explain_pair(run, left, right, probability, weight, weights)
        entry["skipped_before"] = decision == "skip"
        entry["same_person_now"] = bool(same)
        entry["sexes_differ"] = bool(sexes)
        entry["lists"] = str(lists).split("|")
        pairs.append(entry)
    return ReviewQueue(run.run_id, run.threshold, 0.0, 1.0, len(pairs), pairs)
