"""Stable person ids across runs and person summaries, on hand-made clusterings."""

from __future__ import annotations

import pandas as pd

from uncounted.link.persons import Assignment, age_group, assign_person_ids, person_summaries

ORDER = [f"r{i}" for i in range(1, 10)]


def _events(assignment: Assignment) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e.event, e.person_id, e.other_ids) for e in assignment.events]


def test_a_first_run_numbers_persons_in_record_order() -> None:
    clusters = {"r1": "r1", "r2": "r3", "r3": "r3", "r4": "r1"}
    out = assign_person_ids(clusters, {}, ORDER, 1)
    assert out.person_of == {"r1": "P000001", "r4": "P000001", "r2": "P000002",
                             "r3": "P000002"}
    assert out.created == 2 and out.next_number == 3
    assert _events(out) == [("created", "P000001", ()), ("created", "P000002", ())]


def test_unchanged_clusters_keep_their_ids_and_new_records_get_new_ids() -> None:
    previous = {"r1": "P000007", "r2": "P000003"}
    clusters = {"r1": "r1", "r2": "r2", "r3": "r3", "r4": "r1"}
    out = assign_person_ids(clusters, previous, ORDER, 8)
    assert out.person_of == {"r1": "P000007", "r4": "P000007", "r2": "P000003",
                             "r3": "P000008"}
    assert _events(out) == [("created", "P000008", ())]


def test_a_merge_keeps_the_id_with_most_records_ties_to_the_smaller() -> None:
    previous = {"r1": "P000005", "r2": "P000002", "r3": "P000002", "r4": "P000009",
                "r5": "P000004"}
    clusters = {"r1": "a", "r2": "a", "r3": "a", "r4": "b", "r5": "b"}
    out = assign_person_ids(clusters, previous, ORDER, 10)
    assert out.person_of["r1"] == "P000002"  # two records beat one
    assert out.person_of["r4"] == "P000004"  # one each: the smaller id
    assert _events(out) == [("merged", "P000002", ("P000005",)),
                            ("merged", "P000004", ("P000009",))]
    assert out.merged == 2 and out.created == 0


def test_a_split_keeps_the_id_on_the_larger_part() -> None:
    previous = {r: "P000001" for r in ("r1", "r2", "r3")} | {"r4": "P000002", "r5": "P000002"}
    clusters = {"r1": "r1", "r2": "r2", "r3": "r2", "r4": "r4", "r5": "r5"}
    out = assign_person_ids(clusters, previous, ORDER, 3)
    assert out.person_of["r2"] == out.person_of["r3"] == "P000001"
    assert out.person_of["r1"] == "P000003"
    # One each: the part whose first record comes first keeps the id.
    assert out.person_of["r4"] == "P000002" and out.person_of["r5"] == "P000004"
    assert ("split", "P000001", ("P000003",)) in _events(out)
    assert ("split", "P000002", ("P000004",)) in _events(out)
    assert ("created", "P000003", ("P000001",)) in _events(out)
    assert out.split == 2 and out.created == 2


def test_summaries_take_the_most_common_value_ties_to_the_first_record() -> None:
    records = pd.DataFrame(
        {
            "record_id": ["r1", "r2", "r3", "r4"],
            "list": ["b", "a", "b", "c"],
            "sex": ["female", "male", None, "male"],
            "age_years": [17.0, 17.0, 40.0, 61.0],
            "place": [None, None, "Gaza", None],
            "date_of_death": [None, None, None, None],
        }
    )
    persons = person_summaries(records, {"r1": "P2", "r2": "P2", "r3": "P2", "r4": "P1"})
    first = persons.iloc[0].to_dict()
    assert first["person_id"] == "P2" and first["n_records"] == 3
    assert first["lists"] == ["a", "b"]
    assert first["sex"] == "female"  # one each: the first record's
    assert first["age_years"] == 17.0 and first["age_group"] == "0-17"
    assert first["place"] == "Gaza"
    assert persons.iloc[1]["age_group"] == "60+"
    assert age_group(18.0) == "18-59" and age_group(None) is None
