"""Log-linear (Poisson GLM) estimation of the total for one hierarchical model.

The observed cells are modelled as independent Poisson counts with log-mean ``X b``; the design
row of the unobserved cell is the intercept alone, so the estimated number nobody recorded is
``exp(intercept)`` and the total is ``observed + exp(intercept)`` (as Rcapture and SparseMSE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2, norm

from uncounted.core.errors import UncountedError
from uncounted.estimate.existence import ModelCheck, check_model
from uncounted.estimate.failures import RECOVERABLE, NumericalFailure, describe
from uncounted.estimate.glm import PoissonFit, fit_poisson
from uncounted.estimate.models import HierarchicalModel
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.table import CaptureTable

Interval = Literal["profile", "wald", "none"]


@dataclass(frozen=True)
class ModelFit:
    """A checked model fitted to one table: the numbers a model comparison needs."""

    check: ModelCheck
    fit: PoissonFit
    observed: int
    estimate: float
    deviance: float
    df: int
    aic: float
    bic: float

    @property
    def model(self) -> HierarchicalModel:
        return self.check.model


def fit_checked(counts: NDArray[np.integer], check: ModelCheck) -> ModelFit:
    """Fit a model whose existence/identifiability has been checked (verdict not enforced)."""
    y = np.asarray(counts[1:], dtype=np.float64)[check.kept_cells]
    observed = int(np.asarray(counts).sum())
    fit = fit_poisson(check.design, y)
    n_par = check.n_parameters
    # R's glm AIC: full Poisson log-likelihood; parameters fixed at -inf still count (SparseMSE).
    aic = -2.0 * fit.loglik + 2.0 * n_par
    bic = -2.0 * fit.loglik + math.log(max(observed, 1)) * n_par
    return ModelFit(
        check=check,
        fit=fit,
        observed=observed,
        estimate=observed + math.exp(fit.intercept),
        deviance=fit.deviance,
        df=int(y.size - check.design.shape[1]),
        aic=aic,
        bic=bic,
    )


def wald_interval(model_fit: ModelFit, level: float) -> tuple[float, float]:
    """Log-normal interval on the unobserved count, as SparseMSE's ``estimatepopulation.0``."""
    z = float(norm.ppf(0.5 + level / 2.0))
    centre = model_fit.fit.intercept
    se = model_fit.fit.intercept_se
    return (
        model_fit.observed + math.exp(centre - z * se),
        model_fit.observed + math.exp(centre + z * se),
    )


def profile_interval(
    counts: NDArray[np.integer], model_fit: ModelFit, level: float
) -> tuple[float, float]:
    """Multinomial profile-likelihood interval for N (Cormack 1992; Rcapture's ``closedpCI.t``).

    For a trial total N the unobserved cell gets the count N - n and the model is refitted to the
    complete table; ``log N!/(N-n)! + sum y log(mu/N)`` is the profile log-likelihood of N.
    """
    check = model_fit.check
    n = model_fit.observed
    y_obs = np.asarray(counts[1:], dtype=np.float64)[check.kept_cells]
    unobserved_row = np.zeros((1, check.design.shape[1]))
    unobserved_row[0, 0] = 1.0
    design = np.vstack([unobserved_row, check.design])

    def loglik(total: float) -> float:
        missing = total - n
        y = np.concatenate([[missing], y_obs])
        fit = fit_poisson(design, y)
        positive = y > 0
        share = np.log(fit.fitted[positive] / total)
        return float(gammaln(total + 1) - gammaln(missing + 1) + np.sum(y[positive] * share))

    centre = model_fit.estimate
    best = minimize_scalar(
        lambda t: -loglik(t),
        bounds=(n + 1e-9, max(centre * 4.0, n + 10.0)),
        method="bounded",
        options={"xatol": 1e-6 * centre},
    )
    peak_at = float(best.x)
    peak = -float(best.fun)
    cut = peak - float(chi2.ppf(level, 1)) / 2.0

    def excess(total: float) -> float:
        return loglik(total) - cut

    if excess(n + 1e-9) > 0:
        lower = float(n)
    else:
        lower = float(brentq(excess, n + 1e-9, peak_at, xtol=1e-6))
    upper_end = max(peak_at * 2.0, peak_at + 10.0)
    for _ in range(60):
        if excess(upper_end) < 0:
            break
        upper_end *= 2.0
    else:
        return lower, math.inf
    upper = float(brentq(excess, peak_at, upper_end, xtol=1e-6))
    return lower, upper


def fit_warnings(model_fit: ModelFit, names: tuple[str, ...]) -> list[str]:
    """Plain-words cautions about a fitted model."""
    model = model_fit.model
    out: list[str] = []
    if model_fit.df == 0:
        out.append(
            f"model {model} is saturated: it reproduces every observed cell exactly, so the data "
            "cannot check it; its estimate rests on no identifying assumption beyond 'no "
            "highest-order (all-list) interaction'"
        )
    for term in model_fit.check.empty_terms:
        who = model.label_terms([term], names)[0]
        out.append(
            f"nobody is on all of {who}: the model fixes that overlap at zero (extended "
            "maximum-likelihood estimate, as SparseMSE)"
        )
    if not model_fit.fit.converged:
        out.append("the Poisson fit did not converge; treat the estimate with caution")
    return out


def fit_diagnostics(model_fit: ModelFit, names: tuple[str, ...]) -> dict[str, object]:
    check = model_fit.check
    return {
        "model": str(model_fit.model),
        "deviance": model_fit.deviance,
        "df": model_fit.df,
        "aic": model_fit.aic,
        "bic": model_fit.bic,
        "n_parameters": check.n_parameters,
        "intercept": model_fit.fit.intercept,
        "intercept_se": model_fit.fit.intercept_se,
        "mle_exists": check.mle_exists,
        "identifiable": check.identifiable,
        "verdict": check.verdict,
        "empty_terms": model_fit.model.label_terms(check.empty_terms, names),
        "iterations": model_fit.fit.iterations,
        "converged": model_fit.fit.converged,
    }


def interval_for(
    counts: NDArray[np.integer], model_fit: ModelFit, level: float, interval: Interval
) -> tuple[float | None, float | None]:
    if interval == "none":
        return None, None
    if interval == "wald":
        return wald_interval(model_fit, level)
    if interval == "profile":
        return profile_interval(counts, model_fit, level)
    raise UncountedError(f"unknown interval {interval!r}: use 'profile', 'wald' or 'none'")


def refused_result(
    method: str, model: str | None, observed: int, level: float, reason: str, check: ModelCheck
) -> EstimateResult:
    return EstimateResult.refusal(
        method,
        reason,
        model=model,
        observed=observed,
        level=level,
        diagnostics={"verdict": check.verdict, "mle_exists": check.mle_exists,
                     "identifiable": check.identifiable,
                     "rank_deficiency": check.rank_deficiency},
    )


def model_result(
    method: str,
    table: CaptureTable,
    model_fit: ModelFit,
    level: float,
    interval: Interval,
) -> EstimateResult:
    warnings = fit_warnings(model_fit, table.lists)
    try:
        lower, upper = interval_for(table.counts, model_fit, level, interval)
    except RECOVERABLE as problem:
        if interval != "profile":
            raise
        # the profile refits the model at trial totals; where one of those fits fails, the
        # log-normal interval of the fit that did succeed is still a defined answer
        lower, upper = wald_interval(model_fit, level)
        interval = "wald"
        warnings.append(
            f"the profile-likelihood interval could not be computed ({describe(problem)}); "
            "the log-normal (Wald) interval is given instead"
        )
    diagnostics = fit_diagnostics(model_fit, table.lists)
    diagnostics["interval"] = interval
    return EstimateResult(
        method=method,
        model=str(model_fit.model),
        observed=model_fit.observed,
        estimate=model_fit.estimate,
        lower=lower,
        upper=upper,
        level=level,
        diagnostics=diagnostics,
        warnings=warnings,
    )


def as_model(model: str | HierarchicalModel, n_lists: int) -> HierarchicalModel:
    if isinstance(model, HierarchicalModel):
        if model.n_lists != n_lists:
            raise UncountedError(f"model {model} is for {model.n_lists} lists, table has {n_lists}")
        return model
    return HierarchicalModel.parse(model, n_lists)


class LogLinear:
    """Poisson log-linear model estimate of the total for one given hierarchical model.

    ``model`` in Rcapture's bracket notation (``"[12,3]"``; ``None`` = main effects only).
    Models whose MLE does not exist or that are not identifiable on the table are refused:
    ``result_.refused`` says why and no number is given.
    """

    def __init__(
        self,
        model: str | HierarchicalModel | None = None,
        level: float = 0.95,
        interval: Interval = "profile",
    ) -> None:
        self.model = model
        self.level = level
        self.interval = interval

    def fit(self, table: CaptureTable) -> LogLinear:
        model = (
            HierarchicalModel.independence(table.n_lists)
            if self.model is None
            else as_model(self.model, table.n_lists)
        )
        self.model_ = model
        self.check_ = check_model(table.counts, model, table.lists)
        if not self.check_.ok:
            self.fitted_: ModelFit | None = None
            self.result_ = refused_result(
                "loglinear", str(model), table.observed, self.level,
                str(self.check_.reason), self.check_,
            )
            return self
        try:
            self.fitted_ = fit_checked(table.counts, self.check_)
        except NumericalFailure as problem:
            self.fitted_ = None
            self.result_ = refused_result(
                "loglinear", str(model), table.observed, self.level, problem.message,
                self.check_,
            )
            return self
        self.result_ = model_result("loglinear", table, self.fitted_, self.level, self.interval)
        return self


class Independence(LogLinear):
    """Main effects only: the lists are assumed to capture independently."""

    def __init__(self, level: float = 0.95, interval: Interval = "profile") -> None:
        super().__init__(model=None, level=level, interval=interval)

    def fit(self, table: CaptureTable) -> Independence:
        super().fit(table)
        self.result_.method = "independence"
        return self
