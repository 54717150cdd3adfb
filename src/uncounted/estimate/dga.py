"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

The same model as the R package dga (Johndrow, Lum & Ball): each decomposable graph on the lists
gets a hyper-Dirichlet prior with ``delta`` prior observations per cell of the full table, the
total ``N`` gets a prior proportional to ``1/N`` (or flat), and the posterior over (graph, N) is
computed in closed form on a grid of N. The marginal likelihood of a margin depends on the
unknown count only through the margin's all-absent cell, so every margin's contribution over the
whole grid is one ``lgamma`` vector, and a graph's log posterior is a signed sum of those vectors:
one matrix product for all graphs at once.

For up to ``max_exact_lists`` lists every decomposable graph is enumerated (8, 61, 822 for 3, 4,
5 lists); beyond that a Metropolis search over graphs (MC3, one edge added or removed per step,
non-decomposable proposals rejected) finds the graphs that carry the posterior, and the result
averages exactly over the graphs it visited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.special import gammaln, logsumexp

from uncounted.core.errors import UncountedError
from uncounted.estimate import decomposable as dg
from uncounted.estimate.randomness import Seed, seed_sequence
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.table import CaptureTable

# The automatic grid ends where the posterior mass beyond it falls below this.
_TAIL_MASS = 1e-9
# How far the automatic grid may reach: missing counts up to max(CAP, CAP_PER_OBSERVED * n).
_PROBE_CAP = 1e7
_PROBE_CAP_PER_OBSERVED = 1e4
# Posterior mass in the last decade of the automatic grid above which the tail is called heavy.
_FAR_TAIL_TOLERANCE = 1e-5
# Posterior mass in the top tenth of the grid above which the grid is too narrow.
_EDGE_TOLERANCE = 1e-6
# The grid steps by one up to this missing count, then by this ratio (0.05% resolution).
_UNIT_STEPS = 20_000
_TAIL_STEP_RATIO = 5e-4
# Graphs whose best log posterior is this far below the best graph's cannot carry mass.
_PRUNE_LOG_DROP = 40.0


# one row per graph, one column per margin bitmask: dense when enumerated, sparse when searched
_Coefficients: TypeAlias = NDArray[np.float64] | sparse.csr_array


@dataclass(frozen=True)
class _MarginTerms:
    """Everything about the table that the log posterior needs, per margin bitmask."""

    n_lists: int
    observed: int
    constant: NDArray[np.float64]  # lgamma terms of a margin's observed cells
    absent_seen: NDArray[np.float64]  # observed people absent from every list of the margin
    alpha: NDArray[np.float64]  # prior count per cell of the margin
    total_prior: float  # delta * 2^J, prior count of every margin

    def log_terms(self, missing: NDArray[np.float64]) -> NDArray[np.float64]:
        """Rows: margins (row 0 the Dirichlet normaliser); columns: values of the missing count."""
        n_total = missing + self.observed
        terms = np.empty((self.constant.size, missing.size))
        terms[0] = gammaln(self.total_prior) - gammaln(n_total + self.total_prior)
        a = self.alpha[1:, None]
        terms[1:] = (
            self.constant[1:, None]
            + gammaln(missing[None, :] + self.absent_seen[1:, None] + a)
            - gammaln(a)
        )
        return terms


def _margin_terms(table: CaptureTable, delta: float) -> _MarginTerms:
    n_lists = table.n_lists
    n_cells = 1 << n_lists
    counts = table.counts.astype(np.float64)
    masks = np.arange(n_cells)
    constant = np.zeros(n_cells)
    absent_seen = np.zeros(n_cells)
    alpha = np.zeros(n_cells)
    for margin in range(1, n_cells):
        size = margin.bit_count()
        alpha[margin] = delta * 2.0 ** (n_lists - size)
        cells = np.bincount(masks & margin, weights=counts, minlength=n_cells)
        absent_seen[margin] = cells[0]
        # cells other than 0 that the margin can take (the rest of bincount is structurally 0)
        present = cells[np.flatnonzero((masks & margin) == masks)][1:]
        constant[margin] = float(np.sum(gammaln(present + alpha[margin]) - gammaln(alpha[margin])))
    return _MarginTerms(
        n_lists=n_lists,
        observed=table.observed,
        constant=constant,
        absent_seen=absent_seen,
        alpha=alpha,
        total_prior=delta * n_cells,
    )


def _common_log_terms(
    missing: NDArray[np.float64], observed: int, prior: str
) -> NDArray[np.float64]:
    """Terms shared by every graph: multinomial coefficient and prior on N."""
    n_total = missing + observed
    common: NDArray[np.float64] = gammaln(n_total + 1.0) - gammaln(missing + 1.0)
    if prior == "1/N":
        common = common - np.log(n_total)
    return common


class DGA:
    """Bayesian model averaging over decomposable graphs, posterior of N on a grid.

    ``delta`` is the hyper-Dirichlet prior count per cell of the full table (default
    ``2**-J``). ``prior`` on N is ``"1/N"`` or ``"uniform"``. ``grid`` gives the candidate
    values of N (totals, each at least the number observed); by default the grid is chosen so
    that the posterior beyond its end is negligible. Posterior draws of N are sampled from the
    grid posterior with ``seed``.
    """

    def __init__(
        self,
        delta: float | None = None,
        prior: Literal["1/N", "uniform"] = "1/N",
        max_exact_lists: int = 5,
        grid: NDArray[np.integer[Any]] | list[int] | range | None = None,
        level: float = 0.95,
        seed: Seed = None,
        n_draws: int = 4000,
        search_iterations: int = 20_000,
        search_keep: int = 500,
        top_graphs: int = 10,
    ) -> None:
        self.delta = delta
        self.prior = prior
        self.max_exact_lists = max_exact_lists
        self.grid = grid
        self.level = level
        self.seed = seed
        self.n_draws = n_draws
        self.search_iterations = search_iterations
        self.search_keep = search_keep
        self.top_graphs = top_graphs

    def fit(self, table: CaptureTable) -> DGA:
        self._check_settings(table)
        n_lists = table.n_lists
        delta = float(self.delta) if self.delta is not None else 2.0**-n_lists
        terms = _margin_terms(table, delta)
        seeds = seed_sequence(self.seed).spawn(2)
        search: dict[str, Any] = {}
        warnings: list[str] = []

        if n_lists <= self.max_exact_lists:
            graphs = list(dg.all_decomposable(n_lists))
            coef: _Coefficients = np.asarray(dg.coefficient_matrix(n_lists))
        else:
            graphs, search = _search_graphs(
                terms,
                self.prior,
                self.search_iterations,
                self.search_keep,
                np.random.default_rng(seeds[0]),
            )
            coef = _coefficients(graphs, n_lists)
            if search["kept_share"] < 0.95:
                warnings.append(
                    f"the posterior over graphs is spread thin: the {len(graphs)} best graphs "
                    f"of the {search['graphs_visited']} visited hold only "
                    f"{search['kept_share']:.0%} of their weight"
                )

        if self.grid is None:
            missing, far_mass = _automatic_grid(terms, coef, self.prior)
            widths = _widths(missing)
            heavy_tail = far_mass > _FAR_TAIL_TOLERANCE
            if heavy_tail:
                warnings.append(
                    f"the posterior of N has a heavy upper tail: {far_mass:.1g} of it lies "
                    f"above {(missing[-1] + table.observed) / 10:,.0f}, from graphs that barely "
                    "constrain the unobserved cell; the upper limit depends on how far N may go"
                )
        else:
            # a grid given by the user is taken as the support of N, each point one value
            missing = np.asarray(self.grid, dtype=np.float64) - table.observed
            widths = np.ones_like(missing)
            far_mass, heavy_tail = math.nan, False

        keep = _prune(terms, coef, self.prior, missing)
        log_post = coef[keep] @ terms.log_terms(missing) + (
            _common_log_terms(missing, table.observed, self.prior) + np.log(widths)
        )
        log_post -= log_post.max()
        weights = np.exp(log_post)
        weights /= weights.sum()
        posterior = weights.sum(axis=0)
        graph_weights = np.zeros(len(graphs))
        graph_weights[keep] = weights.sum(axis=1)

        n_grid = missing + table.observed
        edge_mass = float(posterior[n_grid >= n_grid[0] + 0.9 * (n_grid[-1] - n_grid[0])].sum())
        if edge_mass > _EDGE_TOLERANCE and not heavy_tail:
            warnings.append(
                f"posterior mass {edge_mass:.2g} lies in the top tenth of the N grid "
                f"(ending at {n_grid[-1]:,.0f}): the grid is too narrow and cuts the upper tail"
            )

        self.posterior_ = {"n": n_grid, "probability": posterior}
        self.graph_weights_ = {
            dg.bracket(g): float(w) for g, w in zip(graphs, graph_weights, strict=True)
        }
        self.graphs_ = graphs
        draws = np.random.default_rng(seeds[1]).choice(n_grid, size=self.n_draws, p=posterior)
        self.result_ = self._result(
            table,
            n_grid,
            posterior,
            graphs,
            graph_weights,
            delta,
            edge_mass,
            search,
            warnings,
            draws,
        )
        self.result_.diagnostics["far_tail_mass"] = far_mass
        return self

    def _check_settings(self, table: CaptureTable) -> None:
        if table.n_lists < 2:
            raise UncountedError("dga needs at least two lists")
        if self.prior not in ("1/N", "uniform"):
            raise UncountedError(f"prior must be '1/N' or 'uniform', not {self.prior!r}")
        if self.delta is not None and not self.delta > 0:
            raise UncountedError("delta must be positive")
        if not 0 < self.level < 1:
            raise UncountedError("level must be between 0 and 1")
        if table.observed == 0:
            raise UncountedError("the table is empty")
        if self.grid is not None:
            grid = np.asarray(self.grid)
            if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0):
                raise UncountedError("grid must be increasing values of N")
            if grid[0] < table.observed:
                raise UncountedError(
                    f"grid starts at {grid[0]}, below the {table.observed} people observed"
                )

    def _result(
        self,
        table: CaptureTable,
        n_grid: NDArray[np.float64],
        posterior: NDArray[np.float64],
        graphs: list[dg.Graph],
        graph_weights: NDArray[np.float64],
        delta: float,
        edge_mass: float,
        search: dict[str, Any],
        warnings: list[str],
        draws: NDArray[np.float64],
    ) -> EstimateResult:
        tail = (1.0 - self.level) / 2.0
        cdf = np.cumsum(posterior)
        lower, median, upper = (
            float(n_grid[min(int(np.searchsorted(cdf, q)), n_grid.size - 1)])
            for q in (tail, 0.5, 1.0 - tail)
        )
        order = np.argsort(-graph_weights, kind="stable")[: self.top_graphs]
        top = [
            {"model": dg.bracket(graphs[i]), "probability": float(graph_weights[i])} for i in order
        ]
        diagnostics: dict[str, Any] = {
            "delta": delta,
            "prior": self.prior,
            "n_graphs": len(graphs),
            "exhaustive": table.n_lists <= self.max_exact_lists,
            "top_graphs": top,
            "grid_min": float(n_grid[0]),
            "grid_max": float(n_grid[-1]),
            "grid_points": int(n_grid.size),
            "edge_mass": edge_mass,
            "posterior_mean": float(np.dot(posterior, n_grid)),
        }
        if search:
            diagnostics["search"] = search
        return EstimateResult(
            method="dga",
            model=f"average over {len(graphs)} decomposable graphs, best {top[0]['model']}",
            observed=table.observed,
            estimate=median,
            lower=lower,
            upper=upper,
            level=self.level,
            diagnostics=diagnostics,
            warnings=warnings,
            draws=np.asarray(draws, dtype=np.float64),
        )


def _coefficients(graphs: list[dg.Graph], n_lists: int) -> sparse.csr_array:
    """Sparse margin coefficients: a graph on J lists touches at most 2J of the 2^J margins."""
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, graph in enumerate(graphs):
        for mask, c in dg.subset_coefficients(graph).items():
            rows.append(row)
            cols.append(mask)
            values.append(float(c))
    return sparse.csr_array((values, (rows, cols)), shape=(len(graphs), 1 << n_lists))


def _probe_points(observed: int) -> NDArray[np.float64]:
    """Log-spaced values of the missing count, from 0 to far beyond any plausible total."""
    cap = max(_PROBE_CAP, _PROBE_CAP_PER_OBSERVED * observed)
    return np.unique(np.concatenate(([0.0], np.round(np.geomspace(1.0, cap, 1500)))))


def _widths(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """How many integers each grid point stands for (midpoint rule)."""
    if points.size < 2:
        return np.ones_like(points)
    return np.gradient(points)


def _grid_points(upper: float) -> NDArray[np.float64]:
    """Every integer up to ``_UNIT_STEPS``, then steps growing by a fixed small ratio."""
    unit = np.arange(0.0, min(upper, _UNIT_STEPS) + 1.0)
    if upper <= _UNIT_STEPS:
        return unit
    count = math.ceil(math.log(upper / _UNIT_STEPS) / math.log1p(_TAIL_STEP_RATIO))
    tail = np.unique(np.round(np.geomspace(_UNIT_STEPS, upper, count + 1)))
    return np.concatenate((unit, tail[tail > _UNIT_STEPS]))


def _automatic_grid(
    terms: _MarginTerms, coef: _Coefficients, prior: str
) -> tuple[NDArray[np.float64], float]:
    """Grid of the missing count, from 0 to where the posterior mass beyond is negligible.

    The second value is the posterior mass in the last decade probed: graphs that leave the
    unobserved cell unconstrained give N a power-law tail, which no grid of sensible size holds.
    """
    probe = _probe_points(terms.observed)
    log_post = coef @ terms.log_terms(probe) + _common_log_terms(probe, terms.observed, prior)
    log_mass = logsumexp(log_post, axis=0) + np.log(_widths(probe))
    mass = np.exp(log_mass - log_mass.max())
    beyond = np.cumsum(mass[::-1])[::-1] / mass.sum()
    inside = np.flatnonzero(beyond >= _TAIL_MASS)
    upper = probe[min(inside[-1] + 1, probe.size - 1)]
    far_mass = float(mass[probe > probe[-1] / 10.0].sum() / mass.sum())
    return _grid_points(upper), far_mass


def _prune(
    terms: _MarginTerms, coef: _Coefficients, prior: str, missing: NDArray[np.float64]
) -> NDArray[np.intp]:
    """Indices of graphs that can carry posterior mass, judged on a coarse subgrid."""
    if coef.shape[0] * missing.size < 2_000_000:
        return np.arange(coef.shape[0])
    coarse = missing[np.unique(np.linspace(0, missing.size - 1, 2000).astype(int))]
    log_post = coef @ terms.log_terms(coarse) + _common_log_terms(coarse, terms.observed, prior)
    best = log_post.max(axis=1)
    return np.flatnonzero(best >= best.max() - _PRUNE_LOG_DROP)


def _search_graphs(
    terms: _MarginTerms, prior: str, iterations: int, keep: int, rng: np.random.Generator
) -> tuple[list[dg.Graph], dict[str, Any]]:
    """MC3 over decomposable graphs; returns the ``keep`` best graphs visited."""
    n_lists = terms.n_lists
    cap = float(_probe_points(terms.observed)[-1])
    probe = np.concatenate(([0.0], np.unique(np.round(np.geomspace(1.0, cap, 400)))))
    log_terms = terms.log_terms(probe)
    # a graph's score is its log posterior mass, summed over the integers each probe stands for
    common = _common_log_terms(probe, terms.observed, prior) + np.log(_widths(probe))

    def score(graph: dg.Graph) -> float:
        row = common.copy()
        for mask, c in dg.subset_coefficients(graph).items():
            row += c * log_terms[mask]
        return float(logsumexp(row))

    pairs = dg.edge_pairs(n_lists)
    current: dg.Graph = (0,) * n_lists
    scores = {current: score(current)}
    accepted = 0
    for _ in range(iterations):
        i, j = pairs[int(rng.integers(len(pairs)))]
        proposal = dg.toggle_edge(current, i, j)
        if proposal not in scores:
            if not dg.is_decomposable(proposal):
                continue
            scores[proposal] = score(proposal)
        if math.log(rng.random()) < scores[proposal] - scores[current]:
            current = proposal
            accepted += 1
    ranked = sorted(scores, key=lambda g: -scores[g])
    values = np.array([scores[g] for g in ranked])
    share = np.exp(logsumexp(values[:keep]) - logsumexp(values))
    search = {
        "iterations": iterations,
        "acceptance": accepted / max(iterations, 1),
        "graphs_visited": len(scores),
        "graphs_kept": min(keep, len(ranked)),
        "kept_share": float(share),
    }
    return ranked[:keep], search
