"""Estimates per stratum from a table of persons, and totals that add draws, not interval ends.

Input: one row per person (a pandas DataFrame or a pyarrow Table) with one 0/1 column per list
and the columns to split by (``age_group``, ``sex``, ``governorate``, ``period``...). Each stratum
gets its own :class:`CaptureTable` over the lists that recorded somebody in it, and is estimated
on its own. A stratum that cannot support an estimate gets a refused result with the reason:

* fewer than ``min_lists`` (default 3) lists recorded anybody in it: with two lists the
  estimate rests on an independence assumption the data cannot check;
* no person in it is on two lists, or one of its lists shares nobody with the others: nothing
  in the data says how much that list (or any list) missed.

The total over strata adds the strata's draws (posterior draws or bootstrap replicates) draw by
draw, so its interval is that of a sum; adding interval ends would overstate it. Strata that
could not be estimated contribute their observed count as a floor, and the total says so.

Strata run in worker processes, each with its own child of one ``SeedSequence``, so the numbers
depend on the seed and the table, never on how many workers ran.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from uncounted.core.errors import UncountedError
from uncounted.core.processes import map_in_processes
from uncounted.estimate.ensemble import matched_draws, quantile_interval
from uncounted.estimate.failures import REFUSABLE, refusal_reason
from uncounted.estimate.methods import get_method, make_estimator, results_of
from uncounted.estimate.randomness import Seed, seed_sequence
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.table import CaptureTable

MISSING = "(missing)"

StratumKey = tuple[str, ...]


@dataclass(frozen=True)
class Stratum:
    """One cell of the stratifying variables: its capture table, or why it has none."""

    key: StratumKey
    label: str
    observed: int
    table: CaptureTable | None
    refusal: str | None


# -- reading persons ------------------------------------------------------------------------------


def _column(persons: Any, name: str) -> NDArray[Any]:
    try:
        import pyarrow as pa

        if isinstance(persons, pa.Table):
            if name not in persons.column_names:
                raise UncountedError(f"the persons table has no column {name!r}")
            return np.asarray(persons.column(name).to_numpy(zero_copy_only=False))
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    columns = getattr(persons, "columns", None)
    if columns is None:
        raise UncountedError("persons must be a pandas DataFrame or a pyarrow Table")
    if name not in columns:
        raise UncountedError(f"the persons table has no column {name!r}")
    return np.asarray(persons[name].to_numpy())


def _column_names(persons: Any) -> list[str]:
    names = getattr(persons, "column_names", None)
    if names is None:
        names = getattr(persons, "columns", None)
    if names is None:
        raise UncountedError("persons must be a pandas DataFrame or a pyarrow Table")
    return [str(n) for n in names]


def _membership(values: NDArray[Any], name: str) -> NDArray[np.int64]:
    try:
        numbers = values.astype(np.float64)
    except (TypeError, ValueError):
        raise UncountedError(
            f"list column {name!r} must hold 0/1 (or true/false), with no missing values"
        ) from None
    if np.isnan(numbers).any():
        raise UncountedError(f"list column {name!r} has missing values; use 0 for 'not on it'")
    outside = ~np.isin(numbers, (0.0, 1.0))
    if outside.any():
        raise UncountedError(f"list column {name!r} must hold 0/1, found {numbers[outside][0]:g}")
    return numbers.astype(np.int64)


def _labels(values: NDArray[Any]) -> NDArray[np.str_]:
    def text(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return MISSING
        return str(value)

    return np.array([text(v) for v in values.astype(object)], dtype=str)


def stratum_label(strata: Sequence[str], key: StratumKey) -> str:
    return ", ".join(f"{s}={v}" for s, v in zip(strata, key, strict=True)) or "all"


def _refusal(table: CaptureTable, n_lists: int, min_lists: int) -> str | None:
    if table.observed == 0:
        return "nobody in this stratum is on any list"
    if table.n_lists < min_lists:
        named = ", ".join(table.lists) or "none"
        return (
            f"only {table.n_lists} of the {n_lists} lists recorded anyone here ({named}); "
            f"at least {min_lists} are needed, because with fewer the estimate rests on "
            "an independence assumption the data cannot check"
        )
    masks = np.arange(table.counts.size)
    on_several = np.array([m.bit_count() >= 2 for m in masks])
    if table.counts[on_several].sum() == 0:
        return (
            "nobody here is on more than one list: the lists never overlap, so nothing "
            "shows how many people they missed"
        )
    for j, name in enumerate(table.lists):
        if table.counts[on_several & ((masks >> j) & 1 == 1)].sum() == 0:
            return (
                f"list {name!r} shares nobody with the other lists here, so how much it "
                "missed cannot be estimated"
            )
    return None


def split_strata(
    persons: Any,
    strata: Sequence[str],
    lists: Sequence[str] | None = None,
    min_lists: int = 3,
) -> tuple[list[Stratum], int]:
    """One :class:`Stratum` per combination of stratum values present, in sorted order.

    ``lists`` default to every column that is not a stratum column. Persons on no list cannot be
    counted (that is what estimation is for) and are left out; their number is returned.
    """
    strata = list(strata)
    if lists is None:
        lists = [c for c in _column_names(persons) if c not in strata]
    lists = list(lists)
    if not lists:
        raise UncountedError("the persons table has no list columns")
    overlap = set(lists) & set(strata)
    if overlap:
        raise UncountedError(f"columns used both as lists and strata: {sorted(overlap)}")
    if len(lists) > 30:
        raise UncountedError("at most 30 lists can be split by strata")
    masks = np.zeros(0, dtype=np.int64)
    for j, name in enumerate(lists):
        bits = _membership(_column(persons, name), name) << j
        masks = bits if j == 0 else masks | bits
    codes = np.zeros(masks.size, dtype=np.int64)
    levels: list[NDArray[np.str_]] = []
    for name in strata:
        values, inverse = np.unique(_labels(_column(persons, name)), return_inverse=True)
        levels.append(values)
        codes = codes * values.size + inverse.astype(np.int64)
    unlisted = int(np.sum(masks == 0))
    n_cells = 1 << len(lists)
    out: list[Stratum] = []
    for code in np.unique(codes):
        here = masks[codes == code]
        key: list[str] = []
        rest = int(code)
        for values in reversed(levels):
            key.append(str(values[rest % values.size]))
            rest //= values.size
        key_t = tuple(reversed(key))
        counts = np.bincount(here, minlength=n_cells).astype(np.int64)
        counts[0] = 0
        full = CaptureTable(tuple(lists), counts)
        used = [name for name, total in full.list_totals().items() if total > 0]
        table = full.select(used) if used else full
        refusal = _refusal(table, len(lists), min_lists) if used else _refusal(full, 0, min_lists)
        out.append(Stratum(key_t, stratum_label(strata, key_t), table.observed,
                           None if refusal else table, refusal))
    return out, unlisted


# -- estimating many tables -----------------------------------------------------------------------


def _estimate_one(
    method: str, table: CaptureTable, seed: np.random.SeedSequence, level: float,
    options: Mapping[str, Any], n_jobs: int = 1,
) -> list[EstimateResult]:
    """The headline and, for the ensemble, each method behind it (see ``results_of``)."""
    extra = dict(options)
    model = extra.pop("model", None)
    estimator = make_estimator(method, seed=seed, level=level, n_jobs=n_jobs, model=model,
                               **extra)
    try:
        estimator.fit(table)
        return results_of(estimator)
    except REFUSABLE as problem:
        # one stratum's failure must not cost the other strata (or the total) their numbers
        reason = refusal_reason(f"this stratum's {method} estimate", problem)
    return [EstimateResult.refusal(method, reason, observed=table.observed, level=level)]


def estimate_tables(
    tables: Mapping[Any, CaptureTable],
    method: str = "ensemble",
    *,
    seed: Seed = None,
    level: float = 0.95,
    n_jobs: int = 2,
    options: Mapping[str, Any] | None = None,
) -> dict[Any, EstimateResult]:
    """Estimate many tables at once, ``n_jobs`` processes, one seed child per table.

    Table ``i`` (in the mapping's order) gets child ``i`` of ``SeedSequence(seed)``, so the
    results are the same for any ``n_jobs``.
    """
    every = estimate_tables_with_methods(tables, method, seed=seed, level=level,
                                         n_jobs=n_jobs, options=options)
    return {key: results[0] for key, results in every.items()}


def estimate_tables_with_methods(
    tables: Mapping[Any, CaptureTable],
    method: str = "ensemble",
    *,
    seed: Seed = None,
    level: float = 0.95,
    n_jobs: int = 2,
    options: Mapping[str, Any] | None = None,
) -> dict[Any, list[EstimateResult]]:
    """Like :func:`estimate_tables`, keeping every result of each table: the headline first,
    then, for the ensemble, each method's own result."""
    get_method(method)
    keys = list(tables)
    seeds = seed_sequence(seed).spawn(len(keys))
    options = dict(options or {})
    if n_jobs > 1 and len(keys) > 1:
        results = map_in_processes(
            _estimate_one, [method] * len(keys), [tables[k] for k in keys], seeds,
            [level] * len(keys), [options] * len(keys), workers=min(n_jobs, len(keys)),
        )
    else:
        # one process per stratum fills the cores when there are several (each estimator then
        # runs single-threaded); a lone table gets the workers itself. Estimators give the
        # same numbers for any n_jobs.
        inside = n_jobs if len(keys) == 1 else 1
        results = [_estimate_one(method, tables[k], s, level, options, inside)
                   for k, s in zip(keys, seeds, strict=True)]
    return dict(zip(keys, results, strict=True))


# -- totals ---------------------------------------------------------------------------------------


def combine_strata(
    results: Mapping[str, EstimateResult],
    floors: Mapping[str, tuple[int, str]],
    *,
    level: float = 0.95,
    method: str = "ensemble",
    n_draws: int = 4000,
    seed: Seed = None,
) -> EstimateResult:
    """Total over strata: draws added index by index, unestimated strata as a floor.

    ``results`` are the estimated strata by label; ``floors`` the others by label, with their
    observed count and the reason. When every stratum has draws of one length they are added
    as they are; otherwise each stratum's draws are resampled (or, lacking draws, matched to
    its interval) to ``n_draws``, from its own child of ``seed``.
    """
    labels = list(results)
    floor = sum(count for count, _ in floors.values())
    observed = sum(r.observed for r in results.values()) + floor
    lengths = {None if r.draws is None else r.draws.size for r in results.values()}
    diagnostics: dict[str, Any] = {
        "strata_estimated": labels,
        "strata_not_estimated": {label: reason for label, (_, reason) in floors.items()},
        "floor": floor,
    }
    warnings: list[str] = []
    if floors:
        warnings.append(
            f"{len(floors)} strata could not be estimated; their {floor:,} observed people "
            "are added as a floor, so the total understates the unobserved"
        )
    if not results:
        return EstimateResult.refusal(
            method, "no stratum could be estimated", model="sum over strata",
            observed=observed, level=level, diagnostics=diagnostics, warnings=warnings,
        )
    if len(lengths) == 1 and None not in lengths:
        stacked = np.stack([np.asarray(results[k].draws, dtype=np.float64) for k in labels])
        diagnostics["draws"] = "each stratum's own draws, added by index"
    else:
        children = seed_sequence(seed).spawn(len(labels))
        stacked = np.stack([_draws_of(results[k], n_draws, np.random.default_rng(c))
                            for k, c in zip(labels, children, strict=True)])
        diagnostics["draws"] = (
            f"resampled to {n_draws} per stratum (draw counts differ); strata without draws "
            "use draws matched to their interval"
        )
    total = stacked.sum(axis=0) + floor
    lower, estimate, upper = quantile_interval(total, level)
    return EstimateResult(
        method=method,
        model=f"sum over {len(labels)} strata" + (f" + floor of {len(floors)}" if floors else ""),
        observed=observed,
        estimate=estimate,
        lower=lower,
        upper=upper,
        level=level,
        diagnostics=diagnostics,
        warnings=warnings,
        draws=total,
    )


def _draws_of(result: EstimateResult, size: int, rng: np.random.Generator) -> NDArray[np.float64]:
    if result.draws is not None and result.draws.size:
        return rng.choice(np.asarray(result.draws, dtype=np.float64), size=size, replace=True)
    return matched_draws(result, size, rng)


class StratifiedEstimate:
    """Estimate every stratum of a persons table, and the total over strata.

    ``strata`` are the columns to split by; ``lists`` the 0/1 membership columns (default:
    every other column). ``method`` is a registry name (default ``"ensemble"``), ``options``
    its settings. Learned: ``strata_`` (:class:`Stratum` per cell, sorted), ``results_`` (one
    :class:`EstimateResult` per stratum label, refused with the reason where no estimate is
    possible), ``method_results_`` (for the ensemble, each estimated stratum's results by
    method, behind its headline), ``total_`` and ``unlisted_`` (rows on no list, which cannot
    be counted).
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
        n_draws: int = 4000,
    ) -> None:
        self.strata = strata
        self.lists = lists
        self.method = method
        self.level = level
        self.seed = seed
        self.n_jobs = n_jobs
        self.options = options
        self.min_lists = min_lists
        self.n_draws = n_draws

    def fit(self, persons: Any) -> StratifiedEstimate:
        get_method(self.method)
        cells, unlisted = split_strata(persons, self.strata, self.lists, self.min_lists)
        estimation_seed, combination_seed = seed_sequence(self.seed).spawn(2)
        tables = {c.label: c.table for c in cells if c.table is not None}
        every = estimate_tables_with_methods(
            tables, self.method, seed=estimation_seed, level=self.level, n_jobs=self.n_jobs,
            options=self.options,
        )
        estimated = {label: found[0] for label, found in every.items()}
        results: dict[str, EstimateResult] = {}
        floors: dict[str, tuple[int, str]] = {}
        for cell in cells:
            result = estimated.get(cell.label)
            if result is None:
                result = EstimateResult.refusal(
                    self.method, str(cell.refusal), observed=cell.observed, level=self.level,
                    diagnostics={"stratum": dict(zip(self.strata, cell.key, strict=True))},
                )
            if result.estimate is None:
                floors[cell.label] = (cell.observed, str(result.refused))
            results[cell.label] = result
        total = combine_strata(
            {k: r for k, r in results.items() if r.estimate is not None},
            floors,
            level=self.level,
            method=self.method,
            n_draws=self.n_draws,
            seed=combination_seed,
        )
        if unlisted:
            total.diagnostics["rows_on_no_list"] = unlisted
        self.strata_ = cells
        self.results_ = results
        self.method_results_ = {label: found[1:] for label, found in every.items()}
        self.total_ = total
        self.unlisted_ = unlisted
        return self
