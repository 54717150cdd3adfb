"""Reading what `link` stored: the latest run, records with their provenance, explained pairs.

Shared by explain, review, export, evaluation and status.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from uncounted.core.errors import UncountedError
from uncounted.link.explain import Level, explain_weights, model_levels, prior_weight
from uncounted.store.decisions import decision_rows
from uncounted.store.link_pairs import scored_pair_row
from uncounted.store.link_runs import latest_run_record
from uncounted.store.project import Project
from uncounted.store.records import record_rows

NOT_LINKED: Final = "linkage has not run yet; run `uncounted link DIR` first"

# What a reviewer or an explanation shows of a record, besides its provenance.
RECORD_FIELDS: Final = (
    "full_name",
    "full_name_latin",
    "given_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "sex",
    "age_years",
    "date_of_birth",
    "date_of_death",
    "place",
    "id_number",
    "id_check",
)


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    threshold: float
    seed: int
    backend: str
    finished_at: dt.datetime
    model: dict[str, Any]
    levels: dict[str, list[Level]]

    @property
    def prior_weight(self) -> float | None:
        return prior_weight(self.model)


def latest_run(project: Project) -> RunInfo | None:
    row = latest_run_record(project, with_model=True)
    if row is None:
        return None
    model = json.loads(row["model"])
    return RunInfo(int(row["run_id"]), float(row["threshold"]), int(row["seed"]),
                   str(row["backend"]), row["finished_at"], model, model_levels(model))


def require_run(project: Project) -> RunInfo:
    run = latest_run(project)
    if run is None:
        raise UncountedError(NOT_LINKED, file=str(project.root))
    return run


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def record_details(project: Project, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Record id → its provenance (list, release, source file and SHA-256, row number), its
    person and its fields; an unknown id is an error naming it."""
    if not record_ids:
        return {}
    rows = record_rows(project, record_ids, RECORD_FIELDS)
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        keys = ("record_id", "list", "release", "source_file", "source_sha256", "row_number",
                "person_id", *RECORD_FIELDS)
        found[str(row[0])] = {k: jsonable(v) for k, v in zip(keys, row, strict=True)}
    for record_id in record_ids:
        if record_id not in found:
            raise UncountedError(f"no record has the id {record_id!r}", field="record_id")
    return found


def check_records(project: Project, record_ids: Iterable[str]) -> None:
    """Every id names a record of the project, or an error names the first that does not."""
    record_details(project, list(record_ids))


def explain_pair(
    run: RunInfo,
    record_id_l: str,
    record_id_r: str,
    probability: float | None,
    weight: float | None,
    comparison_weights: str | None,
) -> dict[str, Any]:
    """A stored pair, each comparison with its level label and match weight."""
    weights = json.loads(comparison_weights) if comparison_weights else {}
    return {
        "record_id_l": record_id_l,
        "record_id_r": record_id_r,
        "match_probability": probability,
        "match_weight": weight,
        "prior_weight": run.prior_weight,
        "above_threshold": probability is not None and probability >= run.threshold,
        "comparisons": explain_weights(weights, run.levels),
    }


def scored_pair(project: Project, run: RunInfo, left: str, right: str) -> dict[str, Any] | None:
    """The latest run's scored pair of two records, explained; None if the model did not score
    it (no blocking rule brought them together, or it scored below 0.01)."""
    low, high = sorted((left, right))
    row = scored_pair_row(project, run.run_id, low, high)
    if row is None:
        return None
    return explain_pair(run, low, high, row[0], row[1], row[2])


def decisions_on(project: Project, pairs: Iterable[tuple[str, str]]) -> dict[
    tuple[str, str], list[dict[str, Any]]
]:
    """Every decision on each pair, oldest first (the last one counts)."""
    wanted = sorted({tuple(sorted(p)) for p in pairs})
    if not wanted:
        return {}
    rows = decision_rows(project, wanted)
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for left, right, decision, reviewer, decided_at, note, decision_id in rows:
        out.setdefault((left, right), []).append(
            {
                "decision_id": decision_id,
                "decision": decision,
                "reviewer": reviewer,
                "decided_at": jsonable(decided_at),
                "note": note,
            }
        )
    return out
