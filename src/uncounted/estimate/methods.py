"""Registry of estimation methods: one name per method, one factory per name.

The names are what users type (``uncounted estimate --method bic``) and what the per-stratum
runner uses to build estimators: the ensemble first, then the single methods of
:mod:`uncounted.estimate.registry`, which the ensemble runs. This module sits above both, so
the imports point one way: ``methods`` → ``ensemble`` → ``registry``.
"""

from __future__ import annotations

from typing import Any

from uncounted.estimate.ensemble import Ensemble
from uncounted.estimate.randomness import Seed
from uncounted.estimate.registry import (
    MAX_LISTS,
    SINGLE_METHODS,
    Estimator,
    Method,
    MethodOptions,
    build_estimator,
    check_model_syntax,
    find_method,
    int_seed,
    options_for,
    results_of,
)

__all__ = [
    "MAX_LISTS",
    "METHODS",
    "Estimator",
    "Method",
    "MethodOptions",
    "Seed",
    "check_model_syntax",
    "get_method",
    "int_seed",
    "make_estimator",
    "method_names",
    "results_of",
]


def _ensemble(o: MethodOptions) -> Estimator:
    extra = options_for(Ensemble, o.extra, "ensemble")
    return Ensemble(**{"seed": o.seed, "level": o.level, "n_jobs": o.n_jobs, **extra})


METHODS: dict[str, Method] = {
    "ensemble": Method("ensemble", "every applicable method side by side; the headline "
                       "interval spans the defensible ones", 2, _ensemble),
    **SINGLE_METHODS,
}


def method_names() -> list[str]:
    return list(METHODS)


def get_method(name: str) -> Method:
    return find_method(METHODS, name)


def make_estimator(
    name: str,
    *,
    seed: Seed = None,
    level: float = 0.95,
    n_jobs: int = 1,
    model: str | None = None,
    **options: Any,
) -> Estimator:
    """Build the estimator registered as ``name`` (see :data:`METHODS`)."""
    return build_estimator(get_method(name), seed=seed, level=level, n_jobs=n_jobs, model=model,
                           **options)
