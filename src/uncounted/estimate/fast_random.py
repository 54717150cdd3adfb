"""Small random-variate generators for the Gibbs sampler's inner loop, in numba.

A Gibbs sweep of the latent-class model makes about a hundred binomial and beta draws and little
else, so their cost is the sampler's cost. Here they run on an inline xoshiro256+ generator (a
few nanoseconds a uniform, against several times that through numba's thread-local
``np.random``), with algorithms chosen for the parameter ranges the sampler meets:

* binomial: inversion (sequential search from 0) when the smaller of ``np`` and ``n(1-p)`` is
  at most 12; otherwise Hörmann's (1993) transformed rejection with squeeze, BTRS.
* beta: closed forms when a parameter equals 1 (every empty class under the default prior);
  Cheng's (1978) algorithm BB when both exceed 1; a ratio of gammas otherwise.

The state is a uint64 array of 4 words seeded from a SeedSequence; it must not be all zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

_TWO_TO_MINUS_53 = 1.0 / 9007199254740992.0
_INVERSION_MAX_MEAN = 12.0
_LOG4 = math.log(4.0)
_CHENG_BOUND = 1.0 + math.log(5.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_FACTORIAL_SMALL = np.array([math.lgamma(k + 1.0) for k in range(10)])


def new_state(words: NDArray[Any]) -> NDArray[np.uint64]:
    """Generator state from four 64-bit words (e.g. ``SeedSequence.generate_state(4, uint64)``)."""
    state = np.asarray(words, dtype=np.uint64).copy()
    if state.shape != (4,):
        raise ValueError("the generator state is four 64-bit words")
    if not state.any():
        state[0] = np.uint64(0x9E3779B97F4A7C15)
    return state


@njit(cache=True, nogil=True, inline="always")
def uniform(state: NDArray[np.uint64]) -> float:
    """xoshiro256+ (Blackman & Vigna): the top 53 bits as a double in [0, 1)."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = s0 + s3
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << np.uint64(45)) | (s3 >> np.uint64(19))
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return float(result >> np.uint64(11)) * _TWO_TO_MINUS_53


@njit(cache=True, nogil=True)
def binomial(state: NDArray[np.uint64], n: np.int64, p: float) -> np.int64:
    """Binomial(n, p) draw."""
    if n <= 0 or p <= 0.0:
        return np.int64(0)
    if p >= 1.0:
        return np.int64(n)
    if p > 0.5:
        return np.int64(n - _binomial_lower_half(state, n, 1.0 - p))
    return _binomial_lower_half(state, n, p)


@njit(cache=True, nogil=True)
def _binomial_lower_half(state: NDArray[np.uint64], n: np.int64, p: float) -> np.int64:
    if n * p <= _INVERSION_MAX_MEAN:
        return _binomial_inversion(state, n, p)
    return _binomial_btrs(state, n, p)


@njit(cache=True, nogil=True)
def _binomial_inversion(state: NDArray[np.uint64], n: np.int64, p: float) -> np.int64:
    ratio = p / (1.0 - p)
    step = (n + 1) * ratio
    first = math.exp(n * math.log1p(-p))
    while True:
        u = uniform(state)
        prob = first
        x = 0
        while u > prob and x < n:
            u -= prob
            x += 1
            prob *= step / x - ratio
        # u beyond the last cell can only come from rounding in the running sum: draw again
        if u <= prob:
            return np.int64(x)


@njit(cache=True, nogil=True)
def _stirling_tail(k: float) -> float:
    """log(k!) minus (k + 1/2) log(k + 1) - (k + 1) + log(2 pi) / 2."""
    if k < 10.0:
        kp1 = k + 1.0
        return _LOG_FACTORIAL_SMALL[int(k)] - ((k + 0.5) * math.log(kp1) - kp1 + _HALF_LOG_2PI)
    kp1 = k + 1.0
    kp1sq = kp1 * kp1
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / kp1


@njit(cache=True, nogil=True)
def _binomial_btrs(state: NDArray[np.uint64], n: np.int64, p: float) -> np.int64:
    """Hörmann's BTRS for n p > 12 and p <= 1/2."""
    q = 1.0 - p
    spq = math.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    r = p / q
    m = math.floor((n + 1) * p)
    while True:
        u = uniform(state) - 0.5
        v = uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return np.int64(k)
        v = math.log(v * alpha / (a / (us * us) + b))
        # log of pmf(k) / pmf(m), with Stirling's series for the factorials
        bound = (
            (m + 0.5) * math.log((m + 1.0) / (r * (n - m + 1.0)))
            + (n + 1.0) * math.log((n - m + 1.0) / (n - k + 1.0))
            + (k + 0.5) * math.log(r * (n - k + 1.0) / (k + 1.0))
            + _stirling_tail(float(m))
            + _stirling_tail(float(n - m))
            - _stirling_tail(float(k))
            - _stirling_tail(float(n - k))
        )
        if v <= bound:
            return np.int64(k)


@njit(cache=True, nogil=True)
def beta(state: NDArray[np.uint64], a: float, b: float) -> float:
    """Beta(a, b) draw."""
    if a == 1.0:
        return 1.0 - uniform(state) ** (1.0 / b)
    if b == 1.0:
        return uniform(state) ** (1.0 / a)
    if a > 1.0 and b > 1.0:
        return _beta_cheng(state, a, b)
    x = gamma(state, a)
    y = gamma(state, b)
    return x / (x + y)


@njit(cache=True, nogil=True)
def _beta_cheng(state: NDArray[np.uint64], a: float, b: float) -> float:
    """Cheng's algorithm BB, valid when both parameters exceed 1."""
    small = min(a, b)
    large = max(a, b)
    total = small + large
    scale = math.sqrt((total - 2.0) / (2.0 * small * large - total))
    shift = small + 1.0 / scale
    while True:
        u1 = uniform(state)
        u2 = uniform(state)
        if u1 <= 0.0:
            continue
        v = scale * math.log(u1 / (1.0 - u1))
        w = small * math.exp(v) if v < 700.0 else math.inf
        z = u1 * u1 * u2
        r = shift * v - _LOG4
        s = small + r - w
        if s + _CHENG_BOUND >= 5.0 * z:
            break
        t = math.log(z)
        if s > t:
            break
        if r + total * math.log(total / (large + w)) >= t:
            break
    if math.isinf(w):
        return 1.0 if small == a else 0.0
    return w / (large + w) if small == a else large / (large + w)


@njit(cache=True, nogil=True)
def normal(state: NDArray[np.uint64]) -> float:
    """Standard normal by the polar method (one of each pair is enough here)."""
    while True:
        x = 2.0 * uniform(state) - 1.0
        y = 2.0 * uniform(state) - 1.0
        r2 = x * x + y * y
        if 0.0 < r2 < 1.0:
            return x * math.sqrt(-2.0 * math.log(r2) / r2)


@njit(cache=True, nogil=True)
def gamma(state: NDArray[np.uint64], shape: float) -> float:
    """Gamma(shape, 1) draw; shapes below 1 through Gamma(shape + 1) * U^(1/shape)."""
    if shape >= 1.0:
        return _gamma_marsaglia_tsang(state, shape)
    u = uniform(state)
    while u <= 0.0:
        u = uniform(state)
    return _gamma_marsaglia_tsang(state, shape + 1.0) * u ** (1.0 / shape)


@njit(cache=True, nogil=True)
def _gamma_marsaglia_tsang(state: NDArray[np.uint64], shape: float) -> float:
    """Marsaglia & Tsang (2000), for shape >= 1."""
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = normal(state)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(state)
        if u < 1.0 - 0.0331 * x * x * x * x:
            return d * v
        if u > 0.0 and math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v


@njit(cache=True, nogil=True)
def poisson(state: NDArray[np.uint64], mean: float) -> np.int64:
    """Poisson draw: inversion for small means, Hörmann's PTRS otherwise."""
    if mean <= 0.0:
        return np.int64(0)
    if mean <= _INVERSION_MAX_MEAN:
        while True:
            u = uniform(state)
            prob = math.exp(-mean)
            x = 0
            while u > prob and x < 1000:
                u -= prob
                x += 1
                prob *= mean / x
            if u <= prob:
                return np.int64(x)
    return _poisson_ptrs(state, mean)


@njit(cache=True, nogil=True)
def _poisson_ptrs(state: NDArray[np.uint64], mean: float) -> np.int64:
    """Hörmann's (1993) PTRS transformed rejection for means above 10."""
    slam = math.sqrt(mean)
    loglam = math.log(mean)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(state) - 0.5
        v = uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= v_r:
            return np.int64(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)) <= (
            -mean + k * loglam - math.lgamma(k + 1.0)
        ):
            return np.int64(k)
