"""Bayesian model averaging over decomposable graphs, checked against the R package dga."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from uncounted.core.errors import UncountedError
from uncounted.estimate import decomposable as dg
from uncounted.estimate.dga import DGA
from uncounted.estimate.table import CaptureTable


def _table(mse_tables: Path, name: str) -> CaptureTable:
    return CaptureTable.from_csv(mse_tables / f"{name}.csv")


# dga with delta = 2^-J and prior 1/N (MSE-REFERENCES.md): median and 95% interval
@pytest.mark.parametrize(
    ("name", "median", "lower", "upper"),
    [
        ("diabetes", 2471, 2376, 2589),
        ("congenital", 618, 590, 656),
        ("spina", 725, 686, 784),
    ],
)
def test_matches_r_dga(mse_tables: Path, name: str, median: int, lower: int, upper: int) -> None:
    result = DGA(seed=1).fit(_table(mse_tables, name)).result_
    assert result.estimate == median
    assert result.lower == lower
    assert result.upper == upper


@pytest.mark.parametrize(("n_lists", "count"), [(2, 2), (3, 8), (4, 61), (5, 822)])
def test_counts_of_decomposable_graphs(n_lists: int, count: int) -> None:
    assert len(dg.all_decomposable(n_lists)) == count


def test_four_cycle_is_not_decomposable_but_its_chorded_version_is() -> None:
    cycle = dg.graph_from_edges(4, [(0, 1), (1, 2), (2, 3), (3, 0)])
    assert not dg.is_decomposable(cycle)
    assert dg.is_decomposable(dg.toggle_edge(cycle, 0, 2))


def test_margin_coefficients_are_cliques_minus_separators() -> None:
    # [13,24,34]: cliques {1,3}, {2,4}, {3,4}; separators {3}, {4}
    graph = dg.graph_from_edges(4, [(0, 2), (1, 3), (2, 3)])
    assert dg.bracket(graph) == "[13,24,34]"
    assert dg.subset_coefficients(graph) == {
        0: 1,
        0b0101: 1,
        0b1010: 1,
        0b1100: 1,
        0b0100: -1,
        0b1000: -1,
    }


def _brute_force_log_posterior(
    table: CaptureTable, graph: dg.Graph, delta: float, n0: int
) -> float:
    """Hyper-Dirichlet marginal likelihood from cliques and separators, one margin at a time."""
    from math import lgamma, log

    n_lists = table.n_lists
    counts = table.counts.copy()
    counts[0] = n0
    total = int(counts.sum())
    alpha_total = delta * 2**n_lists

    def margin_log_ml(margin: int) -> float:
        size = margin.bit_count()
        alpha = delta * 2 ** (n_lists - size)
        cells: dict[int, int] = {}
        for mask, c in enumerate(counts):
            cells[mask & margin] = cells.get(mask & margin, 0) + int(c)
        value = lgamma(alpha_total) - lgamma(total + alpha_total)
        for sub in range(1 << n_lists):
            if sub & margin == sub:
                value += lgamma(cells.get(sub, 0) + alpha) - lgamma(alpha)
        return value

    cliques = dg.cliques(graph)
    # separators from a running union over cliques in a perfect order (cliques() keeps one)
    log_ml = 0.0
    seen = 0
    for clique in _running_intersection_order(cliques):
        log_ml += margin_log_ml(clique)
        if clique & seen:
            log_ml -= margin_log_ml(clique & seen)
        seen |= clique
    multinomial = lgamma(total + 1) - lgamma(n0 + 1)
    return log_ml + multinomial - log(total)


def _running_intersection_order(cliques: list[int]) -> list[int]:
    for order in itertools.permutations(cliques):
        seen = 0
        ok = True
        for clique in order:
            overlap = clique & seen
            if (
                seen
                and overlap
                and not any(overlap & c == overlap for c in order[: order.index(clique)])
            ):
                ok = False
                break
            seen |= clique
        if ok:
            return list(order)
    raise AssertionError("no running intersection order")


def test_posterior_agrees_with_a_clique_by_clique_computation(mse_tables: Path) -> None:
    table = _table(mse_tables, "diabetes")
    grid = np.arange(table.observed, table.observed + 2001)
    model = DGA(grid=grid, seed=0).fit(table)
    delta = 2.0**-4
    log_post = np.array(
        [
            [
                _brute_force_log_posterior(table, g, delta, int(n - table.observed))
                for n in grid[::50]
            ]
            for g in model.graphs_
        ]
    )
    joint = np.exp(log_post - log_post.max())
    expected = joint.sum(axis=0) / joint.sum()
    got = model.posterior_["probability"][::50]
    np.testing.assert_allclose(got / got.sum(), expected, rtol=1e-8)


def test_narrow_grid_warns_about_the_edge(mse_tables: Path) -> None:
    table = _table(mse_tables, "diabetes")
    result = DGA(grid=range(table.observed, 2450), seed=0).fit(table).result_
    assert any("grid is too narrow" in w for w in result.warnings)
    assert result.diagnostics["edge_mass"] > 0.01
    wide = DGA(seed=0).fit(table).result_
    assert not wide.warnings
    assert wide.diagnostics["edge_mass"] < 1e-6


def test_heavy_tail_is_flagged(mse_tables: Path) -> None:
    # three lists, saturated graph weighty: the posterior of N decays like a power of N
    result = DGA(seed=0).fit(_table(mse_tables, "hav")).result_
    assert any("heavy upper tail" in w for w in result.warnings)


def test_draws_follow_the_grid_posterior_and_the_seed(mse_tables: Path) -> None:
    table = _table(mse_tables, "congenital")
    a = DGA(seed=5, n_draws=20_000).fit(table)
    b = DGA(seed=5, n_draws=20_000).fit(table)
    c = DGA(seed=6, n_draws=20_000).fit(table)
    assert a.result_.draws is not None and b.result_.draws is not None
    assert c.result_.draws is not None
    np.testing.assert_array_equal(a.result_.draws, b.result_.draws)
    assert not np.array_equal(a.result_.draws, c.result_.draws)
    assert abs(np.median(a.result_.draws) - a.result_.estimate) <= 3  # type: ignore[operator]


def test_posterior_and_graph_weights_sum_to_one(mse_tables: Path) -> None:
    model = DGA(seed=0).fit(_table(mse_tables, "congenital"))
    assert model.posterior_["probability"].sum() == pytest.approx(1.0)
    assert sum(model.graph_weights_.values()) == pytest.approx(1.0)
    top = model.result_.diagnostics["top_graphs"]
    assert top[0]["model"] == "[12,13,45]"
    assert top[0]["probability"] >= top[1]["probability"]


def test_delta_defaults_to_two_to_the_minus_lists_and_matters(mse_tables: Path) -> None:
    table = _table(mse_tables, "congenital")
    default = DGA(seed=0).fit(table).result_
    heavy = DGA(delta=1.0, seed=0).fit(table).result_
    assert default.diagnostics["delta"] == 2.0**-5
    assert heavy.diagnostics["delta"] == 1.0
    assert (
        heavy.diagnostics["top_graphs"][0]["model"] != default.diagnostics["top_graphs"][0]["model"]
    )
    assert heavy.estimate != default.estimate


def test_uniform_prior_moves_the_posterior_up(mse_tables: Path) -> None:
    table = _table(mse_tables, "diabetes")
    inverse = DGA(seed=0).fit(table).result_
    flat = DGA(prior="uniform", seed=0).fit(table).result_
    assert inverse.estimate is not None and flat.estimate is not None
    assert flat.estimate > inverse.estimate


def test_five_lists_is_fast(mse_tables: Path) -> None:
    table = _table(mse_tables, "congenital")
    DGA(seed=0).fit(table)
    start = time.perf_counter()
    DGA(seed=0).fit(table)
    assert time.perf_counter() - start < 0.5  # target 0.1 s; loose for busy CI machines


def test_more_lists_than_enumerated_uses_a_graph_search(mse_tables: Path) -> None:
    table = _table(mse_tables, "uk6")
    a = DGA(seed=3, search_iterations=3000).fit(table).result_
    b = DGA(seed=3, search_iterations=3000).fit(table).result_
    assert a.diagnostics["exhaustive"] is False
    assert a.diagnostics["search"]["graphs_visited"] > 10
    assert a.estimate == b.estimate
    # the search and exhaustive enumeration agree where both are possible
    five = _table(mse_tables, "uk5")
    exact = DGA(seed=0).fit(five).result_
    searched = DGA(seed=0, max_exact_lists=4, search_iterations=20_000).fit(five).result_
    assert exact.estimate is not None and searched.estimate is not None
    assert searched.estimate == pytest.approx(exact.estimate, rel=0.01)


def test_rejects_bad_settings(mse_tables: Path) -> None:
    table = _table(mse_tables, "spina")
    with pytest.raises(UncountedError):
        DGA(prior="flat").fit(table)  # type: ignore[arg-type]
    with pytest.raises(UncountedError):
        DGA(delta=0.0).fit(table)
    with pytest.raises(UncountedError):
        DGA(grid=range(10, 2000)).fit(table)
