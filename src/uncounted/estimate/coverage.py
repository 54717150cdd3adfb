"""Chao's sample-coverage estimators for dependent lists (Chao & Tsay 1998; Chao et al. 2001).

The idea: the *sample coverage* of list k by the other lists is the share of list k's people
that some other list also recorded. Averaged over the lists it estimates the share of the whole
population that the lists, taken together, reach:

    Ĉ = 1 - (1/J) Σ_k f_k / n_k          (f_k: people only on list k, n_k: list k's size)
    D = (1/J) Σ_k (M - f_k)              (M: people observed; M - f_k: on some list other than k)
    N̂0 = D / Ĉ                           (right when the lists capture independently)

Dependence between lists j and k is measured by the coefficient of covariation of their capture
probabilities, γ_jk = N n_jk / (n_j n_k) - 1 (n_jk: people on both), and the bias of N̂0 is
removed by

    N̂ = D/Ĉ + (1/(J Ĉ)) Σ_{j<k} A_jk γ_jk(N),

where A_jk counts, for each of the two lists, the people on it and on no list outside {j, k}.
Solving that equation for N gives the "high sample coverage" estimator (Chao & Tsay 1998,
eq. 20). When coverage is low that solution is unstable, and Chao et al. (2001) use instead the
"low sample coverage" estimator N̂1: the right-hand side evaluated with γ taken at the
one-step value N̂' = D/Ĉ + (1/(J Ĉ)) Σ A_jk γ_jk(N̂0). This is how the program CARE1 computes it
and what reproduces the published hepatitis A figure (507.8); the single step from N̂0 alone
(459.9 there) does not.

The interval follows CARE1: the standard error is the spread of the estimator over bootstrap
tables drawn from the *estimated population* (round(N̂) people, round(N̂) - M of them in the
unobserved cell, the others in the observed cells as observed), and the interval is Chao's
(1987) log-transformed one, which never falls below M.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from uncounted.core.errors import UncountedError
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.table import CaptureTable

Kind = Literal["lsc", "hsc", "independence"]

_MODEL_NAMES: dict[str, str] = {
    "lsc": "N1 (dependence-corrected, low sample coverage)",
    "hsc": "N (dependence-corrected, high sample coverage)",
    "independence": "N0 (independence by coverage)",
}


@dataclass(frozen=True)
class CoverageStatistics:
    """The table summaries every sample-coverage estimator is built from (arrays over tables).

    Each field has a leading axis over tables, so many bootstrap tables are handled at once.
    """

    observed: NDArray[np.float64]  # M
    list_sizes: NDArray[np.float64]  # n_k, shape (B, J)
    only: NDArray[np.float64]  # f_k, shape (B, J)
    pairs: tuple[tuple[int, int], ...]
    pair_sizes: NDArray[np.float64]  # n_jk, shape (B, P)
    pair_weights: NDArray[np.float64]  # A_jk, shape (B, P)

    @property
    def n_lists(self) -> int:
        return int(self.list_sizes.shape[1])

    @property
    def coverage(self) -> NDArray[np.float64]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1.0 - np.mean(self.only / self.list_sizes, axis=1)

    @property
    def distinct_in_others(self) -> NDArray[np.float64]:
        return np.mean(self.observed[:, None] - self.only, axis=1)

    def gamma(self, total: NDArray[np.float64]) -> NDArray[np.float64]:
        """Estimated coefficients of covariation γ_jk at a trial total N (one row per table)."""
        first = [j for j, _ in self.pairs]
        second = [k for _, k in self.pairs]
        product = self.list_sizes[:, first] * self.list_sizes[:, second]
        with np.errstate(divide="ignore", invalid="ignore"):
            return total[:, None] * self.pair_sizes / product - 1.0


def coverage_statistics(cells: NDArray[np.integer], n_lists: int) -> CoverageStatistics:
    """Summaries of capture tables given as rows of counts indexed by pattern bitmask."""
    table = np.atleast_2d(np.asarray(cells, dtype=np.float64))
    masks = np.arange(1 << n_lists)
    on = [(masks >> j) & 1 == 1 for j in range(n_lists)]
    list_sizes = np.stack([table[:, on[j]].sum(axis=1) for j in range(n_lists)], axis=1)
    only = np.stack([table[:, 1 << j] for j in range(n_lists)], axis=1)
    pairs = tuple(itertools.combinations(range(n_lists), 2))
    pair_sizes = np.stack([table[:, on[j] & on[k]].sum(axis=1) for j, k in pairs], axis=1)
    # A_jk: people on list j (or k) who are on no list outside {j, k}; someone on both j and k
    # is counted once for each of the two lists.
    pair_weights = np.stack(
        [table[:, 1 << j] + table[:, 1 << k] + 2.0 * table[:, (1 << j) | (1 << k)]
         for j, k in pairs],
        axis=1,
    )
    return CoverageStatistics(
        observed=table[:, 1:].sum(axis=1),
        list_sizes=list_sizes,
        only=only,
        pairs=pairs,
        pair_sizes=pair_sizes,
        pair_weights=pair_weights,
    )


def _corrected(stats: CoverageStatistics, total: NDArray[np.float64]) -> NDArray[np.float64]:
    """D/Ĉ + Σ A_jk γ_jk(total) / (J Ĉ): the bias-corrected total given a trial total."""
    coverage = stats.coverage
    correction = np.sum(stats.pair_weights * stats.gamma(total), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (stats.distinct_in_others + correction / stats.n_lists) / coverage


def coverage_estimates(stats: CoverageStatistics) -> dict[str, NDArray[np.float64]]:
    """N̂0, the low-coverage N̂1 and the high-coverage N̂ for each table (NaN where undefined)."""
    coverage = stats.coverage
    usable = (coverage > 0) & np.all(stats.list_sizes > 0, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        independence = np.where(usable, stats.distinct_in_others / coverage, np.nan)
        first_step = _corrected(stats, independence)
        low = _corrected(stats, first_step)
        first = [j for j, _ in stats.pairs]
        second = [k for _, k in stats.pairs]
        slope = np.sum(
            stats.pair_weights * stats.pair_sizes
            / (stats.list_sizes[:, first] * stats.list_sizes[:, second]),
            axis=1,
        )
        denominator = stats.n_lists * coverage - slope
        numerator = stats.n_lists * stats.distinct_in_others - stats.pair_weights.sum(axis=1)
        high = np.where(usable & (denominator > 0), numerator / denominator, np.nan)
    return {
        "independence": independence,
        "lsc": np.where(usable, low, np.nan),
        "hsc": high,
    }


def log_interval(observed: int, estimate: float, se: float, level: float) -> tuple[float, float]:
    """Chao's (1987) log-transformed interval for a total; it never goes below ``observed``."""
    unseen = estimate - observed
    if unseen <= 0 or not se > 0:
        return float(observed), float(observed)
    z = float(norm.ppf(0.5 + level / 2.0))
    factor = math.exp(z * math.sqrt(math.log(1.0 + se**2 / unseen**2)))
    return observed + unseen / factor, observed + unseen * factor


class SampleCoverage:
    """Chao's sample-coverage estimate of the total, with CARE1's bootstrap interval.

    ``estimator`` picks the reported number: ``"lsc"`` (default, Chao et al. 2001's estimator
    for low sample coverage, N̂1), ``"hsc"`` (Chao & Tsay 1998's for high coverage) or
    ``"independence"`` (N̂0 = D/Ĉ). All three are in ``result_.diagnostics``.
    """

    def __init__(
        self,
        level: float = 0.95,
        n_boot: int = 1000,
        seed: int | None = None,
        estimator: Kind = "lsc",
    ) -> None:
        self.level = level
        self.n_boot = n_boot
        self.seed = seed
        self.estimator = estimator

    def _refuse(self, table: CaptureTable, reason: str) -> SampleCoverage:
        self.result_ = EstimateResult.refusal(
            "sample-coverage", reason, model=_MODEL_NAMES[self.estimator],
            observed=table.observed, level=self.level,
        )
        return self

    def fit(self, table: CaptureTable) -> SampleCoverage:
        if self.estimator not in _MODEL_NAMES:
            raise UncountedError(
                f"unknown estimator {self.estimator!r}: use 'lsc', 'hsc' or 'independence'"
            )
        if self.n_boot < 2:
            raise UncountedError("the bootstrap standard error needs at least 2 replicates")
        n_lists = table.n_lists
        if n_lists < 2:
            return self._refuse(table, "sample coverage needs at least two lists")
        counts = np.asarray(table.counts, dtype=np.int64)
        stats = coverage_statistics(counts, n_lists)
        self.statistics_ = stats
        names = table.lists
        empty = [names[j] for j in range(n_lists) if stats.list_sizes[0, j] == 0]
        if empty:
            return self._refuse(
                table, f"list {', '.join(map(repr, empty))} recorded nobody: its coverage by the "
                "other lists is undefined; drop the empty list first",
            )
        coverage = float(stats.coverage[0])
        if coverage <= 0:
            return self._refuse(
                table, f"the estimated sample coverage is {coverage:.3g}: nobody is on more "
                "than one list, so the lists say nothing about how much of the population "
                "they reach",
            )
        estimates = {k: float(v[0]) for k, v in coverage_estimates(stats).items()}
        estimate = estimates[self.estimator]
        observed = table.observed
        if not math.isfinite(estimate):
            return self._refuse(
                table, "the high-coverage equation has no positive solution on this table "
                "(its denominator J·Ĉ - Σ A_jk n_jk/(n_j n_k) is not positive); use the "
                "low-coverage estimator",
            )
        if estimate < observed:
            return self._refuse(
                table, f"the sample-coverage estimate ({estimate:,.1f}) is below the "
                f"{observed:,} people observed: the lists are too negatively dependent for "
                "the coverage correction to hold",
            )
        replicates = self._bootstrap(counts, n_lists, observed, estimate)
        finite = replicates[np.isfinite(replicates)]
        se = float(np.std(finite, ddof=1)) if finite.size > 1 else math.nan
        lower, upper = log_interval(observed, estimate, se, self.level)
        final_gamma = stats.gamma(np.array([estimate]))[0]
        gamma = {
            "·".join((names[j], names[k])): float(g)
            for (j, k), g in zip(stats.pairs, final_gamma, strict=True)
        }
        warnings: list[str] = []
        if n_lists == 2:
            warnings.append(
                "with two lists the dependence correction vanishes (γ̂ = 0 at N̂0) and every "
                "version equals the Lincoln-Petersen estimate: dependence cannot be corrected"
            )
        mean_gamma = float(np.mean(final_gamma))
        if mean_gamma > 0.8:
            # The correction is first order in γ: with covariation this strong the neglected
            # terms are no longer small.
            warnings.append(
                f"the estimated coefficients of covariation average {mean_gamma:.2f}: strong "
                "dependence or heterogeneity, beyond what the first-order coverage correction "
                "can be trusted to remove"
            )
        dropped = int(replicates.size - finite.size)
        if dropped:
            warnings.append(
                f"{dropped} of {self.n_boot} bootstrap tables had no coverage estimate and "
                "were left out of the standard error"
            )
        self.replicates_ = replicates
        self.se_ = se
        self.result_ = EstimateResult(
            method="sample-coverage",
            model=_MODEL_NAMES[self.estimator],
            observed=observed,
            estimate=estimate,
            lower=lower,
            upper=upper,
            level=self.level,
            diagnostics={
                "coverage": coverage,
                "distinct_in_others": float(stats.distinct_in_others[0]),
                "gamma": gamma,
                "N0": estimates["independence"],
                "N1_low_coverage": estimates["lsc"],
                "N_high_coverage": estimates["hsc"],
                "se": se,
                "n_boot": self.n_boot,
                "seed": self.seed,
                "interval": "log-transformed, bootstrap s.e. from the estimated population",
            },
            warnings=warnings,
            draws=replicates,
        )
        return self

    def _bootstrap(
        self, counts: NDArray[np.int64], n_lists: int, observed: int, estimate: float
    ) -> NDArray[np.float64]:
        # CARE1 resamples round(N̂) people from the estimated population: the unobserved cell
        # gets what the estimate says is missing, so the replicates carry the uncertainty of
        # how many are caught at all, which resampling only the observed would hide.
        population = round(estimate)
        cells = counts.astype(np.float64)
        cells[0] = population - observed
        rng = np.random.default_rng(self.seed)
        draws = rng.multinomial(population, cells / population, size=self.n_boot)
        draws[:, 0] = 0
        return coverage_estimates(coverage_statistics(draws, n_lists))[self.estimator]


__all__ = [
    "CoverageStatistics",
    "SampleCoverage",
    "coverage_estimates",
    "coverage_statistics",
    "log_interval",
]
