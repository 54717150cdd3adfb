"""Why a person is who they are: their records, the scored pairs between them, the decisions."""

from __future__ import annotations

from typing import Any

from uncounted.core.errors import UncountedError
from uncounted.store.project import Project
from uncounted.store.records import record_ids_of_person
from uncounted.workflow.linked import (
    decisions_on,
    explain_pair,
    jsonable,
    one,
    record_details,
    require_run,
)

_PERSON_COLUMNS = ("person_id", "n_records", "lists", "sex", "age_years", "age_group", "place",
                   "date_of_death", "run_id")


def _gone(project: Project, person_id: str) -> str | None:
    """Where an id that is no longer a person went, if a run merged it away."""
    row = one(project.con.execute(
        "SELECT person_id, run_id FROM person_events WHERE event = 'merged'"
        " AND list_contains(other_ids, ?) ORDER BY event_id DESC LIMIT 1",
        [person_id],
    ))
    if row is None:
        return None
    return f"{person_id} was merged into {row[0]} by link run {row[1]}; explain {row[0]}"


def explain_person(project: Project, person_id: str) -> dict[str, Any]:
    """Every record of the person with its provenance and fields, every scored pair between
    them with each comparison's level and weight, the review decisions on pairs that touch
    the person, and what link runs did to the id."""
    run = require_run(project)
    row = one(project.con.execute(
        f"SELECT {', '.join(_PERSON_COLUMNS)} FROM persons WHERE person_id = ?", [person_id]
    ))
    if row is None:
        raise UncountedError(
            _gone(project, person_id) or f"no person has the id {person_id!r}",
            file=str(project.root),
            field="person_id",
        )
    person = {k: jsonable(v) for k, v in zip(_PERSON_COLUMNS, row, strict=True)}
    record_ids = record_ids_of_person(project, person_id)
    details = record_details(project, record_ids)
    inside = project.con.execute(
        "SELECT p.record_id_l, p.record_id_r, p.match_probability, p.match_weight,"
        " p.comparison_weights FROM link_pairs p"
        " JOIN person_records a ON a.record_id = p.record_id_l"
        " JOIN person_records b ON b.record_id = p.record_id_r"
        " WHERE p.run_id = ? AND a.person_id = ? AND b.person_id = ?"
        " ORDER BY p.match_probability DESC, p.record_id_l, p.record_id_r",
        [run.run_id, person_id, person_id],
    ).fetchall()
    touching = [
        (str(left), str(right))
        for left, right in project.con.execute(
            "SELECT DISTINCT record_id_l, record_id_r FROM review_decisions"
            " WHERE record_id_l IN (SELECT unnest(?::VARCHAR[]))"
            " OR record_id_r IN (SELECT unnest(?::VARCHAR[]))",
            [record_ids, record_ids],
        ).fetchall()
    ]
    decisions = decisions_on(project, touching)
    pairs = []
    for left, right, probability, weight, weights in inside:
        entry = explain_pair(run, left, right, probability, weight, weights)
        history = decisions.get((left, right), [])
        entry["review"] = history[-1] if history else None
        pairs.append(entry)
    reviewed = [
        {"record_id_l": left, "record_id_r": right, **history[-1], "history": history}
        for (left, right), history in sorted(decisions.items())
    ]
    events = [
        {"run_id": r[0], "event": r[1], "person_id": r[2], "other_ids": list(r[3]),
         "n_records": r[4]}
        for r in project.con.execute(
            "SELECT run_id, event, person_id, other_ids, n_records FROM person_events"
            " WHERE person_id = ? OR list_contains(other_ids, ?) ORDER BY event_id",
            [person_id, person_id],
        ).fetchall()
    ]
    return {
        "person": person,
        "run_id": run.run_id,
        "threshold": run.threshold,
        "records": [details[r] for r in record_ids],
        "pairs": pairs,
        "decisions": reviewed,
        "events": events,
    }
