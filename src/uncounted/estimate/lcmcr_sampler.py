"""Gibbs sampler of the Dirichlet-process latent-class model (Manrique-Vallier 2016), in numba.

The sampler works on the table of capture patterns, never on individuals: given the class
weights and list probabilities, the people who share a pattern are split among the classes by one
multinomial draw, and the unobserved people are drawn as a count (negative binomial under the
1/N prior) and split the same way. A sweep therefore costs the same for 400 people or 4 million.

All randomness comes from the chain's own generator state (xoshiro256+, seeded from a
SeedSequence), so one chain's numbers depend on its seed only, whichever thread runs it. The
kernel releases the GIL, so chains run in parallel threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from uncounted.estimate import fast_random as fr

# Above this Poisson mean the number of unobserved people is drawn from the normal approximation:
# integers would overflow long before memory does (nothing is allocated per person).
_POISSON_NORMAL_FROM = 1e15
# A stick proportion this close to 1 would make log(1 - V) infinite in the concentration update.
_STICK_CEILING = 1.0 - 1e-12
# Below this many people per class still to visit, people are placed one by one.
_PER_PERSON_BELOW = 1
# Starting state and warm-up, as in the R package.
_START_HEAVY_CLASSES = 4
_START_ALPHA = 0.3
_WARM_UP = 500


@njit(cache=True, nogil=True)
def _multinomial_into(
    state: NDArray[np.uint64],
    count: np.int64,
    weights: NDArray[np.float64],
    total: float,
    order: NDArray[np.int64],
    out: NDArray[np.int64],
) -> None:
    """Split ``count`` among classes with probabilities ``weights / total``.

    Classes are visited in ``order`` (heaviest first, so the count runs out early) with one
    binomial each; once few people remain, each is placed by one uniform, which is cheaper than
    a binomial per remaining class.
    """
    n_classes = weights.size
    out[:] = 0
    remaining = count
    mass_left = total
    for i in range(n_classes):
        if remaining == 0:
            return
        k = order[i]
        if remaining <= _PER_PERSON_BELOW * (n_classes - i):
            _categorical_into(state, remaining, weights, mass_left, order, i, out)
            return
        if i == n_classes - 1 or mass_left <= 0.0:
            out[k] = remaining
            return
        p = weights[k] / mass_left
        if p >= 1.0:
            drawn = remaining
        elif p <= 0.0:
            drawn = np.int64(0)
        else:
            drawn = fr.binomial(state, remaining, p)
        out[k] = drawn
        remaining -= drawn
        mass_left -= weights[k]


@njit(cache=True, nogil=True)
def _categorical_into(
    state: NDArray[np.uint64],
    count: np.int64,
    weights: NDArray[np.float64],
    mass_left: float,
    order: NDArray[np.int64],
    start: int,
    out: NDArray[np.int64],
) -> None:
    """Place ``count`` people one by one among the classes ``order[start:]``."""
    n_classes = weights.size
    last = order[start]
    for i in range(start, n_classes):
        if weights[order[i]] > 0.0:
            last = order[i]
    for _ in range(count):
        u = fr.uniform(state) * mass_left
        chosen = last  # rounding can leave u above the running sum: the last class takes it
        acc = 0.0
        for i in range(start, n_classes):
            acc += weights[order[i]]
            if u < acc:
                chosen = order[i]
                break
        out[chosen] += 1


@njit(cache=True, nogil=True)
def _sort_classes(
    pi: NDArray[np.float64], lam: NDArray[np.float64], order: NDArray[np.int64]
) -> None:
    """Relabel classes by decreasing weight, so the truncated last class is the lightest."""
    _order_by_weight(pi, order)
    pi[:] = pi[order].copy()
    lam[:, :] = lam[:, order].copy()


@njit(cache=True, nogil=True)
def _order_by_weight(pi: NDArray[np.float64], order: NDArray[np.int64]) -> None:
    """Class indices by decreasing weight (insertion sort: K is small, the order changes little)."""
    for i in range(order.size):
        order[i] = i
    for i in range(1, order.size):
        k = order[i]
        j = i - 1
        while j >= 0 and pi[order[j]] < pi[k]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k


@njit(cache=True, nogil=True)
def run_chain(
    state: NDArray[np.uint64],
    pattern_masks: NDArray[np.int64],
    pattern_counts: NDArray[np.int64],
    n_lists: int,
    n_classes: int,
    list_prior: tuple[float, float],
    alpha_prior: tuple[float, float],
    burn_in: int,
    n_keep: int,
    thin: int,
    out_n: NDArray[np.int64],
    out_occupied: NDArray[np.int64],
    out_alpha: NDArray[np.float64],
) -> int:
    """Run one chain, writing kept draws into the ``out_`` arrays.

    Returns how many sweeps drew the unobserved count from the normal approximation (0 unless
    the posterior of N is absurdly wide).
    """
    n_patterns = pattern_masks.size
    n_observed = pattern_counts.sum()
    a_list, b_list = list_prior
    a_alpha, b_alpha = alpha_prior

    # Start as LCMCR does: every class at the lists' observed capture rates, most weight on a
    # few classes, and a small concentration held fixed through a warm-up. Started from
    # spread-out weights, chains can settle in a mode of the truncated model where the
    # concentration is large and the last class soaks up the leftover weight.
    lam = np.empty((n_lists, n_classes))
    for j in range(n_lists):
        on_j = 0
        for p in range(n_patterns):
            if (pattern_masks[p] >> j) & 1:
                on_j += pattern_counts[p]
        rate = min(max(on_j / n_observed, 0.01), 0.99)
        for k in range(n_classes):
            lam[j, k] = rate
    pi = np.empty(n_classes)
    heavy = min(_START_HEAVY_CLASSES, n_classes)
    for k in range(n_classes):
        if n_classes == heavy:
            pi[k] = 1.0 / n_classes
        elif k < heavy:
            pi[k] = 0.9 / heavy
        else:
            pi[k] = 0.1 / (n_classes - heavy)
    alpha = _START_ALPHA / n_classes

    bits = np.zeros((n_patterns, n_lists), dtype=np.bool_)
    for p in range(n_patterns):
        for j in range(n_lists):
            bits[p, j] = (pattern_masks[p] >> j) & 1 == 1

    weights = np.empty(n_classes)
    split = np.empty(n_classes, dtype=np.int64)
    class_size = np.empty(n_classes, dtype=np.int64)
    on_list = np.empty((n_lists, n_classes), dtype=np.int64)
    order = np.empty(n_classes, dtype=np.int64)
    normal_draws = 0

    total_sweeps = burn_in + n_keep * thin
    kept = 0
    for sweep in range(-_WARM_UP, total_sweeps):
        if sweep == 0:
            _sort_classes(pi, lam, order)
        class_size[:] = 0
        on_list[:, :] = 0
        _order_by_weight(pi, order)

        # observed people: class counts within each pattern
        for p in range(n_patterns):
            total = 0.0
            for k in range(n_classes):
                w = pi[k]
                for j in range(n_lists):
                    w *= lam[j, k] if bits[p, j] else 1.0 - lam[j, k]
                weights[k] = w
                total += w
            if total <= 0.0:
                # every class gives this pattern probability below the float range: use logs
                _log_weights(pi, lam, bits[p], weights)
                total = weights.sum()
            _multinomial_into(state, pattern_counts[p], weights, total, order, split)
            for k in range(n_classes):
                m = split[k]
                if m:
                    class_size[k] += m
                    for j in range(n_lists):
                        if bits[p, j]:
                            on_list[j, k] += m

        # unobserved people: their number, then their classes
        p_missed = 0.0
        for k in range(n_classes):
            w = pi[k]
            for j in range(n_lists):
                w *= 1.0 - lam[j, k]
            weights[k] = w
            p_missed += w
        p_missed = min(p_missed, 1.0)
        n_missing = np.int64(0)
        if p_missed > 0.0:
            if p_missed >= 1.0:
                rate = math.inf
            else:
                rate = fr.gamma(state, float(n_observed)) * (p_missed / (1.0 - p_missed))
            if rate < _POISSON_NORMAL_FROM:
                n_missing = fr.poisson(state, rate)
            else:
                normal_draws += 1
                draw = rate + math.sqrt(rate) * fr.normal(state)
                n_missing = np.int64(min(draw, 9.0e18))
            _multinomial_into(state, n_missing, weights, p_missed, order, split)
            for k in range(n_classes):
                class_size[k] += split[k]

        # list probabilities per class
        for j in range(n_lists):
            for k in range(n_classes):
                s = float(on_list[j, k])
                lam[j, k] = fr.beta(state, a_list + s, b_list + float(class_size[k]) - s)

        # stick-breaking weights, truncated at n_classes
        after = float(class_size.sum())
        log_rest = 0.0
        remaining_stick = 1.0
        for k in range(n_classes):
            after -= class_size[k]
            if k == n_classes - 1:
                v = 1.0
            else:
                v = min(fr.beta(state, 1.0 + class_size[k], alpha + after), _STICK_CEILING)
                log_rest += math.log1p(-v)
            pi[k] = v * remaining_stick
            remaining_stick *= 1.0 - v

        # concentration of the Dirichlet process (held during the warm-up)
        if sweep >= 0:
            alpha = fr.gamma(state, a_alpha + n_classes - 1.0) / (b_alpha - log_rest)

        if sweep >= burn_in and (sweep - burn_in) % thin == thin - 1:
            out_n[kept] = n_observed + n_missing
            occupied = 0
            for k in range(n_classes):
                if class_size[k] > 0:
                    occupied += 1
            out_occupied[kept] = occupied
            out_alpha[kept] = alpha
            kept += 1
    return normal_draws


@njit(cache=True, nogil=True)
def _log_weights(
    pi: NDArray[np.float64],
    lam: NDArray[np.float64],
    bits: NDArray[np.bool_],
    weights: NDArray[np.float64],
) -> None:
    """Class weights of one pattern computed in logs and rescaled so the largest is 1."""
    n_classes = pi.size
    best = -math.inf
    for k in range(n_classes):
        w = math.log(pi[k]) if pi[k] > 0.0 else -math.inf
        for j in range(bits.size):
            w += math.log(lam[j, k]) if bits[j] else math.log1p(-lam[j, k])
        weights[k] = w
        best = max(best, w)
    for k in range(n_classes):
        weights[k] = math.exp(weights[k] - best)
