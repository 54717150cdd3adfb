"""Why a person is who they are: their records, the scored pairs between them, the decisions."""

from __future__ import annotations

from typing import Any

from uncounted.core.errors import UncountedError
from uncounted.store.decisions import decided_pairs_touching
from uncounted.store.link_pairs import pairs_within_person
from uncounted.store.persons import events_of_person, merged_into, person_row
from uncounted.store.project import Project
from uncounted.store.records import record_ids_of_person
from uncounted.workflow.link_results import (
    decisions_on,
    explain_pair,
    jsonable,
    record_details,
    require_run,
)

_PERSON_COLUMNS = ("person_id", "n_records", "lists", "sex", "age_years", "age_group", "place",
                   "date_of_death", "run_id")


def _gone(project: Project, person_id: str) -> str | None:
    """Where an id that is no longer a person went, if a run merged it away."""
    row = merged_into(project, person_id)
    if row is None:
        return None
    return f"{person_id} was merged into {row[0]} by link run {row[1]}; explain {row[0]}"


def explain_person(project: Project, person_id: str) -> dict[str, Any]:
    """Every record of the person with its provenance and fields, every scored pair between
    them with each comparison's level and weight, the review decisions on pairs that touch
    the person, and what link runs did to the id."""
    run = require_run(project)
    row = person_row(project, person_id, _PERSON_COLUMNS)
    if row is None:
        raise UncountedError(
            _gone(project, person_id) or f"no person has the id {person_id!r}",
            file=str(project.root),
            field="person_id",
        )
    person = {k: jsonable(v) for k, v in zip(_PERSON_COLUMNS, row, strict=True)}
    record_ids = record_ids_of_person(project, person_id)
    details = record_details(project, record_ids)
    inside = pairs_within_person(project, run.run_id, person_id)
    touching = decided_pairs_touching(project, record_ids)
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
        for r in events_of_person(project, person_id)
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
