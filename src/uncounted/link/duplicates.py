"""Rows of one file that record the same person twice, found by rule rather than by the model.

Within one file, two rows with the same four-part name, the same sex and the same age are the
same person: on the 2024-03-29 Gaza MoH release, 384 of the 388 such pairs share an ID number
(the other four are namesakes). The probabilistic model cannot see this, because it learns how
strong name agreement is from all pairs, most of which join two releases, and a file rarely
lists anyone twice. These pairs are therefore merged before the model's pairs (must-links).
"""

from __future__ import annotations

from typing import Final

import duckdb
import pandas as pd
import pyarrow as pa

# Ages on one list differ by a year when one row counts the age at death and the other at the
# report, or when one gives a birth date and the other an age.
AGE_SLACK_YEARS: Final = 1.0


def exact_duplicates(features: pa.Table | pd.DataFrame) -> list[tuple[str, str]]:
    """(record id, record id) pairs, smaller id first, sorted: same file, same four-part name
    key, same sex, the same date of birth or ages within a year, and no two different valid
    ID numbers."""
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
            WHERE l.sex = r.sex
              AND (l.dob = r.dob OR abs(l.age_years - r.age_years) <= ?)
              AND (l.id_number IS NULL OR r.id_number IS NULL OR l.id_number = r.id_number)
            ORDER BY 1, 2
            """,
            [AGE_SLACK_YEARS],
        ).fetchall()
    finally:
        con.close()
    return [(str(a), str(b)) for a, b in rows]
