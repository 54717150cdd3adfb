"""Gibbs sampler of the Dirichlet-process latent-class model (Manrique-Vallier 2016), in numba.

The sampler works on the table of capture patterns, never on individuals: given the class
weights and list probabilities, the people who share a pattern are split among the classes by one
multinomial draw. The unobserved people are a Poisson count given a gamma rate (their number is
negative binomial under the 1/N prior), so their numbers in the classes are independent Poisson
draws given that rate. A sweep therefore costs the same for 400 people or 4 million.

All randomness comes from the chain's own generator state (xoshiro256+, seeded from a
SeedSequence), so one chain's numbers depend on its seed only, whichever thread runs it. The
kernel releases the GIL, so chains run in parallel threads.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numba import njit
from numpy.typing import NDArray

from uncounted.estimate import fast_random as fr

# Above this Poisson mean the number of unobserved people is drawn from the normal approximation:
# integers would overflow long before memory does (nothing is allocated per person).
_POISSON_NORMAL_FROM = 1e15
# The concentration's posterior reaches far below 0.01 on some tables (its Gamma(0.25, 0.25)
# prior has density ~ alpha^-0.75 at 0); this floor, far below anything drawn in practice, only
# keeps log(1 - V) = log(U) / alpha finite.
_ALPHA_FLOOR = 1e-300
# Once this many people of a pattern or fewer are left to place, each is placed by one uniform,
# which is cheaper than a binomial for each class still to visit.
_PER_PERSON_FROM = 24
# With at most this many lists, class likelihoods of all 2^J patterns come from one table per
# class (2^J products instead of J per pattern) when the table is not much bigger than the data.
_TABLE_MAX_LISTS = 10
# Each pattern's classes are re-sorted by weight every this many sweeps (any order is exact).
_RESORT_EVERY = 64
# Starting state and warm-up, as in the R package.
_START_HEAVY_CLASSES = 4
_START_ALPHA = 0.3
_WARM_UP = 500


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _likelihoods(
    pi: NDArray[np.float64],
    lam: NDArray[np.float64],
    bits: NDArray[np.bool_],
    use_table: bool,
    like: NDArray[np.float64],
) -> None:
    """``like[row, k]``: class weight times the probability of a capture pattern in class k.

    With the table, rows are the 2^J patterns (row 0 is "on no list"); otherwise rows are the
    observed patterns, then "on no list" last.
    """
    n_lists, n_classes = lam.shape
    if use_table:
        for k in range(n_classes):
            like[0, k] = pi[k]
            size = 1
            for j in range(n_lists):
                on = lam[j, k]
                off = 1.0 - on
                for s in range(size):
                    t = like[s, k]
                    like[s + size, k] = t * on
                    like[s, k] = t * off
                size *= 2
        return
    n_patterns = bits.shape[0]
    for k in range(n_classes):
        missed = pi[k]
        for j in range(n_lists):
            missed *= 1.0 - lam[j, k]
        like[n_patterns, k] = missed
    for p in range(n_patterns):
        for k in range(n_classes):
            w = pi[k]
            for j in range(n_lists):
                w *= lam[j, k] if bits[p, j] else 1.0 - lam[j, k]
            like[p, k] = w


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _split_patterns(
    s: fr.State,
    counts: NDArray[np.int64],
    n_split: int,
    like: NDArray[np.float64],
    like_row: NDArray[np.int64],
    orders: NDArray[np.uint32],
    resort: bool,
    suffix: NDArray[np.float64],
    split: NDArray[np.int64],
    in_class: NDArray[np.int64],
    pi: NDArray[np.float64],
    lam: NDArray[np.float64],
    bits: NDArray[np.bool_],
) -> fr.State:
    """Split each pattern's people among the classes: ``in_class[p, k]`` for ``p < n_split``.

    Pattern p has ``counts[p]`` people and class weights ``like[like_row[p]]``. Classes are
    visited in ``orders[p]`` (sorted heaviest first in place if ``resort``; it stays nearly
    sorted between sweeps, and any order is exact) with one binomial each until few people
    remain; each of those is then placed by one uniform. The last row of ``like`` is scratch,
    for a pattern whose weights all fall below the float range (they are then taken from logs;
    ``pi``, ``lam`` and ``bits`` serve only there). ``suffix`` is ``n_classes`` + 1 long at
    least, zero-padded; ``split`` is scratch.

    One loop over the patterns, inlined once per sweep: the compiler counts references to the
    arrays passed to a function, even an inlined one, and per pattern that would cost several
    atomic operations.
    """
    n_classes = like.shape[1]
    for p in range(n_split):
        r = like_row[p]
        if resort:
            _sort_by_weight(like, r, orders, p)
        acc = 0.0
        for back in range(n_classes):
            i = n_classes - 1 - back
            acc += like[r, orders[p, i]]
            suffix[i] = acc
        if not acc > 0.0:
            # every class gives this pattern probability below the float range: use logs
            r = like.shape[0] - 1
            _log_weights(pi, lam, bits[p], like[r])
            _sort_by_weight(like, r, orders, p)
            acc = 0.0
            for back in range(n_classes):
                i = n_classes - 1 - back
                acc += like[r, orders[p, i]]
                suffix[i] = acc
        for i in range(n_classes):
            split[i] = 0
        remaining = counts[p]
        i = 0
        while remaining > _PER_PERSON_FROM and i < n_classes - 1:
            # suffix[i] > 0 here: had it reached 0, the class before took everyone (p = 1)
            drawn, s = fr.binomial_s(s, remaining, like[r, orders[p, i]] / suffix[i])
            split[i] = drawn
            remaining -= drawn
            i += 1
        if remaining > 0 and (i == n_classes - 1 or not suffix[i + 1] > 0.0):
            split[i] += remaining
            remaining = 0
        # One by one: class l takes u in [suffix[l + 1], suffix[l]), an interval as long as its
        # weight; counting the suffix sums above u (all of those before i are) finds l without
        # a branch.
        mass = suffix[i]
        for _ in range(remaining):
            u, s = fr.uniform_s(s)
            u *= mass
            while u >= mass:  # rounding can only lift u to the top end: draw again
                u, s = fr.uniform_s(s)
                u *= mass
            above = 0
            for m in range(suffix.size):
                above += suffix[m] > u
            split[above - 1] += 1
        for i in range(n_classes):
            in_class[p, orders[p, i]] = split[i]
    return s


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _sort_by_weight(like: NDArray[np.float64], r: int, orders: NDArray[np.uint32], p: int) -> None:
    """Insertion sort of ``orders[p]`` by decreasing ``like[r]`` (nearly sorted: cheap)."""
    for i in range(1, orders.shape[1]):
        k = orders[p, i]
        wk = like[r, k]
        j = i - 1
        while j >= 0 and like[r, orders[p, j]] < wk:
            orders[p, j + 1] = orders[p, j]
            j -= 1
        orders[p, j + 1] = k


@njit(cache=True, nogil=True, error_model="numpy")
def _sort_classes(
    pi: NDArray[np.float64], lam: NDArray[np.float64], order: NDArray[np.int64]
) -> None:
    """Relabel classes by decreasing weight, so the truncated last class is the lightest."""
    for i in range(order.size):
        order[i] = i
    for i in range(1, order.size):
        k = order[i]
        j = i - 1
        while j >= 0 and pi[order[j]] < pi[k]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k
    pi[:] = pi[order].copy()
    lam[:, :] = lam[:, order].copy()


@njit(cache=True, nogil=True, error_model="numpy")
def _draw_weights(
    s: fr.State, class_size: NDArray[np.int64], alpha: float, pi: NDArray[np.float64]
) -> tuple[float, fr.State]:
    """Draw the truncated stick-breaking weights into ``pi``; return the log of what the first
    K - 1 sticks leave, sum log(1 - V_k), which the concentration's update needs.

    In logs throughout: with a small concentration, an empty class's 1 - V is U^(1/alpha), far
    below the float range (log U / alpha = -500 at alpha = 0.01), and a ceiling on V there would
    cut the concentration's posterior off below about 0.03 and bias N (+7% on ``western``).
    """
    n_classes = pi.size
    after = float(class_size.sum())
    log_rest = 0.0
    rest = 1.0  # exp(log_rest) while it is well inside the float range
    for k in range(n_classes - 1):
        after -= class_size[k]
        a, b = 1.0 + class_size[k], alpha + after
        if b >= 1.0 and rest > _LINEAR_REST_MIN:
            # Neither part can leave the float range: the same draws as _log_stick, with
            # fewer logarithms and exponentials (this loop is a tenth of a sweep).
            if a == 1.0:
                u, s = _positive_uniform(s)
                log_not_v = math.log(u) / b
                not_v = math.exp(log_not_v)
                v = -math.expm1(log_not_v)
            else:
                x, s = fr.gamma_s(s, a)
                y, s = fr.gamma_s(s, b)
                total = x + y
                v, not_v = x / total, y / total
                log_not_v = math.log(y) - math.log(total)
            pi[k] = rest * v
            rest *= not_v
            log_rest += log_not_v
        else:
            log_v, log_not_v, s = _log_stick(s, a, b)
            pi[k] = math.exp(log_rest + log_v)
            log_rest += log_not_v
            rest = math.exp(log_rest)
    pi[n_classes - 1] = math.exp(log_rest)
    return log_rest, s


# Below this share of the stick left, the weights are computed in logs.
_LINEAR_REST_MIN: Final = 1e-250


@njit(cache=True, nogil=True, error_model="numpy")
def _draw_concentration(
    s: fr.State, a_alpha: float, b_alpha: float, n_classes: int, log_rest: float
) -> tuple[float, fr.State]:
    """Concentration given the K - 1 sticks: Gamma(a + K - 1, rate b - sum log(1 - V_k))."""
    g, s = fr.gamma_s(s, a_alpha + n_classes - 1.0)
    return max(g / (b_alpha - log_rest), _ALPHA_FLOOR), s


@njit(cache=True, nogil=True, error_model="numpy")
def _log_stick(s: fr.State, a: float, b: float) -> tuple[float, float, fr.State]:
    """log V and log(1 - V) for V ~ Beta(a, b), exact when either is far below the float range."""
    if a == 1.0:
        # 1 - V = U^(1/b)
        u, s = _positive_uniform(s)
        log_not_v = math.log(u) / b
        return math.log(-math.expm1(log_not_v)), log_not_v, s
    log_x, s = _log_gamma(s, a)
    log_y, s = _log_gamma(s, b)
    top = max(log_x, log_y)
    log_sum = top + math.log(math.exp(log_x - top) + math.exp(log_y - top))
    return log_x - log_sum, log_y - log_sum, s


@njit(cache=True, nogil=True, error_model="numpy")
def _log_gamma(s: fr.State, shape: float) -> tuple[float, fr.State]:
    """log of a Gamma(shape, 1) draw; below shape 1 as log Gamma(shape + 1) + log(U) / shape."""
    if shape >= 1.0:
        g, s = fr.gamma_s(s, shape)
        return math.log(g), s
    u, s = _positive_uniform(s)
    g, s = fr.gamma_s(s, shape + 1.0)
    return math.log(g) + math.log(u) / shape, s


@njit(cache=True, nogil=True, error_model="numpy")
def _positive_uniform(s: fr.State) -> tuple[float, fr.State]:
    u, s = fr.uniform_s(s)
    while u <= 0.0:
        u, s = fr.uniform_s(s)
    return u, s


@njit(cache=True, nogil=True, error_model="numpy")
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

    use_table = n_lists <= _TABLE_MAX_LISTS and (1 << n_lists) <= 4 * n_patterns + 16
    # rows of class weights: each pattern's, the unobserved's, and one of scratch at the end
    like_row = np.empty(n_patterns + 1, dtype=np.int64)
    if use_table:
        like = np.empty(((1 << n_lists) + 1, n_classes))
        like_row[:n_patterns] = pattern_masks
        like_row[n_patterns] = 0
    else:
        like = np.empty((n_patterns + 2, n_classes))
        like_row[:] = np.arange(n_patterns + 1)
    # each pattern's visiting order of the classes; the last split is the unobserved, rarely
    # (unsigned: indices read from it need no test for negative values)
    orders = np.empty((n_patterns + 1, n_classes), dtype=np.uint32)
    for p in range(n_patterns + 1):
        orders[p] = np.arange(n_classes)
    counts = np.empty(n_patterns + 1, dtype=np.int64)
    counts[:n_patterns] = pattern_counts
    # suffix sums, zero-padded to a multiple of 4 for the branch-free count in the split
    suffix = np.zeros((n_classes + 4) // 4 * 4)
    split = np.empty(n_classes, dtype=np.int64)
    in_class = np.empty((n_patterns + 1, n_classes), dtype=np.int64)
    class_size = np.empty(n_classes, dtype=np.int64)
    on_list = np.empty((n_lists, n_classes), dtype=np.int64)
    scratch = np.empty(n_classes, dtype=np.int64)
    normal_draws = 0

    s = fr.load(state)
    total_sweeps = burn_in + n_keep * thin
    kept = 0
    for sweep in range(-_WARM_UP, total_sweeps):
        if sweep == 0:
            _sort_classes(pi, lam, scratch)
        _likelihoods(pi, lam, bits, use_table, like)
        for k in range(n_classes):
            class_size[k] = 0

        # unobserved people (independent of the observed ones' classes given pi and lam): given
        # a Gamma(n) rate (so their number is negative binomial), the classes' counts are
        # independent Poisson draws
        missed_row = like_row[n_patterns]
        p_missed = 0.0
        for k in range(n_classes):
            p_missed += like[missed_row, k]
        p_missed = min(p_missed, 1.0)
        n_missing = np.int64(0)
        n_split = n_patterns
        if p_missed > 0.0:
            scale = math.inf
            if p_missed < 1.0:
                g, s = fr.gamma_s(s, float(n_observed))
                scale = g / (1.0 - p_missed)
            if scale * p_missed < _POISSON_NORMAL_FROM:
                for k in range(n_classes):
                    m, s = fr.poisson_s(s, scale * like[missed_row, k])
                    class_size[k] += m
                    n_missing += m
            else:
                # split among the classes with the observed patterns, as one more pattern
                normal_draws += 1
                rate = scale * p_missed
                z, s = fr.normal_s(s)
                n_missing = np.int64(min(rate + math.sqrt(rate) * z, 9.0e18))
                counts[n_patterns] = n_missing
                n_split = n_patterns + 1

        # observed people: class counts within each pattern
        resort = sweep % _RESORT_EVERY == 0
        s = _split_patterns(
            s,
            counts,
            n_split,
            like,
            like_row,
            orders,
            resort,
            suffix,
            split,
            in_class,
            pi,
            lam,
            bits,
        )
        if n_split > n_patterns:
            for k in range(n_classes):
                class_size[k] += in_class[n_patterns, k]
        for j in range(n_lists):
            for k in range(n_classes):
                on_list[j, k] = 0
        # (masks rather than a branch on each pattern's lists, which is hard to predict)
        for p in range(n_patterns):
            for k in range(n_classes):
                class_size[k] += in_class[p, k]
            for j in range(n_lists):
                mask = -np.int64(bits[p, j])
                for k in range(n_classes):
                    on_list[j, k] += in_class[p, k] & mask

        # list probabilities per class
        for j in range(n_lists):
            for k in range(n_classes):
                on = float(on_list[j, k])
                lam[j, k], s = fr.beta_s(s, a_list + on, b_list + float(class_size[k]) - on)

        # stick-breaking weights, truncated at n_classes
        log_rest, s = _draw_weights(s, class_size, alpha, pi)

        # concentration of the Dirichlet process (held during the warm-up)
        if sweep >= 0:
            alpha, s = _draw_concentration(s, a_alpha, b_alpha, n_classes, log_rest)

        if sweep >= burn_in and (sweep - burn_in) % thin == thin - 1:
            out_n[kept] = n_observed + n_missing
            occupied = 0
            for k in range(n_classes):
                if class_size[k] > 0:
                    occupied += 1
            out_occupied[kept] = occupied
            out_alpha[kept] = alpha
            kept += 1
    fr.store(state, s)
    return normal_draws


@njit(cache=True, nogil=True, error_model="numpy")
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
