"""Simulations shared by the simulate tests (built once per session: they take a second)."""

from __future__ import annotations

import pytest

from uncounted.simulate import ConflictConfig, Simulation, simulate_conflict


@pytest.fixture(scope="session")
def sim4() -> Simulation:
    return simulate_conflict(ConflictConfig(n_victims=20000, n_lists=4, seed=1))


@pytest.fixture(scope="session")
def sim6() -> Simulation:
    return simulate_conflict(ConflictConfig(n_victims=60000, n_lists=6, seed=7))
