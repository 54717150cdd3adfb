"""Model selection for log-linear MSE: best model by AIC/BIC, and SparseMSE's stepwise method.

Both skip (and record) models whose MLE does not exist or that are not identifiable on the
table, and both expose ``models_``: one plain record per model considered.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import pdtr, pdtrc

from uncounted.core.errors import UncountedError
from uncounted.estimate.existence import ModelCheck, check_model, check_models
from uncounted.estimate.failures import NumericalFailure
from uncounted.estimate.loglinear import (
    Interval,
    ModelFit,
    fit_checked,
    model_result,
    refused_result,
)
from uncounted.estimate.models import (
    HierarchicalModel,
    all_hierarchical_models,
    term_lists,
    term_order,
    two_list_terms,
)
from uncounted.estimate.table import CaptureTable

Criterion = Literal["aic", "bic"]

#: Above this many candidate models the exhaustive enumeration gives way to a greedy search.
EXHAUSTIVE_LIMIT = 50_000


@dataclass(frozen=True)
class ModelRecord:
    """One model in a comparison: plain data for tables and JSON."""

    model: str
    verdict: str
    estimate: float | None
    aic: float | None
    bic: float | None
    deviance: float | None
    df: int | None
    reason: str | None = None
    p_value: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _record(
    check: ModelCheck,
    fitted: ModelFit | None,
    p_value: float | None = None,
    failure: str | None = None,
) -> ModelRecord:
    return ModelRecord(
        model=str(check.model),
        verdict=check.verdict if failure is None else "fit failed",
        estimate=None if fitted is None else fitted.estimate,
        aic=None if fitted is None else fitted.aic,
        bic=None if fitted is None else fitted.bic,
        deviance=None if fitted is None else fitted.deviance,
        df=None if fitted is None else fitted.df,
        reason=check.reason if failure is None else failure,
        p_value=p_value,
    )


def _fit_or_failure(
    counts: NDArray[np.integer], check: ModelCheck
) -> tuple[ModelFit | None, str | None]:
    """The fit of a model that passed its checks, or why it could not be computed.

    A model whose fit fails numerically is skipped like one whose MLE does not exist: the
    search goes on over the others.
    """
    if not check.ok:
        return None, None
    try:
        return fit_checked(counts, check), None
    except NumericalFailure as problem:
        return None, problem.message


# -- best model by an information criterion -----------------------------------------------------


def _candidate_count(n_lists: int, max_order: int) -> float:
    """Number of hierarchical models, exact where cheap, else an upper bound."""
    if n_lists <= 5:
        return float(len(all_hierarchical_models(n_lists, max_order)))
    n_terms = sum(math.comb(n_lists, k) for k in range(2, max_order + 1))
    return 2.0**n_terms if n_terms < 60 else math.inf


def _greedy_search(
    counts: NDArray[np.integer],
    n_lists: int,
    max_order: int,
    criterion: Criterion,
    names: tuple[str, ...],
    seen: dict[HierarchicalModel, tuple[ModelCheck, ModelFit | None]],
    failures: dict[HierarchicalModel, str],
) -> None:
    """Hill-climb over hierarchical models: add one allowed term or drop one generator."""

    def score(model: HierarchicalModel) -> float:
        if model not in seen:
            check = check_model(counts, model, names)
            fitted, failure = _fit_or_failure(counts, check)
            seen[model] = (check, fitted)
            if failure is not None:
                failures[model] = failure
        fitted = seen[model][1]
        if fitted is None:
            return math.inf
        return fitted.aic if criterion == "aic" else fitted.bic

    current = HierarchicalModel.independence(n_lists)
    best = score(current)
    all_terms = [
        sum(1 << j for j in combo)
        for k in range(2, max_order + 1)
        for combo in itertools.combinations(range(n_lists), k)
    ]
    while True:
        neighbours: list[HierarchicalModel] = []
        for term in all_terms:
            if current.contains(term):
                continue
            subs = [term ^ (1 << j) for j in term_lists(term)] if term_order(term) > 2 else []
            if all(current.contains(s) for s in subs):
                neighbours.append(current.with_term(term))
        for generator in current.generators:
            if term_order(generator) >= 2:
                kept = [g for g in current.generators if g != generator]
                kept += [generator ^ (1 << j) for j in term_lists(generator)]
                neighbours.append(HierarchicalModel(n_lists, tuple(kept)))
        scored = [(score(m), str(m), m) for m in neighbours]
        if not scored:
            return
        value, _, model = min(scored, key=lambda s: (s[0], s[1]))
        if value >= best:
            return
        best, current = value, model


class BestModel:
    """The hierarchical model with the smallest AIC or BIC (Rcapture ``closedpMS.t``).

    Every hierarchical model with all main effects and terms up to ``max_order`` (default J - 1)
    is fitted when there are at most ``EXHAUSTIVE_LIMIT`` of them (6,893 for five lists);
    beyond that a greedy add-one-term / drop-one-term search is used and
    ``diagnostics["search"]`` says so. BIC = -2 log L + log(n) x parameters, n = people observed.
    """

    def __init__(
        self,
        criterion: Criterion = "bic",
        max_order: int | None = None,
        level: float = 0.95,
        interval: Interval = "profile",
    ) -> None:
        self.criterion = criterion
        self.max_order = max_order
        self.level = level
        self.interval = interval

    def fit(self, table: CaptureTable) -> BestModel:
        if self.criterion not in ("aic", "bic"):
            raise UncountedError(f"unknown criterion {self.criterion!r}: use 'aic' or 'bic'")
        n_lists = table.n_lists
        if n_lists < 2:
            raise UncountedError("model selection needs at least two lists")
        max_order = n_lists - 1 if self.max_order is None else min(self.max_order, n_lists - 1)
        counts = table.counts
        seen: dict[HierarchicalModel, tuple[ModelCheck, ModelFit | None]] = {}
        failures: dict[HierarchicalModel, str] = {}
        if _candidate_count(n_lists, max_order) <= EXHAUSTIVE_LIMIT:
            search = "exhaustive"
            models = all_hierarchical_models(n_lists, max_order)
            for check in check_models(counts, models, table.lists):
                fitted, failure = _fit_or_failure(counts, check)
                seen[check.model] = (check, fitted)
                if failure is not None:
                    failures[check.model] = failure
        else:
            search = "greedy"
            _greedy_search(counts, n_lists, max_order, self.criterion, table.lists, seen,
                           failures)
        self.models_ = [_record(check, fitted, failure=failures.get(model))
                        for model, (check, fitted) in seen.items()]
        key = "aic" if self.criterion == "aic" else "bic"
        usable = [(fitted, check) for check, fitted in seen.values() if fitted is not None]
        if not usable:
            any_check = next(iter(seen.values()))[0]
            self.best_ = None
            self.result_ = refused_result(
                f"best_{key}", None, table.observed, self.level,
                "no hierarchical model has an existing, identifiable maximum-likelihood "
                "estimate on this table", any_check,
            )
            return self
        best_fit, _ = min(usable, key=lambda fc: (getattr(fc[0], key), str(fc[0].model)))
        self.best_ = best_fit
        result = model_result(f"best_{key}", table, best_fit, self.level, self.interval)
        result.diagnostics.update(
            {
                "criterion": key,
                "search": search,
                "models_considered": len(seen),
                "models_refused": sum(1 for c, f in seen.values() if f is None),
                "models_failed": len(failures),
                "selected_model": str(best_fit.model),
            }
        )
        if failures:
            result.warnings.append(
                f"{len(failures)} candidate model(s) could not be fitted numerically on this "
                "table and were skipped"
            )
        ranked = sorted((getattr(f, key), f.estimate) for f, _ in usable)
        close = [est for value, est in ranked if value - ranked[0][0] <= 2.0]
        if len(close) > 1:
            result.warnings.append(
                f"{len(close)} models are within 2 {key.upper()} points of the best, with "
                f"estimates from {min(close):,.0f} to {max(close):,.0f}; the interval does "
                "not include this model uncertainty"
            )
        result.warnings.append(
            "the interval is conditional on the selected model; use a bootstrap that "
            "repeats the selection for an interval that reflects model choice"
        )
        self.result_ = result
        return self


# -- SparseMSE stepwise ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepwiseTrace:
    fitted: ModelFit
    records: list[ModelRecord]
    added: list[tuple[int, float]]


def pair_p_values(
    counts: NDArray[np.integer], fitted: ModelFit, pairs: list[int]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """One-sided Poisson p-values of the observed overlap of each pair under the current fit.

    Under the current model (which lacks the pair's term) the number of people on both lists is
    Poisson with mean ``sum of fitted counts over cells containing both``; the p-value is the
    smaller tail, ``min(P(X <= observed), P(X >= observed))`` (SparseMSE ``stepwisefit``).
    """
    n_cells = counts.size - 1
    masks = np.arange(1, n_cells + 1, dtype=np.int64)
    mu = np.zeros(n_cells)
    mu[fitted.check.kept_cells] = fitted.fit.fitted
    cell_counts = np.asarray(counts[1:], dtype=np.float64)
    inside = np.array([(masks & p) == p for p in pairs])
    expected = inside @ mu
    observed = (inside @ cell_counts).astype(np.int64)
    lower_tail = pdtr(observed, expected)
    upper_tail = np.where(observed > 0, pdtrc(observed - 1, expected), 1.0)
    return np.minimum(lower_tail, upper_tail), observed


def stepwise_select(
    counts: NDArray[np.integer], threshold: float, names: tuple[str, ...] | None = None
) -> StepwiseTrace:
    """Chan, Silverman & Vincent (2019) forward selection of two-list terms.

    Start from main effects; at each step add the pair with the smallest one-sided p-value,
    among pairs whose model passes the existence and identifiability checks, while that
    p-value is below ``threshold``; ties go to the first pair in (1,2), (1,3), ... order.
    A pair whose model passes its checks but cannot be fitted numerically is passed over like
    one that fails them. When the main-effects model itself cannot be fitted (SparseMSE fits
    it unchecked) this raises :class:`NumericalFailure`.
    """
    n_lists = int(counts.size).bit_length() - 1
    pairs = two_list_terms(n_lists)
    current = HierarchicalModel.independence(n_lists)
    # SparseMSE fits main effects without checking them first; the caller decides what to do
    # when the final model fails its check.
    fitted = fit_checked(counts, check_model(counts, current, names))
    records: list[ModelRecord] = [_record(fitted.check, fitted)]
    added: list[tuple[int, float]] = []
    included = np.zeros(len(pairs), dtype=bool)
    unfittable = np.zeros(len(pairs), dtype=bool)
    while not (included | unfittable).all():
        p_values, _ = pair_p_values(counts, fitted, pairs)
        p_values[included | unfittable] = 1.0
        for j in np.flatnonzero(~(included | unfittable)):
            if p_values[j] < threshold and not check_model(
                counts, current.with_term(pairs[j]), names
            ).ok:
                p_values[j] = 1.0
        best = int(np.argmin(p_values))
        if p_values[best] >= threshold:
            break
        candidate = current.with_term(pairs[best])
        check = check_model(counts, candidate, names)
        try:
            candidate_fit = fit_checked(counts, check)
        except NumericalFailure as problem:
            unfittable[best] = True
            records.append(_record(check, None, float(p_values[best]), problem.message))
            continue
        current, fitted = candidate, candidate_fit
        included[best] = True
        added.append((pairs[best], float(p_values[best])))
        records.append(_record(fitted.check, fitted, float(p_values[best])))
    return StepwiseTrace(fitted=fitted, records=records, added=added)


class Stepwise:
    """SparseMSE's stepwise two-list log-linear estimate (Chan, Silverman & Vincent 2021).

    The default interval is SparseMSE's model-conditional log-normal ("wald") interval; it
    ignores model selection, which :class:`uncounted.estimate.bootstrap.Bootstrap` accounts for.
    """

    def __init__(
        self, threshold: float = 0.02, level: float = 0.95, interval: Interval = "wald"
    ) -> None:
        self.threshold = threshold
        self.level = level
        self.interval = interval

    def fit(self, table: CaptureTable) -> Stepwise:
        if table.n_lists < 2:
            raise UncountedError("stepwise selection needs at least two lists")
        try:
            trace = stepwise_select(table.counts, self.threshold, table.lists)
        except NumericalFailure as problem:
            start = check_model(table.counts, HierarchicalModel.independence(table.n_lists),
                                table.lists)
            self.trace_ = None
            self.models_ = [_record(start, None, failure=problem.message)]
            self.best_ = None
            self.result_ = refused_result(
                "stepwise", str(start.model), table.observed, self.level,
                f"the main-effects model that stepwise selection starts from could not be "
                f"fitted: {problem.message}", start,
            )
            return self
        self.trace_ = trace
        self.models_ = trace.records
        fitted = trace.fitted
        self.best_ = fitted
        added = fitted.model.label_terms([t for t, _ in trace.added], table.lists)
        if not fitted.check.ok:
            self.result_ = refused_result(
                "stepwise", str(fitted.model), table.observed, self.level,
                str(fitted.check.reason), fitted.check,
            )
            return self
        result = model_result("stepwise", table, fitted, self.level, self.interval)
        result.diagnostics.update(
            {
                "threshold": self.threshold,
                "selected_model": str(fitted.model),
                "added_terms": added,
                "added_p_values": [p for _, p in trace.added],
            }
        )
        result.warnings.append(
            "the interval is conditional on the selected model; the bootstrap with "
            "re-selection gives one that reflects model choice"
        )
        self.result_ = result
        return self
