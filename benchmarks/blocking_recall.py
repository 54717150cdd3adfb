"""True-pair recall and candidate pairs of the default blocking rules.

    .venv/bin/python benchmarks/blocking_recall.py FEATURES.parquet TRUTH.parquet

FEATURES is ``build_features`` output (``unique_id`` and the feature columns), TRUTH has
``record_id`` and ``person_id`` (records of one person share it; empty when unknown):
``benchmarks/link_scale.py --keep DIR`` leaves both in DIR. Prints the records, the true pairs,
how many of them any rule finds, and the candidate pairs, each counted once, by the first
rule that finds it (as splink does).
"""

from __future__ import annotations

import sys

import duckdb

from uncounted.link.model import default_blocking_rules


def main(features: str, truth: str) -> None:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute(
        "CREATE TABLE f AS SELECT f.*, t.person_id FROM read_parquet(?) f "
        "LEFT JOIN read_parquet(?) t ON f.unique_id = t.record_id",
        [features, truth],
    )
    rules = [r.get_blocking_rule("duckdb").blocking_rule_sql for r in default_blocking_rules()]
    true_pairs = "FROM f l JOIN f r ON l.person_id = r.person_id AND l.unique_id < r.unique_id"
    any_rule = " OR ".join(f"coalesce(({r}), false)" for r in rules)
    total_true = con.execute(f"SELECT count(*) {true_pairs}").fetchone()
    found = con.execute(f"SELECT count(*) {true_pairs} WHERE {any_rule}").fetchone()
    candidates = 0
    for number, rule in enumerate(rules):
        earlier = " OR ".join(f"coalesce(({r}), false)" for r in rules[:number]) or "false"
        row = con.execute(
            f"SELECT count(*) FROM f l JOIN f r ON ({rule}) AND l.unique_id < r.unique_id "
            f"WHERE NOT ({earlier})"
        ).fetchone()
        candidates += int(row[0]) if row else 0
    records = con.execute("SELECT count(*) FROM f").fetchone()
    n_true = int(total_true[0]) if total_true else 0
    n_found = int(found[0]) if found else 0
    print(f"records: {int(records[0]) if records else 0}")
    print(f"true_pairs: {n_true}")
    print(f"true_pairs_found: {n_found}")
    print(f"recall: {n_found / n_true if n_true else float('nan'):.4f}")
    print(f"candidate_pairs: {candidates}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
