"""What the lists look like: names, spellings, IDs, ages and the injected errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.core.ids import is_valid_id, make_valid_id
from uncounted.simulate import NO_ERRORS, ConflictConfig, Simulation, simulate_conflict
from uncounted.simulate.names import read_token_counts, spaced, with_hamza
from uncounted.simulate.population import CHILD, HEAD, check_digits
from uncounted.simulate.romanize import romanize


def _truth(sim: Simulation, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = sim.lists[name]
    errors = pd.Series(records.errors)
    return records.table, pd.DataFrame({"person": records.person, "errors": errors})


def _has(errors: pd.Series, code: str) -> pd.Series:
    return errors.str.split(";").apply(lambda codes: code in codes)


def test_packaged_table_has_only_common_single_tokens() -> None:
    counts = read_token_counts()
    assert {
        ("given", "M"),
        ("given", "F"),
        ("father", ""),
        ("grandfather", ""),
        ("family", ""),
    } <= set(counts)
    for entries in counts.values():
        for token, people in entries:
            assert people >= 5
            assert " " not in token


def test_vectorised_check_digit_matches_core() -> None:
    bodies = np.random.default_rng(0).integers(0, 10**8, 3000)
    for body, digit in zip(bodies.tolist(), check_digits(bodies).tolist(), strict=True):
        assert make_valid_id(f"{body:08d}") == f"{body:08d}{digit}"


def test_ids_are_valid_except_where_an_error_was_injected(sim4: Simulation) -> None:
    pop = sim4.population
    assert all(is_valid_id(value) for value in pop.id_number if value)
    assert len(set(pop.id_number) - {""}) == int((pop.id_number != "").sum())
    table, truth = _truth(sim4, "moh_hospitals")
    recorded = table["gov_id"].astype(str)
    damaged = _has(truth["errors"], "id_digit_wrong") | _has(truth["errors"], "id_transposed")
    clean = ~damaged & (recorded != "")
    assert recorded[clean].map(is_valid_id).all()
    # A wrong digit always breaks the check digit; a transposition almost always does.
    assert not recorded[_has(truth["errors"], "id_digit_wrong")].map(is_valid_id).any()
    relative = _has(truth["errors"], "id_of_relative")
    same = recorded.to_numpy() == pop.id_number[truth["person"]]
    assert same[(~damaged & ~relative & (recorded != "")).to_numpy()].all()


def test_error_rates_are_roughly_as_configured(sim6: Simulation) -> None:
    design = sim6.designs[0]
    rates = design.errors
    _table, truth = _truth(sim6, design.name)
    has_id = sim6.population.id_number[truth["person"]] != ""
    missing = _has(truth["errors"], "id_missing")
    assert missing[has_id].mean() == pytest.approx(rates.id_missing, abs=0.01)
    assert truth["errors"].str.contains("duplicate").mean() == pytest.approx(
        rates.duplicate, abs=0.006
    )
    assert _has(truth["errors"], "dob_placeholder").mean() == pytest.approx(
        rates.dob_placeholder, abs=0.01
    )
    assert _has(truth["errors"], "name_typo").mean() == pytest.approx(rates.name_typo, abs=0.015)
    assert _has(truth["errors"], "name_part_dropped").mean() == pytest.approx(
        rates.name_part_dropped, abs=0.006
    )


def test_recorded_ages_heap_on_multiples_of_five(sim6: Simulation) -> None:
    table, truth = _truth(sim6, "family_reports")
    recorded = table["العمر"].astype(int).to_numpy()
    true_age = sim6.population.age[truth["person"]]
    adults = true_age >= 20
    assert np.mean(recorded[adults] % 5 == 0) > np.mean(true_age[adults] % 5 == 0) + 0.15
    assert np.mean(np.abs(recorded - true_age) <= 2) > 0.95


def test_placeholder_dates_of_birth_are_first_of_january(sim4: Simulation) -> None:
    table, truth = _truth(sim4, "moh_hospitals")
    placeholder = _has(truth["errors"], "dob_placeholder") & ~_has(truth["errors"], "dob_missing")
    assert placeholder.sum() > 100
    assert table.loc[placeholder, "dob"].str.endswith("-01-01").all()


def test_clean_lists_copy_the_truth() -> None:
    sim = simulate_conflict(ConflictConfig(n_victims=2000, seed=4, error_scale=0.0))
    table, truth = _truth(sim, "moh_hospitals")
    assert (truth["errors"] == "").all()
    assert (table["age"].astype(int).to_numpy() == sim.population.age[truth["person"]]).all()
    assert NO_ERRORS.duplicate == 0.0


def test_names_have_four_parts_and_some_five_or_more(sim6: Simulation) -> None:
    moh = sim6.lists["moh_hospitals"].table["name"].str.split().str.len()
    # The MoH-style list writes compounds joined, as the real list does (95% four words there).
    assert 0.85 < (moh == 4).mean() < 0.99
    assert (moh >= 5).mean() > 0.01
    ngo = sim6.lists["ngo_field"].table["name_ar"].str.split().str.len()
    assert 0.1 < (ngo >= 5).mean() < 0.5
    assert (ngo >= 4).mean() > 0.95


def test_households_share_their_lineage(sim4: Simulation) -> None:
    pop = sim4.population
    frame = pd.DataFrame(
        {"household": pop.household, "role": pop.role, "given": pop.given, "father": pop.father,
         "grandfather": pop.grandfather, "family": pop.family}
    )  # fmt: skip
    heads = frame[frame.role == HEAD].set_index("household")
    children = frame[(frame.role == CHILD) & frame.household.isin(heads.index)]
    assert len(children) > 1000
    head = heads.loc[children.household]
    assert (children.father.to_numpy() == head.given.to_numpy()).all()
    assert (children.grandfather.to_numpy() == head.father.to_numpy()).all()
    assert (children.family.to_numpy() == head.family.to_numpy()).all()
    per_household = children.groupby("household")[["father", "grandfather", "family"]].nunique()
    assert (per_household == 1).all().all()


def test_a_latin_list_mixes_conventions(sim6: Simulation) -> None:
    names = " ".join(sim6.lists["ngo_field"].table["name_en"])
    for spelling in ("Mohammed", "Mohamad", "Muhammad"):
        assert spelling in names
    assert sim6.lists["ngo_field"].table["name_ar"].str.len().min() > 0


def test_romanizer_conventions_differ() -> None:
    assert romanize("محمد", "english") == "Mohammed"
    assert romanize("محمد", "academic") == "Muhammad"
    assert romanize("محمد", "french") == "Mohamed"
    assert romanize("عبدالرحمن", "academic").startswith("'Abd al-")
    assert romanize("ابوالنجار", "french").startswith("Abou ")
    assert romanize("النجار", "english").startswith("Al-")
    assert romanize("القدرة", "phonetic", 1) != romanize("القدرة", "french")


def test_arabic_spelling_variants() -> None:
    assert spaced("عبدالله") == "عبد الله"
    assert spaced("نورالدين") == "نور الدين"
    assert with_hamza("احمد") == "أحمد"
    assert with_hamza("ابراهيم") == "إبراهيم"
    assert with_hamza("النجار") == "النجار"
