"""The Hebrew population: names, its three lists, the truth files, ingestion and the CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from uncounted.core.ids import is_valid_id
from uncounted.simulate import ConflictConfig, Simulation, simulate_conflict, write_simulation
from uncounted.simulate.config import HEBREW_LISTS
from uncounted.simulate.geography import ISRAEL
from uncounted.simulate.hebrew import FAMILY, GIVEN_FEMALE, GIVEN_MALE, hebrew_typo
from uncounted.store import Project
from uncounted.workflow.simulated import ingest_simulated_lists

GIVEN = {name.hebrew: name for name in (*GIVEN_MALE, *GIVEN_FEMALE)}
FAMILIES = {name.hebrew: name for name in FAMILY}


@pytest.fixture(scope="module")
def hebrew_sim() -> Simulation:
    return simulate_conflict(ConflictConfig(n_victims=8000, seed=2, population="hebrew"))


@pytest.fixture(scope="module")
def written(hebrew_sim: Simulation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hebrew")
    write_simulation(hebrew_sim, folder)
    return folder


def _codes(sim: Simulation, name: str) -> pd.Series:
    return pd.Series(sim.lists[name].errors).str.split(";")


def _has(codes: pd.Series, code: str) -> pd.Series:
    return codes.apply(lambda row: code in row)


def test_name_tables_are_small_hebrew_tables_with_transliterations() -> None:
    for table in (GIVEN_MALE, GIVEN_FEMALE, FAMILY):
        assert 30 <= len(table) <= 60
        hebrew = [name.hebrew for name in table]
        assert len(set(hebrew)) == len(hebrew)
        for name in table:
            assert all("\u05d0" <= char <= "\u05ea" or char in " -'" for char in name.hebrew)
            assert name.latin and all(spelling.isascii() for spelling in name.latin)
    assert FAMILIES["כהן"].latin[:2] == ("Cohen", "Kohen")
    assert {"Yosef", "Yossi", "Joseph"} <= set(GIVEN["יוסף"].latin)


def test_truth_files_trace_every_row_to_a_true_person(
    hebrew_sim: Simulation, written: Path
) -> None:
    truth = pd.read_csv(written / "truth.csv", dtype=str, keep_default_na=False)
    persons = pd.read_csv(written / "persons.csv", dtype=str, keep_default_na=False)
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    summary = json.loads((written / "truth.json").read_text(encoding="utf-8"))
    assert len(persons) == summary["true_total"] == 8000
    assert summary["population"] == manifest["config"]["population"] == "hebrew"
    assert manifest["config"]["waves"][0]["start"] == "2023-10-07"
    assert {entry["name"]: entry["script"] for entry in manifest["lists"]} == {
        "hebrew_victims": "hebrew",
        "latin_news": "latin",
        "national_register": "hebrew",
    }
    assert all(entry["description"] for entry in manifest["lists"])
    for design in HEBREW_LISTS:
        rows = pd.read_csv(written / f"{design.name}.csv", dtype=str, keep_default_na=False)
        mine = truth[truth["list"] == design.name]
        assert len(rows) == len(mine) > 1000
        assert mine["row_number"].astype(int).tolist() == list(range(1, len(rows) + 1))
        on_list = set(persons.loc[persons[f"on_{design.name}"] == "1", "person_id"])
        assert set(mine["person_id"]) == on_list
    # Given + family name, no father's or grandfather's name; places are Israeli.
    assert (persons["father_name"] == "").all() and (persons["grandfather_name"] == "").all()
    assert (persons["full_name"] == persons["given_name"] + " " + persons["family_name"]).all()
    assert set(persons["governorate"]) == set(ISRAEL.regions)
    assert (persons["given_name_latin"] != "").all()
    assert persons["date_of_death"].min() == "2023-10-07"
    assert (persons["date_of_death"] == "2023-10-07").mean() == pytest.approx(0.6, abs=0.1)


def test_lists_write_the_person_s_name_or_one_of_its_spellings(hebrew_sim: Simulation) -> None:
    pop, words = hebrew_sim.population, hebrew_sim.tables.vocabulary
    records = hebrew_sim.lists["hebrew_victims"]
    codes = _codes(hebrew_sim, "hebrew_victims")
    clean = ~_has(codes, "name_typo") & ~_has(codes, "name_part_dropped")
    checked = 0
    for row in clean[clean].index.tolist():
        person = records.person[row]
        given, family = str(words[pop.given[person]]), str(words[pop.family[person]])
        assert records.table["שם פרטי"][row] in (given, *GIVEN[given].hebrew_variants)
        written_family = records.table["שם משפחה"][row]
        if "-" in family:  # a double name, written whole or with a space
            assert written_family.replace(" ", "-").replace("'", "") in (
                family.replace("'", ""),
                *(
                    f"{a}-{b}"
                    for a in (family.split("-")[0], *FAMILIES[family.split("-")[0]].hebrew_variants)
                    for b in (family.split("-")[1], *FAMILIES[family.split("-")[1]].hebrew_variants)
                ),
            )
        else:
            assert written_family in (family, *FAMILIES[family].hebrew_variants)
        checked += 1
    assert checked > 5000
    # Typos are really there, and really Hebrew.
    typo_rows = _has(codes, "name_typo")
    assert 0.015 < typo_rows.mean() < 0.045


def test_latin_list_spellings_drift_and_double_names_are_hyphenated(
    hebrew_sim: Simulation,
) -> None:
    table = hebrew_sim.lists["latin_news"].table
    words = table["Name"].str.split(" ")
    assert (words.str.len() >= 2).all()
    tokens = set(words.explode())
    assert {"Cohen", "Kohen"} <= tokens
    assert {"Yosef", "Yossi", "Joseph"} & tokens == {"Yosef", "Yossi", "Joseph"}
    hyphenated = table["Name"].str.contains(r"[A-Z][a-z]+-[A-Z][a-z]+", regex=True)
    double_names = table["Name"][hyphenated & ~table["Name"].str.contains("Ben-")]
    assert len(double_names) > 10
    assert table["Name"].str.isascii().all()
    assert (table["Age"] != "").mean() == pytest.approx(0.85, abs=0.04)
    assert not any(field in ("id_number", "sex") for _, field in HEBREW_LISTS[1].format.columns)


def test_hebrew_typo_changes_one_letter_at_most_and_stays_hebrew() -> None:
    rng = np.random.default_rng(0)
    for name in (*GIVEN, *FAMILIES):
        if " " in name or len(name) < 3:
            continue
        damaged = hebrew_typo(name, rng)
        assert damaged != name
        assert abs(len(damaged) - len(name)) <= 1
        assert all("\u05d0" <= char <= "\u05ea" or char in " -'" for char in damaged)


def test_hebrew_lists_ingest_with_the_simulator_s_mappings(written: Path, tmp_path: Path) -> None:
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    with Project.create(tmp_path / "project") as project:
        summaries = ingest_simulated_lists(project, written, manifest)
        assert [s.list_name for s in summaries] == [d.name for d in HEBREW_LISTS]
        assert all(s.quarantined == 0 and s.records == s.rows for s in summaries)
        counts = {
            row[0]: row[1:]
            for row in project.con.execute(
                "SELECT list, count(*), count(given_name), count(family_name), count(full_name), "
                "count(id_number), count(date_of_death), count(age_years) FROM records "
                "GROUP BY list"
            ).fetchall()
        }
        valid = project.con.execute(
            "SELECT count(*) FROM records WHERE list = 'national_register' AND id_check = 'valid'"
        ).fetchone()
    rows, given, family, full, ids, death, age = counts["hebrew_victims"]
    assert given == family == death == rows and full == ids == 0 and age > 0.9 * rows
    rows, given, family, full, ids, death, age = counts["latin_news"]
    assert full == death == rows and ids == given == 0
    rows, given, family, full, ids, death, age = counts["national_register"]
    assert full == rows and ids > 0.95 * rows
    assert valid is not None and valid[0] > 0.95 * rows
    persons = pd.read_csv(written / "persons.csv", dtype=str, keep_default_na=False)
    assert persons["id_number"].map(is_valid_id).all()


def test_same_seed_same_files_and_the_cli_option(tmp_path: Path) -> None:
    config = ConflictConfig(n_victims=1500, n_lists=3, seed=9, population="hebrew")
    write_simulation(simulate_conflict(config), tmp_path / "api")
    command = "from uncounted.cli.main import run; run()"
    result = subprocess.run(
        [sys.executable, "-c", command, "simulate", str(tmp_path / "cli"),
         "--population", "hebrew", "--victims", "1500", "--seed", "9", "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    assert digests(tmp_path / "api") == digests(tmp_path / "cli")
    assert len(digests(tmp_path / "cli")) == 3 + 4
    too_many = subprocess.run(
        [sys.executable, "-c", command, "simulate", str(tmp_path / "x"),
         "--population", "hebrew", "--lists", "4"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert too_many.returncode == 2 and "3 lists" in too_many.stderr
