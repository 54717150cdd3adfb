"""Linkage replicates: the sampler against brute-force enumeration of every partition."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from uncounted.link.replicates import (
    UNSCORED_PROBABILITY,
    LinkageGraph,
    _blocks,
    _Rules,
    canonical,
    components_of,
    draw_replicates,
    gibbs_partitions,
    partition_probabilities,
)


def set_partitions(items: list[int]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for smaller in set_partitions(rest):
        for i in range(len(smaller)):
            yield [*smaller[:i], [first, *smaller[i]], *smaller[i + 1:]]
        yield [[first], *smaller]


def brute_force(graph: LinkageGraph, floor: float = UNSCORED_PROBABILITY,
                link_prior: float | None = None) -> dict[tuple, float]:
    """The distribution by its definition, over partitions of the records (not blocks)."""
    n = graph.n_records
    scored = {}
    for a, b, p in zip(graph.left, graph.right, graph.probability, strict=True):
        scored[(min(a, b), max(a, b))] = p
    must = {(min(a, b), max(a, b)) for a, b in graph.must}
    cannot = {(min(a, b), max(a, b)) for a, b in graph.cannot}
    allowed = {(min(a, b), max(a, b)) for a, b in graph.allowed}
    out: dict[tuple, float] = {}
    for partition in set_partitions(list(range(n))):
        cluster_of = {r: c for c, members in enumerate(partition) for r in members}
        if any(cluster_of[a] != cluster_of[b] for a, b in must):
            continue
        weight = 1.0
        ok = True
        for members in partition:
            for a, b in itertools.combinations(sorted(members), 2):
                if (a, b) in cannot:
                    ok = False
                if graph.id_code[a] >= 0 and graph.id_code[b] >= 0 and \
                        graph.id_code[a] != graph.id_code[b]:
                    ok = False
                if graph.source[a] == graph.source[b] and (a, b) not in allowed:
                    ok = False
            # connected through scored pairs and must-links
            seen, stack = {members[0]}, [members[0]]
            while stack:
                x = stack.pop()
                for y in members:
                    key = (min(x, y), max(x, y))
                    if y not in seen and (key in must or key in scored):
                        seen.add(y)
                        stack.append(y)
            ok = ok and len(seen) == len(members)
            # blocks: the must-link components inside the cluster
            block = {r: r for r in members}
            for a, b in must:
                if a in block and b in block:
                    old, new = block[b], block[a]
                    for r in members:
                        if block[r] == old:
                            block[r] = new
            blocks = sorted({block[r] for r in members})
            if link_prior is not None:
                # the prior odds of a link once per link (k - 1), not once per pair
                k = len(blocks)
                odds_prior = link_prior / (1 - link_prior)
                weight *= odds_prior ** ((k - 1) - k * (k - 1) // 2)
            for x, y in itertools.combinations(blocks, 2):
                ps = [scored[(min(a, b), max(a, b))] for a in members for b in members
                      if block[a] == x and block[b] == y and (min(a, b), max(a, b)) in scored]
                p = max(ps) if ps else floor
                weight *= p / (1 - p)
        if ok:
            labels = [0] * n
            for c, members in enumerate(partition):
                for r in members:
                    labels[r] = c
            out[canonical(labels)] = weight
    total = sum(out.values())
    return {k: v / total for k, v in out.items()}


def random_graph(seed: int, n: int = 6, n_sources: int = 3) -> LinkageGraph:
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a, b in itertools.combinations(range(n), 2) if rng.random() < 0.6]
    ids = np.where(rng.random(n) < 0.3, rng.integers(0, 2, n), -1)
    ids[1] = -1  # the must-link (0, 1) holds: no clash of IDs, and
    source = rng.integers(0, n_sources, n).astype(np.int64)
    source[1] = (source[0] + 1) % n_sources  # two sources
    return LinkageGraph(
        source=source,
        id_code=ids.astype(np.int64),
        left=np.array([a for a, _ in pairs], dtype=np.int64),
        right=np.array([b for _, b in pairs], dtype=np.int64),
        probability=rng.uniform(0.02, 0.99, len(pairs)),
        must=[(0, 1)] if rng.random() < 0.5 else [],
        cannot=[(2, 3)] if rng.random() < 0.5 else [],
        allowed=[(4, 5)],
    )


def record_distribution(graph: LinkageGraph, link_prior: float | None = None
                        ) -> dict[tuple, float]:
    """The sampler's exact distribution, mapped from blocks back to records (components are
    independent, so their chances multiply)."""
    block, _ = _blocks(graph, _Rules(graph))
    components = components_of(graph)
    per = [list(partition_probabilities(c, link_prior=link_prior).items()) for c in components]
    out: dict[tuple, float] = {}
    for combo in itertools.product(*per):
        labels = block.copy() + 1000
        chance = 1.0
        for number, (component, (partition, p)) in enumerate(zip(components, combo,
                                                                  strict=True)):
            chance *= p
            for b, cluster in zip(component.blocks, partition, strict=True):
                labels[block == b] = 100 * number + cluster
        key = canonical(labels.tolist())
        out[key] = out.get(key, 0.0) + chance
    return out


@pytest.mark.parametrize("seed", range(12))
def test_exact_distribution_is_the_definition(seed: int) -> None:
    graph = random_graph(seed)
    link_prior = None if seed % 2 else 0.8
    expected = brute_force(graph, link_prior=link_prior)
    got = record_distribution(graph, link_prior)
    assert set(got) == set(expected)
    for key, p in expected.items():
        assert got[key] == pytest.approx(p, rel=1e-9, abs=1e-12)


def test_two_records_link_with_their_probability() -> None:
    graph = LinkageGraph(np.array([0, 1]), np.array([-1, -1]), np.array([0]), np.array([1]),
                         np.array([0.3]))
    labels = draw_replicates(graph, 4000, seed=3).labels
    share = float(np.mean(labels[:, 0] == labels[:, 1]))
    assert share == pytest.approx(0.3, abs=0.025)


def test_draws_follow_the_exact_distribution() -> None:
    graph = random_graph(5)
    expected = brute_force(graph)
    labels = draw_replicates(graph, 20_000, seed=11).labels
    counts = Counter(canonical(row.tolist()) for row in labels)
    for key, p in expected.items():
        assert counts[key] / 20_000 == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / 20_000)
                                                     + 1e-3)


def test_hard_constraints_hold_in_every_replicate() -> None:
    # a chain 0-1-2 of strong pairs; 0 and 2 carry different valid IDs
    graph = LinkageGraph(np.array([0, 1, 2]), np.array([5, -1, 6]), np.array([0, 1]),
                         np.array([1, 2]), np.array([0.99, 0.99]))
    labels = draw_replicates(graph, 500, seed=1).labels
    assert not np.any(labels[:, 0] == labels[:, 2])
    assert np.any(labels[:, 0] == labels[:, 1]) and np.any(labels[:, 1] == labels[:, 2])
    # one source, no allowed pair: never together
    same = LinkageGraph(np.array([0, 0]), np.array([-1, -1]), np.array([0]), np.array([1]),
                        np.array([0.99]))
    assert not np.any(draw_replicates(same, 200, seed=1).labels[:, 0] == 1)
    allowed = LinkageGraph(np.array([0, 0]), np.array([-1, -1]), np.array([0]), np.array([1]),
                           np.array([0.99]), allowed=[(0, 1)])
    assert np.mean(draw_replicates(allowed, 400, seed=1).labels[:, 1] == 0) > 0.95
    rejected = LinkageGraph(np.array([0, 1]), np.array([-1, -1]), np.array([0]), np.array([1]),
                            np.array([0.999]), cannot=[(0, 1)])
    assert not np.any(draw_replicates(rejected, 200, seed=1).labels[:, 1] == 0)
    accepted = LinkageGraph(np.array([0, 1]), np.array([-1, -1]), np.array([], dtype=np.int64),
                            np.array([], dtype=np.int64), np.array([]), must=[(0, 1)])
    assert np.all(draw_replicates(accepted, 50, seed=1).labels[:, 1] == 0)


def test_no_transitive_closure_of_coins() -> None:
    """A chain of ten pairs at 0.5: closing independent coins would join the ends a
    thousandth of the time; under the partition weight, a cluster holding both ends pays the
    floor for each unscored pair inside it, so it almost never happens."""
    n = 11
    graph = LinkageGraph(np.arange(n), np.full(n, -1), np.arange(n - 1), np.arange(1, n),
                         np.full(n - 1, 0.5))
    labels = draw_replicates(graph, 2000, seed=2).labels
    sizes = [np.bincount(row).max() for row in labels]
    assert max(sizes) <= 4


def test_a_link_prior_joins_a_third_record_by_its_own_link() -> None:
    """A and B are one person (0.999); C is scored with B at 0.9 and never with A. The plain
    product charges C the floor for the unscored pair A-C; with the model's prior charged once
    per link and the prior as the floor (a Bayes factor of 1), C joins with B's probability."""
    graph = LinkageGraph(np.arange(3), np.full(3, -1), np.array([0, 1]), np.array([1, 2]),
                         np.array([0.999, 0.9]))
    plain = draw_replicates(graph, 4000, seed=1).labels
    prior = 3.6e-5
    linked = draw_replicates(graph, 4000, seed=1, link_prior=prior, floor=prior).labels
    assert np.mean(plain[:, 2] == plain[:, 0]) < 0.2
    assert np.mean(linked[:, 2] == linked[:, 0]) == pytest.approx(0.9, abs=0.02)


def test_same_seed_same_replicates() -> None:
    graph = random_graph(1, n=7)
    a = draw_replicates(graph, 30, seed=9, exact_max=2).labels
    b = draw_replicates(graph, 30, seed=9, exact_max=2).labels
    assert np.array_equal(a, b)
    assert not np.array_equal(a, draw_replicates(graph, 30, seed=10, exact_max=2).labels)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gibbs_matches_the_exact_distribution_on_eight_blocks(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 8
    pairs = [(a, b) for a, b in itertools.combinations(range(n), 2) if rng.random() < 0.45]
    pairs += [(i, i + 1) for i in range(n - 1) if (i, i + 1) not in pairs]
    graph = LinkageGraph(
        source=rng.integers(0, 4, n).astype(np.int64),
        id_code=np.where(rng.random(n) < 0.25, rng.integers(0, 2, n), -1).astype(np.int64),
        left=np.array([a for a, _ in pairs], dtype=np.int64),
        right=np.array([b for _, b in pairs], dtype=np.int64),
        probability=rng.uniform(0.05, 0.98, len(pairs)),
    )
    (component,) = components_of(graph)
    link_prior = None if seed == 0 else 0.7
    exact = partition_probabilities(component, link_prior=link_prior)
    draws = gibbs_partitions(component, 30_000, seed=seed + 1, burn_in=50, thin=1,
                             link_prior=link_prior)
    counts = Counter(canonical(row.tolist()) for row in draws)
    assert set(counts) <= set(exact)
    total_variation = 0.5 * sum(abs(counts[k] / 30_000 - p) for k, p in exact.items())
    assert total_variation < 0.04
