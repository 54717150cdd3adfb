"""No simulated name may be the name of a real victim.

Reads the real lists at test time; no real name is printed, stored or committed: a failure
reports only how many names matched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from uncounted.simulate import ConflictConfig, simulate_conflict

pytestmark = pytest.mark.realdata


def _real_names(shared_data: Path) -> set[str]:
    files = sorted((shared_data / "gaza-moh-releases-alexschell").glob("fatalities_*.csv"))
    files += sorted(
        (shared_data / "techforpalestine-palestine-datasets").glob("*killed-in-gaza.csv")
    )
    if not files:
        pytest.skip("no real lists under ../shared/data")
    names: set[str] = set()
    for path in files:
        column = pd.read_csv(path, dtype=str, usecols=["name"])["name"].dropna()
        names.update(" ".join(value.split()) for value in column)
    return names


def test_no_simulated_name_is_a_real_name(shared_data: Path) -> None:
    real = _real_names(shared_data)
    assert len(real) > 10000
    for seed in (1, 2):
        sim = simulate_conflict(ConflictConfig(n_victims=100000, n_lists=6, seed=seed))
        persons = sim.persons_frame()
        written = set(persons["full_name"])
        written |= set(
            persons["given_name"] + " " + persons["father_name"] + " " + persons["grandfather_name"]
            + " " + persons["great_grandfather_name"] + " " + persons["family_name"]
        )  # fmt: skip
        for records in sim.lists.values():
            for column in records.table.columns:
                written |= {" ".join(str(v).split()) for v in records.table[column]}
        matches = len(written & real)
        assert matches == 0, f"seed {seed}: {matches} simulated names equal real names"
