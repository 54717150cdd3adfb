"""Blocking on lists that share no ID: true pairs the rules bring together, and candidate pairs.

``python benchmarks/blocking_no_ids.py`` builds the field-like case of
``../shared/checks/fieldlike_link.py`` (as ``review_teaches.py`` does: the Tech for Palestine
list of 2024-09-21, English names cut to the first and the family name, with sex and age,
against the MoH list of 2024-08-31 in Arabic, IDs hidden on both), computes the linkage
features, and prints the share of true pairs (records with the same valid ID, unique on their
list) that any of ``default_blocking_rules()`` finds, and the candidate pairs each rule adds,
each pair counted once by the first rule that finds it (as splink and the scorer do). Nothing
is linked; no name is printed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from review_teaches import build  # a sibling script: benchmarks/ is on sys.path when run

from uncounted.link.features import build_features
from uncounted.link.model import default_blocking_rules
from uncounted.link.scoring import first_found
from uncounted.store import Project


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        project_dir, truth = build(Path(tmp))
        with Project.open(project_dir, read_only=True) as project:
            records = project.con.execute("SELECT * FROM records").df()
        features = build_features(records)
        ids = features.column("unique_id").to_pylist()
        features = features.append_column(
            "true_id", pa.array([truth.get(i) for i in ids], pa.string()))
        con = duckdb.connect()
        con.execute("SET threads TO 2")
        con.register("features", features)
        con.execute("CREATE TABLE f AS SELECT * FROM features")
        rules = [r.get_blocking_rule("duckdb").blocking_rule_sql
                 for r in default_blocking_rules()]
        across = "l.list <> r.list AND l.true_id = r.true_id"
        true_pairs = con.execute(
            f"SELECT count(*) FROM f l JOIN f r ON {across} AND l.unique_id < r.unique_id"
        ).fetchone()[0]
        anyrule = " OR ".join(f"coalesce(({r}), false)" for r in rules)
        found = con.execute(
            f"SELECT count(*) FROM f l JOIN f r ON {across} AND l.unique_id < r.unique_id"
            f" WHERE {anyrule}").fetchone()[0]
        print(f"records: {features.num_rows}")
        print(f"true_cross_list_pairs: {true_pairs}")
        print(f"found_by_blocking: {found}")
        print(f"blocking_recall: {found / true_pairs:.4f}")
        total = 0
        for number, (rule, condition) in enumerate(zip(rules, first_found(rules),
                                                       strict=True), 1):
            pairs = con.execute(
                f"SELECT count(*) FROM f l JOIN f r ON ({rule}) AND l.unique_id < r.unique_id"
                f" WHERE {condition}").fetchone()[0]
            total += pairs
            print(f"candidate_pairs_rule{number}: {pairs}  # {rule}")
        print(f"candidate_pairs: {total}")
        print(f"seconds: {time.perf_counter() - start:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
