"""How the total moves under the assumptions that the data cannot check.

Every MSE number rests on something the table cannot test. Three such assumptions carry most of
the weight, and this module re-estimates the total with each of them changed:

* **the highest-order interaction.** A log-linear model assumes that the interactions it
  leaves out are zero, and every model assumes that the interaction of all J lists is: that
  people on every list are exactly as common as the lower-order terms imply. The unobserved cell
  is the one other cell that term touches, so nothing in the data can check it. The rows are
  the models with every interaction up to k lists (k = 1 .. J-1: from independence to the
  saturated model, whose only assumption is that last one), and the highest of them that has an
  estimate refitted with the all-list interaction fixed at ``log(rho)`` for ``rho`` in
  ``interaction_ratios`` (people on all lists half or twice as common as it implies;
  Gerritse, Bakker & van der Heijden 2015 fix an unidentifiable interaction the same way).
* **the number of latent classes and the prior on their concentration** (LCMCR): the
  truncation ``K`` and the Gamma(a, b) prior of the Dirichlet process concentration decide how
  much heterogeneity the model can express beyond what the lists show.
* **dependence between named lists**: for each pair of lists, the BIC-best model with that
  pair's interaction added (when it is not in the model) or taken out (when it is). With three
  lists a pair's dependence and the heterogeneity that all lists share look alike, so the
  choice matters most there.

Rows are plain dicts, ready for a table or JSON: ``assumption``, ``variant``, ``estimate``,
``lower``, ``upper``, ``refused``, ``baseline`` (the row that the others change), ``note``.
Failures in one variant (a model that cannot be fitted, chains that fail) become that row's
refusal; the other rows are unaffected.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from uncounted.core.errors import UncountedError
from uncounted.estimate.existence import check_model
from uncounted.estimate.failures import RECOVERABLE, describe
from uncounted.estimate.lcmcr import LCMCR
from uncounted.estimate.loglinear import LogLinear
from uncounted.estimate.models import HierarchicalModel, term_lists
from uncounted.estimate.randomness import Seed, seed_sequence
from uncounted.estimate.selection import BestModel
from uncounted.estimate.table import CaptureTable

INTERACTION = "highest-order interaction"
LATENT = "latent classes and concentration prior"
DEPENDENCE = "dependence between named lists"

CAUGHT: tuple[type[BaseException], ...] = (UncountedError, *RECOVERABLE)

#: Chains short enough that six LCMCR variants cost a few seconds; each row shows its R-hat.
SENSITIVITY_LCMCR = {"n_chains": 2, "burn_in": 10_000, "n_samples": 1_000, "thin": 20}
#: (K, (a, b)) variants; the first is the package default and the baseline.
LATENT_VARIANTS: tuple[tuple[int, tuple[float, float]], ...] = (
    (10, (0.25, 0.25)),
    (2, (0.25, 0.25)),
    (5, (0.25, 0.25)),
    (20, (0.25, 0.25)),
    (10, (1.0, 1.0)),
    (10, (1.0, 0.1)),
)


def _row(assumption: str, variant: str, estimate: float | None = None,
         lower: float | None = None, upper: float | None = None, *, refused: str | None = None,
         baseline: bool = False, note: str = "") -> dict[str, Any]:
    def clean(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else float(value)

    return {"assumption": assumption, "variant": variant, "estimate": clean(estimate),
            "lower": clean(lower), "upper": clean(upper), "refused": refused,
            "baseline": baseline, "note": note}


def fit_with_offset(
    design: NDArray[np.float64], y: NDArray[np.float64], offset: NDArray[np.float64],
    max_iter: int = 100,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Poisson log-linear fit of ``y`` with a fixed offset on the log scale (IRLS).

    Returns the coefficients and their covariance. Small tables only (at most 2^J - 1 cells).
    """
    mu = y + 0.1
    eta = np.log(mu)
    beta = np.zeros(design.shape[1])
    deviance = math.inf
    for _ in range(max_iter):
        z = eta - offset + (y - mu) / mu
        weighted = design * mu[:, None]
        beta = np.asarray(np.linalg.solve(design.T @ weighted, weighted.T @ z), dtype=np.float64)
        eta = np.minimum(design @ beta + offset, 700.0)
        mu = np.exp(eta)
        positive = y > 0
        new = 2.0 * float(np.sum(y[positive] * np.log(y[positive] / mu[positive]))
                          - np.sum(y - mu))
        if abs(new - deviance) <= 1e-10 * (abs(new) + 0.1):
            break
        deviance = new
    covariance = np.asarray(np.linalg.inv(design.T @ (design * mu[:, None])), dtype=np.float64)
    return beta, covariance


def _log_normal(observed: int, intercept: float, se: float, level: float
                ) -> tuple[float, float, float]:
    z = float(norm.ppf(0.5 + level / 2.0))
    with np.errstate(over="ignore"):
        return (observed + float(np.exp(intercept)), observed + float(np.exp(intercept - z * se)),
                observed + float(np.exp(intercept + z * se)))


def interaction_rows(table: CaptureTable, ratios: Sequence[float], level: float
                     ) -> list[dict[str, Any]]:
    """Models with every interaction up to order k, k = 1 .. J-1; then the last of them that
    has an estimate refitted with the J-way interaction fixed at log(rho) for each rho."""
    rows: list[dict[str, Any]] = []
    n_lists = table.n_lists
    highest: HierarchicalModel | None = None
    for order in range(1, n_lists):
        model = HierarchicalModel(n_lists, tuple(
            sum(1 << j for j in combo) for combo in itertools.combinations(range(n_lists), order)))
        variant = ("no interactions (independent lists)" if order == 1 else
                   f"every interaction up to {order} lists" +
                   (" (saturated: assumes only no all-list interaction)"
                    if order == n_lists - 1 else ""))
        row = _model_row(INTERACTION, variant, table, model, level)
        rows.append(row)
        if row["refused"] is None:
            highest = model
    if highest is None:
        return rows
    check = check_model(table.counts, highest, table.lists)
    all_lists = (1 << n_lists) - 2  # index of the all-list cell among cells 1..2^J-1
    kept = np.flatnonzero(check.kept_cells)
    if all_lists not in kept:
        return rows
    y = np.asarray(table.counts[1:], dtype=np.float64)[check.kept_cells]
    names = "·".join(table.lists)
    for rho in ratios:
        variant = f"people on all of {names} x{rho:g} as common as {highest} implies"
        offset = np.zeros(y.size)
        offset[int(np.searchsorted(kept, all_lists))] = math.log(rho)
        try:
            beta, covariance = fit_with_offset(check.design, y, offset)
        except RECOVERABLE as problem:
            rows.append(_row(INTERACTION, variant, refused=describe(problem)))
            continue
        estimate, lower, upper = _log_normal(
            table.observed, float(beta[0]), math.sqrt(max(covariance[0, 0], 0.0)), level)
        rows.append(_row(INTERACTION, variant, estimate, lower, upper,
                         note=f"model {highest} with the all-list interaction log({rho:g})"))
    return rows


def _without(model: HierarchicalModel, term: int) -> HierarchicalModel:
    """The largest hierarchical model inside ``model`` that lacks ``term``."""
    generators: list[int] = []
    for g in model.generators:
        if g & term == term:
            generators.extend(g ^ (1 << j) for j in term_lists(term))
        else:
            generators.append(g)
    return HierarchicalModel(model.n_lists, tuple(generators))


def dependence_rows(table: CaptureTable, model: HierarchicalModel, level: float
                    ) -> list[dict[str, Any]]:
    """For every pair of lists: the model with that pair's dependence added or taken out."""
    rows: list[dict[str, Any]] = []
    for a, b in itertools.combinations(range(table.n_lists), 2):
        pair = (1 << a) | (1 << b)
        names = f"{table.lists[a]}·{table.lists[b]}"
        if model.contains(pair):
            other, variant = _without(model, pair), f"without {names} dependence"
        else:
            other, variant = model.with_term(pair), f"with {names} dependence"
        rows.append(_model_row(DEPENDENCE, variant, table, other, level))
    return rows


def _model_row(kind: str, variant: str, table: CaptureTable, model: HierarchicalModel,
               level: float) -> dict[str, Any]:
    """One log-linear model's estimate as a row, or its refusal with the reason."""
    try:
        result = LogLinear(model=model, level=level, interval="wald").fit(table).result_
    except RECOVERABLE as problem:
        return _row(kind, variant, refused=describe(problem))
    return _row(kind, variant, result.estimate, result.lower, result.upper,
                refused=result.refused, note=f"model {model}")


def latent_rows(table: CaptureTable, seed: Seed, level: float, n_jobs: int,
                options: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    children = seed_sequence(seed).spawn(len(LATENT_VARIANTS))
    for index, ((k, prior), child) in enumerate(zip(LATENT_VARIANTS, children, strict=True)):
        variant = f"K={k}, concentration ~ Gamma({prior[0]:g}, {prior[1]:g})"
        try:
            result = LCMCR(n_classes=k, alpha_prior=prior, seed=child, level=level,
                           n_jobs=n_jobs, **options).fit(table).result_
        except CAUGHT as problem:
            rows.append(_row(LATENT, variant, refused=describe(problem)))
            continue
        rhat = result.diagnostics.get("rhat")
        note = "" if rhat is None or math.isnan(rhat) else f"R-hat {rhat:.2f}"
        rows.append(_row(LATENT, variant, result.estimate, result.lower, result.upper,
                         baseline=index == 0, note=note))
    return rows


class Sensitivity:
    """Re-estimate one table under changed unverifiable assumptions (see the module docstring).

    ``model`` is the log-linear model the interaction and dependence rows start from (default:
    the BIC-best model). ``rows_`` holds the rows; ``model_`` the model used.
    """

    def __init__(
        self,
        seed: Seed = None,
        level: float = 0.95,
        model: str | HierarchicalModel | None = None,
        interaction_ratios: Sequence[float] = (0.5, 2.0),
        lcmcr_options: dict[str, Any] | None = None,
        n_jobs: int = 1,
    ) -> None:
        self.seed = seed
        self.level = level
        self.model = model
        self.interaction_ratios = interaction_ratios
        self.lcmcr_options = lcmcr_options
        self.n_jobs = n_jobs

    def fit(self, table: CaptureTable) -> Sensitivity:
        rows: list[dict[str, Any]] = []
        if table.n_lists < 3:
            self.model_ = None
            self.rows_ = [_row(INTERACTION, "all", refused="with two lists every assumption "
                               "is untestable and no alternative can be fitted")]
            return self
        model: HierarchicalModel | None
        if isinstance(self.model, HierarchicalModel):
            model = self.model
        elif self.model is not None:
            model = HierarchicalModel.parse(self.model, table.n_lists)
        else:
            try:
                best = BestModel(interval="none").fit(table)
                model = None if best.best_ is None else best.best_.model
            except RECOVERABLE:
                model = None
        self.model_ = model
        rows += interaction_rows(table, self.interaction_ratios, self.level)
        if model is None:
            rows.append(_row(DEPENDENCE, "all", refused="no log-linear model has an "
                             "estimate on this table"))
        else:
            rows += dependence_rows(table, model, self.level)
        options = dict(SENSITIVITY_LCMCR if self.lcmcr_options is None else self.lcmcr_options)
        rows += latent_rows(table, self.seed, self.level, self.n_jobs, options)
        self.rows_ = rows
        return self


def sensitivity_range(rows: Sequence[dict[str, Any]]) -> tuple[float, float] | None:
    """The smallest and largest estimate over the rows that gave one."""
    values = [r["estimate"] for r in rows if r.get("estimate") is not None]
    return (min(values), max(values)) if values else None


def sensitivity_document(
    table: CaptureTable, *, seed: Seed = None, level: float = 0.95, n_jobs: int = 1,
    headline: float | None = None, label: str = "the whole table",
) -> dict[str, Any]:
    """Sensitivity rows of one table as plain data for JSON, reports and pages.

    ``headline`` is the number the rows are read against; ``label`` says which table they
    describe (a stratified run's rows describe its strata pooled into one table).
    """
    fitted = Sensitivity(seed=seed, level=level, n_jobs=n_jobs).fit(table)
    return {
        "table": label,
        "lists": list(table.lists),
        "observed": table.observed,
        "headline": headline,
        "model": None if fitted.model_ is None else str(fitted.model_),
        "range": sensitivity_range(fitted.rows_),
        "rows": fitted.rows_,
    }


def persons_sensitivity(
    persons: Any, lists: Sequence[str], *, seed: Seed = None, level: float = 0.95,
    n_jobs: int = 1, headline: float | None = None,
) -> dict[str, Any]:
    """:func:`sensitivity_document` of a persons table's lists, every stratum pooled."""
    from uncounted.estimate.strata import split_strata  # strata imports the estimators

    cells, _ = split_strata(persons, [], lists, min_lists=1)
    table = cells[0].table if cells else None
    if table is None:
        reason = cells[0].refusal if cells else "nobody is on any list"
        return {"table": "all persons, strata pooled", "headline": headline, "model": None,
                "lists": list(lists), "observed": cells[0].observed if cells else 0,
                "range": None, "rows": [_row(INTERACTION, "all", refused=reason)]}
    return sensitivity_document(table, seed=seed, level=level, n_jobs=n_jobs,
                                headline=headline, label="all persons, strata pooled")
