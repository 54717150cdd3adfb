"""Every applicable method side by side, and a headline whose 95% interval earns its name.

For one table the defensible models often disagree by a factor of two, and an interval that
conditions on one selected model hides that. The ensemble runs each method and decides which
results are *defensible* (see :func:`exclusion_reason`). The headline then follows a rule:

* ``"lcmcr-led"`` (default): the latent-class model (LCMCR) leads whenever it gave a number.
  Its posterior draws are the headline's draws, and the interval is widened, where needed, to
  contain every defensible method's point estimate, so it still spans the disagreement between
  models. When LCMCR's chains disagree (R-hat above 1.05) it still leads, with a warning: the
  pooled chains are a wider, not a narrower, description of the uncertainty. The other methods
  are reported beside it as checks. Without an LCMCR number (two lists, a refusal) the rule
  falls back to ``"equal"``.
* ``"equal"`` (the rule before): each defensible method contributes the same number of draws
  (its posterior draws, or draws from a split log-normal on the unobserved count that
  reproduces its estimate and interval ends), and the headline is their median and central
  interval, widened to contain every defensible point estimate.

Why LCMCR leads: in the simulation study (``benchmarks/simulation_study.py``, see
docs/estimation.md) the methods whose intervals condition on one log-linear or graphical
model covered the truth in a third of the runs or less, because the error that dominates,
people that some lists rarely record, is heterogeneity that those models assume away; pooling
them with equal votes pulled the headline towards their narrow, biased intervals. LCMCR models
that heterogeneity and covered far more often, with intervals about as wide as the equal
mixture's. Methods are not weighted by fit: the families (log-linear, latent class, graphical)
have no common likelihood to compare them on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from uncounted.core.errors import UncountedError
from uncounted.estimate.failures import REFUSABLE, refusal_reason
from uncounted.estimate.models import HierarchicalModel
from uncounted.estimate.randomness import Seed, seed_sequence
from uncounted.estimate.registry import (
    SINGLE_METHODS,
    Method,
    build_estimator,
    find_method,
    results_of,
)
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.table import CaptureTable

#: Methods run by default on three or more lists.
DEFAULT_METHODS = ("stepwise", "bic", "lcmcr", "dga", "sample-coverage")
#: Methods run by default on two lists: nothing else is identifiable there.
TWO_LIST_METHODS = ("chapman",)
#: Default methods used on three lists only: Chao's first-order correction removes pairwise
#: dependence, which is all the dependence three lists can show but not all that more can.
THREE_LISTS_ONLY = frozenset({"sample-coverage"})
#: Methods whose ``draws`` are posterior draws whose quantiles are their interval.
POSTERIOR_METHODS = frozenset({"lcmcr", "dga"})
#: Log-linear results, whose saturated models rest on no checkable assumption.
LOGLINEAR_METHODS = frozenset({"stepwise", "bic", "loglinear"})

RHAT_LIMIT = 1.05
#: Above this mean coefficient of covariation the coverage correction's neglected terms are
#: no longer small (the limit the estimator itself warns at).
COVARIATION_LIMIT = 0.8
EDGE_MASS_LIMIT = 1e-6
SATURATED_SHARE_LIMIT = 0.5
DISAGREEMENT_FACTOR = 1.5
#: Headline rules (see the module docstring); the first is the default.
RULES = ("lcmcr-led", "equal")
#: Each method's key in the ensemble's tree of seeds: method ``m`` draws from child
#: ``SEED_KEYS[m]`` of the seed and the pooling from child :data:`MIXING_KEY`. Fixed numbers
#: keyed by name, not places in a list, so that adding, dropping or reordering methods never
#: moves another's random stream. They are the places the methods had in the registry when
#: the ensemble was written (0 was the ensemble itself); changing one changes the numbers
#: that a seed gives.
SEED_KEYS: Mapping[str, int] = MappingProxyType({
    "stepwise": 1, "bic": 2, "lcmcr": 3, "dga": 4, "sample-coverage": 5, "chapman": 6,
    "loglinear": 7,
})
MIXING_KEY = 8

ProgressCallback = Callable[[str, int, int], None]


def exclusion_reason(name: str, result: EstimateResult, n_lists: int) -> str | None:
    """Why a method's result is not defensible, or ``None`` when it is.

    Defensible = the method gave a finite estimate and a finite interval, did not refuse, and
    its own diagnostics pass: LCMCR chains agree (split R-hat of N at most 1.05); the dga
    posterior does not reach the end of its N grid (at most 1e-6 of its mass in the grid's top
    tenth) and does not rest mostly (over half) on the saturated graph; a log-linear
    model is not saturated (a saturated model fits every cell exactly, so nothing in the data
    supports its "no all-list interaction" assumption) and its fit converged; the sample-coverage
    lists do not covary so strongly (mean coefficient of covariation above 0.8) that its
    first-order correction fails; a two-list
    estimate has people on both lists.
    """
    if result.refused:
        return f"refused: {result.refused}"
    if result.estimate is None or not math.isfinite(result.estimate):
        return "gave no finite estimate"
    if result.lower is None or result.upper is None:
        return "gave no interval"
    if not (math.isfinite(result.lower) and math.isfinite(result.upper)):
        return "its interval is unbounded"
    d = result.diagnostics
    if name == "lcmcr":
        rhat = d.get("rhat")
        if rhat is None or not rhat <= RHAT_LIMIT:
            return f"chains did not converge (R-hat of N {_number(rhat)} > {RHAT_LIMIT})"
    if name == "dga":
        edge = d.get("edge_mass", 0.0)
        if edge > EDGE_MASS_LIMIT:
            return f"posterior touches the end of the N grid (mass {edge:.2g} in its top tenth)"
        saturated = str(HierarchicalModel(n_lists, ((1 << n_lists) - 1,)))
        share = sum(g["probability"] for g in d.get("top_graphs", []) if g["model"] == saturated)
        if share > SATURATED_SHARE_LIMIT:
            return (
                f"the saturated graph {saturated} carries {share:.0%} of the posterior: the "
                "estimate rests on no identifying assumption the data can check"
            )
    if name in LOGLINEAR_METHODS:
        if d.get("df") == 0:
            return (
                f"model {result.model} is saturated: it rests on no identifying assumption "
                "the data can check"
            )
        if d.get("converged") is False:
            return "the Poisson fit did not converge"
    if name == "sample-coverage" and d.get("gamma"):
        mean_gamma = float(np.mean(list(d["gamma"].values())))
        if mean_gamma > COVARIATION_LIMIT:
            return (
                f"lists covary too strongly (mean coefficient {mean_gamma:.2f} > "
                f"{COVARIATION_LIMIT}) for the first-order coverage correction"
            )
    if name == "chapman" and d.get("both") == 0:
        return "the two lists never overlap"
    return None


def _number(value: Any) -> str:
    return "unknown" if value is None else f"{float(value):.3f}"


def matched_draws(
    result: EstimateResult, size: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Draws of the total whose median and central interval are the result's own.

    A split normal on ``log(N - n + 1)``: one spread below the estimate, another above, so
    skewed intervals (profile likelihood, BCa) are kept as they are. Never below n.
    """
    if result.estimate is None or result.lower is None or result.upper is None:
        raise UncountedError(f"{result.method} has no estimate and interval to draw from")
    n = result.observed
    centre = math.log(max(result.estimate - n, 0.0) + 1.0)
    low = math.log(max(result.lower - n, 0.0) + 1.0)
    high = math.log(max(result.upper - n, 0.0) + 1.0)
    z_end = float(norm.ppf(0.5 + result.level / 2.0))
    below, above = max(centre - low, 0.0) / z_end, max(high - centre, 0.0) / z_end
    z = rng.standard_normal(size)
    log_missing = centre + z * np.where(z < 0.0, below, above)
    with np.errstate(over="ignore"):  # an interval reaching ~1e300 draws some unbounded totals
        return np.maximum(n - 1.0 + np.exp(log_missing), float(n))


def result_draws(
    name: str, result: EstimateResult, size: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """``size`` draws standing for one method's uncertainty (see the module docstring)."""
    if name in POSTERIOR_METHODS and result.draws is not None and result.draws.size:
        return rng.choice(np.asarray(result.draws, dtype=np.float64), size=size, replace=True)
    return matched_draws(result, size, rng)


def quantile_interval(draws: NDArray[np.float64], level: float) -> tuple[float, float, float]:
    """Lower end, median and upper end; an exact order statistic, so unbounded draws are safe."""
    tail = (1.0 - level) / 2.0
    low, mid, high = np.quantile(draws, [tail, 0.5, 1.0 - tail], method="inverted_cdf")
    return float(low), float(mid), float(high)


def pool_draws(
    results: Mapping[str, EstimateResult],
    votes: Mapping[str, float],
    n_draws: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Draws of the total from a mixture of methods: method ``m`` contributes a share
    ``votes[m] / sum(votes)`` of ``n_draws`` times the number of voting methods, each draw
    standing for its uncertainty (:func:`result_draws`); shuffled, so that draw i of one
    stratum pairs with a random draw of another. Equal votes give ``n_draws`` per method; a
    Bayesian method voting alone gives its own posterior draws, shuffled."""
    voting = [n for n, v in votes.items() if v > 0]
    if len(voting) == 1 and voting[0] in POSTERIOR_METHODS:
        # one method alone: its own posterior draws, not a resample of them
        alone = results[voting[0]].draws
        if alone is not None and alone.size:
            pooled = np.array(alone, dtype=np.float64)
            rng.shuffle(pooled)
            return pooled
    total = sum(votes[n] for n in voting)
    size = n_draws * len(voting)
    parts = [result_draws(n, results[n], max(1, round(size * votes[n] / total)), rng)
             for n in voting]
    pooled = np.concatenate(parts)
    rng.shuffle(pooled)
    return pooled


def _leader(rule: str, results: Mapping[str, EstimateResult]) -> str | None:
    """The method whose draws are the headline's under ``rule``, or None for a mixture."""
    if rule != "lcmcr-led":
        return None
    lcmcr = results.get("lcmcr")
    if (lcmcr is None or lcmcr.refused or lcmcr.estimate is None or lcmcr.draws is None
            or not lcmcr.draws.size or lcmcr.lower is None or lcmcr.upper is None
            or not (math.isfinite(lcmcr.lower) and math.isfinite(lcmcr.upper))):
        return None
    return "lcmcr"


def _method_seed(base: np.random.SeedSequence, key: int) -> np.random.SeedSequence:
    """Child ``key`` of ``base`` (see :data:`SEED_KEYS`)."""
    return np.random.SeedSequence(base.entropy, spawn_key=(*base.spawn_key, key))


def _member(name: str) -> Method:
    """The single method ``name`` that an ensemble can run."""
    if name == "ensemble":
        raise UncountedError("an ensemble cannot contain itself")
    return find_method(SINGLE_METHODS, name)


class Ensemble:
    """Run several methods on one table; the headline pools the defensible ones.

    ``methods`` are registry names (default: :data:`DEFAULT_METHODS` on three or more lists,
    :data:`TWO_LIST_METHODS` on two). ``options`` maps a method name to its settings, e.g.
    ``{"lcmcr": {"n_samples": 500}}``. ``n_draws`` draws per defensible method make the pooled
    distribution. ``result_`` is the headline (method ``"ensemble"``), ``results_`` each
    method's result by name, ``included_`` the defensible names and ``excluded_`` the others
    with the reason.
    """

    def __init__(
        self,
        methods: Sequence[str] | None = None,
        level: float = 0.95,
        seed: Seed = None,
        n_jobs: int = 2,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        n_draws: int = 4000,
        disagreement: float = DISAGREEMENT_FACTOR,
        progress: ProgressCallback | None = None,
        rule: str = RULES[0],
    ) -> None:
        self.methods = methods
        self.level = level
        self.seed = seed
        self.n_jobs = n_jobs
        self.options = options
        self.n_draws = n_draws
        self.disagreement = disagreement
        self.progress = progress
        self.rule = rule

    def _method_names(self, n_lists: int) -> list[str]:
        if self.methods is None:
            return list(DEFAULT_METHODS if n_lists >= 3 else TWO_LIST_METHODS)
        names = list(dict.fromkeys(self.methods))
        for name in names:
            _member(name)
        if not names:
            raise UncountedError("the ensemble needs at least one method")
        return names

    def fit(self, table: CaptureTable) -> Ensemble:
        if table.n_lists < 2:
            raise UncountedError("estimating the unobserved needs at least two lists")
        if table.observed == 0:
            raise UncountedError("the table is empty")
        if self.n_draws < 100:
            raise UncountedError("the ensemble needs at least 100 draws per method")
        if self.rule not in RULES:
            raise UncountedError(f"unknown headline rule {self.rule!r}; use one of "
                                 f"{', '.join(RULES)}")
        names = self._method_names(table.n_lists)
        base = seed_sequence(self.seed)
        options = self.options or {}
        for name in options:
            if name != "ensemble":  # options for methods not run (or for itself) are unused
                find_method(SINGLE_METHODS, name)  # but a misspelt name fails

        results: dict[str, EstimateResult] = {}
        for done, name in enumerate(names):
            if self.progress:
                self.progress(f"ensemble: {name}", done, len(names))
            results[name] = self._run_one(
                name, table, _method_seed(base, SEED_KEYS[name]), options.get(name, {})
            )
        if self.progress:
            self.progress("ensemble: pooling", len(names), len(names))

        excluded = {
            name: reason
            for name in names
            if (reason := exclusion_reason(name, results[name], table.n_lists)) is not None
        }
        included = [name for name in names if name not in excluded]
        self.results_ = results
        self.included_ = included
        self.excluded_ = excluded
        mixing_seed = _method_seed(base, MIXING_KEY)
        self.result_ = self._headline(table, results, included, excluded, mixing_seed, base)
        return self

    def _run_one(
        self,
        name: str,
        table: CaptureTable,
        seed: np.random.SeedSequence,
        options: Mapping[str, Any],
    ) -> EstimateResult:
        method = _member(name)
        reason = self._not_run(name, method.min_lists, table.n_lists)
        if reason is None:
            try:
                extra = dict(options)
                model = extra.pop("model", None)
                estimator = build_estimator(
                    method, seed=seed, level=self.level, n_jobs=self.n_jobs, model=model, **extra
                )
                estimator.fit(table)
            except REFUSABLE as problem:
                # one method's failure must not cost the others their numbers
                reason = refusal_reason(name, problem)
            else:
                return results_of(estimator)[0]
        return EstimateResult.refusal(name, reason, observed=table.observed, level=self.level)

    def _not_run(self, name: str, min_lists: int, n_lists: int) -> str | None:
        """Why the ensemble does not run method ``name`` on a table of ``n_lists`` lists."""
        if n_lists < min_lists:
            return f"needs at least {min_lists} lists, the table has {n_lists}"
        if name in THREE_LISTS_ONLY and self.methods is None and n_lists > 3:
            return ("used by default on three lists only: its correction removes pairwise "
                    "dependence, and more lists can have more")
        if name == "chapman" and n_lists > 2:
            # every pair ignores the people seen only on other lists: a check, not an estimate
            return "two-list estimates ignore the people seen only on the other lists"
        return None

    def _headline(
        self,
        table: CaptureTable,
        results: dict[str, EstimateResult],
        included: list[str],
        excluded: dict[str, str],
        mixing_seed: np.random.SeedSequence,
        base: np.random.SeedSequence,
    ) -> EstimateResult:
        warnings: list[str] = []
        if table.n_lists == 2:
            warnings.append(
                "only two lists: only two-list methods apply, and they assume the lists "
                "capture independently, which two lists cannot check"
            )
        leader = _leader(self.rule, results)
        votes = {leader: 1.0} if leader else {n: 1.0 for n in included}
        diagnostics: dict[str, Any] = {
            "rule": (f"{self.rule}: " + (
                f"{leader}'s posterior draws lead; interval widened to contain every "
                "defensible point estimate" if leader else
                "equal-weight mixture of the defensible methods' draws; interval widened to "
                "contain every defensible point estimate")),
            "votes": votes,
            "included": included,
            "excluded": excluded,
            "point_estimates": {n: results[n].estimate for n in results},
            "draws_per_method": self.n_draws,
            "seed_entropy": base.entropy,
        }
        if not votes:
            reasons = "; ".join(f"{n}: {r}" for n, r in excluded.items())
            return EstimateResult.refusal(
                "ensemble",
                f"no method gave a defensible estimate ({reasons})",
                observed=table.observed,
                level=self.level,
                diagnostics=diagnostics,
                warnings=warnings,
            )
        rng = np.random.default_rng(mixing_seed)
        pooled = pool_draws(results, votes, self.n_draws, rng)
        lower, estimate, upper = quantile_interval(pooled, self.level)
        points = {n: float(results[n].estimate) for n in included}  # type: ignore[arg-type]
        widened = bool(points) and (lower > min(points.values()) or upper < max(points.values()))
        if points:
            lower = min(lower, *points.values())
            upper = max(upper, *points.values())
        spread = max(points.values()) / min(points.values()) if points else 1.0
        diagnostics.update({"spread": spread, "interval_widened_to_points": widened})
        if spread > self.disagreement:
            listed = ", ".join(
                f"{n} {v:,.0f}" for n, v in sorted(points.items(), key=lambda kv: kv[1])
            )
            warnings.append(
                f"defensible methods disagree by a factor of {spread:.2f} ({listed}): the "
                "choice of model matters more than sampling error here"
            )
        if leader and leader in excluded:
            warnings.append(
                f"the headline follows {leader} although {excluded[leader]}: its pooled chains "
                "describe the uncertainty more widely than converged ones would; run longer "
                "(more samples, more thinning) before quoting the number"
            )
        if leader is None and len(included) == 1:
            warnings.append(f"only one method ({included[0]}) was defensible on this table")
        model = (f"{leader} posterior, widened to the defensible estimates" if leader else
                 "equal-weight mixture of " + ", ".join(included))
        return EstimateResult(
            method="ensemble",
            model=model,
            observed=table.observed,
            estimate=estimate,
            lower=lower,
            upper=upper,
            level=self.level,
            diagnostics=diagnostics,
            warnings=warnings,
            draws=pooled,
        )
