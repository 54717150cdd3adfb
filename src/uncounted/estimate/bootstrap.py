"""Nonparametric bootstrap with model re-selection and BCa intervals (SparseMSE's scheme).

This is SparseMSE's ``estimatepopulation`` step for step (Chan, Silverman & Vincent 2021):

* each replicate is a multinomial draw of the n observed people over the observed cells with
  their observed proportions (the unobserved cell plays no part), and the whole estimation,
  stepwise selection with the same threshold included, is repeated on it; the replicate's value
  is the estimated total, observed count plus ``exp(intercept)``;
* the acceleration comes from the jackknife that removes one person at a time: one re-estimate
  per non-empty cell, weighted by the cell's count;
* z0 is the normal quantile of the share of replicates strictly below the estimate, and the
  adjusted levels are read off the replicates with R's type-8 quantiles.

Replaying R's own ``set.seed(1234)`` multinomial stream through this code (``fit(draws=...)``)
reproduces SparseMSE's published intervals for uk5 and uk6 to the unit: the scheme is the same,
and the gap between a reference end and the mean of our runs is the Monte-Carlo scatter of one
1,000-replicate run, large at the lower end, which sits at an extreme percentile of the
replicates.

SparseMSE keeps every replicate: R's glm always returns some number. Here a replicate whose
selected model fails its existence check counts as unbounded, except when a list was emptied by
resampling: then the extended fit (that list's cells fixed at zero) is the limit R's glm
approaches and is kept, as there. A replicate whose estimate cannot be computed at all (a fit
that fails numerically, e.g. a singular information matrix in a sparse table) is *failed*: it is
counted, and redrawn from the same random stream, so one bad replicate never costs the
interval; the result says how many failed. When most draws fail the bootstrap refuses, saying
so. With the same seed, tables on which no replicate fails give the same replicates as before.

Replicates are drawn in fixed-size chunks, each from its own child of one ``SeedSequence``: the
output depends on the seed and the number of replicates, never on how many processes ran.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from uncounted.core.errors import UncountedError
from uncounted.core.processes import map_in_processes
from uncounted.estimate.failures import RECOVERABLE, NumericalFailure
from uncounted.estimate.models import HierarchicalModel
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.selection import BestModel, Stepwise, stepwise_select
from uncounted.estimate.table import CaptureTable

#: Replicates per random stream; fixed so results do not depend on the number of workers.
CHUNK = 250


@dataclass(frozen=True)
class _StepwiseTotal:
    """Picklable estimate-of-the-total function for the stepwise method (the fast path)."""

    threshold: float

    def __call__(self, counts: NDArray[np.int64]) -> float:
        try:
            fitted = stepwise_select(counts, self.threshold).fitted
        except NumericalFailure:
            return math.nan  # failed: counted and redrawn by the caller
        if fitted.check.ok or fitted.check.empty_lists:
            return fitted.estimate
        return math.inf


@dataclass(frozen=True)
class _EstimatorTotal:
    """Estimate of the total by any estimator with ``fit(table).result_`` (the general path)."""

    estimator: object
    lists: tuple[str, ...]

    def __call__(self, counts: NDArray[np.int64]) -> float:
        try:
            fitted = self.estimator.fit(  # type: ignore[attr-defined]
                CaptureTable(self.lists, counts)
            )
        except RECOVERABLE:
            return math.nan  # failed: counted and redrawn by the caller
        value = fitted.result_.estimate
        return math.inf if value is None else float(value)


#: A chunk stops redrawing failed replicates after this many rounds of redraws, or when the
#: failures outnumber the replicates asked for (then most of the resampling distribution is
#: failures, and the bootstrap refuses rather than describe the rest).
MAX_REDRAW_ROUNDS = 20


def _run_chunk(
    total: Callable[[NDArray[np.int64]], float],
    counts: NDArray[np.int64],
    seed: np.random.SeedSequence,
    size: int,
) -> tuple[NDArray[np.float64], int]:
    """``size`` replicate totals and the number of failed replicates that were redrawn.

    Failed replicates (NaN) are redrawn from the chunk's own stream after its first ``size``
    draws, so a chunk without failures gives exactly the replicates it always gave. Any still
    failed when the redraws run out stay NaN.
    """
    rng = np.random.default_rng(seed)
    n = int(counts.sum())
    proportions = counts / n
    values = _totals(total, rng.multinomial(n, proportions, size=size))
    failed = 0
    for _ in range(MAX_REDRAW_ROUNDS):
        bad = np.flatnonzero(np.isnan(values))
        if bad.size == 0 or failed >= size:
            break
        failed += int(bad.size)
        values[bad] = _totals(total, rng.multinomial(n, proportions, size=bad.size))
    return values, failed


def _totals(
    total: Callable[[NDArray[np.int64]], float], draws: NDArray[np.integer]
) -> NDArray[np.float64]:
    return np.array([total(row.astype(np.int64)) for row in draws], dtype=np.float64)


def bca_interval(
    replicates: NDArray[np.float64],
    estimate: float,
    acceleration: float,
    probs: NDArray[np.float64],
) -> NDArray[np.float64]:
    """BCa quantiles of the replicates (SparseMSE ``bcaconfvalues``, R type-8 quantiles)."""
    below = float(np.mean(replicates < estimate))
    if below in (0.0, 1.0):
        raise UncountedError(
            "every bootstrap replicate fell on one side of the estimate; BCa cannot be computed"
        )
    z0 = float(norm.ppf(below))
    za = norm.ppf(probs) + z0
    adjusted = norm.cdf(z0 + za / (1.0 - acceleration * za))
    infinite = np.isposinf(replicates)
    if not infinite.any():
        return np.quantile(replicates, adjusted, method="median_unbiased")
    # Unbounded replicates: interpolating between two of them gives inf - inf = nan. As in R,
    # an end that interpolates towards an unbounded replicate is unbounded.
    largest = float(np.max(replicates[~infinite])) if (~infinite).any() else 0.0
    stand_in = np.where(infinite, largest + 1.0, replicates)
    ends = np.quantile(stand_in, adjusted, method="median_unbiased")
    return np.where(ends > largest, math.inf, ends)


def jackknife_acceleration(
    total: Callable[[NDArray[np.int64]], float], counts: NDArray[np.int64]
) -> tuple[float, NDArray[np.float64]]:
    """Acceleration from leaving out one person: one re-estimate per non-empty cell, weighted."""
    cells = np.flatnonzero(counts)
    leave_one_out = np.empty(cells.size)
    for i, cell in enumerate(cells):
        reduced = counts.copy()
        reduced[cell] -= 1
        leave_one_out[i] = total(reduced)
    # a leave-one-out estimate that failed numerically (NaN) or has no finite value (inf) says
    # nothing about the skewness that a weighted mean could use: the acceleration comes from
    # the others
    usable = np.isfinite(leave_one_out)
    cells, leave_one_out = cells[usable], leave_one_out[usable]
    if cells.size == 0:
        return 0.0, leave_one_out
    weights = counts[cells].astype(np.float64)
    # the acceleration does not change when every estimate is scaled by one factor, so scale
    # them to at most 1: leave-one-out totals near 1e200 would overflow their cubes otherwise
    scale = float(np.max(np.abs(leave_one_out)))
    scaled = leave_one_out / scale if scale > 0 else leave_one_out
    residual = np.sum(weights * scaled) / weights.sum() - scaled
    denominator = 6.0 * np.sum(weights * residual**2) ** 1.5
    acceleration = float(np.sum(weights * residual**3) / denominator) if denominator > 0 else 0.0
    return acceleration, leave_one_out


class Bootstrap:
    """Bootstrap BCa interval around another estimator, repeating its model selection.

    ``estimator`` is a :class:`Stepwise` (default, with a compiled fast path), a
    :class:`BestModel`, or any estimator with ``fit(table)`` and ``result_``.
    ``n_jobs`` worker processes (default: all cores) share the fixed chunks of replicates.
    """

    def __init__(
        self,
        estimator: object | None = None,
        n_boot: int = 1000,
        level: float = 0.95,
        seed: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.n_boot = n_boot
        self.level = level
        self.seed = seed
        self.n_jobs = n_jobs

    def _total(self, table: CaptureTable) -> Callable[[NDArray[np.int64]], float]:
        estimator = self.estimator if self.estimator is not None else Stepwise()
        if type(estimator) is Stepwise:
            return _StepwiseTotal(estimator.threshold)
        return _EstimatorTotal(estimator, table.lists)

    def fit(self, table: CaptureTable, draws: NDArray[np.integer] | None = None) -> Bootstrap:
        """Bootstrap ``table``; ``draws`` (one row of cell counts per replicate, indexed like
        ``table.counts``) replaces the random draws, e.g. to replay another program's stream."""
        if draws is not None:
            draws = np.asarray(draws, dtype=np.int64)
            if draws.ndim != 2 or draws.shape[1] != table.counts.size:
                raise UncountedError(
                    f"draws must have one row of {table.counts.size} cell counts per replicate"
                )
            if np.any(draws[:, 0] != 0) or np.any(draws.sum(axis=1) != table.observed):
                raise UncountedError(
                    "each row of draws must resample the observed people: "
                    f"{table.observed} in all, none in the unobserved cell"
                )
        n_boot = self.n_boot if draws is None else int(draws.shape[0])
        if n_boot < 10:
            raise UncountedError("the bootstrap needs at least 10 replicates")
        estimator = self.estimator if self.estimator is not None else Stepwise()
        point = estimator.fit(table).result_  # type: ignore[attr-defined]
        self.point_: EstimateResult = point
        method = f"bootstrap_{point.method}"
        if point.refused or point.estimate is None:
            self.result_ = EstimateResult.refusal(
                method, point.refused, model=point.model, observed=table.observed,
                level=self.level,
            )
            return self
        counts = np.asarray(table.counts, dtype=np.int64)
        total = self._total(table)
        n_chunks = math.ceil(n_boot / CHUNK)
        workers = min(self.n_jobs or os.cpu_count() or 1, n_chunks)
        if draws is None:
            seeds = np.random.SeedSequence(self.seed).spawn(n_chunks)
            sizes = [min(CHUNK, n_boot - i * CHUNK) for i in range(n_chunks)]
            chunks = map_in_processes(_run_chunk, [total] * n_chunks, [counts] * n_chunks,
                                      seeds, sizes, workers=workers)
            parts = [values for values, _ in chunks]
            redrawn = sum(failed for _, failed in chunks)
        else:
            blocks = [draws[i * CHUNK:(i + 1) * CHUNK] for i in range(n_chunks)]
            parts = map_in_processes(_totals, [total] * n_chunks, blocks, workers=workers)
            redrawn = 0  # given draws cannot be redrawn: their failures are left out below
        replicates = np.concatenate(parts)
        failed = np.isnan(replicates)
        n_failed = int(failed.sum())
        if n_failed * 2 > n_boot:
            self.result_ = EstimateResult.refusal(
                method,
                f"{n_failed} of {n_boot} bootstrap replicates could not be estimated "
                "numerically even after redrawing: the table is too sparse for the "
                "bootstrap to describe the uncertainty",
                model=point.model, observed=table.observed, level=self.level,
                diagnostics={"n_boot": n_boot, "replicates_failed": n_failed,
                             "replicates_redrawn": redrawn},
            )
            return self
        replicates = replicates[~failed]
        try:
            acceleration, _ = jackknife_acceleration(total, counts)
        except RECOVERABLE:
            acceleration = 0.0
        alpha = (1.0 - self.level) / 2.0
        estimate = float(point.estimate)
        lower, upper = bca_interval(replicates, estimate, acceleration,
                                    np.array([alpha, 1.0 - alpha]))
        self.replicates_ = replicates
        self.acceleration_ = acceleration
        infinite = int(np.sum(~np.isfinite(replicates)))
        diagnostics = dict(point.diagnostics)
        diagnostics.update(
            {
                "n_boot": n_boot,
                "seed": self.seed if draws is None else None,
                "acceleration": acceleration,
                "bias_correction": float(norm.ppf(np.mean(replicates < estimate))),
                "replicates_without_estimate": infinite,
                "replicates_redrawn": redrawn,
                "replicates_failed": n_failed,
                "interval": "bca",
            }
        )
        warnings = [w for w in point.warnings if "conditional on the selected model" not in w]
        if draws is None and redrawn:
            still = f"; {n_failed} still failed and are left out" if n_failed else ""
            warnings.append(
                f"{redrawn} bootstrap replicates could not be estimated numerically (too "
                f"sparse a resample) and were redrawn{still}"
            )
        elif n_failed:
            warnings.append(
                f"{n_failed} of {n_boot} given replicates could not be estimated numerically "
                "and are left out of the interval"
            )
        if infinite:
            warnings.append(
                f"{infinite} of {n_boot} replicates had no finite estimate (MLE did not "
                "exist); they count as unbounded in the interval"
            )
        self.result_ = EstimateResult(
            method=method,
            model=point.model,
            observed=table.observed,
            estimate=estimate,
            lower=float(lower),
            upper=float(upper),
            level=self.level,
            diagnostics=diagnostics,
            warnings=warnings,
            draws=replicates,
        )
        return self


__all__ = ["BestModel", "Bootstrap", "HierarchicalModel", "Stepwise", "bca_interval"]
