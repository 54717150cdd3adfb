"""The shared review queue of the web app: who is shown which pair, and recording decisions.

Every call runs under the app's project lock, so checking the stored decisions and writing a
new one cannot interleave with another reviewer's write. A decision is recorded only if the
pair has not been decided since the reviewer's page showed it (the page carries the newest
decision id it showed): a stale or repeated submission is refused with a message saying who
decided, never recorded twice or silently dropped.
"""

from __future__ import annotations

from typing import Any

from uncounted.core.errors import UncountedError
from uncounted.link.review import ordered_pair
from uncounted.store.project import Project
from uncounted.web.audit import write_audit
from uncounted.web.leases import Pair, ReviewLeases
from uncounted.workflow.link_results import decisions_on
from uncounted.workflow.review import pair_for_review, record_decision, review_queue


class DecisionConflict(UncountedError):
    """Someone decided the pair after the reviewer's page showed it."""


def _settled(project: Project, pair: Pair) -> bool:
    history = decisions_on(project, [pair]).get(pair, [])
    return bool(history) and history[-1]["decision"] in ("accept", "reject")


def next_pair(
    project: Project,
    leases: ReviewLeases,
    username: str,
    *,
    low: float | None = None,
    high: float | None = None,
) -> dict[str, Any] | None:
    """The pair this reviewer should look at now (leased to them), or None if none is left.

    Their current lease first, if its pair still waits; else the first pair of the queue (the
    probability window [low, high], by default the CLI's) that nobody else holds."""
    mine = leases.held_by(username)
    if mine is not None and not _settled(project, mine):
        leases.take(mine, username)
        return _shown(project, mine)
    others = leases.held_by_others(username)
    queue = review_queue(project, low=low, high=high, limit=len(others) + 1)
    for entry in queue.pairs:
        pair = (entry["record_id_l"], entry["record_id_r"])
        if pair not in others and leases.take(pair, username):
            details = _shown(project, pair)
            details["queue_total"] = queue.total
            return details
    return None


def show_pair(project: Project, leases: ReviewLeases, username: str, left: str,
              right: str) -> dict[str, Any]:
    """A named pair (from a person's page), leased to the reviewer unless another holds it."""
    pair = ordered_pair(left, right)
    details = _shown(project, pair)
    holder = leases.holder(pair)
    if holder is None or holder == username:
        leases.take(pair, username)
    else:
        details["held_by"] = holder
    return details


def _shown(project: Project, pair: Pair) -> dict[str, Any]:
    details = pair_for_review(project, *pair)
    details["seen_decision_id"] = max(
        (d["decision_id"] for d in details["decisions"]), default=0
    )
    return details


def decide(
    project: Project,
    leases: ReviewLeases,
    username: str,
    left: str,
    right: str,
    decision: str,
    *,
    seen_decision_id: int,
    note: str | None = None,
) -> dict[str, Any]:
    """Record the reviewer's decision and its audit row in one transaction, or refuse it."""
    pair = ordered_pair(left, right)
    history = decisions_on(project, [pair]).get(pair, [])
    newer = [d for d in history if d["decision_id"] > seen_decision_id]
    if newer:
        last = newer[-1]
        raise DecisionConflict(
            f"this pair was decided ({last['decision']}) by {last['reviewer']} at "
            f"{last['decided_at']} UTC after your page showed it; your {decision} was not "
            "recorded. Look at the pair again and decide once more if you disagree.",
            field="decision",
        )

    def audit(con: Any, stored: dict[str, Any]) -> None:
        write_audit(
            con,
            username,
            "review_decision",
            f"{stored['record_id_l']} {stored['record_id_r']}",
            {
                "decision_id": stored["decision_id"],
                "decision": stored["decision"],
                "run_id": stored["run_id"],
                "match_probability": stored["match_probability"],
                "previous": history[-1]["decision"] if history else None,
            },
        )

    stored = record_decision(
        project, pair[0], pair[1], decision, reviewer=username, note=note or None, also=audit
    )
    leases.release(pair)
    return stored
