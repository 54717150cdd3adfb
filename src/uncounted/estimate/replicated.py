"""Estimates over linkage replicates: intervals that carry linkage, sampling and model uncertainty.

Input: a reference persons table (the stored clustering) and R replicate persons tables (one
per linkage replicate, see :mod:`uncounted.link.replicates`), all with the same list and
stratum columns. Each gives one capture table per stratum.

Running every method in full on every replicate would cost R times one estimate, and the
slow-mixing samplers (LCMCR) cannot be cut short per replicate without losing convergence. So:

* the reference tables are estimated in full, as with a fixed linkage (every method, its
  draws, the ensemble's rule of which methods are defensible);
* on every replicate, each method with an exact point estimate gives it by a quick setting
  (``POINT_OPTIONS``: no bootstrap for stepwise and sample coverage), and the same setting runs
  on the reference table with the same seed (common random numbers: the difference between
  the two is the table's doing). A method whose point comes from a Markov chain
  (``SAMPLED_POINT_METHODS``: LCMCR) is not run again: short chains move more between runs
  than the linkage moves the estimate. Its estimate is moved by the median relative move of
  the exact methods, as is any method's on a replicate where it gave no number;
* a method's draws given replicate r are its reference draws moved by that difference, its
  shift. The conditional spread (sampling and model) is the reference's. With ``location=
  "fixed"`` (the default) the shifts are centred on their mean, so the pooled draws are centred
  on the stored clustering's estimate and the replicates give the spread only; with
  ``"replicates"`` the location is the replicates' own. Why the default: replicates drawn from
  calibrated pair probabilities still hold more persons than the truth (a random partition
  makes more errors of both kinds than the best one, and split persons weigh more in the
  estimate than joined ones): on the end-to-end study (``benchmarks/end_to_end.py``) their
  own location added bias that the stored clustering did not (see docs/linkage-uncertainty.md).
* The pooled draws of a method are its draws given each replicate, the same number for every
  replicate; the ensemble's follow its headline rule on the reference table: the leading
  method's draws (LCMCR's, by default), or equal shares of the voting methods' under the
  ``equal`` rule, widened to hold every defensible method's pooled median.

The spread of the pooled draws splits by the law of total variance: linkage = the variance
over replicates of the mean given the replicate (less its resampling noise); model = the mean
over replicates of the variance between the defensible methods' means; sampling = the rest
(each method's own spread). Totals over strata add strata draw by draw within each replicate,
so the linkage uncertainty that strata share (one replicate links them all) is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from uncounted.core.errors import UncountedError
from uncounted.core.processes import map_in_processes
from uncounted.estimate.ensemble import quantile_interval, result_draws
from uncounted.estimate.failures import REFUSABLE
from uncounted.estimate.methods import make_estimator, results_of
from uncounted.estimate.randomness import Seed, seed_sequence, unspawned
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.strata import StratifiedEstimate, split_strata
from uncounted.estimate.table import CaptureTable

#: Quick settings for each method's point estimate on a replicate.
POINT_OPTIONS: Final[dict[str, dict[str, Any]]] = {
    "stepwise": {"n_boot": 0},
    "sample-coverage": {"n_boot": 2},
}
#: Methods whose point estimate comes from a Markov chain: short chains are noisier than the
#: linkage (on a simulated conflict of 20,000, LCMCR with 4 chains of 4,000 sweeps moved by a
#: standard deviation of 534 between replicates whose exact methods moved by 16 to 29), so
#: they are not run per replicate; their shift is the exact methods' relative shift.
SAMPLED_POINT_METHODS: Final = frozenset({"lcmcr"})
#: Where the pooled draws are centred: on the stored clustering's estimate, the replicates
#: giving the spread (default), or on the replicates' own estimates.
LOCATIONS: Final = ("fixed", "replicates")
#: Draws each replicate gives to a pooled distribution.
DRAWS_PER_REPLICATE: Final = 400


def _point(method: str, table: CaptureTable, seed: np.random.SeedSequence) -> float:
    """One method's quick point estimate on one table (NaN when it refuses).

    Every table of a stratum gets the same seed for a method (common random numbers), so the
    estimator must not see a seed that an earlier table already spawned from."""
    if method in SAMPLED_POINT_METHODS:
        return float("nan")
    try:
        estimator = make_estimator(method, seed=unspawned(seed), n_jobs=1,
                                   **POINT_OPTIONS.get(method, {}))
        estimator.fit(table)
        value = results_of(estimator)[0].estimate
    except REFUSABLE:  # a refusal or a numerical failure on one replicate: no point there
        return float("nan")
    return float("nan") if value is None else float(value)


def _points(methods: Sequence[str], tables: Sequence[CaptureTable | None],
            seeds: Sequence[np.random.SeedSequence]) -> NDArray[np.float64]:
    """Point estimates, one row per table, one column per method; one seed per method."""
    out = np.full((len(tables), len(methods)), np.nan)
    for i, table in enumerate(tables):
        if table is None:
            continue
        for j, (name, seed) in enumerate(zip(methods, seeds, strict=True)):
            out[i, j] = _point(name, table, seed)
    return out


def _relative_shift(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per replicate, the median over methods of point / reference point - 1 (``points``: the
    reference's row, then one row per replicate); 0 where no method gave both."""
    reference = points[0]
    usable = np.isfinite(reference) & (reference > 0)
    if not usable.any():
        return np.zeros(points.shape[0] - 1)
    with np.errstate(invalid="ignore"):
        ratios = points[1:, usable] / reference[usable] - 1.0
    found = np.isfinite(ratios).any(axis=1)
    out = np.zeros(points.shape[0] - 1)
    if found.any():
        out[found] = np.nanmedian(ratios[found], axis=1)
    return out


def _method_names(label: str, headline: EstimateResult,
                  method_results: Mapping[str, list[EstimateResult]]) -> list[str]:
    names = list(headline.diagnostics.get("point_estimates", {}))
    if names and len(names) == len(method_results.get(label, [])):
        return names
    return [headline.method]


def variance_split(draws: NDArray[np.float64], method_means: NDArray[np.float64] | None
                   ) -> dict[str, float]:
    """Law of total variance of pooled draws ``draws[r, i]`` (replicate r): linkage, model
    (variance of the methods' means within a replicate, ``method_means[r, m]``), sampling."""
    total = float(np.var(draws))
    within = float(np.mean(np.var(draws, axis=1)))
    # the means given a replicate vary by resampling alone (within / draws per replicate):
    # that part is Monte Carlo noise, not linkage
    linkage = max(float(np.var(draws.mean(axis=1))) - within / draws.shape[1], 0.0)
    model = 0.0
    if method_means is not None and method_means.shape[1] > 1:
        model = float(np.mean(np.nanvar(method_means, axis=1)))
        model = min(model, within)
    return {"total": total, "linkage": linkage, "model": model,
            "sampling": max(within - model, 0.0)}


def shares(split: Mapping[str, float]) -> dict[str, float]:
    parts = {k: split[k] for k in ("linkage", "sampling", "model")}
    whole = sum(parts.values())
    return {k: (v / whole if whole > 0 else 0.0) for k, v in parts.items()}


def _summary(draws: NDArray[np.float64], level: float) -> tuple[float, float, float]:
    return quantile_interval(draws.ravel(), level)


class ReplicatedEstimate:
    """Estimate every stratum and the total over linkage replicates (see the module).

    The settings are :class:`StratifiedEstimate`'s, with which the reference persons are
    estimated, and ``draws_per_replicate``. Learned: ``reference_`` (the
    :class:`StratifiedEstimate` of the reference persons: today's fixed-linkage estimate),
    ``results_`` (per stratum label, the pooled headline), ``method_results_`` (per label, each
    method pooled), ``total_``, ``tables_`` (per label, each replicate's counts),
    ``table_lists_`` (per label, the lists of those counts), ``split_`` (per label and
    ``"total"``, the variance split and shares), ``unlisted_``, ``n_replicates_``.
    """

    def __init__(
        self,
        strata: Sequence[str],
        lists: Sequence[str] | None = None,
        method: str = "ensemble",
        level: float = 0.95,
        seed: Seed = None,
        n_jobs: int = 2,
        options: Mapping[str, Any] | None = None,
        min_lists: int = 3,
        draws_per_replicate: int = DRAWS_PER_REPLICATE,
        n_draws: int = 4000,
        location: str = "fixed",
    ) -> None:
        self.strata = strata
        self.lists = lists
        self.method = method
        self.level = level
        self.seed = seed
        self.n_jobs = n_jobs
        self.options = options
        self.min_lists = min_lists
        self.draws_per_replicate = draws_per_replicate
        self.n_draws = n_draws
        self.location = location

    def fit(self, reference: Any, replicates: Sequence[Any]) -> ReplicatedEstimate:
        if self.location not in LOCATIONS:
            raise UncountedError(f"location is one of {', '.join(LOCATIONS)}, not "
                                 f"{self.location!r}")
        if not replicates:
            raise UncountedError("at least one linkage replicate is needed")
        # the reference is estimated exactly as with the linkage fixed (the same seed, so the
        # same numbers); children 2 and 3 of the seed (the reference uses 0 and 1) draw the rest
        _, _, point_seed, mixing_seed = seed_sequence(self.seed).spawn(4)
        fixed = StratifiedEstimate(self.strata, self.lists, method=self.method,
                                   level=self.level, seed=self.seed, n_jobs=self.n_jobs,
                                   options=self.options, min_lists=self.min_lists,
                                   n_draws=self.n_draws).fit(reference)
        self.reference_ = fixed
        n_rep = len(replicates)
        cells = [
            {c.label: c for c in split_strata(p, self.strata, self.lists, self.min_lists)[0]}
            for p in replicates
        ]
        labels = [label for label, r in fixed.results_.items() if r.estimate is not None]
        names = {label: _method_names(label, fixed.results_[label], fixed.method_results_)
                 for label in labels}
        # one task per stratum: its reference table and every replicate's, the same seeds
        stratum_seeds = point_seed.spawn(max(len(labels), 1))
        tasks_tables: list[list[CaptureTable | None]] = []
        tasks_seeds: list[list[np.random.SeedSequence]] = []
        reference_tables = {c.label: c.table for c in fixed.strata_}
        for label, seed in zip(labels, stratum_seeds, strict=False):
            tables: list[CaptureTable | None] = [reference_tables[label]]
            tables += [cell.table if (cell := rows.get(label)) is not None else None
                       for rows in cells]
            tasks_tables.append(tables)
            tasks_seeds.append(seed.spawn(len(names[label])))
        # one task per table (the same seeds for every table of a stratum), on n_jobs processes
        flat = [(k, i) for k, tables in enumerate(tasks_tables) for i in range(len(tables))]
        rows = map_in_processes(
            _points, [names[labels[k]] for k, _ in flat],
            [[tasks_tables[k][i]] for k, i in flat], [tasks_seeds[k] for k, _ in flat],
            workers=max(min(self.n_jobs, len(flat)), 1))
        computed = []
        for k in range(len(labels)):
            computed.append(np.concatenate([row for (kk, _), row in zip(flat, rows, strict=True)
                                            if kk == k], axis=0))
        rng = np.random.default_rng(mixing_seed)
        size = self.draws_per_replicate
        self.results_: dict[str, EstimateResult] = {}
        self.method_results_: dict[str, list[EstimateResult]] = {}
        self.split_: dict[str, dict[str, Any]] = {}
        self.tables_ = {
            label: [[int(v) for v in cell.table.counts] if (cell := rows.get(label)) is not None
                    and cell.table is not None else None for rows in cells]
            for label in {k for rows in cells for k in rows}
        }
        self.table_lists_ = {
            label: list(cell.table.lists)
            for rows in cells for label, cell in rows.items() if cell.table is not None
        }
        stratum_draws: dict[str, NDArray[np.float64]] = {}
        stratum_model: dict[str, float] = {}
        stratum_sampling: dict[str, float] = {}
        for label, points in zip(labels, computed, strict=True):
            headline = fixed.results_[label]
            behind = fixed.method_results_.get(label, [])
            by_name = dict(zip(names[label], behind, strict=True)) if len(behind) == len(
                names[label]) else {headline.method: headline}
            included = list(headline.diagnostics.get("included", [])) or [headline.method]
            shifts = points[1:] - points[0]  # replicate x method
            # nobody seen in a replicate can be estimated away
            observed = np.array([float(rows[label].observed) if label in rows else 0.0
                                 for rows in cells])
            pooled_methods: list[EstimateResult] = []
            method_draws: dict[str, NDArray[np.float64]] = {}
            # how the exact methods moved, in proportion, for those without a point of their own
            relative = _relative_shift(points)
            no_exact_method = not np.isfinite(points).any()
            for j, name in enumerate(names[label]):
                result = by_name.get(name, headline)
                if result.estimate is None or result.lower is None or result.upper is None:
                    pooled_methods.append(result)
                    continue
                column = shifts[:, j]
                # no point of its own on a replicate (a sampled method, or a refusal there):
                # its estimate moved as the exact methods' moved, in proportion
                fallback = result.estimate * relative
                column = np.where(np.isfinite(column), column, fallback)
                if self.location == "fixed":
                    # the spread over replicates around the stored clustering's estimate
                    column = column - column.mean()
                base = result_draws(name, result, size * n_rep, rng).reshape(n_rep, size)
                draws = np.maximum(base + column[:, None], observed[:, None])
                method_draws[name] = draws
                pooled_methods.append(_pooled(result, draws, self.level, name))
            self.method_results_[label] = pooled_methods
            defensible = [n for n in included if n in method_draws] or list(method_draws)
            if not defensible:
                continue
            chosen = _voters(headline, method_draws) or defensible
            # each replicate: the headline's rule over the pooled draws (the leader's draws,
            # or equal shares of the voting methods'), as the ensemble pools them
            per = max(size // len(chosen), 1)
            mixed = np.concatenate([method_draws[n][:, :per] for n in chosen], axis=1)
            for row in mixed:
                rng.shuffle(row)
            means = np.stack([method_draws[n].mean(axis=1) for n in defensible], axis=1)
            split = variance_split(mixed, means)
            points_ok = {n: float(np.median(method_draws[n])) for n in defensible}
            result = _pooled(headline, mixed, self.level, headline.method, points_ok)
            result.observed = round(float(np.median(
                [rows[label].observed if label in rows else 0 for rows in cells])))
            result.diagnostics["linkage_replicates"] = n_rep
            if no_exact_method:
                result.warnings.append(
                    "no method with an exact point estimate ran on the replicates, so they add "
                    "no linkage spread here (only the stored clustering's estimate); estimate "
                    "with the ensemble to carry the linkage's uncertainty")
            result.diagnostics["uncertainty"] = {**split, "shares": shares(split)}
            result.diagnostics["fixed_linkage"] = {
                "estimate": headline.estimate, "lower": headline.lower, "upper": headline.upper}
            self.results_[label] = result
            self.split_[label] = result.diagnostics["uncertainty"]
            stratum_draws[label] = mixed
            stratum_model[label] = split["model"]
            stratum_sampling[label] = split["sampling"]
        for label, result in fixed.results_.items():
            if label not in self.results_:
                self.results_[label] = result
        self.total_ = self._total(fixed, cells, stratum_draws, stratum_model, stratum_sampling)
        self.unlisted_ = fixed.unlisted_
        self.n_replicates_ = n_rep
        return self

    def _total(self, fixed: StratifiedEstimate, cells: list[dict[str, Any]],
               draws: dict[str, NDArray[np.float64]], model: dict[str, float],
               sampling: dict[str, float]) -> EstimateResult:
        reference = fixed.total_
        if not draws:
            return reference
        width = min(d.shape[1] for d in draws.values())
        summed = sum(d[:, :width] for d in draws.values())
        assert isinstance(summed, np.ndarray)
        # strata not estimated: each replicate's observed count there, as a floor
        floors = np.array([
            sum(cell.observed for label, cell in rows.items() if label not in draws)
            for rows in cells
        ], dtype=np.float64)
        total_draws = summed + floors[:, None]
        linkage = max(float(np.var(total_draws.mean(axis=1)))
                      - float(np.mean(np.var(total_draws, axis=1))) / width, 0.0)
        split = {"total": float(np.var(total_draws)), "linkage": linkage,
                 "model": float(sum(model.values())), "sampling": float(sum(sampling.values()))}
        result = _pooled(reference, total_draws, self.level, reference.method)
        result.diagnostics["uncertainty"] = {**split, "shares": shares(split)}
        result.diagnostics["fixed_linkage"] = {
            "estimate": reference.estimate, "lower": reference.lower, "upper": reference.upper}
        result.observed = round(float(np.median([
            sum(cell.observed for cell in rows.values()) for rows in cells])))
        self.split_["total"] = result.diagnostics["uncertainty"]
        return result


def _voters(headline: EstimateResult, method_draws: Mapping[str, NDArray[np.float64]]
            ) -> list[str]:
    """The methods whose draws make the headline under the ensemble's rule (its ``votes``:
    the leader alone, or every defensible method in equal shares) that have pooled draws."""
    votes = headline.diagnostics.get("votes") or {}
    return [name for name in votes if name in method_draws]


def _pooled(like: EstimateResult, draws: NDArray[np.float64], level: float, method: str,
            points: Mapping[str, float] | None = None) -> EstimateResult:
    """A result like ``like`` whose estimate and interval are the pooled draws'; the interval
    widened to hold every defensible method's pooled median, as the ensemble's is."""
    lower, estimate, upper = _summary(draws, level)
    diagnostics = dict(like.diagnostics)
    if points:
        widened = lower > min(points.values()) or upper < max(points.values())
        lower = min(lower, *points.values())
        upper = max(upper, *points.values())
        diagnostics["point_estimates_over_replicates"] = dict(points)
        diagnostics["interval_widened_to_points"] = widened
    flat = draws.ravel().copy()
    return EstimateResult(
        method=method, model=like.model, observed=like.observed, estimate=estimate,
        lower=lower, upper=upper, level=level, diagnostics=diagnostics,
        warnings=list(like.warnings), refused=like.refused, draws=flat,
    )
