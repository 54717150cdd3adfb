"""Split R-hat, bulk ESS and autocorrelation on sequences whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from uncounted.estimate import diagnostics as dx


def _ar1(rng: np.random.Generator, rho: float, n_chains: int, n: int) -> np.ndarray:
    noise = rng.standard_normal((n_chains, n)) * math.sqrt(1 - rho**2)
    x = np.empty((n_chains, n))
    x[:, 0] = rng.standard_normal(n_chains)
    for t in range(1, n):
        x[:, t] = rho * x[:, t - 1] + noise[:, t]
    return x


def test_autocovariance_matches_the_direct_sum() -> None:
    x = np.random.default_rng(0).standard_normal(257)
    c = x - x.mean()
    direct = np.array([np.dot(c[: c.size - k], c[k:]) / c.size for k in range(c.size)])
    np.testing.assert_allclose(dx.autocovariance(x), direct, atol=1e-12)


def test_autocorrelation_of_ar1_decays_geometrically() -> None:
    x = _ar1(np.random.default_rng(1), 0.8, 1, 200_000)[0]
    rho = dx.autocorrelation(x)
    np.testing.assert_allclose(rho[:5], 0.8 ** np.arange(5), atol=0.02)


def test_constant_sequence_has_no_autocorrelation_and_no_rhat() -> None:
    rho = dx.autocorrelation(np.ones(10))
    assert rho[0] == 1 and not rho[1:].any()
    assert math.isnan(dx.split_rhat(np.ones((4, 100))))


def test_iid_chains_have_rhat_one_and_full_ess() -> None:
    draws = np.random.default_rng(2).standard_normal((4, 1000))
    assert dx.split_rhat(draws) < 1.01
    assert 3200 < dx.ess_bulk(draws) < 4800


def test_ess_of_ar1_matches_theory() -> None:
    rho = 0.9
    draws = _ar1(np.random.default_rng(3), rho, 4, 20_000)
    expected = draws.size * (1 - rho) / (1 + rho)
    assert dx.ess_bulk(draws) == pytest.approx(expected, rel=0.2)
    assert dx.split_rhat(draws) < 1.01


def test_chains_stuck_in_different_places_have_large_rhat() -> None:
    rng = np.random.default_rng(4)
    draws = rng.standard_normal((4, 1000)) + np.array([[0.0], [0.0], [1.0], [2.0]])
    assert dx.split_rhat(draws) > 1.1
    # rank normalisation does not hide heavy tails: the same with a monotone transform
    assert dx.split_rhat(np.exp(3 * draws)) > 1.1


def test_a_drifting_chain_is_caught_by_splitting() -> None:
    rng = np.random.default_rng(5)
    drift = np.linspace(0, 3, 2000)[None, :] + rng.standard_normal((1, 2000))
    assert math.isnan(dx.rhat_basic(drift))  # one unsplit chain: undefined
    assert dx.split_rhat(drift) > 1.2


def test_chains_with_different_spread_are_caught_by_folding() -> None:
    rng = np.random.default_rng(6)
    draws = rng.standard_normal((4, 2000)) * np.array([[1.0], [1.0], [1.0], [4.0]])
    split = dx.split_chains(draws)
    assert dx.rhat_basic(dx.rank_normalize(split)) < 1.02  # same location: bulk R-hat blind
    assert dx.split_rhat(draws) > 1.05


def test_split_chains_drops_the_middle_of_odd_chains() -> None:
    split = dx.split_chains(np.arange(7.0)[None, :])
    np.testing.assert_array_equal(split, [[0, 1, 2], [4, 5, 6]])
