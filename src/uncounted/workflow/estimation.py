"""Estimates from a project's stored persons, kept so that a report shows what a command printed.

`uncounted estimate DIR` estimates every stratum and the total from the persons of the latest
link run and writes one ``estimate_runs`` row — method, strata, seed, settings, the results as
JSON, the link run they came from — in one transaction with its command-log entry. A report or
a page reads that row back instead of estimating again, so its numbers are the command's
numbers, and the settings and seed in the row rerun it.

The stored ``result`` document::

    {"lists": [...], "unlisted": n,
     "estimates": [{"stratum": "total", ...}, {"stratum": "sex=f", ...}, ...],
     "methods": {"sex=f": [{"method": "stepwise", ...}, ...], ...},
     "sensitivity": {"table": ..., "rows": [{"assumption", "variant", "estimate", ...}]}}

``estimates`` is what the command prints (the total first, then each stratum's headline);
``methods`` holds, for the ensemble, each method's own result behind each stratum's headline;
``sensitivity`` (ensemble only, else null) the total of all persons, strata pooled, under changed
unverifiable assumptions (:mod:`uncounted.estimate.sensitivity`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from uncounted import __version__
from uncounted.core.errors import UncountedError, UsageError
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.sensitivity import persons_sensitivity
from uncounted.estimate.strata import StratifiedEstimate
from uncounted.estimate.systems import contained_lists, merge_contained, period_warnings
from uncounted.store.estimate_runs import add_estimate_run, estimate_run_rows
from uncounted.store.lists import list_names
from uncounted.store.persons import person_count, persons_run_id
from uncounted.store.project import Project, utc_now
from uncounted.store.records import death_days
from uncounted.store.statuses import (
    DEFAULT_STATUS,
    counts_as,
    person_statuses,
    status_label,
)
from uncounted.workflow.export import SUMMARY_COLUMNS, persons_frame
from uncounted.workflow.replicates import (
    DEFAULT_REPLICATES,
    choose_linkage,
    estimate_over_replicates,
)


@dataclass
class EstimateRun:
    estimate_id: int | None
    created_at: datetime
    link_run_id: int | None
    method: str
    strata: list[str]
    seed: int
    settings: dict[str, Any]
    result: dict[str, Any]
    uncounted_version: str

    @property
    def estimates(self) -> list[dict[str, Any]]:
        return list(self.result["estimates"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate_id": self.estimate_id,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "link_run_id": self.link_run_id,
            "method": self.method,
            "strata": self.strata,
            "seed": self.seed,
            "settings": self.settings,
            "result": self.result,
            "uncounted_version": self.uncounted_version,
        }




def headline_of(run: EstimateRun) -> dict[str, Any]:
    """The run's headline: without strata, the one stratum "all" (its ensemble is the table's
    own; the "total" beside it re-derives the same from its draws); else the total."""
    entries = run.estimates
    if len(entries) == 2 and entries[1]["stratum"] == "all":
        return dict(entries[1])
    return dict(entries[0])


# What a project can be split by: the person attributes of ``persons_frame`` (its other
# columns are the person id, the record count and one column per list).
STRATUM_COLUMNS: Final = SUMMARY_COLUMNS


def parse_strata(text: str | None) -> list[str]:
    """``"age_group,sex"`` as typed after ``--strata``, checked before any work is done."""
    strata = [s.strip() for s in (text or "").split(",") if s.strip()]
    check_strata(strata)
    return strata


def check_strata(strata: Sequence[str]) -> None:
    """A usage error naming the columns to split by, for a stratum that is not one of them."""
    for name in strata:
        if name not in STRATUM_COLUMNS:
            close = difflib.get_close_matches(name, STRATUM_COLUMNS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(
                f"unknown stratum column {name!r}{hint}; a project can be split by "
                f"{', '.join(STRATUM_COLUMNS)}",
                field="--strata",
            )
    repeated = sorted({name for name in strata if list(strata).count(name) > 1})
    if repeated:
        raise UsageError(f"stratum column {repeated[0]!r} is given twice", field="--strata")


def estimate_project(
    project: Project,
    *,
    method: str = "ensemble",
    strata: Sequence[str] = (),
    seed: int = 1,
    level: float = 0.95,
    jobs: int = 2,
    status: str = DEFAULT_STATUS,
    keep_copies: bool = False,
    linkage: str = "auto",
    replicates: int | None = None,
    linkage_location: str = "fixed",
) -> EstimateRun:
    """Estimate every stratum and the total from the latest link run's persons (not stored).

    Only persons of ``status`` are counted (a person any of whose records has it, or whose
    records give no status); a list that copies another is merged into it unless
    ``keep_copies`` (``uncounted.estimate.systems``). What was set aside and why, and lists
    whose dates of death barely overlap the others', are the run's ``caveats``."""
    check_strata(strata)
    if not person_count(project):
        raise UncountedError(
            "linkage has not run yet: the project has no persons, so there are no "
            "capture histories to estimate from; link the lists first, or estimate from a "
            "capture table with --table FILE.csv",
            file=str(project.root),
        )
    all_lists = list_names(project)
    # One row per person, one 0/1 column per list named as the list, then the attributes.
    persons = persons_frame(project, prefix="")
    persons, statuses = _of_status(project, persons, status)
    lists = [name for name in all_lists if persons[name].sum() > 0]
    copies = [] if keep_copies else contained_lists(persons, lists)
    persons, lists = merge_contained(persons, lists, copies)
    periods = _period_caveats(project, set(persons["person_id"]), lists)
    caveats = [c.reason() for c in copies] + [p["reason"] for p in periods]
    other = {k: v for k, v in statuses.items() if k != status and k != "unknown"}
    if other:
        caveats.append(
            "counted: persons with status '" + status + "' only; set apart: "
            + ", ".join(f"{n:,} {k}" for k, n in sorted(other.items()))
            + " (persons none of whose records says " + status + ")"
        )
    # linkage uncertainty: over replicates of the linkage (see workflow.replicates)
    linkage, linkage_caveat = choose_linkage(project, linkage)
    if linkage_caveat:
        caveats.append(linkage_caveat)
    linkage_info: dict[str, Any] = {"mode": "fixed"}
    if linkage == "fixed":
        fitted: Any = StratifiedEstimate(list(strata), lists, method=method, level=level,
                                         seed=seed, n_jobs=jobs).fit(persons)
    else:
        fitted, linkage_info = estimate_over_replicates(
            project, persons, lists=lists, all_lists=all_lists, copies=copies, status=status,
            strata=list(strata), method=method, level=level, seed=seed, jobs=jobs,
            n_replicates=DEFAULT_REPLICATES if replicates is None else replicates,
            location=linkage_location)
    printed: list[tuple[str, EstimateResult]] = [("total", fitted.total_),
                                                 *fitted.results_.items()]
    link_run_id = persons_run_id(project)
    # beside the headline: how the total moves under what the data cannot check (ensemble only)
    sensitivity = (persons_sensitivity(persons, lists, seed=seed, level=level, n_jobs=jobs,
                                       headline=fitted.total_.estimate)
                   if method == "ensemble" else None)
    return EstimateRun(
        estimate_id=None,
        created_at=utc_now(),
        link_run_id=link_run_id,
        method=method,
        strata=list(strata),
        seed=seed,
        settings={
            "level": level,
            "min_lists": fitted.min_lists,
            "n_draws": fitted.n_draws,
            "status": status,
            "keep_copies": keep_copies,
            "linkage": linkage,
            "replicates": linkage_info.get("replicates"),
        },
        result={
            "lists": lists,
            "caveats": caveats,
            "systems": {
                "lists_in_project": all_lists,
                "merged": [c.as_dict() for c in copies],
                "period_warnings": periods,
                "status": status,
                "persons_by_status": statuses,
            },
            "linkage": linkage_info,
            "unlisted": fitted.unlisted_,
            "estimates": [{"stratum": label, **r.to_dict()} for label, r in printed],
            "methods": {
                label: _named(fitted.results_[label], results)
                for label, results in fitted.method_results_.items()
            },
            "sensitivity": sensitivity,
        },
        uncounted_version=__version__,
    )


def _of_status(
    project: Project, persons: Any, status: str
) -> tuple[Any, dict[str, int]]:
    """The persons counted as ``status``, and how many persons have each status (the rule is
    :mod:`uncounted.store.statuses`')."""
    found = person_statuses(project)
    counts: dict[str, int] = {}
    keep = []
    for person in persons["person_id"]:
        label = status_label(*found.get(str(person), ([], True)), status)
        counts[label] = counts.get(label, 0) + 1
        keep.append(counts_as(label, status))
    return persons[keep].reset_index(drop=True), counts


def _period_caveats(
    project: Project, persons: set[str], lists: Sequence[str]
) -> list[dict[str, Any]]:
    """Lists whose dates of death barely overlap the other lists' (see ``period_warnings``)."""
    rows = death_days(project)
    days: dict[str, list[float]] = {}
    for name, person, day in rows:
        if name in lists and person in persons:
            days.setdefault(str(name), []).append(float(day))
    out = []
    for warning in period_warnings(days, lists):
        low, high = _date(warning["from_day"]), _date(warning["to_day"])
        if warning["share_inside"] is None:
            warning["reason"] = (
                f"list '{warning['list']}' records deaths from {low} to {high} (central 90% of "
                f"{warning['records']:,} dated records), and the other lists "
                f"({', '.join(warning['undated_lists'])}) give no dates of death: nothing shows "
                "that they cover that period, against the estimate's assumption of one "
                "population; estimate it apart or check its scope"
            )
        else:
            others = _date(warning["others_from_day"]), _date(warning["others_to_day"])
            warning["reason"] = (
                f"list '{warning['list']}' records deaths from {low} to {high} (central 90% "
                f"of {warning['records']:,} dated records), the other lists from {others[0]} to "
                f"{others[1]}: only {warning['share_inside']:.0%} of its span overlaps theirs, "
                "so it may cover another period or population, against the estimate's "
                "assumption of one population"
            )
        out.append(warning)
    return out


def _date(day: float) -> str:
    return (datetime(1970, 1, 1) + timedelta(days=day)).date().isoformat()


def _named(headline: EstimateResult, results: list[EstimateResult]) -> list[dict[str, Any]]:
    """Each result behind a headline with its registry name (``name``): a result's own
    ``method`` may say more (``bootstrap_stepwise``). The ensemble lists its methods' point
    estimates in the order of its results."""
    names = list(headline.diagnostics.get("point_estimates", {}))
    if len(names) != len(results):
        names = [r.method for r in results]
    return [{"name": name, **r.to_dict()} for name, r in zip(names, results, strict=True)]


def save_estimate_run(project: Project, run: EstimateRun, *, command: str = "estimate") -> int:
    """Store ``run`` and its command-log entry in one transaction; returns its estimate id."""
    with project.transaction() as con:
        estimate_id = add_estimate_run(
            con,
            created_at=run.created_at,
            link_run_id=run.link_run_id,
            method=run.method,
            strata=run.strata,
            seed=run.seed,
            settings=json.dumps(run.settings, sort_keys=True),
            result=json.dumps(run.result, ensure_ascii=False),
            uncounted_version=run.uncounted_version,
        )
        project.log_command(
            command,
            {"method": run.method, "strata": run.strata, "seed": run.seed, **run.settings},
            f"estimate run {estimate_id}",
            run.created_at,
        )
    run.estimate_id = estimate_id
    return estimate_id


def latest_estimate_run(
    project: Project, strata: Sequence[str] | None = None
) -> EstimateRun | None:
    """The newest stored run (with exactly these strata, when given), or None."""
    for row in estimate_run_rows(project):
        if strata is not None and list(row[4]) != list(strata):
            continue
        return EstimateRun(
            estimate_id=int(row[0]),
            created_at=row[1],
            link_run_id=row[2],
            method=row[3],
            strata=list(row[4]),
            seed=int(row[5]),
            settings=json.loads(row[6]),
            result=json.loads(row[7]),
            uncounted_version=row[8],
        )
    return None
