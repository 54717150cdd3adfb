"""The pure rules of comparing two releases (``uncounted.link.releases``) on a hand-built pair of
releases: no project, invented names."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from uncounted.core.ids import make_valid_id
from uncounted.link.releases import (
    chain_of_releases,
    compare_releases,
    diff_rows,
    release_records,
    relink,
    relink_records,
    summarized_fields,
    unmatched,
)

OLD, NEW = "2024-01-31", "2024-03-31"


def _row(record: str, person: str, name: str, *, id_number: str | None = None,
         sex: str = "m", age: float | None = 30.0, born: dt.date | None = None,
         source: str = "hospital") -> tuple[Any, ...]:
    raw = json.dumps({"name": name, "source": source})
    return (record, person, "sha", int(record[1:]), id_number, name, sex, born, age, raw)


def _releases() -> tuple[list[Any], list[Any]]:
    kept_id = make_valid_id("12345678")
    old = release_records([
        _row("r1", "p-kept", "Orvel Tamsk Brindle", id_number=kept_id),
        _row("r2", "p-renamed", "Saffa Quellin Dorr", sex="f", age=41.0),
        _row("r3", "p-gone", "Jexter Moll Ivask", age=12.0, source="family"),
        _row("r4", "p-spaced", "Ramo Kelvaduun", age=55.0),
    ])
    new = release_records([
        _row("r11", "p-kept", "Orvel Tamsk Brindle", id_number=kept_id),
        _row("r12", "p-renamed", "Saffa Quellin Varrow", sex="f", age=41.0),
        _row("r13", "p-new", "Tilde Ammar Presk", sex="f", age=None, born=dt.date(2000, 5, 10)),
        _row("r14", "p-spaced", "Ramo Kelva Duun", age=55.5),
    ])
    return old, new


def test_each_person_in_its_class() -> None:
    old, new = _releases()
    removed, added = unmatched(old, new)
    assert set(removed) == {"p-gone"} and set(added) == {"p-new"}
    assert relink_records(removed) == ["r3"]
    # nothing scored between them: no relinking
    assert relink(removed, added, []) == []
    mappings = [json.dumps({"unmapped_columns": ["source"]})]
    fields = summarized_fields(mappings, [*old, *new])
    assert fields == ["source"]
    diff = compare_releases("moh", (OLD, NEW), 7, old, new, [], fields)

    kinds = {c.person_id: c.classification for c in diff.changes}
    assert kinds == {"p-kept": "unchanged", "p-renamed": "corrected", "p-gone": "removed",
                     "p-new": "added", "p-spaced": "unchanged"}
    by_person = {c.person_id: c for c in diff.changes}
    assert by_person["p-renamed"].changed == ("name",)
    assert by_person["p-renamed"].before["name"] == ["Saffa Quellin Dorr"]
    assert by_person["p-renamed"].after["name"] == ["Saffa Quellin Varrow"]
    # a space moved and an age half a year off: minor, not corrections
    assert by_person["p-spaced"].minor == ("name_spelling", "age_within_a_year")

    assert (diff.unchanged, diff.corrected_persons, diff.added, diff.removed) == (2, 1, 1, 1)
    assert diff.added + diff.unchanged + diff.corrected_persons == diff.to_persons == 4
    assert diff.removed + diff.unchanged + diff.corrected_persons == diff.from_persons == 4
    assert diff.corrected["name"] == 1 and sum(diff.corrected.values()) == 1
    assert diff.minor == {"name_spelling": 1, "age_within_a_year": 1,
                          "date_of_birth_day_month": 0}
    assert diff.relinked == diff.id_reused == diff.id_reissued == 0
    assert diff.summaries["source"]["family"]["removed"] == 1
    # an added person with a birth date and no age is grouped by its age on the release date
    assert sum(diff.summaries["age_group"][g]["added"] for g in diff.summaries["age_group"]) == 1
    assert {r["classification"] for r in diff_rows(diff)} == {
        "unchanged", "corrected", "added", "removed"}
    assert diff.to_dict()["run_id"] == 7


def test_a_scored_pair_joins_a_removed_and_an_added_person() -> None:
    old, new = _releases()
    removed, added = unmatched(old, new)
    relinked = relink(removed, added, [("r13", "r3", 0.9)])
    assert relinked == [("p-gone", "p-new")]
    diff = compare_releases("moh", (OLD, NEW), 7, old, new, relinked, [])
    (joined,) = [c for c in diff.changes if c.relinked]
    assert (joined.person_id, joined.to_person_id) == ("p-gone", "p-new")
    assert joined.classification == "corrected"
    assert (diff.added, diff.removed, diff.relinked) == (0, 0, 1)


def test_chain_of_releases() -> None:
    rows = [(OLD, "a", 1), (OLD, "b", 2), (NEW, "a", 1), (NEW, "c", 1)]
    entries, seen, latest = chain_of_releases([OLD, NEW], rows)
    assert seen == {"a", "b", "c"} and latest == {"a", "c"}
    assert entries[0] == {"release": OLD, "persons": 2, "records": 3, "first_seen": 2,
                          "first_seen_not_in_latest": 1, "left": 1, "returned": 0}
    assert entries[1]["first_seen"] == 1 and entries[1]["left"] is None
