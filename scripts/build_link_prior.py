"""Build the linkage prior model, ``src/uncounted/link/data/prior_m.json``, from labelled pairs.

    python scripts/build_link_prior.py [--out PATH] [--victims N] [--seed S]

The prior gives, for every comparison level, how often true matches fall in it; within each
name class (how many lineage parts both records give, ``comparisons.NAME_CLASSES``) as a share
of the class's matches. Training starts from it and keeps it wherever a project's own records
cannot identify a comparison (``uncounted.link.prior``). Labelled pairs, from the data in
``../shared/data`` (read at run time) and the simulator:

- ``moh``: Gaza MoH releases 2024-03-29 and 2024-06-30 (Arabic), the same valid ID once in
  each release: the pairs across releases;
- ``tfp``: the Tech for Palestine list of 2024-08-08, Arabic names against their English
  transliteration, row by row (pairs with a valid ID);
- each of these again with one record's name cut to given + family name, and to given + father
  + family name, as field lists write names;
- ``simulated``: a simulated conflict (4 lists, every pair of records of one true person).

Name levels: the mean over the pair sets of each set's share within the class (sets with at
least ``MIN_PAIRS`` pairs of the class). Age and sex: MoH and simulated; source: only that a
file rarely lists a person twice (``SOURCE_PRIOR``); ID and date of death: simulated
(the real sets are labelled by the ID itself, and their dates are copies), with
``UNRELATED_DEATH_DATES`` of the date-of-death matches moved to its "differ" level.
Only aggregate shares are written: no name, no record. Same data and seed, same file.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from uncounted.core.ids import is_valid_id
from uncounted.ingest import mapping as mappings
from uncounted.ingest.pipeline import ingest_file
from uncounted.link.features import build_features
from uncounted.link.model import _settings, default_blocking_rules
from uncounted.link.numbering import levels_by_number, non_null_levels
from uncounted.link.prior import level_classes, level_label
from uncounted.link.scoring import pair_levels
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.simulated import ingest_simulated_lists

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
MOH = DATA / "gaza-moh-releases-alexschell"
TFP = DATA / "techforpalestine-palestine-datasets" / "20240808killed-in-gaza.csv"
OUT = ROOT / "src" / "uncounted" / "link" / "data" / "prior_m.json"
MIN_PAIRS = 200
# The simulator dates a death one to three days off at worst; lists kept by different
# organisations date it by the attack, the death, the report or the day a body was found, and a
# death in captivity may be announced months later. So a share of the matches is taken to have
# unrelated dates: this share of the prior's date-of-death m goes to its last level.
UNRELATED_DEATH_DATES = 0.2
PSEUDO = 0.5
SETS_FOR: dict[str, tuple[str, ...]] = {
    "age": ("moh", "simulated"),
    "sex": ("moh", "simulated"),
}
# The source comparison: how matches spread over "same file", "another release" and "another
# list" is the layout of a project's own lists and releases, so its prior says only that one
# file rarely lists a person twice (the within-release duplicates of the simulator and the
# MoH releases are 1.5-3%) and is even between the rest; training spreads it over the levels
# the project's pairs reach.
SOURCE_PRIOR = {
    "same file": 0.03,
    "same list, another release": 0.485,
    "All other comparisons": 0.485,
}
OTHER_SETS = ("simulated",)
PARTS = ("given", "father", "grandfather", "family")
VIEWS = ("key", "skel", "xkeys", "xskel", "xskels", "rasm")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]], fields: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _features(project: Project) -> tuple[pa.Table, pd.DataFrame]:
    records = project.con.sql("SELECT * FROM records ORDER BY record_id").to_arrow_table()
    where = project.con.execute(
        "SELECT record_id, source_sha256, row_number, list FROM records ORDER BY record_id"
    ).df()
    return build_features(records), where


def _cut(features: pa.Table, keep: Sequence[str]) -> pa.Table:
    """The same records with the name parts not in ``keep`` dropped, as a field list writes
    them (and what the features derive from the four parts recomputed)."""
    columns = {name: features.column(name) for name in features.column_names}
    for part in PARTS:
        if part in keep:
            continue
        for view in VIEWS:
            name = f"{part}_{view}"
            columns[name] = pa.nulls(features.num_rows, type=features.schema.field(name).type)
    lineage = [
        sorted(set().union(*(v or [] for v in values))) or None
        for values in zip(
            *(columns[f"{p}_xkeys"].to_pylist() for p in ("father", "grandfather", "family")),
            strict=True,
        )
    ]
    columns["lineage_xkeys"] = pa.array(lineage, type=pa.list_(pa.string()))
    columns["name4_key"] = pa.nulls(features.num_rows, type=pa.string())
    columns["name4_namesakes"] = pa.nulls(features.num_rows, type=pa.int32())
    return pa.table(columns, schema=features.schema)


def _pair_table(
    left: pa.Table, right: pa.Table, truth_left: Sequence[str], truth_right: Sequence[str]
) -> pa.Table:
    """Left and right records in one table, the right ones renamed, with a ``truth`` column
    and a ``side``: blocking on the truth across sides gives the labelled pairs."""
    renamed = right.set_column(
        right.schema.get_field_index("unique_id"),
        "unique_id",
        pa.array([f"r{v}" for v in right.column("unique_id").to_pylist()]),
    )
    both = pa.concat_tables([left, renamed])
    both = both.append_column("truth", pa.array([*truth_left, *truth_right], type=pa.string()))
    sides = ["l"] * left.num_rows + ["r"] * right.num_rows
    return both.append_column("side", pa.array(sides))


LABELLED = "l.truth = r.truth AND l.side <> r.side"
SAME_PERSON = "l.truth = r.truth"


def _tally(model: dict[str, Any], table: pa.Table, rule: str) -> dict[str, np.ndarray]:
    """Matches per level (splink numbering) of every comparison, over the rule's pairs."""
    con = duckdb.connect(":memory:")
    try:
        levels = pair_levels(con, table, model, [rule])
    finally:
        con.close()
    out = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        g = levels[f"gamma_{name}"].to_numpy()
        out[name] = np.bincount(g[g >= 0], minlength=len(non_null_levels(comparison)))
    print(f"  {len(levels):,} labelled pairs", file=sys.stderr)
    return out


def _unique_valid(ids: Iterable[str]) -> list[str | None]:
    values = list(ids)
    counts = pd.Series(values).value_counts()
    return [v if v and is_valid_id(v) and counts[v] == 1 else None for v in values]


def moh_sets(model: dict[str, Any], folder: Path) -> dict[str, dict[str, np.ndarray]]:
    with Project.create(folder / "moh") as project:
        ids: dict[str, list[str]] = {}
        for name in ("fatalities_20240329.csv", "fatalities_20240630.csv"):
            rows = _rows(MOH / name)
            summary = ingest_file(
                project,
                _write(folder / name, rows, [f for f in rows[0] if f != "gov_id"]),
                list_name="moh",
                profile="gaza-moh",
            )
            ids[summary.sha256] = _unique_valid(r["gov_id"].strip() for r in rows)
        features, where = _features(project)
    truth = [
        ids[s][n - 1] for s, n in zip(where["source_sha256"], where["row_number"], strict=True)
    ]
    first = min(ids, key=lambda s: where["source_sha256"].tolist().index(s))
    is_first = (where["source_sha256"] == first).to_numpy()
    left = features.filter(pa.array(is_first))
    right = features.filter(pa.array(~is_first))
    truth_l = [t for t, f in zip(truth, is_first, strict=True) if f]
    truth_r = [t for t, f in zip(truth, is_first, strict=True) if not f]
    return _variants("moh", model, left, right, truth_l, truth_r)


def tfp_sets(model: dict[str, Any], folder: Path) -> dict[str, dict[str, np.ndarray]]:
    rows = _rows(TFP)
    truth = _unique_valid(r["id"].strip() for r in rows)
    tables = []
    with Project.create(folder / "tfp") as project:
        for name, column, field in (
            ("arabic", "name", "full_name"),
            ("english", "en_name", "full_name_latin"),
        ):
            path = _write(folder / f"{name}.csv", rows, [column, "age", "dob", "sex"])
            mapping = mappings.from_pairs(
                [f"{field}={column}", "age_years=age", "date_of_birth=dob", "sex=sex"]
            )
            ingest_file(project, path, list_name=name, mapping=mapping)
        features, where = _features(project)
    for name in ("arabic", "english"):
        mask = (where["list"] == name).to_numpy()
        order = where["row_number"].to_numpy()[mask]
        tables.append((features.filter(pa.array(mask)), [truth[n - 1] for n in order]))
    (left, truth_l), (right, truth_r) = tables
    return _variants("tfp", model, left, right, truth_l, truth_r)


def _variants(
    prefix: str,
    model: dict[str, Any],
    left: pa.Table,
    right: pa.Table,
    truth_l: list[str | None],
    truth_r: list[str | None],
) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for suffix, keep in (
        ("", PARTS),
        ("-given-family", ("given", "family")),
        ("-given-father-family", ("given", "father", "family")),
        ("-given", ("given",)),
    ):
        print(f"{prefix}{suffix}", file=sys.stderr)
        cut = right if keep == PARTS else _cut(right, keep)
        table = _pair_table(left, cut, truth_l, truth_r)
        out[f"{prefix}{suffix}"] = _tally(model, table, LABELLED)
    return out


def simulated_set(
    model: dict[str, Any], folder: Path, victims: int, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    simulation = simulate_conflict(ConflictConfig(n_victims=victims, n_lists=4, seed=seed), None)
    manifest = write_simulation(simulation, folder / "simulated", None)
    with Project.create(folder / "sim") as project:
        ingest_simulated_lists(project, folder / "simulated", manifest)
        features, where = _features(project)
    truth = pd.read_csv(folder / "simulated" / "truth.csv", dtype=str)
    person = {
        (li, int(r)): p
        for li, r, p in zip(truth["list"], truth["row_number"], truth["person_id"], strict=True)
    }
    labels = [
        person.get((li, int(n))) for li, n in zip(where["list"], where["row_number"], strict=True)
    ]
    table = features.append_column("truth", pa.array(labels, type=pa.string()))
    print("simulated", file=sys.stderr)
    return {"simulated": _tally(model, table, SAME_PERSON)}


def combine(
    model: dict[str, Any], sets: dict[str, dict[str, np.ndarray]]
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """m per level label: within each class, the mean of the sets' shares."""
    m: dict[str, dict[str, float]] = {}
    used: dict[str, Any] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        labels = [level_label(lv) for lv in levels_by_number(comparison)]
        classes = level_classes(comparison)
        kinds = SETS_FOR.get(name, OTHER_SETS)
        allowed = list(sets) if name == "name" else [s for s in sets if s in kinds]
        m[name] = {}
        for name_class in dict.fromkeys(classes):
            positions = [k for k, c in enumerate(classes) if c == name_class]
            shares = []
            for set_name in allowed:
                counts = sets[set_name][name][positions].astype(float)
                if counts.sum() >= MIN_PAIRS:
                    shares.append((counts + PSEUDO) / (counts + PSEUDO).sum())
                    used.setdefault(name, {}).setdefault(name_class, []).append(
                        [set_name, int(counts.sum())]
                    )
            if not shares:
                continue
            mean = np.mean(np.vstack(shares), axis=0)
            if name == "death":
                mean = (1 - UNRELATED_DEATH_DATES) * mean
                mean[0] += UNRELATED_DEATH_DATES  # level 0: ELSE, the dates disagree
            for k, value in zip(positions, mean / mean.sum(), strict=True):
                m[name][labels[k]] = float(f"{value:.6g}")
    return m, used


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--victims", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    model = _settings(default_blocking_rules()).get_settings("duckdb").as_dict()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sets = {
            **moh_sets(model, folder),
            **tfp_sets(model, folder),
            **simulated_set(model, folder, args.victims, args.seed),
        }
    m, used = combine(model, sets)
    m["source"] = dict(SOURCE_PRIOR)
    used["source"] = "set by hand: see SOURCE_PRIOR"
    document = {
        "about": (
            "Prior m of every comparison level (name levels: share within the level's name "
            "class), built by scripts/build_link_prior.py from labelled pairs; aggregate shares "
            "only, no names."
        ),
        "version": 1,
        "seed": args.seed,
        "victims": args.victims,
        "pair_sets": {k: int(v["name"].sum()) for k, v in sets.items()},
        "used": used,
        "m": m,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
