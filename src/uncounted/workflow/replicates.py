"""A project's linkage replicates: the latest link run's pairs and constraints as a
:class:`~uncounted.link.replicates.LinkageGraph`, the replicates drawn from it, and a persons
table per replicate, built as the link run builds its persons.

The constraints are the link run's own: review accepts and rows one file lists twice
(must-links), review rejections (cannot-links), two different valid ID numbers, records of one
file together only through a within-file link or a must-link (never for files declared
duplicate-free). Match probabilities are recalibrated on the review labels when there are
enough (:func:`review_calibration`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from uncounted.core.errors import UncountedError
from uncounted.link.calibration import MIN_LABELS, GroupedCalibration
from uncounted.link.duplicates import (
    WITHIN_SOURCE_PROBABILITY,
    exact_duplicates,
    within_source_links,
)
from uncounted.link.features import build_features, identity_features
from uncounted.link.persons import age_group
from uncounted.link.replicates import (
    UNSCORED_PROBABILITY,
    LinkageGraph,
    Replicates,
    draw_replicates,
)
from uncounted.link.review import constraints_from
from uncounted.store.link_pairs import pairs_frame
from uncounted.store.link_runs import latest_run_record, run_model
from uncounted.store.project import Project
from uncounted.store.records import records_in_file_order
from uncounted.store.review_queue import calibration_labels
from uncounted.workflow.linkage import latest_decisions


@dataclass
class ProjectReplicates:
    record_ids: list[str]
    replicates: Replicates
    calibration: dict[str, Any] | None
    records: pd.DataFrame  # in record order: record_id, list, status, summary fields, age
    link_prior: float | None = None

    def position(self) -> np.ndarray:
        """For each row of ``records``, its record's number (its place in ``record_ids``)."""
        if not hasattr(self, "_position"):
            number = {rid: i for i, rid in enumerate(self.record_ids)}
            self._position = np.array([number[str(r)] for r in self.records["record_id"]],
                                      dtype=np.int64)
        return self._position

    def settings(self) -> dict[str, Any]:
        return {
            "replicates": self.replicates.n_replicates,
            "link_prior": self.link_prior,
            "components": self.replicates.components,
            "largest_component_blocks": self.replicates.largest_component,
            "refused_must_links": self.replicates.refused_must_links,
            "calibration": self.calibration
            or f"none: fewer than {MIN_LABELS} review labels (with both answers); the "
            "model's probabilities are used as they are",
        }


def review_calibration(project: Project) -> GroupedCalibration | None:
    """Isotonic recalibration per pair of lists on the latest accept/reject of each reviewed
    pair, with the probability the pair had when it was decided (the latest run's if none was
    kept); None below ``MIN_LABELS`` labels or without both answers."""
    rows = calibration_labels(project)
    labelled = [(float(p), bool(y), str(g)) for p, y, g in rows if p is not None]
    answers = {y for _, y, _ in labelled}
    if len(labelled) < MIN_LABELS or len(answers) < 2:
        return None
    return GroupedCalibration().fit([p for p, _, _ in labelled], [y for _, y, _ in labelled],
                                    [g for _, _, g in labelled])


def link_prior_of(project: Project, run_id: int) -> float | None:
    """The linkage model's prior probability that two records match (splink's
    ``probability_two_random_records_match``), which the replicates charge once per link."""
    stored = run_model(project, run_id)
    try:
        model = json.loads(stored) if stored else {}
        found = model.get("probability_two_random_records_match")
        value = float(found) if found is not None else 0.0
    except (TypeError, ValueError, AttributeError):
        return None
    return value if 0.0 < value < 0.5 else None


def project_replicates(project: Project, n_replicates: int, seed: int) -> ProjectReplicates:
    """Draw ``n_replicates`` partitions of the project's records from its latest link run."""
    row = latest_run_record(project)
    if row is None:
        raise UncountedError("linkage has not run yet; link the lists first",
                             file=str(project.root))
    run_id, settings_text = int(row["run_id"]), row["settings"]
    settings = json.loads(settings_text) if settings_text else {}
    prior = link_prior_of(project, run_id)
    records = records_in_file_order(project)
    by_id = records.sort_by("record_id")
    stored = _stored_links(settings)
    # a run that stored its rule duplicates and within-source links needs no name features
    features = build_features(by_id) if stored is None else identity_features(by_id)
    record_ids = [str(r) for r in features.column("unique_id").to_pylist()]
    number = {r: i for i, r in enumerate(record_ids)}
    sources = pd.Series(features.column("source_sha256").to_pylist(), dtype=object)
    source_code = pd.factorize(sources)[0].astype(np.int64)
    ids = pd.Series(features.column("id_number").to_pylist(), dtype=object)
    id_code = pd.factorize(ids, use_na_sentinel=True)[0].astype(np.int64)
    pairs = pairs_frame(project, run_id)
    constraints = constraints_from(latest_decisions(project))
    duplicates, within = stored if stored is not None else (
        exact_duplicates(features),
        within_source_links(pairs, features, WITHIN_SOURCE_PROBABILITY))
    must = [*constraints.must_link, *duplicates]
    free = {str(s) for s in settings.get("duplicate_free_sources", [])}
    source_of = dict(zip(record_ids, sources.tolist(), strict=True))

    def numbered(pairs_: list[tuple[str, str]]) -> list[tuple[int, int]]:
        return [(number[a], number[b]) for a, b in pairs_ if a in number and b in number]

    allowed = [(a, b) for a, b in numbered([*within, *must])
               if source_of[record_ids[a]] not in free]
    graph = LinkageGraph(
        source=source_code,
        id_code=id_code,
        left=np.array([number[str(a)] for a in pairs["unique_id_l"]], dtype=np.int64),
        right=np.array([number[str(b)] for b in pairs["unique_id_r"]], dtype=np.int64),
        probability=pairs["match_probability"].to_numpy(dtype=np.float64),
        must=numbered(must),
        cannot=numbered(constraints.cannot_link),
        allowed=allowed,
    )
    calibration = review_calibration(project)
    if calibration is not None:
        graph.calibrated = calibration.transform(graph.probability,
                                                 pairs["list_pair"].astype(str).tolist())
    # with the model's prior, an unscored pair is worth a Bayes factor of 1: no evidence
    drawn = draw_replicates(graph, n_replicates, seed, link_prior=prior,
                            floor=UNSCORED_PROBABILITY if prior is None else prior)
    frame = records.select(["record_id", "list", "sex", "place", "date_of_death",
                            "status"]).to_pandas()
    ages = dict(zip(record_ids, features.column("age_years").to_pylist(), strict=True))
    frame["age_years"] = [ages.get(str(r)) for r in frame["record_id"]]
    return ProjectReplicates(record_ids, drawn,
                             None if calibration is None else calibration.as_dict(), frame,
                             prior)


def _stored_links(settings: dict[str, Any]
                  ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
    """The rule duplicates and within-source links the link run used (None for a run from
    before they were stored)."""
    duplicates = settings.get("rule_duplicate_pairs")
    within = settings.get("within_source_pairs")
    if not isinstance(duplicates, list) or not isinstance(within, list):
        return None
    return ([(str(a), str(b)) for a, b in duplicates], [(str(a), str(b)) for a, b in within])


def replicate_persons(
    drawn: ProjectReplicates, replicate: int, lists: list[str], status: str
) -> pd.DataFrame:
    """The persons of one replicate, like ``persons_frame(project, prefix="")`` restricted to
    the persons of ``status`` (see ``estimation._of_status``): person_id, n_records, a 0/1
    column per list, the summary attributes, each the most common value among the person's
    records (ties to the first in record order), as ``person_summaries`` makes them."""
    records = drawn.records
    labels = drawn.replicates.labels[replicate][drawn.position()]
    # persons numbered by their first record in record order
    person, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(person.size, dtype=np.int64)
    rank[order] = np.arange(person.size)
    code = rank[np.searchsorted(person, labels)]
    n = person.size
    out = pd.DataFrame({"person_id": [f"R{int(person[order[i]])}" for i in range(n)],
                        "n_records": np.bincount(code, minlength=n)})
    list_values = records["list"].astype(str).to_numpy()
    for name in lists:
        out[name] = (np.bincount(code, weights=(list_values == name), minlength=n) > 0
                     ).astype(int)
    for name in ("sex", "age_years", "place", "date_of_death"):
        out[name] = _most_common(code, records[name], n)
    out["age_group"] = [age_group(a) for a in out["age_years"]]
    values = records["status"]
    has = np.bincount(code, weights=(values == status).fillna(False).to_numpy(dtype=float),
                      minlength=n) > 0
    unstated = np.bincount(code, weights=values.isna().to_numpy(dtype=float), minlength=n) > 0
    keep = has | unstated
    columns = ["person_id", "n_records", *lists, "sex", "age_years", "age_group", "place",
               "date_of_death"]
    return out.loc[keep, columns].reset_index(drop=True)


def _most_common(code: np.ndarray, values: pd.Series, n: int) -> list[Any]:
    """Per person, the most common non-missing value, ties to the first in record order."""
    valid = np.flatnonzero(values.notna().to_numpy())
    if valid.size == 0:
        return [None] * n
    value_code, uniques = pd.factorize(values.iloc[valid], sort=False)
    n_values = max(len(uniques), 1)
    key = code[valid] * n_values + value_code
    # np.unique's first index is the first row (in record order) holding the pair
    pair, first, count = np.unique(key, return_index=True, return_counts=True)
    person = pair // n_values
    best = np.lexsort((first, -count, person))
    keep = best[np.r_[True, person[best][1:] != person[best][:-1]]]
    out: list[Any] = [None] * n
    picked = np.asarray(uniques, dtype=object)[pair[keep] % n_values]
    for p, v in zip(person[keep].tolist(), picked.tolist(), strict=True):
        out[p] = v
    return out


#: Linkage replicates drawn by default. Twenty puts 19 degrees of freedom behind the linkage
#: share of the variance (its relative standard error about 0.3) and 20 x 400 draws behind
#: the interval's ends, while the quick per-replicate point estimates keep the estimate within
#: twice the time of one with the linkage fixed (see the README's timings).
DEFAULT_REPLICATES = 20
LINKAGE_MODES = ("auto", "replicates", "fixed")
UNCALIBRATED_CAVEAT = (
    "linkage taken as certain: linkage replicates need calibrated match probabilities, and "
    f"fewer than {MIN_LABELS} review labels (with both answers) calibrate them; label a "
    "sample drawn across probabilities (`uncounted review DIR --sample 200`) or force them "
    "with --linkage replicates"
)


def choose_linkage(project: Project, linkage: str) -> tuple[str, str | None]:
    """``auto``: replicates when review labels calibrate the probabilities, else the fixed
    linkage with a caveat. On the simulated demo the model's uncalibrated probabilities are
    too low between 0.2 and 0.7 (pairs scored 0.65 are the same person 85% of the time), so
    replicates drawn from them split true persons and move the estimate up by 10% or more."""
    if linkage not in LINKAGE_MODES:
        raise UncountedError(
            f"--linkage is one of {', '.join(LINKAGE_MODES)}, not {linkage!r}", field="linkage")
    if linkage != "auto":
        return linkage, None
    if review_calibration(project) is not None:
        return "replicates", None
    return "fixed", UNCALIBRATED_CAVEAT


def estimate_over_replicates(
    project: Project,
    persons: pd.DataFrame,
    *,
    lists: list[str],
    all_lists: list[str],
    copies: list[Any],
    status: str,
    strata: list[str],
    method: str,
    level: float,
    seed: int,
    jobs: int,
    n_replicates: int,
    location: str = "fixed",
) -> tuple[Any, dict[str, Any]]:
    """The estimate over ``n_replicates`` linkage replicates (a fitted
    :class:`~uncounted.estimate.replicated.ReplicatedEstimate`) and what to store about the
    linkage: the sampler's settings, each replicate's capture table per stratum, the split."""
    from uncounted.estimate.replicated import ReplicatedEstimate
    from uncounted.estimate.systems import merge_contained

    if n_replicates < 2:
        raise UncountedError("linkage replicates need at least 2 (or --linkage fixed)",
                             field="replicates")
    drawn = project_replicates(project, n_replicates, seed)
    before = list(dict.fromkeys([*lists, *(c.name for c in copies)]))
    tables = []
    for r in range(n_replicates):
        frame = replicate_persons(drawn, r, all_lists, status)
        frame, _ = merge_contained(frame, before, copies)
        tables.append(frame)
    fitted = ReplicatedEstimate(strata, lists, method=method, level=level, seed=seed,
                                n_jobs=jobs, location=location).fit(persons, tables)
    persons_per_replicate = [len(t) for t in tables]
    linkage = {
        "mode": "replicates",
        "location": location,
        **drawn.settings(),
        "persons_per_replicate": persons_per_replicate,
        "uncertainty": fitted.split_,
        "fixed": {label: r.diagnostics.get("fixed_linkage")
                  for label, r in [("total", fitted.total_), *fitted.results_.items()]},
        "tables": {"lists": fitted.table_lists_, "counts": fitted.tables_},
    }
    return fitted, linkage


def linkage_lines(linkage: dict[str, Any]) -> list[str]:
    """What the estimate says about the linkage, in plain lines (CLI, report, web)."""
    if linkage.get("mode") != "replicates":
        return ["linkage: taken as certain (one clustering); the interval carries sampling "
                "and model uncertainty only"]
    n = linkage.get("replicates")
    calibration = linkage.get("calibration")
    calibrated = (f"calibrated on {calibration['labels']} review labels"
                  if isinstance(calibration, dict) else "probabilities as the model gave them")
    persons = linkage.get("persons_per_replicate") or []
    lines = [f"linkage: pooled over {n} linkage replicates ({calibrated}); persons per "
             f"replicate {min(persons):,} to {max(persons):,}" if persons else
             f"linkage: pooled over {n} linkage replicates ({calibrated})"]
    for label, split in (linkage.get("uncertainty") or {}).items():
        s = split.get("shares", {})
        fixed = (linkage.get("fixed") or {}).get(label) or {}
        text = (f"  {label}: share of the variance from linkage {s.get('linkage', 0):.0%}, "
                f"sampling {s.get('sampling', 0):.0%}, model {s.get('model', 0):.0%}")
        if fixed.get("estimate") is not None:
            text += (f"; with the linkage fixed {fixed['estimate']:,.0f} "
                     f"[{fixed['lower']:,.0f}, {fixed['upper']:,.0f}]")
        lines.append(text)
    return lines
