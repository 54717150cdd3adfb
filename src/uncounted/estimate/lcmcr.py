"""Bayesian latent-class population size estimation (Manrique-Vallier 2016), as R's LCMCR.

People fall in latent classes; within a class, lists capture independently. The classes follow a
truncated stick-breaking Dirichlet process, so the data decide how many are needed. Heterogeneous
capture (some people far harder to record than others) is what this model is for.

Differences from the R package, on purpose: several chains with convergence diagnostics (split
R-hat and bulk ESS of N), warnings when chains disagree or when the truncation at K classes binds,
and no silent cap on the unobserved count (R caps it at 20 times the observed).

Checked against the package's C++ sampler (``NPLCM_CR_Basic_Freq``): the same priors (Beta(1, 1)
list probabilities, Gamma(a, b) concentration with b a rate, updated from the K - 1 sticks), the
same truncated stick-breaking update, n0 ~ NegBin(n, 1 - P(missed)) (prior on N ∝ 1/N), the
unobserved split among classes by one multinomial, and the same start (marginal capture rates,
four heavy classes, alpha = 0.3/K held through 500 warm-up sweeps, classes then sorted). Only
the order of the updates within a sweep differs, which leaves the posterior unchanged.

The sticks are drawn in logs, as R does. The concentration's posterior can reach far below 0.01
(near 0 its Gamma(0.25, 0.25) prior goes as alpha^-0.75, and with one or two occupied classes
the likelihood hardly lifts it), and an empty class's 1 - V = U^(1/alpha) then falls below the
float range. An earlier version kept V below 1 - 1e-12, which bounded sum log(1 - V) below by
-27.6 (K - 1) and cut the concentration off below about 0.03. On ``western.csv`` (K = 10, four
chains of 120,000 sweeps, seed 20240601) that gave N = 1,972 [1,343, 3,301] against R's 1,827
[1,313, 2,999]; with the sticks in logs, 1,829 [1,311, 3,018] (seeds 1 and 2, 60,000 sweeps:
1,827 and 1,842), the concentration's median 0.03 instead of 0.16.
On the other reference tables N did not move (new_orleans8's concentration fell from 0.12 to
0.007 with N unchanged; the rest sit near 0.4-1). The large-concentration state (alpha ≈ 30,
N ≈ 1,680) that some random starts reached holds no posterior mass: integrating
d log p(data | alpha) / d alpha = E[(K - 1)/alpha + sum log(1 - V)] over a grid of fixed
concentrations puts it about 28 nats below the bulk, and chains started there at alpha = 30
leave it within the burn-in.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from uncounted.core.errors import UncountedError
from uncounted.estimate.diagnostics import ess_bulk, split_rhat
from uncounted.estimate.fast_random import new_state
from uncounted.estimate.lcmcr_sampler import run_chain
from uncounted.estimate.randomness import Seed, seed_sequence
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.table import CaptureTable

RHAT_LIMIT = 1.05
ESS_LIMIT = 400.0
# The truncation at K classes binds when the number of occupied classes piles up at K instead
# of dying out before it: at least as many draws at K as at K-1 (and not a handful), or many.
TRUNCATION_MIN_SHARE = 0.02
TRUNCATION_MAX_SHARE = 0.25


@dataclass(frozen=True)
class _Chain:
    n: NDArray[np.int64]
    occupied: NDArray[np.int64]
    alpha: NDArray[np.float64]
    normal_draws: int


class LCMCR:
    """Dirichlet-process latent-class capture-recapture, several Gibbs chains.

    Each chain runs ``burn_in + n_samples * thin`` sweeps and keeps ``n_samples`` draws. Chains
    are seeded from ``seed`` through a SeedSequence; they run ``n_jobs`` at a time in threads
    and give the same numbers whatever ``n_jobs`` is.
    """

    def __init__(
        self,
        n_classes: int = 10,
        n_chains: int = 4,
        n_samples: int = 2_000,
        burn_in: int = 20_000,
        thin: int = 200,
        alpha_prior: tuple[float, float] = (0.25, 0.25),
        list_prior: tuple[float, float] = (1.0, 1.0),
        seed: Seed = None,
        level: float = 0.95,
        n_jobs: int = 2,
    ) -> None:
        self.n_classes = n_classes
        self.n_chains = n_chains
        self.n_samples = n_samples
        self.burn_in = burn_in
        self.thin = thin
        self.alpha_prior = alpha_prior
        self.list_prior = list_prior
        self.seed = seed
        self.level = level
        self.n_jobs = n_jobs

    def fit(self, table: CaptureTable) -> LCMCR:
        self._check_settings(table)
        masks = np.flatnonzero(table.counts).astype(np.int64)
        counts = np.ascontiguousarray(table.counts[masks], dtype=np.int64)
        children = seed_sequence(self.seed).spawn(self.n_chains)
        chain_states = [new_state(child.generate_state(4, dtype=np.uint64)) for child in children]

        def one_chain(state: NDArray[np.uint64]) -> _Chain:
            out_n = np.zeros(self.n_samples, dtype=np.int64)
            out_occupied = np.zeros(self.n_samples, dtype=np.int64)
            out_alpha = np.zeros(self.n_samples)
            normal_draws = run_chain(
                state,
                masks,
                counts,
                table.n_lists,
                self.n_classes,
                (float(self.list_prior[0]), float(self.list_prior[1])),
                (float(self.alpha_prior[0]), float(self.alpha_prior[1])),
                self.burn_in,
                self.n_samples,
                self.thin,
                out_n,
                out_occupied,
                out_alpha,
            )
            return _Chain(out_n, out_occupied, out_alpha, int(normal_draws))

        # the kernel releases the GIL, so threads run chains on separate cores
        with ThreadPoolExecutor(max_workers=max(1, self.n_jobs)) as pool:
            chains = list(pool.map(one_chain, chain_states))

        self.draws_ = np.stack([c.n for c in chains]).astype(np.float64)
        self.occupied_ = np.stack([c.occupied for c in chains])
        self.alpha_ = np.stack([c.alpha for c in chains])
        self.result_ = self._result(table, chains)
        return self

    def _check_settings(self, table: CaptureTable) -> None:
        if table.n_lists < 2:
            raise UncountedError("LCMCR needs at least two lists")
        if table.n_lists > 62:
            raise UncountedError("LCMCR handles at most 62 lists")
        if table.observed == 0:
            raise UncountedError("the table is empty")
        if self.n_classes < 1:
            raise UncountedError("n_classes must be at least 1")
        if self.n_chains < 1 or self.n_samples < 1 or self.thin < 1 or self.burn_in < 0:
            raise UncountedError("n_chains, n_samples and thin must be positive, burn_in >= 0")
        if min(self.alpha_prior) <= 0 or min(self.list_prior) <= 0:
            raise UncountedError("prior parameters must be positive")
        if not 0 < self.level < 1:
            raise UncountedError("level must be between 0 and 1")

    def _result(self, table: CaptureTable, chains: list[_Chain]) -> EstimateResult:
        draws = self.draws_
        pooled = draws.ravel()
        tail = (1.0 - self.level) / 2.0
        lower, median, upper = np.quantile(pooled, [tail, 0.5, 1.0 - tail])
        rhat = split_rhat(draws) if self.n_chains > 1 else math.nan
        ess = ess_bulk(draws)
        occupied = self.occupied_.ravel()
        at_bound = float(np.mean(occupied >= self.n_classes))
        below_bound = float(np.mean(occupied == self.n_classes - 1))
        truncation_binds = at_bound > TRUNCATION_MAX_SHARE or (
            at_bound > TRUNCATION_MIN_SHARE and at_bound >= below_bound
        )
        normal_draws = sum(c.normal_draws for c in chains)

        warnings: list[str] = []
        if self.n_chains > 1 and not rhat <= RHAT_LIMIT:
            warnings.append(
                f"chains disagree: R-hat of N is {rhat:.3f} (above {RHAT_LIMIT}); run longer"
            )
        if not ess >= ESS_LIMIT:
            warnings.append(
                f"effective sample size of N is {ess:.0f} (below {ESS_LIMIT:.0f}): "
                "the interval ends are imprecise; run longer or thin less"
            )
        if truncation_binds:
            warnings.append(
                f"all {self.n_classes} latent classes are occupied in {at_bound:.0%} of draws: "
                "the truncation binds; raise n_classes"
            )
        if normal_draws:
            warnings.append(
                f"the unobserved count exceeded 10^15 in {normal_draws} sweeps: "
                "the posterior of N is unbounded in practice"
            )

        diagnostics: dict[str, Any] = {
            "rhat": rhat,
            "ess_bulk": ess,
            "n_chains": self.n_chains,
            "draws_per_chain": self.n_samples,
            "sweeps_per_chain": self.burn_in + self.n_samples * self.thin,
            "n_classes": self.n_classes,
            "occupied_classes_mean": float(np.mean(occupied)),
            "occupied_classes_max": int(np.max(occupied)),
            "share_at_truncation": at_bound,
            "share_below_truncation": below_bound,
            "alpha_mean": float(np.mean(self.alpha_)),
            "chain_medians": [float(np.median(c.n)) for c in chains],
            "posterior_mean": float(np.mean(pooled)),
        }
        return EstimateResult(
            method="lcmcr",
            model=f"latent classes, K={self.n_classes}",
            observed=table.observed,
            estimate=float(median),
            lower=float(lower),
            upper=float(upper),
            level=self.level,
            diagnostics=diagnostics,
            warnings=warnings,
            draws=pooled,
        )
