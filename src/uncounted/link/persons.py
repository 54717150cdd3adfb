"""Persons from clusters: stable person ids across runs, and each person's summary attributes.

Stable ids. A person id (``P000001``) names a person for good: reports, reviews and exports
cite it. When a run clusters again (new sources, review decisions, a better model), every new
cluster inherits an id from the clusters of the previous run:

- each old person's **heir** is the new cluster holding most of its records (ties: the cluster
  whose first record comes first in record order);
- a cluster that is the heir of one old person keeps that person's id;
- a cluster that is the heir of several old persons (a **merge**) keeps the id of the one with
  most records in it, ties to the smaller id; the others are recorded as merged into it;
- an old person whose records end up in several clusters (a **split**) keeps its id on its heir;
  the other clusters holding its records get new ids (or keep their own heirship) and the split
  is recorded;
- a cluster that is nobody's heir (only new records, or the smaller part of a split) gets a new
  id. New ids are numbered on from the largest id ever issued, in the record order of each
  cluster's first record, so the same inputs always give the same ids.

Summary attributes (sex, age, age group, place, date of death) are the most common non-missing
value among a person's records, ties to the value that appears first in record order.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

PERSON_PREFIX: Final = "P"
PERSON_DIGITS: Final = 6
AGE_GROUPS: Final = (("0-17", 18.0), ("18-59", 60.0), ("60+", float("inf")))
SUMMARY_FIELDS: Final = ("sex", "age_years", "place", "date_of_death")

_PERSON_ID = re.compile(rf"^{PERSON_PREFIX}(\d+)$")


def person_id(number: int) -> str:
    return f"{PERSON_PREFIX}{number:0{PERSON_DIGITS}d}"


def person_number(pid: str) -> int:
    """The number of a person id (``P000042`` → 42); 0 for anything else."""
    found = _PERSON_ID.match(pid)
    return int(found.group(1)) if found else 0


def age_group(age: float | None) -> str | None:
    if age is None or age != age:
        return None
    for label, below in AGE_GROUPS:
        if age < below:
            return label
    return None  # pragma: no cover - the last bound is infinite


@dataclass(frozen=True)
class PersonEvent:
    """What a run did to a person id.

    ``created``: a new id (``other_ids``: old persons whose records it took, for a split-off part).
    ``merged``: ``person_id`` kept, absorbing ``other_ids``, which no longer exist.
    ``split``: the records of old person ``person_id`` went to several persons, its heir and
    ``other_ids``. ``n_records``: records of ``person_id`` after the run (0 if it is gone).
    """

    event: str
    person_id: str
    other_ids: tuple[str, ...]
    n_records: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "person_id": self.person_id,
            "other_ids": list(self.other_ids),
            "n_records": self.n_records,
        }


@dataclass
class Assignment:
    person_of: dict[str, str]  # record id -> person id
    events: list[PersonEvent] = field(default_factory=list)
    next_number: int = 1

    def count(self, event: str) -> int:
        return sum(e.event == event for e in self.events)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def merged(self) -> int:
        """Old ids absorbed into another person."""
        return sum(len(e.other_ids) for e in self.events if e.event == "merged")

    @property
    def split(self) -> int:
        return self.count("split")


def assign_person_ids(
    clusters: Mapping[str, str],
    previous: Mapping[str, str],
    record_order: Sequence[str],
    next_number: int,
) -> Assignment:
    """Person ids for the new ``clusters`` (record → cluster label), given ``previous``
    (record → person id of the last run; new records are absent) and the order of records.
    ``next_number`` is one more than the largest person number ever issued."""
    position = {record: i for i, record in enumerate(record_order)}
    missing = [r for r in clusters if r not in position]
    if missing:
        raise ValueError(f"record order lacks clustered records, e.g. {missing[0]}")
    members: dict[str, list[str]] = defaultdict(list)
    for record in sorted(clusters, key=position.__getitem__):
        members[clusters[record]].append(record)
    # Clusters in the record order of their first record.
    order = sorted(members, key=lambda label: position[members[label][0]])
    rank = {label: i for i, label in enumerate(order)}

    overlap: dict[str, Counter[str]] = {}
    held_by: dict[str, Counter[str]] = defaultdict(Counter)  # old person -> cluster -> records
    for label in order:
        counts = Counter(previous[r] for r in members[label] if r in previous)
        overlap[label] = counts
        for old, k in counts.items():
            held_by[old][label] += k
    heir = {
        old: min(where, key=lambda label: (-where[label], rank[label]))
        for old, where in held_by.items()
    }
    heirs_of: dict[str, list[str]] = defaultdict(list)
    for old, label in heir.items():
        heirs_of[label].append(old)

    named: dict[str, str] = {}
    events: list[PersonEvent] = []
    number = next_number
    for label in order:
        inherited = heirs_of.get(label, [])
        if inherited:
            keep = min(inherited, key=lambda old: (-overlap[label][old], person_number(old), old))
            named[label] = keep
            absorbed = tuple(sorted((o for o in inherited if o != keep), key=person_number))
            if absorbed:
                events.append(PersonEvent("merged", keep, absorbed, len(members[label])))
        else:
            named[label] = person_id(number)
            number += 1
            origins = tuple(sorted(overlap[label], key=person_number))
            events.append(PersonEvent("created", named[label], origins, len(members[label])))
    size = {named[label]: len(members[label]) for label in order}
    for old in sorted(held_by, key=person_number):
        where = held_by[old]
        if len(where) > 1:
            others = tuple(
                sorted((named[label] for label in where if label != heir[old]), key=person_number)
            )
            events.append(PersonEvent("split", old, others, size.get(old, 0)))
    person_of = {record: named[clusters[record]] for record in clusters}
    return Assignment(person_of, events, number)


def person_summaries(records: pd.DataFrame, person_of: Mapping[str, str]) -> pd.DataFrame:
    """One row per person: person_id, n_records, lists (sorted names), sex, age_years,
    age_group, place, date_of_death. ``records`` has record_id, list and the summary fields, in
    record order (ties between equally common values go to the first)."""
    frame = records.reset_index(drop=True)
    frame = frame.assign(_person=frame["record_id"].map(person_of), _position=np.arange(len(frame)))
    if frame["_person"].isna().any():
        raise ValueError("a record has no person")
    grouped = frame.groupby("_person", sort=False)
    out = pd.DataFrame({"person_id": list(grouped.groups)})
    first = grouped["_position"].min()
    out["n_records"] = out["person_id"].map(grouped.size()).astype(int)
    lists = grouped["list"].agg(lambda values: sorted(set(values)))
    out["lists"] = out["person_id"].map(lists)
    for name in SUMMARY_FIELDS:
        out[name] = out["person_id"].map(_most_common(frame, name))
    out["age_group"] = [age_group(a) for a in out["age_years"]]
    out["_first"] = out["person_id"].map(first)
    out = out.sort_values("_first", kind="mergesort").drop(columns="_first")
    columns = [
        "person_id",
        "n_records",
        "lists",
        "sex",
        "age_years",
        "age_group",
        "place",
        "date_of_death",
    ]
    return out[columns].reset_index(drop=True)


def _most_common(frame: pd.DataFrame, name: str) -> pd.Series:
    present = frame.loc[frame[name].notna(), ["_person", name, "_position"]]
    if present.empty:
        return pd.Series(dtype=object)
    counted = (
        present.groupby(["_person", name], sort=False)
        .agg(n=("_position", "size"), first=("_position", "min"))
        .reset_index()
    )
    counted = counted.sort_values(
        ["_person", "n", "first"], ascending=[True, False, True], kind="mergesort"
    )
    best = counted.drop_duplicates("_person")
    return pd.Series(best[name].to_numpy(), index=best["_person"].to_numpy())
