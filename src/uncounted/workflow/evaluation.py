"""Linkage against known truth: pair and B-cubed scores, overall and by age group, sex and list.

The truth file is a CSV with a ``person_id`` column and one way to find each record:
``record_id``; or ``source_sha256`` and ``row_number``; or ``list`` and ``row_number`` (plus
``release`` when a list has several releases). The simulator's ``truth.csv`` has
``list, row_number, person_id``; a simulation folder may be given for its ``truth.csv``.

Splits use each record's own values: its age group (from its recorded age, or its dates of
birth and death), its sex, its list. A pair counts in a group when either record is in it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd

from uncounted.core.errors import UncountedError
from uncounted.link.evaluate import bcubed_scores, group_scores, pair_scores
from uncounted.link.persons import AGE_GROUPS, age_group
from uncounted.store.link_pairs import pair_probabilities_by_lists
from uncounted.store.persons import person_of_records
from uncounted.store.project import Project
from uncounted.store.records import record_attributes, record_keys
from uncounted.workflow.link_results import require_run

MISSING: Final = "(missing)"
PAIR_SPLIT_RULE: Final = "a pair counts in a group when either of its records is in it"


def _read_truth(path: Path) -> tuple[pd.DataFrame, Path]:
    if path.is_dir():
        path = path / "truth.csv"
    if not path.is_file():
        raise UncountedError("no such truth file", file=str(path))
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as problem:
        raise UncountedError(f"cannot read the truth file as CSV: {problem}",
                             file=str(path)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if "person_id" not in frame.columns:
        raise UncountedError("the truth file has no person_id column", file=str(path),
                             field="person_id")
    return frame, path


def _truth_by_record(project: Project, frame: pd.DataFrame, path: Path) -> tuple[
    dict[str, str], int
]:
    """Record id → true person, and how many truth rows matched no record."""
    records = record_keys(project)
    frame = frame[frame["person_id"].str.strip() != ""]
    if "record_id" in frame.columns:
        keys = ["record_id"]
    elif {"source_sha256", "row_number"} <= set(frame.columns):
        keys = ["source_sha256", "row_number"]
    elif {"list", "row_number"} <= set(frame.columns):
        keys = ["list", "release", "row_number"] if "release" in frame.columns else [
            "list", "row_number"]
        ambiguous = records.duplicated(keys, keep=False)
        if ambiguous.any():
            raise UncountedError(
                "a list has several releases, so list and row_number do not name one record;"
                " add a release column (YYYY-MM-DD) or use record_id",
                file=str(path),
                field="release",
            )
    else:
        raise UncountedError(
            "the truth file needs a record_id column, or source_sha256 and row_number, or"
            " list and row_number, beside person_id",
            file=str(path),
            field="record_id",
        )
    if frame.duplicated(keys).any():
        row = int(frame.index[frame.duplicated(keys)][0]) + 1
        raise UncountedError("a record appears twice in the truth file", file=str(path),
                             row=row, field=",".join(keys))
    records["release"] = records["release"].fillna("")
    if keys == ["record_id"]:
        joined = frame[["record_id", "person_id"]].merge(
            records[["record_id"]].assign(_found=True), on="record_id", how="left"
        )
    else:
        joined = frame[[*keys, "person_id"]].merge(
            records[["record_id", *keys]], on=keys, how="left"
        )
        joined["_found"] = joined["record_id"].notna()
    found = joined["_found"].fillna(False).astype(bool)
    unmatched = int((~found).sum())
    joined = joined[found]
    truth = dict(zip(joined["record_id"].astype(str), joined["person_id"].astype(str),
                     strict=True))
    return truth, unmatched


def _ordered(scores: Mapping[Hashable, Any], order: list[str] | None = None) -> dict[str, Any]:
    labels = [str(k) for k in scores]
    if order is not None:
        labels.sort(key=lambda x: order.index(x) if x in order else len(order))
    else:
        labels.sort(key=lambda x: (x == MISSING, x))
    by_label = {str(k): v for k, v in scores.items()}
    return {label: by_label[label].as_dict() for label in labels}


def evaluate_linkage(project: Project, truth_file: str | Path) -> dict[str, Any]:
    """Scores of the latest run's persons against the truth file (see the module)."""
    run = require_run(project)
    frame, path = _read_truth(Path(truth_file))
    truth, unmatched = _truth_by_record(project, frame, path)
    predicted = person_of_records(project)
    attributes = record_attributes(project)
    ages = attributes["age_years"].where(attributes["age_years"].notna(),
                                         attributes["age_from_dates"])
    ids = attributes["record_id"].astype(str).tolist()
    groups = {
        "age_group": dict(zip(ids, [age_group(None if pd.isna(a) else float(a)) or MISSING
                                    for a in ages], strict=True)),
        "sex": dict(zip(ids, [MISSING if pd.isna(s) else str(s) for s in attributes["sex"]],
                        strict=True)),
        "list": dict(zip(ids, attributes["list"].astype(str), strict=True)),
    }
    evaluated = [r for r in truth if r in predicted]
    age_order = [label for label, _ in AGE_GROUPS] + [MISSING]
    return {
        "truth": str(path),
        "run_id": run.run_id,
        "threshold": run.threshold,
        "records": {
            "in_project": len(predicted),
            "evaluated": len(evaluated),
            "without_truth": len(predicted) - len(evaluated),
            "truth_rows_without_record": unmatched,
        },
        "persons": len({predicted[r] for r in evaluated}),
        "true_persons": len({truth[r] for r in evaluated}),
        "overall": {
            "pair": pair_scores(truth, predicted).as_dict(),
            "bcubed": bcubed_scores(truth, predicted).as_dict(),
        },
        "by": {
            "age_group": _ordered(group_scores(truth, predicted, groups["age_group"]), age_order),
            "sex": _ordered(group_scores(truth, predicted, groups["sex"])),
            "list": _ordered(group_scores(truth, predicted, groups["list"])),
        },
        "pair_split_rule": PAIR_SPLIT_RULE,
        "reliability": reliability(project, run.run_id, truth),
    }


def reliability(project: Project, run_id: int, truth: Mapping[str, str]) -> dict[str, Any]:
    """The run's scored pairs by predicted probability against the share that truly match
    (pairs with a record outside the truth are left out); and the same after the review
    labels' recalibration, when there are enough labels to fit one."""
    from uncounted.link.calibration import calibration_error, reliability_table
    from uncounted.workflow.replicates import review_calibration

    rows = pair_probabilities_by_lists(project, run_id)
    kept = [(float(p), truth[a] == truth[b], str(g)) for a, b, p, g in rows
            if a in truth and b in truth]
    probability = [p for p, _, _ in kept]
    is_match = [y for _, y, _ in kept]
    table = reliability_table(probability, is_match)
    by_pair: dict[str, list[tuple[float, bool]]] = {}
    for p, y, g in kept:
        by_pair.setdefault(g, []).append((p, y))
    out: dict[str, Any] = {
        "pairs": len(kept),
        "table": table,
        "calibration_error": calibration_error(table),
        # one model scores pairs of very different kinds: how wrong it is, per pair of lists
        "calibration_error_by_list_pair": {
            g: calibration_error(reliability_table([p for p, _ in v], [y for _, y in v]))
            for g, v in sorted(by_pair.items())},
        "recalibrated": None,
    }
    calibration = review_calibration(project)
    if calibration is not None and kept:
        after = reliability_table(
            calibration.transform(probability, [g for _, _, g in kept]), is_match)
        out["recalibrated"] = {"labels": calibration.n_labels_, "table": after,
                               "calibration_error": calibration_error(after)}
    return out
