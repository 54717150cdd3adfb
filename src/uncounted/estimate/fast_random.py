"""Small random-variate generators for the Gibbs sampler's inner loop, in numba.

A Gibbs sweep of the latent-class model makes a few dozen binomial, beta and Poisson draws and
little else, so their cost is the sampler's cost. Here they run on an inline xoshiro256+
generator (about a nanosecond a uniform, against several times that through numba's
thread-local ``np.random``), with algorithms chosen for the parameter ranges the sampler meets:

* normal: Marsaglia & Tsang's (2000) ziggurat with 256 layers, on one 64-bit word (8 bits pick
  the layer, 1 the sign, 52 the abscissa; the three lowest bits, the weak ones of xoshiro256+,
  are dropped). 99% of draws cost a table look-up and a multiplication.
* gamma: Marsaglia & Tsang (2000) on the ziggurat normal; shapes below 1 by ``U^(1/shape)``.
* beta: closed forms when a parameter equals 1 (every empty class under the default prior);
  a ratio of gammas otherwise.
* binomial: inversion (sequential search from 0, after a free test for 0: ``(1 - p)^n`` is at
  least ``1 - np``) when the smaller of ``np`` and ``n(1-p)`` is at most 12; otherwise
  Hörmann's (1993) transformed rejection with squeeze, BTRS.
* Poisson: inversion (with the same free test for 0) for means up to 12; Hörmann's PTRS above.

The state is a uint64 array of 4 words seeded from a SeedSequence; it must not be all zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

# Compiled without zero-division checks and with a * b + c contracted to one fused
# multiply-add (one rounding instead of two); no other fast-math licence.
_jit = njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
_jit_inline = njit(
    cache=True, nogil=True, error_model="numpy", fastmath={"contract"}, inline="always"
)
_TWO_TO_MINUS_53 = 1.0 / 9007199254740992.0
_INVERSION_MAX_MEAN = 12.0
# BTRS evaluates pmf(k) / pmf(m) as a product of this many ratios or fewer, else with logs
# (16 factors below 2^63 each stay in the float range).
_BTRS_PRODUCT_SPAN = 16
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


def _ziggurat_tables(
    r: float, layers: int = 256
) -> tuple[NDArray[np.uint64], NDArray[np.float64], NDArray[np.float64]]:
    """Ziggurat for exp(-x^2/2): layer i covers [0, x_i] x [f(x_i), f(x_{i-1})], all of area v.

    Layer 0 is the base strip (the rectangle under f(r) and the tail beyond r), layer 1 the top
    (x_0 = 0). Returned per layer: the integer threshold below which a 52-bit abscissa lies
    wholly under the curve, the abscissa scale, and f at the layer's right edge.
    """

    def f(x: float) -> float:
        return math.exp(-0.5 * x * x)

    v = r * f(r) + math.sqrt(math.pi / 2.0) * math.erfc(r / math.sqrt(2.0))
    x = [0.0] * layers
    x[layers - 1] = r
    for i in range(layers - 2, 0, -1):
        x[i] = math.sqrt(-2.0 * math.log(v / x[i + 1] + f(x[i + 1])))
    scale = 2.0**52
    base_width = v / f(r)
    k = np.zeros(layers, dtype=np.uint64)
    w = np.zeros(layers)
    fx = np.zeros(layers)
    k[0] = np.uint64(math.floor(r / base_width * scale))
    w[0] = base_width / scale
    fx[0] = 1.0
    for i in range(1, layers):
        k[i] = np.uint64(math.floor(x[i - 1] / x[i] * scale))
        w[i] = x[i] / scale
        fx[i] = f(x[i])
    return k, w, fx


# r as in numpy's ziggurat: the 255 layers above the base close at the top to 1e-13 of an area
_ZIGGURAT_R = 3.6541528853610088
_ZIG_K, _ZIG_W, _ZIG_F = _ziggurat_tables(_ZIGGURAT_R)
_MASK_52 = np.uint64((1 << 52) - 1)


# The generators take the state as a tuple of four uint64 and return (draw, new state): a tuple
# lives in registers, where an array would be stored and reloaded around every draw, and is
# passed without reference counting. ``load``/``store`` move it from and to the chain's array.
State = tuple[np.uint64, np.uint64, np.uint64, np.uint64]


@_jit_inline
def load(state: NDArray[np.uint64]) -> State:
    return (state[0], state[1], state[2], state[3])


@_jit_inline
def store(state: NDArray[np.uint64], s: State) -> None:
    state[0] = s[0]
    state[1] = s[1]
    state[2] = s[2]
    state[3] = s[3]


@_jit_inline
def next_s(s: State) -> tuple[np.uint64, State]:
    """xoshiro256+ (Blackman & Vigna): the next 64-bit output (its lowest bits are weak)."""
    s0, s1, s2, s3 = s
    result = s0 + s3
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << np.uint64(45)) | (s3 >> np.uint64(19))
    return result, (s0, s1, s2, s3)


@_jit_inline
def _to_unit(r: np.uint64) -> float:
    """The top 53 bits of an output as a double in [0, 1)."""
    return float(np.int64(r >> np.uint64(11))) * _TWO_TO_MINUS_53


@_jit_inline
def uniform_s(s: State) -> tuple[float, State]:
    r, s = next_s(s)
    return _to_unit(r), s


@_jit_inline
def normal_s(s: State) -> tuple[float, State]:
    """Standard normal by the ziggurat; the 1% of draws outside the layers' cores out of line."""
    r, s = next_s(s)
    layer = np.int64(r >> np.uint64(56))
    rabs = (r >> np.uint64(3)) & _MASK_52
    if rabs < _ZIG_K[layer]:
        x = float(np.int64(rabs)) * _ZIG_W[layer]
        return (-x if (r >> np.uint64(55)) & np.uint64(1) else x), s
    return _normal_edge(s, r)


@_jit
def _normal_edge(s: State, r: np.uint64) -> tuple[float, State]:
    """The ziggurat's wedges and tail, for an output ``r`` that fell outside a layer's core."""
    while True:
        layer = np.int64(r >> np.uint64(56))
        negative = (r >> np.uint64(55)) & np.uint64(1)
        rabs = (r >> np.uint64(3)) & _MASK_52
        x = float(np.int64(rabs)) * _ZIG_W[layer]
        if rabs < _ZIG_K[layer]:
            return (-x if negative else x), s
        if layer == 0:
            # the tail beyond r (Marsaglia 1964); 1 - U lies in (0, 1]
            while True:
                u1, s = uniform_s(s)
                u2, s = uniform_s(s)
                xx = -math.log(1.0 - u1) / _ZIGGURAT_R
                yy = -math.log(1.0 - u2)
                if yy + yy > xx * xx:
                    x = _ZIGGURAT_R + xx
                    return (-x if negative else x), s
        u, s = uniform_s(s)
        if _ZIG_F[layer] + u * (_ZIG_F[layer - 1] - _ZIG_F[layer]) < math.exp(-0.5 * x * x):
            return (-x if negative else x), s
        r, s = next_s(s)


@_jit_inline
def gamma_s(s: State, shape: float) -> tuple[float, State]:
    """Gamma(shape, 1) draw; shapes below 1 through Gamma(shape + 1) * U^(1/shape)."""
    if shape >= 1.0:
        return _gamma_marsaglia_tsang(s, shape)
    return _gamma_small(s, shape)


@_jit
def _gamma_small(s: State, shape: float) -> tuple[float, State]:
    u, s = uniform_s(s)
    while u <= 0.0:
        u, s = uniform_s(s)
    g, s = _gamma_marsaglia_tsang(s, shape + 1.0)
    return g * u ** (1.0 / shape), s


@_jit_inline
def _gamma_marsaglia_tsang(s: State, shape: float) -> tuple[float, State]:
    """Marsaglia & Tsang (2000), for shape >= 1."""
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x, s = normal_s(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u, s = uniform_s(s)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v, s
        if u > 0.0 and math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v, s


@_jit
def beta_s(s: State, a: float, b: float) -> tuple[float, State]:
    """Beta(a, b) draw."""
    if a == 1.0:
        u, s = uniform_s(s)
        if b == 1.0:
            return u, s
        return 1.0 - u ** (1.0 / b), s
    if b == 1.0:
        u, s = uniform_s(s)
        return u ** (1.0 / a), s
    if a < 1.0 or b < 1.0:
        return _beta_small(s, a, b)
    x, s = _gamma_marsaglia_tsang(s, a)
    y, s = _gamma_marsaglia_tsang(s, b)
    return x / (x + y), s


@_jit
def _beta_small(s: State, a: float, b: float) -> tuple[float, State]:
    """Beta(a, b) as a ratio of gammas when a parameter is below 1."""
    x, s = gamma_s(s, a)
    y, s = gamma_s(s, b)
    return x / (x + y), s


@_jit_inline
def binomial_s(s: State, n: np.int64, p: float) -> tuple[np.int64, State]:
    """Binomial(n, p) draw."""
    if n <= 0 or p <= 0.0:
        return np.int64(0), s
    if p >= 1.0:
        return np.int64(n), s
    if p > 0.5:
        x, s = _binomial_lower_half(s, n, 1.0 - p)
        return np.int64(n - x), s
    return _binomial_lower_half(s, n, p)


@_jit_inline
def _binomial_lower_half(s: State, n: np.int64, p: float) -> tuple[np.int64, State]:
    if n * p > _INVERSION_MAX_MEAN:
        return _binomial_btrs(s, n, p)
    u, s = uniform_s(s)
    # (1 - p)^n >= 1 - np, so below that u the draw is 0 without computing the power
    if u < 1.0 - n * p:
        return np.int64(0), s
    return _binomial_inversion(s, n, p, u)


@_jit
def _binomial_inversion(s: State, n: np.int64, p: float, u: float) -> tuple[np.int64, State]:
    """Sequential search from 0 for a uniform ``u``, for n p <= 12 and p <= 1/2."""
    ratio = p / (1.0 - p)
    step = (n + 1) * ratio
    first = math.exp(n * math.log1p(-p))
    while True:
        prob = first
        x = 0
        while u > prob and x < n:
            u -= prob
            x += 1
            prob *= step / x - ratio
        # u beyond the last cell can only come from rounding in the running sum: draw again
        if u <= prob:
            return np.int64(x), s
        u, s = uniform_s(s)


@_jit
def _stirling_tail(k: float) -> float:
    """log(k!) minus (k + 1/2) log(k + 1) - (k + 1) + log(2 pi) / 2."""
    if k < 10.0:
        kp1 = k + 1.0
        return _LOG_FACTORIAL_SMALL[int(k)] - ((k + 0.5) * math.log(kp1) - kp1 + _HALF_LOG_2PI)
    kp1 = k + 1.0
    kp1sq = kp1 * kp1
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / kp1


@_jit
def _binomial_btrs(s: State, n: np.int64, p: float) -> tuple[np.int64, State]:
    """Hörmann's BTRS for n p > 12 and p <= 1/2."""
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    while True:
        u, s = uniform_s(s)
        v, s = uniform_s(s)
        u -= 0.5
        us = 0.5 - abs(u)
        if us == 0.0:  # u = 0 exactly: the transformation is infinite there
            continue
        kf = math.floor((2.0 * a / us + b) * u + c)
        if kf < 0 or kf > n:
            continue
        k = np.int64(kf)
        if us >= 0.07 and v <= v_r:
            return k, s
        if _btrs_accepts(n, p, k, v, us, a, b, spq):
            return k, s


@_jit
def _btrs_accepts(
    n: np.int64, p: float, k: np.int64, v: float, us: float, a: float, b: float, spq: float
) -> bool:
    """BTRS's acceptance test outside the squeeze: v alpha / (a / us^2 + b) <= pmf(k) / pmf(m).

    Out of line on purpose: inlined, the compiler hoists its logarithms of the mode's terms
    out of the loop, and every draw pays for them.
    """
    q = 1.0 - p
    alpha = (2.83 + 5.1 / b) * spq
    r = p / q
    m = np.int64(math.floor((n + 1) * p))
    h = v * alpha
    g = a / (us * us) + b
    if abs(k - m) <= _BTRS_PRODUCT_SPAN:
        # the ratio as a product of the pmf's successive ratios (n - i + 1) r / i
        num = 1.0
        den = 1.0
        if k > m:
            for i in range(m + 1, k + 1):
                num *= (n - i + 1) * r
                den *= i
        else:
            for i in range(k + 1, m + 1):
                num *= i
                den *= (n - i + 1) * r
        return bool(h * den <= g * num)
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
    return bool(math.log(h / g) <= bound)


@_jit_inline
def poisson_s(s: State, mean: float) -> tuple[np.int64, State]:
    """Poisson draw: inversion for small means, Hörmann's PTRS otherwise."""
    if mean <= 0.0:
        return np.int64(0), s
    if mean > _INVERSION_MAX_MEAN:
        return _poisson_ptrs(s, mean)
    u, s = uniform_s(s)
    # exp(-mean) >= 1 - mean: below that u the draw is 0 without computing the exponential
    if u < 1.0 - mean:
        return np.int64(0), s
    return _poisson_inversion(s, mean, u)


@_jit
def _poisson_inversion(s: State, mean: float, u: float) -> tuple[np.int64, State]:
    first = math.exp(-mean)
    while True:
        prob = first
        x = 0
        while u > prob and x < 1000:
            u -= prob
            x += 1
            prob *= mean / x
        if u <= prob:
            return np.int64(x), s
        u, s = uniform_s(s)


@_jit
def _poisson_ptrs(s: State, mean: float) -> tuple[np.int64, State]:
    """Hörmann's (1993) PTRS transformed rejection for means above 10."""
    b = 0.931 + 2.53 * math.sqrt(mean)
    a = -0.059 + 0.02483 * b
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u, s = uniform_s(s)
        v, s = uniform_s(s)
        u -= 0.5
        us = 0.5 - abs(u)
        if us == 0.0:  # u = 0 exactly: the transformation is infinite there
            continue
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= v_r:
            return np.int64(k), s
        if k < 0 or (us < 0.013 and v > us):
            continue
        if _ptrs_accepts(mean, k, v, us, a, b):
            return np.int64(k), s


@_jit
def _ptrs_accepts(mean: float, k: int, v: float, us: float, a: float, b: float) -> bool:
    """PTRS's acceptance test outside the squeeze (out of line, like ``_btrs_accepts``)."""
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    return bool(
        math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
        <= -mean + k * math.log(mean) - math.lgamma(k + 1.0)
    )


# The same draws on a state array, for callers outside the sampler's loop.


@_jit
def uniform(state: NDArray[np.uint64]) -> float:
    x, s = uniform_s(load(state))
    store(state, s)
    return x


@_jit
def normal(state: NDArray[np.uint64]) -> float:
    x, s = normal_s(load(state))
    store(state, s)
    return x


@_jit
def gamma(state: NDArray[np.uint64], shape: float) -> float:
    x, s = gamma_s(load(state), shape)
    store(state, s)
    return x


@_jit
def beta(state: NDArray[np.uint64], a: float, b: float) -> float:
    x, s = beta_s(load(state), a, b)
    store(state, s)
    return x


@_jit
def binomial(state: NDArray[np.uint64], n: np.int64, p: float) -> np.int64:
    x, s = binomial_s(load(state), n, p)
    store(state, s)
    return x


@_jit
def poisson(state: NDArray[np.uint64], mean: float) -> np.int64:
    x, s = poisson_s(load(state), mean)
    store(state, s)
    return x
