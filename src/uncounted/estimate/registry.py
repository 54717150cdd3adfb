"""The single estimation methods by name, and how a method is described and built.

A method is a name, a one-line summary, the fewest lists it needs and a factory. Every factory
takes the same settings (:class:`MethodOptions`): ``seed`` (where the method is random),
``level``, ``n_jobs``, ``model`` (for ``loglinear``) and the method's own options, so callers
never need to know which class sits behind a name.

This module knows the single methods only. The ensemble runs them (it imports this module),
and :mod:`uncounted.estimate.methods` adds the ensemble to them to make the names users type;
so the imports point one way: ``methods`` → ``ensemble`` → ``registry``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from uncounted.core.errors import UncountedError
from uncounted.estimate.bootstrap import Bootstrap
from uncounted.estimate.coverage import SampleCoverage
from uncounted.estimate.dga import DGA
from uncounted.estimate.lcmcr import LCMCR
from uncounted.estimate.loglinear import LogLinear
from uncounted.estimate.models import HierarchicalModel
from uncounted.estimate.randomness import Seed
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.selection import BestModel, Stepwise
from uncounted.estimate.simple import Chapman
from uncounted.estimate.table import CaptureTable

#: The largest number of lists any estimator here accepts (LCMCR's bitmask limit).
MAX_LISTS = 62


class Estimator(Protocol):
    """What the registry hands out: scikit-learn style, ``fit(table)`` then ``result_``."""

    result_: EstimateResult

    def fit(self, table: CaptureTable) -> Any: ...


@dataclass(frozen=True)
class MethodOptions:
    """The settings every factory receives."""

    seed: Seed
    level: float
    n_jobs: int
    model: str | None
    extra: Mapping[str, Any]


@dataclass(frozen=True)
class Method:
    """One registered method: its name, what it does in a line, and how to build it."""

    name: str
    summary: str
    min_lists: int
    build: Callable[[MethodOptions], Estimator]
    needs_model: bool = False


def int_seed(seed: Seed) -> int:
    """An integer seed for estimators that only take ints (``Bootstrap``).

    A ``SeedSequence`` is reduced to 63 bits of its state, so children of one sequence give
    distinct, reproducible integers.
    """
    if seed is None:
        seed = np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    return int(seed)


def options_for(cls: Callable[..., Any], extra: Mapping[str, Any], method: str) -> dict[str, Any]:
    """Check method options against the estimator's constructor: typos fail loudly."""
    accepted = set(inspect.signature(cls).parameters)
    unknown = sorted(set(extra) - accepted)
    if unknown:
        raise UncountedError(
            f"method {method!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options are {', '.join(sorted(accepted))}"
        )
    return dict(extra)


def check_model_syntax(model: str) -> None:
    """Reject a malformed bracket model before any table is read.

    The number of lists is not known yet, so list numbers are checked against the most any
    table can have; the table's own size is checked when the model is fitted.
    """
    HierarchicalModel.parse(model, MAX_LISTS)


def _loglinear(o: MethodOptions) -> Estimator:
    if o.model is None:
        raise UncountedError(
            "method 'loglinear' needs a model in bracket notation, e.g. --model '[12,3]' "
            "(lists numbered 1..J in column order; '[1,2,3]' is independence)"
        )
    check_model_syntax(o.model)
    extra = options_for(LogLinear, o.extra, "loglinear")
    return LogLinear(model=o.model, level=o.level, **extra)


def _bic(o: MethodOptions) -> Estimator:
    extra = options_for(BestModel, o.extra, "bic")
    return BestModel(**{"criterion": "bic", "level": o.level, **extra})


def _stepwise(o: MethodOptions) -> Estimator:
    # The model-conditional interval of stepwise selection is known to be far too narrow, so
    # the registered method repeats the selection in a bootstrap unless told n_boot=0.
    extra = dict(o.extra)
    n_boot = int(extra.pop("n_boot", 1000))
    inner = Stepwise(**{"level": o.level, **options_for(Stepwise, extra, "stepwise")})
    if n_boot == 0:
        return inner
    return Bootstrap(inner, n_boot=n_boot, level=o.level, seed=int_seed(o.seed), n_jobs=o.n_jobs)


def _lcmcr(o: MethodOptions) -> Estimator:
    extra = options_for(LCMCR, o.extra, "lcmcr")
    return LCMCR(**{"seed": o.seed, "level": o.level, "n_jobs": o.n_jobs, **extra})


def _dga(o: MethodOptions) -> Estimator:
    extra = options_for(DGA, o.extra, "dga")
    return DGA(**{"seed": o.seed, "level": o.level, **extra})


def _chapman(o: MethodOptions) -> Estimator:
    extra = options_for(Chapman, o.extra, "chapman")
    return Chapman(**{"level": o.level, **extra})


def _sample_coverage(o: MethodOptions) -> Estimator:
    extra = options_for(SampleCoverage, o.extra, "sample-coverage")
    return SampleCoverage(**{"level": o.level, "seed": int_seed(o.seed), **extra})


#: The single methods, in the order they are listed (after the ensemble).
SINGLE_METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("stepwise", "SparseMSE stepwise two-list log-linear model, bootstrap BCa "
               "interval that repeats the selection", 2, _stepwise),
        Method("bic", "log-linear model with the smallest BIC over all hierarchical models, "
               "model-conditional profile interval", 2, _bic),
        Method("lcmcr", "Bayesian latent-class model (Dirichlet process), several chains", 3,
               _lcmcr),
        Method("dga", "Bayesian model averaging over decomposable graphical models", 3, _dga),
        Method("sample-coverage", "Chao's sample-coverage estimator, bootstrap interval", 2,
               _sample_coverage),
        Method("chapman", "two-list Chapman estimate for every pair of lists", 2, _chapman),
        Method("loglinear", "one given log-linear model (needs --model, e.g. [12,3])", 2,
               _loglinear, needs_model=True),
    )
}


def find_method(methods: Mapping[str, Method], name: str) -> Method:
    """``methods[name]``, or an error naming the methods there are."""
    try:
        return methods[name]
    except KeyError:
        raise UncountedError(
            f"unknown method {name!r}; choose one of {', '.join(methods)}"
        ) from None


def build_estimator(
    method: Method,
    *,
    seed: Seed = None,
    level: float = 0.95,
    n_jobs: int = 1,
    model: str | None = None,
    **options: Any,
) -> Estimator:
    """Check the settings every method shares, then build ``method``'s estimator."""
    if not 0.0 < level < 1.0:
        raise UncountedError(f"level must be between 0 and 1, not {level}")
    if model is not None and not method.needs_model:
        raise UncountedError(
            f"method {method.name!r} chooses its own model; --model is for loglinear"
        )
    return method.build(MethodOptions(seed, level, max(1, n_jobs), model, options))


def results_of(estimator: Any) -> list[EstimateResult]:
    """Every result an estimator has to show, headline first.

    The ensemble shows its headline and then each method; Chapman shows every pair.
    """
    main: EstimateResult = estimator.result_
    if hasattr(estimator, "results_"):
        return [main, *estimator.results_.values()]
    if hasattr(estimator, "pairs_"):
        return list(estimator.pairs_)
    return [main]
