"""Convergence diagnostics for several Markov chains of one scalar.

Split R-hat and bulk effective sample size after rank normalisation, as defined by Vehtari,
Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization, folding, and localization: an
improved R-hat for assessing convergence of MCMC", Bayesian Analysis 16(2). Draws are arrays of
shape (chains, draws).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri
from scipy.stats import rankdata


def autocovariance(x: ArrayLike) -> NDArray[np.float64]:
    """Autocovariance of one sequence at every lag (biased, divided by n), by FFT."""
    values = np.asarray(x, dtype=np.float64)
    n = values.size
    centred = values - values.mean()
    # pad to at least 2n so the circular correlation of the FFT does not wrap around
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    acov: NDArray[np.float64] = np.fft.irfft(spectrum * np.conjugate(spectrum), size)[:n] / n
    return acov


def autocorrelation(x: ArrayLike) -> NDArray[np.float64]:
    """Autocorrelation at every lag; all zeros after lag 0 for a constant sequence."""
    acov = autocovariance(x)
    if acov[0] <= 0:
        out = np.zeros_like(acov)
        out[0] = 1.0
        return out
    return acov / acov[0]


def split_chains(draws: ArrayLike) -> NDArray[np.float64]:
    """Each chain cut into its first and second half (the middle draw dropped if odd)."""
    array = _as_chains(draws)
    half = array.shape[1] // 2
    return np.concatenate((array[:, :half], array[:, array.shape[1] - half :]), axis=0)


def rank_normalize(draws: ArrayLike) -> NDArray[np.float64]:
    """Normal scores of the pooled ranks (Blom's offsets), same shape as the draws."""
    array = _as_chains(draws)
    ranks = rankdata(array, method="average").reshape(array.shape)
    scores: NDArray[np.float64] = ndtri((ranks - 0.375) / (array.size + 0.25))
    return scores


def rhat_basic(draws: ArrayLike) -> float:
    """Classic potential scale reduction of already-split chains (no splitting here)."""
    array = _as_chains(draws)
    n_chains, n = array.shape
    if n_chains < 2 or n < 2:
        return math.nan
    within = float(np.mean(np.var(array, axis=1, ddof=1)))
    between = n * float(np.var(np.mean(array, axis=1), ddof=1))
    if not within > 0:
        return math.nan
    pooled = (n - 1) / n * within + between / n
    return math.sqrt(pooled / within)


def split_rhat(draws: ArrayLike) -> float:
    """Rank-normalised split R-hat: the larger of the bulk and the folded (tail) versions."""
    split = split_chains(draws)
    if np.ptp(split) == 0:
        return math.nan
    bulk = rhat_basic(rank_normalize(split))
    folded = rhat_basic(rank_normalize(np.abs(split - np.median(split))))
    return max(bulk, folded)


def ess(draws: ArrayLike) -> float:
    """Effective sample size of the mean of chains as given (Geyer's initial monotone sequence)."""
    array = _as_chains(draws)
    n_chains, n = array.shape
    if n < 4 or np.ptp(array) == 0:
        return math.nan
    acov = np.stack([autocovariance(chain) for chain in array])
    chain_var = acov[:, 0] * n / (n - 1)
    within = float(np.mean(chain_var))
    pooled = within * (n - 1) / n
    if n_chains > 1:
        pooled += float(np.var(np.mean(array, axis=1), ddof=1))
    rho = 1.0 - (within - np.mean(acov, axis=0)) / pooled
    rho[0] = 1.0
    # Geyer: sum autocorrelations in adjacent pairs while the pair sums stay positive, and force
    # those pair sums to decrease, which bounds the variance of the estimate of tau
    tau = -1.0
    previous_pair = math.inf
    for t in range(0, n - 1, 2):
        pair = float(rho[t] + rho[t + 1])
        if pair < 0:
            break
        pair = min(pair, previous_pair)
        tau += 2.0 * pair
        previous_pair = pair
    total = n_chains * n
    tau = max(tau, 1.0 / math.log10(total))
    return total / tau


def ess_bulk(draws: ArrayLike) -> float:
    """Bulk effective sample size: ESS of the rank-normalised split chains."""
    split = split_chains(draws)
    if np.ptp(split) == 0:
        return math.nan
    return ess(rank_normalize(split))


def _as_chains(draws: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(draws, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError("draws must have shape (chains, draws)")
    return array
