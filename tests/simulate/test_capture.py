"""Who gets captured: covariate effects and list dependence have the configured direction."""

from __future__ import annotations

import numpy as np
import pytest

from uncounted.simulate import ConflictConfig, ListDesign, ListFormat, Simulation, simulate_conflict
from uncounted.simulate.config import GOVERNORATES


def _odds_ratio(a: np.ndarray, b: np.ndarray) -> float:
    n11 = np.sum(a & b) + 0.5
    n10 = np.sum(a & ~b) + 0.5
    n01 = np.sum(~a & b) + 0.5
    n00 = np.sum(~a & ~b) + 0.5
    return float(n11 * n00 / (n10 * n01))


def _column(sim: Simulation, name: str) -> np.ndarray:
    return np.asarray(sim.captured[:, sim.list_names.index(name)])


def test_list_sizes_follow_capture_rates(sim6: Simulation) -> None:
    for index, design in enumerate(sim6.designs):
        share = sim6.captured[:, index].mean()
        assert share == pytest.approx(design.capture_rate, abs=0.02), design.name


def test_capture_depends_on_place_sex_and_age(sim6: Simulation) -> None:
    pop = sim6.population
    moh = _column(sim6, "moh_hospitals")
    north = pop.governorate == GOVERNORATES.index("North Gaza")
    gaza = pop.governorate == GOVERNORATES.index("Gaza")
    assert moh[north].mean() < moh[gaza].mean() - 0.05
    press = _column(sim6, "press_obituaries")
    men, women = pop.sex == 0, pop.sex == 1
    assert press[men].mean() > 1.5 * press[women].mean()
    adults = pop.age_group() == 1
    children = pop.age_group() == 0
    assert press[adults].mean() > 2 * press[children].mean()


def test_dependence_between_lists_has_the_configured_sign(sim6: Simulation) -> None:
    moh = _column(sim6, "moh_hospitals")
    family = _column(sim6, "family_reports")
    ngo = _column(sim6, "ngo_field")
    press = _column(sim6, "press_obituaries")
    assert _odds_ratio(moh, family) < 0.7  # the families' form fills the hospitals' gaps
    assert _odds_ratio(moh, ngo) > 1.5
    assert _odds_ratio(ngo, press) > 1.5


def test_without_latent_or_dependence_lists_are_independent() -> None:
    fmt = ListFormat(columns=(("name", "name_ar"),))
    designs = tuple(
        ListDesign(
            name=f"list{i}", script="arabic", capture_rate=0.4, format=fmt, latent_loading=0.0
        )
        for i in range(2)
    )
    sim = simulate_conflict(ConflictConfig(n_victims=30000, lists=designs, seed=5))
    ratio = _odds_ratio(sim.captured[:, 0], sim.captured[:, 1])
    assert 0.85 < ratio < 1.18


def test_a_list_may_only_depend_on_an_earlier_one() -> None:
    fmt = ListFormat(columns=(("name", "name_ar"),))
    designs = (
        ListDesign(name="a", script="arabic", capture_rate=0.4, format=fmt, depends_on={"b": 1.0}),
        ListDesign(name="b", script="arabic", capture_rate=0.4, format=fmt),
    )
    with pytest.raises(ValueError, match="earlier"):
        simulate_conflict(ConflictConfig(n_victims=100, lists=designs))
