"""Rule-found duplicates within a file and the within-file links clustering may use."""

from __future__ import annotations

import pandas as pd

from uncounted.link.duplicates import exact_duplicates, within_source_links


def records(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "source_sha256": "s1",
        "name4_key": "a|b|c|d",
        "sex": "male",
        "dob": None,
        "age_years": 30.0,
        "id_number": None,
        "given_key": "aa",
        "given_skel": "aa",
        "given_rasm": None,
        "given_xkeys": ["aa"],
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_same_file_name_sex_and_age_are_one_person() -> None:
    frame = records(
        [
            {"unique_id": "r1"},
            {"unique_id": "r2", "age_years": 33.0},
            {"unique_id": "r3", "age_years": 40.0},  # a namesake: too old
            {"unique_id": "r4", "sex": "female"},
            {"unique_id": "r5", "source_sha256": "s2"},  # another file: the model's business
            {"unique_id": "r6", "id_number": "400000001"},
            {"unique_id": "r7", "id_number": "400000002"},
        ]
    )
    assert exact_duplicates(frame) == [
        ("r1", "r2"),
        ("r1", "r6"),
        ("r1", "r7"),
        ("r2", "r6"),
        ("r2", "r7"),
    ]


def test_within_file_links_need_probability_and_given_names_that_agree() -> None:
    frame = records(
        [
            {"unique_id": "a"},
            {"unique_id": "b"},
            {"unique_id": "c", "given_key": "zz", "given_skel": "zz", "given_xkeys": ["zz"]},
            {"unique_id": "d", "source_sha256": "s2"},
        ]
    )
    scored = pd.DataFrame(
        [("a", "b", 0.9), ("a", "c", 0.95), ("b", "d", 0.99), ("b", "c", 0.2)],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )
    # a-c: a twin (another given name); b-d: two files; b-c: too weak.
    assert within_source_links(scored, frame, 0.5) == [("a", "b")]
