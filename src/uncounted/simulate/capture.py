"""Who each list records: heterogeneous capture probabilities and dependence between lists.

Lists are drawn one after another in their configured order. A list's log-odds of recording a
victim add up its covariate effects (age group, sex, governorate, month of death), a shared
latent *visibility* (some deaths are simply better known, which makes all lists positively
dependent), and one term per earlier list that recorded the same victim (``depends_on``). The
intercept is then solved so that the list holds its configured share of all victims.
"""

from __future__ import annotations

import numpy as np

from uncounted.simulate.config import AGE_GROUPS, SEXES, ListDesign
from uncounted.simulate.population import Population


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def effect_mask(population: Population, key: str) -> np.ndarray:
    """Which victims an ``effects`` key (``age=0-17``, ``period=2024-05..2024-08``) covers."""
    variable, _, value = key.partition("=")
    if variable == "age" and value in AGE_GROUPS:
        return population.age_group() == AGE_GROUPS.index(value)
    if variable == "sex" and value in SEXES:
        return population.sex == SEXES.index(value)
    regions = population.geography.regions
    if variable == "governorate" and value in regions:
        return population.governorate == regions.index(value)
    if variable == "period":
        first, _, last = value.partition("..")
        month = population.date_of_death.astype("datetime64[M]")
        low = np.datetime64(first, "M")
        high = np.datetime64(last or first, "M")
        return (month >= low) & (month <= high)
    raise ValueError(f"unknown capture effect {key!r}")


def _solve_intercept(linear: np.ndarray, rate: float) -> float:
    """The intercept that makes the mean capture probability equal ``rate``."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"capture_rate must be strictly between 0 and 1, got {rate}")
    low, high = -30.0, 30.0
    for _ in range(60):
        middle = (low + high) / 2
        if _sigmoid(linear + middle).mean() < rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def check_designs(designs: tuple[ListDesign, ...]) -> None:
    names = [design.name for design in designs]
    if len(set(names)) != len(names):
        raise ValueError("list names must be unique")
    for position, design in enumerate(designs):
        for other in design.depends_on:
            if other not in names[:position]:
                raise ValueError(
                    f"list {design.name!r} depends on {other!r}, which is not an earlier list"
                )


def draw_captures(
    population: Population, designs: tuple[ListDesign, ...], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(captured, probability): boolean and float arrays of shape (victims, lists)."""
    check_designs(designs)
    n = population.size
    captured = np.zeros((n, len(designs)), dtype=bool)
    probability = np.zeros((n, len(designs)))
    position = {design.name: index for index, design in enumerate(designs)}
    for index, design in enumerate(designs):
        linear = design.latent_loading * population.visibility
        for key, effect in design.effects.items():
            linear = linear + effect * effect_mask(population, key)
        for other, effect in design.depends_on.items():
            linear = linear + effect * captured[:, position[other]]
        p = _sigmoid(linear + _solve_intercept(linear, design.capture_rate))
        probability[:, index] = p
        captured[:, index] = rng.random(n) < p
    return captured, probability
