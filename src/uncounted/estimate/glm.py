"""Poisson log-linear regression by iteratively reweighted least squares, compiled with numba.

The capture-recapture fits are tiny (at most 2^J - 1 cells, a few dozen columns) and there are
thousands of them in a model search or a bootstrap, so the cost is per-call overhead, not
arithmetic: one compiled loop per fit keeps that overhead to microseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from uncounted.estimate.failures import NUMERICAL_ERRORS, NumericalFailure, describe

#: Relative change in deviance at which IRLS stops; tighter than R's glm (1e-8) so that fits
#: agree with R to the unit even on large tables.
DEVIANCE_TOLERANCE = 1e-11
MAX_ITERATIONS = 100
#: log-means are kept below this so that a diverging fit overflows to a large finite number
#: rather than to inf/nan (the existence check refuses such models anyway).
_ETA_CAP = 700.0


@numba.njit(cache=True)
def _poisson_deviance(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    total = 0.0
    for i in range(y.size):
        if y[i] > 0:
            total += y[i] * math.log(y[i] / mu[i]) - (y[i] - mu[i])
        else:
            total += mu[i]
    return 2.0 * total


@numba.njit(cache=True)
def _irls(
    x: NDArray[np.float64], y: NDArray[np.float64], tol: float, max_iter: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, int, bool, NDArray[np.float64]]:
    n_cells, n_par = x.shape
    mu = y + 0.1  # R's glm starting values for the Poisson family
    eta = np.log(mu)
    beta = np.zeros(n_par)
    deviance = _poisson_deviance(y, mu)
    converged = False
    iterations = 0
    hessian = np.eye(n_par)
    for _ in range(max_iter):
        iterations += 1
        z = eta + (y - mu) / mu
        hessian = np.zeros((n_par, n_par))
        score = np.zeros(n_par)
        for i in range(n_cells):
            w = mu[i]
            for a in range(n_par):
                xa = x[i, a] * w
                if xa != 0.0:
                    score[a] += xa * z[i]
                    for b in range(a, n_par):
                        hessian[a, b] += xa * x[i, b]
        for a in range(n_par):
            for b in range(a):
                hessian[a, b] = hessian[b, a]
        beta = np.asarray(np.linalg.solve(hessian, score), dtype=np.float64)
        eta = x @ beta
        for i in range(n_cells):
            if eta[i] > _ETA_CAP:
                eta[i] = _ETA_CAP
        mu = np.exp(eta)
        new_deviance = _poisson_deviance(y, mu)
        change = abs(new_deviance - deviance) / (abs(new_deviance) + 0.1)
        deviance = new_deviance
        if change < tol:
            converged = True
            break
    # Final Fisher information at the returned beta, for standard errors.
    hessian = np.zeros((n_par, n_par))
    for i in range(n_cells):
        for a in range(n_par):
            xa = x[i, a] * mu[i]
            if xa != 0.0:
                for b in range(n_par):
                    hessian[a, b] += xa * x[i, b]
    covariance = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    return beta, mu, deviance, iterations, converged, covariance


@dataclass(frozen=True)
class PoissonFit:
    """One Poisson GLM fit: coefficients, fitted means and the fit's summary numbers."""

    coefficients: NDArray[np.float64]
    fitted: NDArray[np.float64]
    covariance: NDArray[np.float64]
    deviance: float
    loglik: float
    iterations: int
    converged: bool

    @property
    def intercept(self) -> float:
        return float(self.coefficients[0])

    @property
    def intercept_se(self) -> float:
        return float(math.sqrt(max(self.covariance[0, 0], 0.0)))


@numba.njit(cache=True)
def _poisson_loglik(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    total = 0.0
    for i in range(y.size):
        if mu[i] > 0:
            total += y[i] * math.log(mu[i]) - mu[i] - math.lgamma(y[i] + 1.0)
    return total


def poisson_loglik(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    """Full Poisson log-likelihood (with the log y! terms, as R's AIC uses)."""
    return float(_poisson_loglik(np.ascontiguousarray(y, dtype=np.float64),
                                 np.ascontiguousarray(mu, dtype=np.float64)))


def fit_poisson(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    tol: float = DEVIANCE_TOLERANCE,
    max_iter: int = MAX_ITERATIONS,
) -> PoissonFit:
    """Maximum-likelihood Poisson log-linear fit of counts ``y`` on design ``x``.

    ``x`` must have full column rank (the existence/identifiability checks come first). When the
    fit cannot be computed all the same (fitted counts that fall to zero make the information
    matrix singular, e.g. a model fitted without its check on a table where a list is empty)
    this raises :class:`NumericalFailure`, never a bare ``LinAlgError``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    try:
        beta, mu, deviance, iterations, converged, covariance = _irls(x, y, tol, max_iter)
    except NUMERICAL_ERRORS as problem:
        raise NumericalFailure(
            f"the Poisson log-linear fit failed ({describe(problem)}): some fitted counts "
            "fell to zero, so the model's parameters cannot be estimated on this table"
        ) from problem
    if not (np.all(np.isfinite(beta)) and math.isfinite(float(deviance))):
        raise NumericalFailure(
            "the Poisson log-linear fit diverged: its parameters are not finite on this table"
        )
    return PoissonFit(
        coefficients=beta,
        fitted=mu,
        covariance=covariance,
        deviance=float(deviance),
        loglik=poisson_loglik(y, mu),
        iterations=int(iterations),
        converged=bool(converged),
    )
