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

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from uncounted import __version__
from uncounted.core.errors import UncountedError
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.sensitivity import persons_sensitivity
from uncounted.estimate.strata import StratifiedEstimate
from uncounted.store.project import Project, utc_now
from uncounted.workflow.export import list_names, persons_frame
from uncounted.workflow.linked import one


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


def parse_strata(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def estimate_project(
    project: Project,
    *,
    method: str = "ensemble",
    strata: Sequence[str] = (),
    seed: int = 1,
    level: float = 0.95,
    jobs: int = 2,
) -> EstimateRun:
    """Estimate every stratum and the total from the latest link run's persons (not stored)."""
    has_persons = one(project.con.execute("SELECT count(*) FROM persons"))
    if not has_persons or not has_persons[0]:
        raise UncountedError(
            "linkage has not run yet: the project has no persons, so there are no "
            "capture histories to estimate from; link the lists first, or estimate from a "
            "capture table with --table FILE.csv",
            file=str(project.root),
        )
    lists = list_names(project)
    # One row per person, one 0/1 column per list named as the list, then the attributes.
    persons = persons_frame(project, prefix="")
    fitted = StratifiedEstimate(list(strata), lists, method=method, level=level, seed=seed,
                                n_jobs=jobs).fit(persons)
    printed: list[tuple[str, EstimateResult]] = [("total", fitted.total_),
                                                 *fitted.results_.items()]
    link_run = one(project.con.execute("SELECT max(run_id) FROM persons"))
    # beside the headline: how the total moves under what the data cannot check (ensemble only)
    sensitivity = (persons_sensitivity(persons, lists, seed=seed, level=level, n_jobs=jobs,
                                       headline=fitted.total_.estimate)
                   if method == "ensemble" else None)
    return EstimateRun(
        estimate_id=None,
        created_at=utc_now(),
        link_run_id=None if link_run is None or link_run[0] is None else int(link_run[0]),
        method=method,
        strata=list(strata),
        seed=seed,
        settings={"level": level, "min_lists": fitted.min_lists, "n_draws": fitted.n_draws},
        result={
            "lists": lists,
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
        latest = one(con.execute("SELECT coalesce(max(estimate_id), 0) FROM estimate_runs"))
        estimate_id = int(latest[0] if latest else 0) + 1
        con.execute(
            "INSERT INTO estimate_runs (estimate_id, created_at, link_run_id, method, strata,"
            " seed, settings, result, uncounted_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                estimate_id,
                run.created_at,
                run.link_run_id,
                run.method,
                run.strata,
                run.seed,
                json.dumps(run.settings, sort_keys=True),
                json.dumps(run.result, ensure_ascii=False),
                run.uncounted_version,
            ],
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
    rows = project.con.execute(
        "SELECT estimate_id, created_at, link_run_id, method, strata, seed, settings, result,"
        " uncounted_version FROM estimate_runs ORDER BY estimate_id DESC"
    ).fetchall()
    for row in rows:
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
