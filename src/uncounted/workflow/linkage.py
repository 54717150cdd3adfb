"""Link a project's records into persons and store the run: the `link` command's work.

One run reads every record, builds the linkage features, trains the model (with the review
decisions as labels when the model takes labels), scores the candidate pairs, clusters them
with the review decisions as must- and cannot-links, gives the clusters stable person ids, and
writes the run, its pairs, the persons, each record's person and the id events in ONE
transaction, with the command in the command log. A process killed at any moment leaves the
project as it was before the run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from uncounted import __version__
from uncounted.core.errors import UncountedError
from uncounted.link.backends import BACKENDS
from uncounted.link.checks import list_overlaps, unreadable_records
from uncounted.link.cluster import cluster_records
from uncounted.link.duplicates import (
    WITHIN_SOURCE_PROBABILITY,
    exact_duplicates,
    within_source_links,
)
from uncounted.link.features import build_features
from uncounted.link.model import DEFAULT_THRESHOLD, MIN_REPORTED_PROBABILITY, LinkageModel
from uncounted.link.persons import (
    Assignment,
    assign_person_ids,
    person_number,
    person_summaries,
)
from uncounted.link.review import constraints_from, labels_from
from uncounted.store.decisions import latest_decisions
from uncounted.store.link_pairs import add_pairs
from uncounted.store.link_runs import add_run, latest_run_record, linkage_counts
from uncounted.store.persons import (
    add_person_events,
    issued_person_ids,
    person_of_records,
    replace_person_records,
    replace_persons,
)
from uncounted.store.project import Project, utc_now
from uncounted.store.records import disable_progress_bar, records_in_file_order
from uncounted.store.sources import source_sha256s
from uncounted.workflow.review import review_queue_size

Progress = Callable[[str, int, int], None]



@dataclass
class LinkRunSummary:
    run_id: int
    threshold: float
    seed: int
    backend: str
    records: int
    candidate_pairs: int
    persons: int
    persons_created: int
    persons_merged: int
    persons_split: int
    decisions_applied: int
    labels_used: int
    refused_must_links: list[dict[str, str]] = field(default_factory=list)
    review_queue: int = 0
    seconds: float = 0.0
    # Said in plain words wherever the run is shown: what the run could not do or may have
    # missed (a comparison that learnt nothing, lists sharing names but not links).
    warnings: list[str] = field(default_factory=list)
    # Where each comparison's parameters came from: data, the prior model, review labels.
    training: dict[str, Any] = field(default_factory=dict)
    list_overlaps: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "threshold": self.threshold,
            "seed": self.seed,
            "backend": self.backend,
            "records": self.records,
            "candidate_pairs": self.candidate_pairs,
            "persons": self.persons,
            "persons_created": self.persons_created,
            "persons_merged": self.persons_merged,
            "persons_split": self.persons_split,
            "decisions_applied": self.decisions_applied,
            "labels_used": self.labels_used,
            "refused_must_links": self.refused_must_links,
            "review_queue": self.review_queue,
            "seconds": round(self.seconds, 2),
            "warnings": self.warnings,
            "training": self.training,
            "list_overlaps": self.list_overlaps,
        }


def review_labels(project: Project) -> pd.DataFrame:
    """Training labels from the latest review decisions: unique_id_l, unique_id_r, is_match."""
    return labels_from(latest_decisions(project))


def _model(seed: int, backend: str) -> LinkageModel:
    # splink's training notes would drown the summary, which reports the run instead.
    return LinkageModel(seed=seed, log_level=logging.ERROR, backend=backend)


def _fit(model: LinkageModel, features: pa.Table, labels: pd.DataFrame) -> int:
    """Fit, with the review labels when there are any; how many labels it took."""
    if len(labels):
        model.fit(features, labels=labels)
        return len(labels)
    model.fit(features)
    return 0


def _check_settings(project: Project, threshold: float, backend: str) -> None:
    if not 0 < threshold < 1:
        raise UncountedError(
            f"the threshold is a match probability between 0 and 1, not {threshold}",
            field="threshold",
        )
    if backend not in BACKENDS:
        raise UncountedError(
            f"unknown linkage backend {backend!r}: use one of {', '.join(BACKENDS)}",
            field="backend",
        )
    if project.read_only:
        raise UncountedError("the project was opened read-only", file=str(project.root))


def link_project(
    project: Project,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 1,
    backend: str = "duckdb",
    duplicate_free: Collection[str] = (),
    progress: Progress | None = None,
) -> LinkRunSummary:
    """Link every record of the project into persons and store the run (see the module)."""
    _check_settings(project, threshold, backend)
    say = progress or (lambda stage, done, total: None)
    started_at = utc_now()
    clock = time.perf_counter()
    # DuckDB draws a progress bar on stdout for long queries; a run reports through ``progress``.
    disable_progress_bar(project)

    say("reading records", 0, 1)
    # In file order (sources as ingested, rows as in the file): new person ids and ties
    # between summary values follow it.
    records = records_in_file_order(project)
    if records.num_rows == 0:
        raise UncountedError(
            "the project has no records to link; ingest a list first", file=str(project.root)
        )
    duplicate_free = _resolve_sources(project, duplicate_free)
    say("reading records", 1, 1)

    say("building features", 0, 1)
    # The model sees the records in id order, as the library's own tests and benchmarks do.
    by_id = records.sort_by("record_id")
    features = build_features(by_id)
    say("building features", 1, 1)
    warnings = _unreadable_warnings(features, project)

    decisions = latest_decisions(project)
    constraints = constraints_from(decisions)
    say("training the model", 0, 1)
    model = _model(seed, backend)
    labels_used = _fit(model, features, labels_from(decisions))
    say("training the model", 1, 1)
    report = model.training_report_
    if report is not None:
        warnings += list(report.warnings)
    say("scoring pairs", 0, 1)
    pairs = model.predict(features)
    say("scoring pairs", 1, 1)
    if len(pairs) == 0 and features.num_rows > 1:
        warnings.append(_no_pairs(model, features, project))

    say("clustering", 0, 1)
    # Rows one file lists twice (same name, sex and age) join before the model's pairs; records
    # of one file join only by a direct link (not through a record of another file).
    rule_duplicates = exact_duplicates(features)
    within_source = within_source_links(pairs, features, WITHIN_SOURCE_PROBABILITY)
    clustering = cluster_records(
        pairs,
        features,
        threshold,
        must_link=[*constraints.must_link, *rule_duplicates],
        cannot_link=constraints.cannot_link,
        duplicate_free_sources=set(duplicate_free),
        exclusive_sources=True,
        within_source_links=within_source,
    )
    order = records.column("record_id").to_pylist()
    previous = person_of_records(project)
    assignment = assign_person_ids(
        clustering.clusters, previous, order, _next_person_number(project)
    )
    summaries = person_summaries(
        records.select(["record_id", "list", "sex", "place", "date_of_death"])
        .to_pandas()
        .assign(age_years=_ages_in_order(records, features)),
        assignment.person_of,
    )
    say("clustering", 1, 1)

    overlaps = list_overlaps(features, assignment.person_of)
    warnings += [o.warning() for o in overlaps if o.suspicious]
    refused = [r.as_dict() for r in clustering.refused]
    training: dict[str, Any] = {} if report is None else report.as_dict()
    overlap_rows = [o.as_dict() for o in overlaps]
    settings: dict[str, Any] = {
        "duplicate_free_sources": sorted(duplicate_free),
        "min_probability": MIN_REPORTED_PROBABILITY,
        "must_links": len(constraints.must_link),
        "rule_duplicates": len(rule_duplicates),
        "exclusive_sources": True,
        "within_source_probability": WITHIN_SOURCE_PROBABILITY,
        # the record pairs behind both, so that linkage replicates need not rebuild features
        "rule_duplicate_pairs": [list(pair) for pair in rule_duplicates],
        "within_source_pairs": [list(pair) for pair in within_source],
        "cannot_links": len(constraints.cannot_link),
        "warnings": warnings,
        "training": training,
        "list_overlaps": overlap_rows,
    }
    summary = LinkRunSummary(
        run_id=0,
        threshold=threshold,
        seed=seed,
        backend=backend,
        records=records.num_rows,
        candidate_pairs=len(pairs),
        persons=len(summaries),
        persons_created=assignment.created,
        persons_merged=assignment.merged,
        persons_split=assignment.split,
        decisions_applied=constraints.applied,
        labels_used=labels_used,
        refused_must_links=refused,
        warnings=warnings,
        training=training,
        list_overlaps=overlap_rows,
    )
    _write_run(project, summary, model, pairs, summaries, assignment, settings, started_at, say)
    summary.review_queue = review_queue_size(project)
    summary.seconds = time.perf_counter() - clock
    return summary


def _unreadable_warnings(features: pa.Table, project: Project) -> list[str]:
    """Records that give neither a name nor an ID cannot be linked: a warning, or an error
    when a whole list is made of them."""
    unreadable = unreadable_records(features)
    if not unreadable:
        return []
    sizes: dict[str, int] = {}
    for name in features.column("list").to_pylist():
        sizes[str(name)] = sizes.get(str(name), 0) + 1
    hopeless = sorted(name for name, n in unreadable.items() if n == sizes[name])
    if hopeless:
        raise UncountedError(
            f"no record of the list(s) {', '.join(hopeless)} gives a name or an ID number that "
            "linkage can read, so they cannot be linked; check the column mapping (uncounted "
            "status shows what each source's mapping read)",
            file=str(project.root),
            field="full_name",
        )
    return [
        f"{n:,} records of list '{name}' give neither a name nor an ID number; each stays a "
        "person of its own"
        for name, n in sorted(unreadable.items())
    ]


def _no_pairs(model: LinkageModel, features: pa.Table, project: Project) -> str:
    """Why a run found no candidate pair: an error when several lists were to be linked, a
    warning (returned) for one list, whose records may all be different people."""
    blocked = model.count_blocked_pairs(features)
    lists = sorted({str(v) for v in features.column("list").to_pylist()})
    report = model.training_report_
    learnt = "; ".join(report.warnings) if report is not None and report.warnings else ""
    if blocked == 0:
        reason = (
            f"no two of the {features.num_rows:,} records share enough of a name, an ID or a "
            "date to be compared (blocking found no pair)"
        )
    else:
        reason = (
            f"blocking brought {blocked:,} pairs together but the model scored none at "
            f"{MIN_REPORTED_PROBABILITY} or more" + (f" ({learnt})" if learnt else "")
        )
    if len(lists) > 1:
        raise UncountedError(
            f"0 candidate pairs between the lists {', '.join(lists)}: {reason}. Nothing was "
            "linked and no run was stored: a run that links nothing would count every record "
            "as a different person",
            file=str(project.root),
        )
    return f"0 candidate pairs within the list '{lists[0]}': {reason}"


def _ages_in_order(records: pa.Table, features: pa.Table) -> list[float | None]:
    """Each record's age: as recorded, else from its dates of birth and death (features)."""
    age_of = dict(
        zip(
            features.column("unique_id").to_pylist(),
            features.column("age_years").to_pylist(),
            strict=True,
        )
    )
    return [age_of.get(r) for r in records.column("record_id").to_pylist()]


def _resolve_sources(project: Project, prefixes: Collection[str]) -> list[str]:
    """Full SHA-256 of the sources named by (a unique prefix of at least 8 characters of)
    their SHA-256."""
    sources = source_sha256s(project)
    out = []
    for prefix in prefixes:
        found = [s for s in sources if s.startswith(prefix.lower())] if len(prefix) >= 8 else []
        if len(found) != 1:
            problem = "matches several sources" if found else "names no source"
            raise UncountedError(
                f"the SHA-256 (or prefix of 8+ characters) {prefix!r} {problem}",
                field="duplicate_free",
            )
        out.append(found[0])
    return sorted(set(out))


def _next_person_number(project: Project) -> int:
    """One more than the largest person number ever issued (every id has a 'created' event)."""
    return max((person_number(p) for p in issued_person_ids(project)), default=0) + 1


def _write_run(
    project: Project,
    summary: LinkRunSummary,
    model: LinkageModel,
    pairs: pd.DataFrame,
    persons: pd.DataFrame,
    assignment: Assignment,
    settings: dict[str, Any],
    started_at: Any,
    say: Progress,
) -> None:
    steps = 6
    pair_columns = [
        c
        for c in pairs.columns
        if c in ("unique_id_l", "unique_id_r", "match_probability", "match_weight")
        or c.startswith("mw_")
    ]
    pair_table = pa.Table.from_pandas(pairs[pair_columns], preserve_index=False)
    person_table = pa.Table.from_pandas(persons, preserve_index=False)
    link_table = pa.table(
        {
            "record_id": list(assignment.person_of),
            "person_id": list(assignment.person_of.values()),
        }
    )
    events = assignment.events
    with project.transaction() as con:
        say("writing", 0, steps)
        run_id = add_run(
            con,
            [
                started_at,
                utc_now(),
                summary.threshold,
                summary.seed,
                summary.backend,
                json.dumps(settings, sort_keys=True),
                json.dumps(model.model_),
                summary.records,
                summary.candidate_pairs,
                summary.persons,
                summary.persons_created,
                summary.persons_merged,
                summary.persons_split,
                summary.decisions_applied,
                json.dumps(summary.refused_must_links),
                __version__,
            ],
        )
        summary.run_id = run_id
        say("writing", 1, steps)
        add_pairs(con, run_id, pair_table)
        say("writing", 2, steps)
        replace_persons(con, run_id, person_table)
        say("writing", 3, steps)
        replace_person_records(con, run_id, link_table)
        say("writing", 4, steps)
        add_person_events(
            con, run_id, [(e.event, e.person_id, e.other_ids, e.n_records) for e in events]
        )
        say("writing", 5, steps)
        project.log_command(
            "link",
            {
                "threshold": summary.threshold,
                "seed": summary.seed,
                "backend": summary.backend,
                **settings,
            },
            f"run {run_id}: {summary.persons} persons ({summary.persons_created} new,"
            f" {summary.persons_merged} merged, {summary.persons_split} split)",
            started_at,
        )
        say("writing", steps, steps)


def linkage_status(project: Project) -> dict[str, Any] | None:
    """The latest link run, persons, records not linked yet, and the review queue; None before
    the first run."""
    row = latest_run_record(project)
    if row is None:
        return None
    keys = (
        "run_id",
        "finished_at",
        "threshold",
        "seed",
        "backend",
        "records",
        "candidate_pairs",
        "persons",
        "persons_created",
        "persons_merged",
        "persons_split",
    )
    latest = {key: row[key] for key in keys}
    settings = json.loads(row["settings"]) if row["settings"] else {}
    latest["warnings"] = settings.get("warnings", [])
    latest["training"] = settings.get("training", {})
    latest["finished_at"] = latest["finished_at"].isoformat(timespec="seconds")
    counts = linkage_counts(project)
    return {
        "latest_run": latest,
        "persons": counts[0],
        "records": counts[1],
        "records_not_linked": counts[2],
        "review_decisions": counts[3],
        "review_queue": review_queue_size(project),
    }
