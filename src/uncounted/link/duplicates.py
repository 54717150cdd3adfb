"""Rows of one file that record the same person twice, found by rule rather than by the model.

Within one file, two rows with the same four-part name, the same sex and about the same age are
the same person: on the 2024-03-29 Gaza MoH release, 384 of the 388 such pairs with ages at most
a year apart share an ID number (the other four are namesakes). Rows whose sexes differ stay
apart: the rule cannot tell whether the sex or the name was written wrong. The probabilistic
model cannot see this, because it learns how strong name agreement is from all pairs, most of
which join two releases, and a file rarely lists anyone twice. These pairs are therefore
merged before the model's pairs (must-links).
"""

from __future__ import annotations

from typing import Final

import duckdb
import pandas as pd
import pyarrow as pa

# Ages of one person on one list differ when one row counts the age at death and the other at
# the report, when one gives a birth date and the other an age, or by a typing error; namesakes
# (cousins named after one grandfather) are mostly further apart.
AGE_SLACK_YEARS: Final = 3.0
# Two records of one file join directly when the model gives them at least this probability
# (and their given names agree): within a file a chain through other records is not enough.
WITHIN_SOURCE_PROBABILITY: Final = 0.5


def exact_duplicates(features: pa.Table | pd.DataFrame) -> list[tuple[str, str]]:
    """(record id, record id) pairs, smaller id first, sorted: same file, same four-part name
    key, the same sex (or one missing), the same date of birth or ages at most
    ``AGE_SLACK_YEARS`` apart (or one missing), and no two different valid ID numbers."""
    table = features if isinstance(features, pa.Table) else pa.Table.from_pandas(features)
    con = duckdb.connect(":memory:")
    try:
        con.register("features", table)
        rows = con.execute(
            """
            SELECT l.unique_id, r.unique_id
            FROM features l JOIN features r
              ON l.source_sha256 = r.source_sha256
             AND l.name4_key = r.name4_key
             AND l.unique_id < r.unique_id
            WHERE (l.sex = r.sex OR l.sex IS NULL OR r.sex IS NULL)
              AND (l.dob = r.dob OR abs(l.age_years - r.age_years) <= ?
                   OR l.age_years IS NULL OR r.age_years IS NULL)
              AND (l.id_number IS NULL OR r.id_number IS NULL OR l.id_number = r.id_number)
            ORDER BY 1, 2
            """,
            [AGE_SLACK_YEARS],
        ).fetchall()
    finally:
        con.close()
    return [(str(a), str(b)) for a, b in rows]


def within_source_links(
    pairs: pd.DataFrame, features: pa.Table | pd.DataFrame, threshold: float
) -> list[tuple[str, str]]:
    """The scored pairs of one file that may join their records: probability at least
    ``threshold`` and given names that agree at least loosely (or one is missing).

    Two records of one file are the same person only when the file lists someone twice; two
    records with all else equal and different given names are brothers, sisters or twins.
    """
    frame = features.to_pandas() if isinstance(features, pa.Table) else features
    columns = ["unique_id", "source_sha256", *_GIVEN_COLUMNS]
    side = frame[columns].astype({"unique_id": str})
    strong = pairs.loc[pairs["match_probability"] >= threshold, ["unique_id_l", "unique_id_r"]]
    strong = strong.astype(str)
    # Join the pairs to their records here: left to itself, DuckDB may first pair every two
    # records of a file and only then look at the scored pairs.
    joined = strong.merge(side.add_suffix("_l"), on="unique_id_l", how="inner").merge(
        side.add_suffix("_r"), on="unique_id_r", how="inner"
    )
    joined = joined[joined["source_sha256_l"] == joined["source_sha256_r"]]
    if joined.empty:
        return []
    con = duckdb.connect(":memory:")
    try:
        con.register("joined", pa.Table.from_pandas(joined, preserve_index=False))
        rows = con.execute(
            f"""
            SELECT least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r)
            FROM joined WHERE {_GIVEN_COMPATIBLE}
            ORDER BY 1, 2
            """
        ).fetchall()
    finally:
        con.close()
    return [(str(a), str(b)) for a, b in rows]


_GIVEN_COLUMNS: Final = ("given_key", "given_skel", "given_rasm", "given_xkeys")
_GIVEN_COMPATIBLE: Final = """
    given_key_l IS NULL OR given_key_r IS NULL
    OR given_key_l = given_key_r OR given_skel_l = given_skel_r OR given_rasm_l = given_rasm_r
    OR list_has_any(given_xkeys_l, given_xkeys_r)
    OR jaro_winkler_similarity(given_skel_l, given_skel_r) >= 0.92
    OR (damerau_levenshtein(given_rasm_l, given_rasm_r) <= 1
        AND least(length(given_rasm_l), length(given_rasm_r)) >= 4)
"""
