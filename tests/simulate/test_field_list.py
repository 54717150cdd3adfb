"""The field NGO's list: short names, kunyas, titles, no IDs, incident dates, ages for half."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from uncounted.simulate import (
    NO_ERRORS,
    ConflictConfig,
    Simulation,
    simulate_conflict,
    write_simulation,
)
from uncounted.simulate.config import FIELD_NGO, with_field_list
from uncounted.simulate.styles import TITLES
from uncounted.store import Project
from uncounted.workflow.simulated import ingest_simulated_lists


@pytest.fixture(scope="module")
def field_sim() -> Simulation:
    return simulate_conflict(ConflictConfig(n_victims=20000, lists=with_field_list(2), seed=5))


def _codes(sim: Simulation) -> pd.Series:
    return pd.Series(sim.lists["field_ngo"].errors).str.split(";")


def _share(codes: pd.Series, code: str) -> float:
    return float(codes.apply(lambda row: code in row).mean())


def test_shares_are_as_configured(field_sim: Simulation) -> None:
    table = field_sim.lists["field_ngo"].table
    codes = _codes(field_sim)
    assert len(table) > 3000
    assert _share(codes, "name_2_parts") == pytest.approx(0.5, abs=0.03)
    assert _share(codes, "name_3_parts") == pytest.approx(0.5, abs=0.03)
    assert _share(codes, "kunya") + _share(codes, "nickname") == pytest.approx(0.10, abs=0.015)
    assert _share(codes, "nickname") > 0
    assert _share(codes, "title") == pytest.approx(0.12, abs=0.015)
    # The written columns show the same shares as the truth's codes.
    assert (table["Age"] != "").mean() == pytest.approx(0.5, abs=0.03)
    assert (table["Age"] == "").mean() == pytest.approx(_share(codes, "age_missing"))
    assert (table["Sex"] != "").mean() == pytest.approx(0.85, abs=0.03)
    assert (table["Name (Arabic)"] != "").mean() == pytest.approx(0.6, abs=0.03)
    assert (table["Name"] != "").all()
    assert not any(field == "id_number" for _, field in FIELD_NGO.format.columns)


def test_titles_and_kunyas_are_written_where_the_truth_says(field_sim: Simulation) -> None:
    table = field_sim.lists["field_ngo"].table
    codes = _codes(field_sim)
    latin_titles = tuple(
        f"{spelling} "
        for title in TITLES
        for spellings in title.latin
        if spellings
        for spelling in spellings
    )
    arabic_titles = tuple(f"{a} " for title in TITLES for a in title.arabic if a)
    titled = codes.apply(lambda row: "title" in row).to_numpy()
    # A typo may fall on the title too ("Matyr"); the others start with it.
    typo = codes.apply(lambda row: "latin_typo" in row).to_numpy()
    assert table.loc[titled & ~typo, "Name"].str.startswith(latin_titles).all()
    assert table.loc[titled & typo, "Name"].str.startswith(latin_titles).mean() > 0.7
    arabic_typo = codes.apply(lambda row: "name_typo" in row).to_numpy()
    arabic = table.loc[titled & ~arabic_typo, "Name (Arabic)"]
    assert arabic[arabic != ""].str.startswith(arabic_titles).all()
    untitled = table.loc[~titled, "Name (Arabic)"]
    assert not untitled[untitled != ""].str.startswith(("الحاج ", "الشهيد ", "الدكتور ")).any()
    kunya = codes.apply(lambda row: "kunya" in row).to_numpy()
    # Abu Khaled, Abou-Khaled, AbuKhaled, Umm Ahmed, Oum Ahmed, Om Ahmed
    pattern = r"\b(?:Abu|Abou|Abo|Umm|Um|Oum|Om)"
    assert table.loc[kunya & ~typo, "Name"].str.contains(pattern).all()
    # Quotes, backticks and brackets, as field lists write them, and none without a kunya.
    decorated = kunya | codes.apply(lambda row: "nickname" in row).to_numpy()
    for mark in ('"', "`", "("):
        assert table.loc[decorated, "Name"].str.contains(mark, regex=False).any()
        assert not table.loc[~decorated, "Name"].str.contains(mark, regex=False).any()


def test_short_names_keep_the_parts_they_say_and_compound_family_names_whole() -> None:
    clean = dataclasses.replace(
        FIELD_NGO,
        errors=NO_ERRORS,
        spaced_compound_share=0.0,
        hamza_share=0.0,
        kunya_share=0.0,
        title_share=0.0,
        arabic_share=1.0,
    )
    sim = simulate_conflict(ConflictConfig(n_victims=5000, lists=(clean,), seed=2))
    records = sim.lists["field_ngo"]
    pop, words = sim.population, sim.tables.vocabulary
    written = records.table["Name (Arabic)"].str.split(" ")
    compound_family = 0
    for row, person in enumerate(records.person.tolist()):
        codes = records.errors[row].split(";")
        given, family = words[pop.given[person]], words[pop.family[person]]
        expected = [given, family]
        if "name_3_parts" in codes:
            expected = [given, words[pop.father[person]], family]
        else:
            assert "name_2_parts" in codes
        assert written[row] == expected
        compound_family += family.startswith(("ابو", "ال"))
    assert compound_family > 500
    # The Latin name ends with the whole family name: "Abu Samra", never a bare "Abu".
    latin_last = records.table["Name"].str.split(" ").str[-1]
    assert not latin_last.isin(["Abu", "Abou", "Abo", "Al", "El"]).any()


def test_incident_date_is_the_attack_and_may_precede_the_death(field_sim: Simulation) -> None:
    records = field_sim.lists["field_ngo"]
    written = pd.to_datetime(records.table["Incident date"], format="%d/%m/%Y").to_numpy()
    codes = _codes(field_sim)
    exact = ~codes.apply(lambda row: "death_date_shift" in row).to_numpy()
    pop = field_sim.population
    assert pop.date_of_incident is not None
    incident = pop.date_of_incident[records.person].astype("datetime64[ns]")
    death = pop.date_of_death[records.person].astype("datetime64[ns]")
    assert (written[exact] == incident[exact]).all()
    assert (incident <= death).all()
    before_death = (written[exact] < death[exact]).mean()
    assert 0.03 < before_death < 0.2


def test_adding_the_field_list_leaves_the_other_lists_files_alone(tmp_path: Path) -> None:
    plain = ConflictConfig(n_victims=2000, n_lists=3, seed=4)
    with_field = dataclasses.replace(plain, lists=with_field_list(3))
    write_simulation(simulate_conflict(plain), tmp_path / "a")
    manifest = write_simulation(simulate_conflict(with_field), tmp_path / "b")
    for name in ("moh_hospitals", "family_reports", "ngo_field"):
        first = hashlib.sha256((tmp_path / "a" / f"{name}.csv").read_bytes()).hexdigest()
        second = hashlib.sha256((tmp_path / "b" / f"{name}.csv").read_bytes()).hexdigest()
        assert first == second
    entry = manifest["lists"][-1]
    assert entry["name"] == "field_ngo" and entry["script"] == "both"
    assert "description" in entry
    assert "description" not in manifest["lists"][0]


def test_field_list_ingests_with_the_mapping_the_simulator_writes(tmp_path: Path) -> None:
    config = ConflictConfig(n_victims=3000, lists=with_field_list(1), seed=3)
    folder = tmp_path / "sim"
    manifest = write_simulation(simulate_conflict(config), folder)
    with Project.create(tmp_path / "project") as project:
        summaries = ingest_simulated_lists(project, folder, manifest)
        field = summaries[-1]
        assert field.list_name == "field_ngo"
        assert field.quarantined == 0 and field.records == field.rows > 500
        counts = project.con.execute(
            "SELECT count(*), count(event_date), count(date_of_death), count(age_years), "
            "count(full_name_latin), count(full_name), count(id_number), count(sex) "
            "FROM records WHERE list = 'field_ngo'"
        ).fetchone()
    assert counts is not None
    rows, event, death, age, latin, arabic, ids, sex = counts
    assert event == latin == rows and death == ids == 0
    assert 0.4 < age / rows < 0.6 and 0.5 < arabic / rows < 0.7 and 0.78 < sex / rows < 0.92
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    persons = pd.read_csv(folder / "persons.csv", dtype=str, keep_default_na=False)
    mine = truth[truth["list"] == "field_ngo"]
    assert len(mine) == field.rows
    on_list = set(persons.loc[persons["on_field_ngo"] == "1", "person_id"])
    assert set(mine["person_id"]) == on_list
    assert np.isin(mine["person_id"], persons["person_id"]).all()


def test_cli_field_list_option_adds_the_list(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from uncounted.cli.main import run; run()", "simulate",
         str(tmp_path), "--field-list", "--lists", "2", "--victims", "1500", "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["name"] for entry in manifest["lists"]] == [
        "moh_hospitals",
        "family_reports",
        "field_ngo",
    ]
