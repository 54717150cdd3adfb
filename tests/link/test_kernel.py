"""The compiled name and ID levels against the SQL levels, pair by pair, and the compiled
scores against the SQL scores.

Real releases are read from ``../shared/data`` at test time: Arabic names garbled by a PDF
export (MoH 2024-03-29) beside clean ones (2024-08-31), and one list in Arabic beside its
English transliteration (techforpalestine 2024-09-21). Nothing here prints a name.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from uncounted.ingest import mapping as mappings
from uncounted.ingest.pipeline import ingest_file
from uncounted.link import compiled_scoring, scoring
from uncounted.link import kernel as kernel_module
from uncounted.link.backends import duckdb_connection
from uncounted.link.comparisons import ATOMS, NAME_LEVEL_CLASS, NAME_LEVELS, name_atoms
from uncounted.link.conditions import Atom, inline_sql
from uncounted.link.features import build_features
from uncounted.link.kernel import KERNEL_ATOMS, atom_layout, name_level_table
from uncounted.link.model import LinkageModel, default_blocking_rules
from uncounted.link.training import random_pairs_rule
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.simulated import ingest_simulated_lists

ROWS_PER_FILE = 2500


def _word(*atoms: str) -> int:
    return sum(1 << ATOMS.index(a) for a in atoms)


def _level(label: str) -> int:
    """splink's number of a name level: the strongest highest, ELSE 0."""
    return len(NAME_LEVELS) - [lb for _, lb, _ in NAME_LEVELS].index(label)


FULL = ("f_known", "gf_known", "fam_known")


# The bits the kernel set by hand before its layout was made from ATOMS: the layout made now
# must give the same atom words, so the same levels and scores.
HAND_SET_BITS = {
    "missing": 0,
    "across": 1,
    "name4_same": 2,
    "no_namesake": 3,
    "g_strong": 4,
    "f_strong": 5,
    "gf_strong": 6,
    "fam_strong": 7,
    "g_similar": 8,
    "g_moved": 9,
    "f_alike": 10,
    "gf_alike": 11,
    "fam_alike": 12,
    "f_known": 13,
    "gf_known": 14,
    "fam_known": 15,
    "any_order": 16,
}


def test_atoms_are_listed_once_and_the_layout_is_made_from_them() -> None:
    assert tuple(name_atoms()) == ATOMS
    assert sorted(KERNEL_ATOMS) == sorted(ATOMS)
    layout = atom_layout()
    assert {atom: int(bit) for atom, bit in zip(KERNEL_ATOMS, layout, strict=True)} == {
        atom: ATOMS.index(atom) for atom in ATOMS
    }
    assert {atom: ATOMS.index(atom) for atom in ATOMS} == HAND_SET_BITS


def test_an_atom_the_kernel_does_not_compute_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel_module, "ATOMS", (*ATOMS, "new_atom"))
    with pytest.raises(RuntimeError, match="other atoms than name_atoms"):
        atom_layout()


def test_level_table_follows_name_levels() -> None:
    table = name_level_table()
    assert table[_word()] == 0  # nothing agrees: ELSE
    assert table[_word("missing", "name4_same")] == -1  # the null level comes first
    assert table[_word("name4_same", "no_namesake", *FULL)] == len(NAME_LEVELS) - 1
    assert table[_word("name4_same", *FULL)] == _level(
        "all four parts the same, with a namesake in a file"
    )
    assert table[_word("g_strong", *FULL)] == _level("given same only")
    assert table[_word("across", "f_alike", *FULL)] == _level("differs, across scripts")
    assert table[_word("g_strong", "f_alike", "gf_alike", "fam_alike", *FULL)] == _level(
        "given same, lineage alike"
    )
    assert table[_word("f_alike", "gf_alike", "fam_alike", "g_moved", *FULL)] == _level(
        "given in another part, lineage alike"
    )
    assert table[_word(*FULL)] == _level("four-part names differ")
    # Father and grandfather swapped, or a part left out: the lineage in another order.
    assert table[_word("g_strong", "fam_alike", "fam_strong", "any_order", *FULL)] == _level(
        "given same, lineage alike in another order"
    )


def test_partial_names_are_judged_by_what_both_records_give() -> None:
    table = name_level_table()
    # Given and family names the same, no father or grandfather on one side: the top level of
    # its class, not the weak "given same, one of the lineage alike" of four-part names.
    both = _word("g_strong", "fam_strong", "fam_alike", "fam_known")
    assert table[both] == _level("two parts compared: both the same")
    three = _word(
        "g_strong", "f_strong", "f_alike", "fam_strong", "fam_alike", "f_known", "fam_known"
    )
    assert table[three] == _level("three parts compared: all the same")
    assert table[_word("g_strong", "fam_known")] == _level(
        "two parts compared: given same, other differs"
    )
    assert table[_word("g_strong")] == _level("only given names to compare: the same")
    assert table[_word("fam_known")] == _level("two parts compared: differ")
    # Every level but ELSE and the null level belongs to exactly one class.
    for _, label, _ in NAME_LEVELS[1:]:
        assert label in NAME_LEVEL_CLASS


def _write(path: Path, rows: list[dict[str, str]], fields: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))[:ROWS_PER_FILE]


def _features(project: Project) -> pa.Table:
    records = project.con.cursor().execute("SELECT * FROM records ORDER BY record_id").df()
    return build_features(records)


def _assert_same_levels(features: pa.Table) -> dict[str, Any]:
    model = LinkageModel(seed=1).fit(features).model_
    assert model is not None
    assert compiled_scoring.compiled_comparisons(model) == {"name", "id"}
    rules = [r["blocking_rule"] for r in model["blocking_rules_to_generate_predictions"]]
    rules.append(random_pairs_rule(features.num_rows, seed=3))
    con = duckdb_connection()
    kernel = compiled_scoring.kernel_for(features, con)
    assert kernel is not None
    compared: dict[str, Any] = {"pairs": 0, "name_levels": set(), "id_levels": set()}
    for rule in rules:
        sql = scoring.pair_levels(con, features, model, [rule])
        compiled = compiled_scoring.pair_levels(con, features, model, [rule], kernel=kernel)
        assert compiled is not None
        pd.testing.assert_frame_equal(compiled, sql, check_dtype=False, obj=rule)
        compared["pairs"] += len(sql)
        compared["name_levels"] |= set(sql["gamma_name"])
        compared["id_levels"] |= set(sql["gamma_id"])
    ours = compiled_scoring.score_pairs(con, features, model, rules[:-1], min_probability=0.01)
    theirs = scoring.score_pairs(con, features, model, rules[:-1], min_probability=0.01)
    assert ours is not None
    both = ours.merge(theirs, on=["unique_id_l", "unique_id_r"], suffixes=("", "_sql"))
    assert len(both) == len(ours) == len(theirs)
    for column in [c for c in theirs.columns if c.startswith(("mw_", "match_"))]:
        assert np.abs(both[column] - both[f"{column}_sql"]).max() < 1e-12, column
    return compared


def _assert_same_atoms(features: pa.Table, rules: list[str]) -> dict[str, int]:
    """Every atom of ATOMS as the kernel computes it and as its SQL (``name_atoms()``) does,
    on the pairs the rules find; how many pairs each atom holds for."""
    atoms = name_atoms()
    table = features.append_column("__row", pa.array(np.arange(features.num_rows)))
    con = duckdb_connection()
    try:
        con.register("__atom_features", table)
        pairs = scoring.blocked_pairs_sql("__atom_features", table.column_names, rules)
        tests = ", ".join(
            f'coalesce({inline_sql(Atom(atom), atoms)}, false) AS "{atom}"' for atom in ATOMS
        )
        sql = con.execute(f'SELECT "__row_l", "__row_r", {tests} FROM ({pairs})').df()
        kernel = compiled_scoring.kernel_for(features, con)
    finally:
        con.close()
    assert kernel is not None
    left, right = sql["__row_l"].to_numpy(), sql["__row_r"].to_numpy()
    words = kernel.atom_words(left, right)
    held = {"pairs": len(sql)}
    for bit, atom in enumerate(ATOMS):
        ours = (words >> bit & 1).astype(bool)
        theirs = sql[atom].to_numpy(dtype=bool)
        assert (ours == theirs).all(), f"{atom}: {(ours != theirs).sum()} of {len(ours)} differ"
        held[atom] = int(theirs.sum())
    # The levels read "any_order" only where the given names agree: the lazy word's level is
    # the full word's.
    levels, _ = kernel(left, right)
    assert (name_level_table()[words] == levels).all()
    return held


@pytest.fixture(scope="module")
def simulated_records(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("kernel")
    simulation = simulate_conflict(ConflictConfig(n_victims=3000, n_lists=4, seed=2), None)
    manifest = write_simulation(simulation, folder / "simulated", None)
    with Project.create(folder / "project") as project:
        ingest_simulated_lists(project, folder / "simulated", manifest)
        return project.con.cursor().execute("SELECT * FROM records ORDER BY record_id").df()


def _names_cut(records: pd.DataFrame) -> pd.DataFrame:
    """Some records without a name, some with the given name only: every simulated record
    has a family name, so "missing" would never hold and "fam_known" always."""
    out = records.copy()
    names = [c for c in out.columns if c.endswith("_name") or c == "full_name_latin"]
    out.loc[out.index % 40 == 0, names] = None
    given_only = out.index % 40 == 1
    for column in ("full_name", "full_name_latin"):
        out.loc[given_only, column] = out.loc[given_only, column].str.split().str[0]
    return out


def test_every_atom_as_its_sql(simulated_records: pd.DataFrame) -> None:
    features = build_features(_names_cut(simulated_records))
    rules = [r.get_blocking_rule("duckdb").blocking_rule_sql for r in default_blocking_rules()]
    rules.append(random_pairs_rule(features.num_rows, seed=3))
    held = _assert_same_atoms(features, rules)
    # Every atom is put to the test: true on some pairs, false on others.
    assert set(held) == {"pairs", *ATOMS}
    for atom, count in held.items():
        if atom == "pairs":
            continue
        assert 0 < count < held["pairs"], atom


def test_simulated_levels_and_scores(simulated_records: pd.DataFrame) -> None:
    compared = _assert_same_levels(build_features(simulated_records))
    assert compared["pairs"] > 20_000
    assert len(compared["name_levels"]) >= 12
    assert compared["id_levels"] >= {-1, 0, 3}


@pytest.mark.realdata
@pytest.mark.slow
def test_garbled_arabic_releases(tmp_path: Path, shared_data: Path) -> None:
    releases = shared_data / "gaza-moh-releases-alexschell"
    with Project.create(tmp_path / "project") as project:
        for name in ("fatalities_20240329.csv", "fatalities_20240831.csv"):
            rows = _rows(releases / name)
            path = _write(tmp_path / name, rows, list(rows[0]))
            ingest_file(project, path, list_name="moh", profile="gaza-moh")
        features = _features(project)
    compared = _assert_same_levels(features)
    assert compared["pairs"] > 20_000
    assert compared["id_levels"] >= {-1, 0, 1, 3}


@pytest.mark.realdata
@pytest.mark.slow
def test_two_scripts(tmp_path: Path, shared_data: Path) -> None:
    rows = _rows(shared_data / "techforpalestine-palestine-datasets" / "20240921killed-in-gaza.csv")
    with Project.create(tmp_path / "project") as project:
        for name, column, field in (
            ("arabic", "name", "full_name"),
            ("english", "en_name", "full_name_latin"),
        ):
            path = _write(tmp_path / f"{name}.csv", rows, [column, "age", "dob", "sex"])
            mapping = mappings.from_pairs(
                [f"{field}={column}", "age_years=age", "date_of_birth=dob", "sex=sex"]
            )
            ingest_file(project, path, list_name=name, mapping=mapping)
        features = _features(project)
    compared = _assert_same_levels(features)
    assert compared["pairs"] > 5_000
