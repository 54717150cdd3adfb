"""The sampler's own random variates follow their distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from numpy.typing import NDArray
from scipy import stats

from uncounted.estimate import fast_random as fr

DRAWS = 200_000


@njit(cache=True)
def _draw(
    kind: int, a: float, b: float, n: int, count: int, state: NDArray[np.uint64]
) -> NDArray[np.float64]:
    out = np.empty(count)
    for i in range(count):
        if kind == 0:
            out[i] = fr.binomial(state, n, a)
        elif kind == 1:
            out[i] = fr.beta(state, a, b)
        elif kind == 2:
            out[i] = fr.gamma(state, a)
        elif kind == 3:
            out[i] = fr.poisson(state, a)
        elif kind == 5:
            out[i] = fr.normal(state)
        else:
            out[i] = fr.uniform(state)
    return out


def _state(seed: int) -> NDArray[np.uint64]:
    return fr.new_state(np.random.SeedSequence(seed).generate_state(4, dtype=np.uint64))


def _chi_square_pvalue(x: NDArray[np.float64], pmf: NDArray[np.float64]) -> float:
    observed = np.bincount(x.astype(np.int64), minlength=pmf.size)[: pmf.size]
    expected = pmf * x.size
    keep = expected > 20
    scale = observed[keep].sum() / expected[keep].sum()
    return float(stats.chisquare(observed[keep], expected[keep] * scale).pvalue)


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (5, 0.3),
        (20, 0.5),
        (100, 0.12),
        (30, 0.4),
        (1500, 0.3),
        (400, 0.5),
        (15, 0.9),
        (2000, 0.97),
        # inversion after the free test for 0, small and middling means
        (100_000, 1e-6),
        (2000, 0.004),
        # BTRS with small means (pmf ratio as a product), huge n, and wide spreads (logs)
        (60, 0.3),
        (1_000_000, 3e-5),
        (2**40, 1e-10),
        (100_000, 0.2),
    ],
)
def test_binomial(n: int, p: float) -> None:
    x = _draw(0, p, 0.0, n, DRAWS, _state(n % 1_000_003))
    assert x.min() >= 0 and x.max() <= n
    hi = int(min(n, n * p + 10 * math.sqrt(n * p) + 20))
    assert _chi_square_pvalue(x, stats.binom(n, p).pmf(np.arange(hi + 1))) > 1e-4
    assert x.mean() == pytest.approx(n * p, abs=5 * math.sqrt(n * p * (1 - p) / DRAWS))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (1.0, 4.0),
        (3.0, 1.0),
        (1.0, 1.0),
        (2.0, 2.0),
        (2.0, 3.0),
        (50.5, 700.2),
        (1200.0, 3400.0),
        (1.5, 1e5),
        (0.5, 3.0),
        (3.0, 0.3),
        (0.4, 0.6),
    ],
)
def test_beta(a: float, b: float) -> None:
    x = _draw(1, a, b, 0, DRAWS, _state(int(a * 10 + b)))
    assert stats.kstest(x, stats.beta(a, b).cdf).pvalue > 1e-4


@pytest.mark.parametrize("shape", [0.2, 0.7, 1.0, 2.5, 100.0, 2070.0])
def test_gamma(shape: float) -> None:
    x = _draw(2, shape, 0.0, 0, DRAWS, _state(int(shape * 10)))
    assert stats.kstest(x, stats.gamma(shape).cdf).pvalue > 1e-4


@pytest.mark.parametrize("mean", [0.01, 0.5, 3.0, 11.0, 12.5, 40.0, 400.0, 1e5])
def test_poisson(mean: float) -> None:
    x = _draw(3, mean, 0.0, 0, DRAWS, _state(int(mean * 100)))
    hi = int(mean + 10 * math.sqrt(mean) + 20)
    pmf = stats.poisson(mean).pmf(np.arange(hi + 1))
    assert _chi_square_pvalue(x, pmf) > 1e-4


def test_normal() -> None:
    x = _draw(5, 0.0, 0.0, 0, DRAWS, _state(5))
    assert stats.kstest(x, "norm").pvalue > 1e-4


def test_normal_wedges_and_tail() -> None:
    # 2 million draws in 0.05-wide bins out to 5 sd: each ziggurat layer's wedge is a few
    # bins, and some 500 draws land in the tail beyond r = 3.654
    x = _draw(5, 0.0, 0.0, 0, 10 * DRAWS, _state(6))
    edges = np.concatenate(([-np.inf], np.arange(-5.0, 5.0001, 0.05), [np.inf]))
    observed = np.histogram(x, edges)[0]
    expected = np.diff(stats.norm.cdf(edges)) * x.size
    keep = expected > 20
    scale = observed[keep].sum() / expected[keep].sum()
    assert stats.chisquare(observed[keep], expected[keep] * scale).pvalue > 1e-4
    beyond = np.sum(np.abs(x) > fr._ZIGGURAT_R)
    tail = 2 * stats.norm.sf(fr._ZIGGURAT_R) * x.size
    assert abs(beyond - tail) < 5 * math.sqrt(tail)

    def beyond_3_cdf(y: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(1.0 - stats.norm.sf(3.0 + y) / stats.norm.sf(3.0))

    assert stats.kstest(np.abs(x[np.abs(x) > 3.0]) - 3.0, beyond_3_cdf).pvalue > 1e-4


def test_ziggurat_layers_have_equal_areas() -> None:
    k, w, f = fr._ZIG_K, fr._ZIG_W, fr._ZIG_F
    x = w * 2.0**52  # right edges of the layers (the base strip's width for layer 0)
    area_base = fr._ZIGGURAT_R * f[-1] + math.sqrt(math.pi / 2) * math.erfc(
        fr._ZIGGURAT_R / math.sqrt(2)
    )
    assert x[0] * f[-1] == pytest.approx(area_base, rel=1e-12)
    layers = x[1:] * (f[:-1] - f[1:])
    np.testing.assert_allclose(layers, area_base, rtol=1e-10)
    assert k[1] == 0


def test_uniform_is_uniform_and_reproducible() -> None:
    x = _draw(4, 0.0, 0.0, 0, DRAWS, _state(1))
    assert stats.kstest(x, "uniform").pvalue > 1e-4
    np.testing.assert_array_equal(x, _draw(4, 0.0, 0.0, 0, DRAWS, _state(1)))
    assert not np.array_equal(x, _draw(4, 0.0, 0.0, 0, DRAWS, _state(2)))


def test_all_zero_state_is_replaced() -> None:
    state = fr.new_state(np.zeros(4, dtype=np.uint64))
    assert state.any()
    with pytest.raises(ValueError):
        fr.new_state(np.zeros(3, dtype=np.uint64))
