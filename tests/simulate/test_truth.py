"""The truth files match the lists, and the files are a pure function of config and seed."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from uncounted.simulate import ConflictConfig, Simulation, simulate_conflict, write_simulation


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_config_and_seed_give_byte_identical_files(tmp_path: Path) -> None:
    config = ConflictConfig(n_victims=3000, n_lists=5, seed=11)
    write_simulation(simulate_conflict(config), tmp_path / "a")
    write_simulation(simulate_conflict(config), tmp_path / "b")
    first, second = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert first == second
    assert {"truth.csv", "persons.csv", "truth.json", "manifest.json"} <= set(first)


def test_another_seed_gives_other_files(tmp_path: Path) -> None:
    write_simulation(simulate_conflict(ConflictConfig(n_victims=2000, seed=1)), tmp_path / "a")
    write_simulation(simulate_conflict(ConflictConfig(n_victims=2000, seed=2)), tmp_path / "b")
    assert _digests(tmp_path / "a")["truth.csv"] != _digests(tmp_path / "b")["truth.csv"]


def test_written_files_agree_with_the_truth(sim4: Simulation, tmp_path: Path) -> None:
    manifest = write_simulation(sim4, tmp_path)
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str, keep_default_na=False)
    persons = pd.read_csv(tmp_path / "persons.csv", dtype=str, keep_default_na=False)
    summary = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert len(persons) == summary["true_total"] == 20000
    assert set(truth["person_id"]) <= set(persons["person_id"])
    for design in sim4.designs:
        rows = pd.read_csv(tmp_path / f"{design.name}.csv", dtype=str, keep_default_na=False)
        mine = truth[truth["list"] == design.name]
        # Every data row of the list has exactly one true person, numbered from 1.
        assert len(rows) == len(mine)
        assert mine["row_number"].astype(int).tolist() == list(range(1, len(rows) + 1))
        assert list(rows.columns) == [header for header, _ in design.format.columns]
        on_list = set(persons.loc[persons[f"on_{design.name}"] == "1", "person_id"])
        assert set(mine["person_id"]) == on_list
        extra = mine["extra_copy"] == "1"
        assert mine.loc[~extra, "person_id"].is_unique
        assert set(mine.loc[extra, "person_id"]) <= set(mine.loc[~extra, "person_id"])
    assert [f["file"] for f in manifest["files"]][-1] == "truth.json"


def test_totals_add_up_over_strata_and_patterns(sim4: Simulation) -> None:
    summary: dict[str, Any] = sim4.summary()
    strata = summary["strata"]
    assert isinstance(strata, list) and len(strata) == 3 * 2 * 5
    assert sum(s["total"] for s in strata) == summary["true_total"]
    assert sum(s["observed"] for s in strata) == summary["observed"]
    patterns = summary["capture_patterns"]
    assert isinstance(patterns, dict) and len(patterns) == 2**4
    assert sum(patterns.values()) == summary["true_total"]
    assert patterns["0000"] == summary["unobserved"] > 0
    for index, entry in enumerate(summary["lists"]):
        assert sum(s["per_list"][entry["name"]] for s in strata) == entry["persons"]
        on = sum(n for pattern, n in patterns.items() if pattern[index] == "1")
        assert on == entry["persons"]
        assert entry["rows"] == entry["persons"] + entry["extra_copies"]
    for s in strata:
        assert sum(s["capture_patterns"].values()) == s["total"]


def test_twenty_thousand_victims_take_seconds() -> None:
    start = time.perf_counter()
    sim = simulate_conflict(ConflictConfig(n_victims=20000, n_lists=4, seed=3))
    assert time.perf_counter() - start < 10
    assert sim.population.size == 20000
