"""Linkage replicates: plausible partitions of the records into persons, drawn from the pairs.

One clustering treats every link as certain. A replicate is a partition drawn from a
distribution over partitions that the scored pairs define, so that estimates computed on many
replicates carry the linkage's uncertainty.

**The distribution.** Records joined by must-links (review accepts, exact duplicates) form
*blocks* that never split; blocks are what gets partitioned. Each pair of blocks has a
probability ``p``: the highest of any scored pair of their records (several record pairs
between two blocks repeat the evidence about one question, they are not independent evidence).
A partition's weight is the product, over every two blocks in one cluster, of the pair's match
odds ``p / (1 - p)``, times, when the linkage model's prior ``link_prior`` (the probability that
two records drawn at random match) is given, its odds once per link rather than once per pair:
``prior_odds ** ((k - 1) - k (k - 1) / 2)`` for a cluster of ``k`` blocks. A pair's odds are
its prior odds times its Bayes factor; the plain product charges the prior once per pair, so a
third record strongly linked to one member of a person and weakly to the other pays the
(tiny) prior twice and is split off far more often than the truth warrants (on the simulated
demo, 41 of 124 true persons a replicate split apart and the fixed clustering did not). With the
prior charged once per link, a cluster's weight is the prior of its k - 1 links times every
pair's Bayes factor, as in the linkage model itself. On two blocks both give the pair's own
probability ``p``. A pair of blocks in one cluster that was never scored gets probability
``floor``: by default ``UNSCORED_PROBABILITY`` = 0.01, the lowest a stored pair has; the
workflow passes the model's prior, so that an unscored pair is worth a Bayes factor of 1 (no
evidence either way: blocking never compared them, or the model scored them below 0.01).

Only partitions whose clusters are *connected* by scored pairs count (a record joins a cluster
through a pair it was scored in, never because the floor makes a stranger cheap), and whose
clusters respect the hard constraints of :mod:`uncounted.link.cluster`: never two different
valid ID numbers, never a pair a reviewer rejected, and records of one source together only
when that very pair is allowed (a within-source link or a must-link; never for sources
declared duplicate-free). Sex and age, which clustering also checks for the model's pairs, are
not constraints here: the model's probability already weighs them (records whose sex was
written wrong are the same person often enough that the model scores such pairs 0.999+).

**The sampler.** The candidate graph's components (blocks joined by pairs at
``UNSCORED_PROBABILITY`` or more) are independent under this weight, so each is drawn on its
own: exactly, from all its valid partitions, when it has at most ``EXACT_MAX_BLOCKS`` blocks;
else by a Gibbs sampler that moves one block at a time to another cluster it is scored with, or
alone (each move drawn from the exact conditional among valid partitions), started from all
blocks apart, ``BURN_IN_SWEEPS`` sweeps before the first replicate and ``THIN_SWEEPS`` between
replicates. Never an independent coin per pair and then transitive closure: that joins a chain
of weak links into one person far more often than any pair says.

Everything is seeded: the same pairs, constraints and seed give the same replicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numba import njit
from numpy.typing import NDArray

UNSCORED_PROBABILITY: Final = 0.01
EXACT_MAX_BLOCKS: Final = 8
BURN_IN_SWEEPS: Final = 200
THIN_SWEEPS: Final = 10
# Probabilities are kept inside these ends so that the odds are finite.
_CLIP: Final = 1e-9

IntArray = NDArray[np.int64]


@dataclass
class LinkageGraph:
    """The numeric inputs: records 0..n-1 and what may join them.

    ``source``: each record's source code (records of one source join only by an allowed
    pair); ``id_code``: its valid ID number's code, -1 for none. ``left``, ``right``,
    ``probability``: the scored pairs. ``must``, ``cannot``: must- and cannot-link pairs.
    ``allowed``: pairs of records of one source that may be in one cluster.
    """

    source: IntArray
    id_code: IntArray
    left: IntArray
    right: IntArray
    probability: NDArray[np.float64]
    must: Sequence[tuple[int, int]] = ()
    cannot: Sequence[tuple[int, int]] = ()
    allowed: Iterable[tuple[int, int]] = ()
    # recalibrated probabilities of the pairs, which weigh partitions when given
    calibrated: NDArray[np.float64] | None = None

    @property
    def n_records(self) -> int:
        return len(self.source)


@dataclass
class Replicates:
    """``labels[r, i]``: the cluster of record ``i`` in replicate ``r`` (the smallest record
    number of its cluster). ``components`` counts the candidate graph's components by how they
    were drawn; ``refused_must_links`` are must-links a hard constraint kept apart."""

    labels: IntArray
    components: dict[str, int] = field(default_factory=dict)
    largest_component: int = 0
    refused_must_links: int = 0

    @property
    def n_replicates(self) -> int:
        return int(self.labels.shape[0])


def log_odds(probability: NDArray[np.float64]) -> NDArray[np.float64]:
    p = np.clip(np.asarray(probability, dtype=np.float64), _CLIP, 1.0 - _CLIP)
    return np.log(p) - np.log1p(-p)


class _Rules:
    """Hard constraints between records (see the module docstring)."""

    def __init__(self, graph: LinkageGraph) -> None:
        n = graph.n_records
        self.n = n
        self.source = np.asarray(graph.source, dtype=np.int64)
        self.id_code = np.asarray(graph.id_code, dtype=np.int64)
        self.allowed = {self.key(a, b) for a, b in graph.allowed}
        self.cannot = {self.key(a, b) for a, b in graph.cannot}

    def key(self, a: int, b: int) -> int:
        return min(a, b) * self.n + max(a, b)

    def records_fit(self, a: int, b: int) -> bool:
        if self.key(a, b) in self.cannot:
            return False
        same_source = self.source[a] >= 0 and self.source[a] == self.source[b]
        return not (same_source and self.key(a, b) not in self.allowed)


def _blocks(graph: LinkageGraph, rules: _Rules) -> tuple[IntArray, int]:
    """Block of each record: must-links merged in order, unless a hard constraint refuses."""
    n = graph.n_records
    parent = np.arange(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    ids = rules.id_code.copy()

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    refused = 0
    for a, b in sorted({(min(a, b), max(a, b)) for a, b in graph.must if a != b}):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if ids[ra] >= 0 and ids[rb] >= 0 and ids[ra] != ids[rb]:
            refused += 1
            continue
        if not all(rules.records_fit(x, y) for x in members[ra] for y in members[rb]):
            refused += 1
            continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra].extend(members.pop(rb))
        if ids[ra] < 0:
            ids[ra] = ids[rb]
    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    return roots, refused


@dataclass
class _Component:
    blocks: list[int]  # block roots
    log_odds: NDArray[np.float64]  # k x k, log-odds of scored block pairs
    scored: NDArray[np.bool_]  # k x k, a scored pair joins the two blocks
    fit: NDArray[np.bool_]  # k x k, the two blocks may be in one cluster


def _components(
    graph: LinkageGraph,
    rules: _Rules,
    block: IntArray,
    calibrate: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None,
) -> tuple[list[_Component], int]:
    """The candidate graph's components of two or more blocks, with their pair matrices."""
    probability = np.asarray(graph.probability if graph.calibrated is None
                             else graph.calibrated, dtype=np.float64)
    if calibrate is not None and probability.size:
        probability = np.asarray(calibrate(probability), dtype=np.float64)
    left = block[np.asarray(graph.left, dtype=np.int64)]
    right = block[np.asarray(graph.right, dtype=np.int64)]
    keep = (left != right) & (np.asarray(graph.probability) >= UNSCORED_PROBABILITY)
    best: dict[tuple[int, int], float] = {}
    for a, b, p in zip(left[keep].tolist(), right[keep].tolist(), probability[keep].tolist(),
                       strict=True):
        key = (a, b) if a < b else (b, a)
        if p > best.get(key, -1.0):
            best[key] = p
    members: dict[int, list[int]] = {}
    for record, root in enumerate(block.tolist()):
        members.setdefault(root, []).append(record)
    ids = {root: max((int(rules.id_code[r]) for r in rs), default=-1)
           for root, rs in members.items()}

    cannot_blocks: dict[int, set[int]] = {}
    for pair_key in rules.cannot:
        x, y = int(block[pair_key // rules.n]), int(block[pair_key % rules.n])
        cannot_blocks.setdefault(x, set()).add(y)
        cannot_blocks.setdefault(y, set()).add(x)

    def blocks_fit(a: int, b: int) -> bool:
        if ids[a] >= 0 and ids[b] >= 0 and ids[a] != ids[b]:
            return False
        return all(rules.records_fit(x, y) for x in members[a] for y in members[b])

    edges = {key: p for key, p in best.items() if blocks_fit(*key)}
    # Union-find over the blocks joined by a pair that may hold.
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in sorted(edges):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in sorted(parent):
        groups.setdefault(find(x), []).append(x)
    by_root: dict[int, list[tuple[int, int, float]]] = {}
    for (a, b), p in edges.items():
        by_root.setdefault(find(a), []).append((a, b, p))
    out = []
    for root in sorted(groups):
        nodes = groups[root]
        index = {b: i for i, b in enumerate(nodes)}
        k = len(nodes)
        odds = np.zeros((k, k))
        scored = np.zeros((k, k), dtype=bool)
        found = by_root[root]
        rows = np.array([index[a] for a, _, _ in found], dtype=np.int64)
        cols = np.array([index[b] for _, b, _ in found], dtype=np.int64)
        values = log_odds(np.array([p for _, _, p in found], dtype=np.float64))
        odds[rows, cols] = odds[cols, rows] = values
        scored[rows, cols] = scored[cols, rows] = True
        fit = _fit_matrix(nodes, members, ids, rules, cannot_blocks, blocks_fit)
        fit[scored] = True  # a scored pair joins only blocks that fit (the edges above)
        out.append(_Component(nodes, odds, scored, fit))
    return out, len(members)


def _fit_matrix(
    nodes: list[int],
    members: dict[int, list[int]],
    ids: dict[int, int],
    rules: _Rules,
    cannot_blocks: dict[int, set[int]],
    blocks_fit: Callable[[int, int], bool],
) -> NDArray[np.bool_]:
    """Which two blocks of a component may be in one cluster: ``blocks_fit`` for every pair,
    computed at once for blocks of one record (most of them; a large component has tens of
    thousands of pairs) and record by record for the others."""
    k = len(nodes)
    block_ids = np.array([ids[b] for b in nodes], dtype=np.int64)
    single = np.array([len(members[b]) == 1 for b in nodes], dtype=bool)
    source = np.array([rules.source[members[b][0]] for b in nodes], dtype=np.int64)
    known = block_ids >= 0
    fit = ~(known[:, None] & known[None, :] & (block_ids[:, None] != block_ids[None, :]))
    same_source = (source[:, None] == source[None, :]) & (source[:, None] >= 0)
    both_single = single[:, None] & single[None, :]
    for i, j in zip(*np.nonzero(np.triu(same_source & both_single & fit, 1)), strict=True):
        a, b = members[nodes[i]][0], members[nodes[j]][0]
        if rules.key(a, b) not in rules.allowed:
            fit[i, j] = fit[j, i] = False
    index = {b: i for i, b in enumerate(nodes)}
    for i, b in enumerate(nodes):
        for other in cannot_blocks.get(b, ()):
            if other in index:
                fit[i, index[other]] = fit[index[other], i] = False
    for i in np.flatnonzero(~single).tolist():
        for j in range(k):
            if j != i:
                fit[i, j] = fit[j, i] = blocks_fit(nodes[i], nodes[j])
    np.fill_diagonal(fit, True)
    return fit


# -- exact: every valid partition of a small component -----------------------------------------


def _connected(members: Sequence[int], scored: NDArray[np.bool_]) -> bool:
    if len(members) <= 2:
        return len(members) < 2 or bool(scored[members[0], members[1]])
    seen = {members[0]}
    stack = [members[0]]
    while stack:
        x = stack.pop()
        for y in members:
            if y not in seen and scored[x, y]:
                seen.add(y)
                stack.append(y)
    return len(seen) == len(members)


def valid_partitions(
    component: _Component, floor: float = UNSCORED_PROBABILITY, link_prior: float | None = None
) -> tuple[list[tuple[int, ...]], NDArray[np.float64]]:
    """Every valid partition of a component (as a cluster number per block, clusters numbered
    by first appearance) and its log-weight."""
    k = len(component.blocks)
    fit, scored, odds = component.fit, component.scored, component.log_odds
    unscored = float(log_odds(np.array([floor]))[0])
    extra = _extra_pair(link_prior)
    found: list[tuple[int, ...]] = []
    weights: list[float] = []
    labels = [0] * k
    clusters: list[list[int]] = []

    def walk(i: int, weight: float) -> None:
        if i == k:
            if all(_connected(c, scored) for c in clusters):
                found.append(tuple(labels))
                weights.append(weight)
            return
        for c, members in enumerate(clusters):
            if all(fit[i, j] for j in members):
                gain = sum(odds[i, j] if scored[i, j] else unscored for j in members)
                gain -= extra * (len(members) - 1)
                members.append(i)
                labels[i] = c
                walk(i + 1, weight + gain)
                members.pop()
        clusters.append([i])
        labels[i] = len(clusters) - 1
        walk(i + 1, weight)
        clusters.pop()

    walk(0, 0.0)
    return found, np.array(weights)


# -- Gibbs: one block at a time ----------------------------------------------------------------


@njit(cache=True)
def _stays_connected(z: IntArray, cluster: int, without: int, scored: NDArray[np.bool_]) -> bool:
    k = z.size
    members = np.empty(k, dtype=np.int64)
    m = 0
    for v in range(k):
        if z[v] == cluster and v != without:
            members[m] = v
            m += 1
    if m <= 1:
        return True
    seen = np.zeros(k, dtype=np.bool_)
    stack = np.empty(m, dtype=np.int64)
    stack[0] = members[0]
    seen[members[0]] = True
    top = 1
    reached = 1
    while top > 0:
        top -= 1
        x = stack[top]
        for t in range(m):
            y = members[t]
            if not seen[y] and scored[x, y]:
                seen[y] = True
                stack[top] = y
                top += 1
                reached += 1
    return reached == m


@njit(cache=True)
def _gibbs(
    odds: NDArray[np.float64],
    scored: NDArray[np.bool_],
    fit: NDArray[np.bool_],
    unscored: float,
    extra: float,
    n_draws: int,
    burn_in: int,
    thin: int,
    seed: int,
) -> IntArray:
    """``n_draws`` partitions (cluster per block), after ``burn_in`` sweeps, ``thin`` apart."""
    np.random.seed(seed)
    k = odds.shape[0]
    z = np.arange(k)
    size = np.ones(k, dtype=np.int64)
    out = np.empty((n_draws, k), dtype=np.int64)
    candidates = np.empty(k + 1, dtype=np.int64)
    scores = np.empty(k + 1)
    drawn = 0
    sweep = 0
    while drawn < n_draws:
        for u in range(k):
            old = z[u]
            if size[old] > 2 and not _stays_connected(z, old, u, scored):
                continue
            # candidate clusters: those of u's scored neighbours, and u alone
            m = 0
            for v in range(k):
                if v == u or not scored[u, v]:
                    continue
                c = z[v]
                seen = False
                for t in range(m):
                    if candidates[t] == c:
                        seen = True
                        break
                if not seen:
                    candidates[m] = c
                    m += 1
            for t in range(m):
                c = candidates[t]
                total = 0.0
                ok = True
                members = 0
                for v in range(k):
                    if v == u or z[v] != c:
                        continue
                    if not fit[u, v]:
                        ok = False
                        break
                    members += 1
                    total += odds[u, v] if scored[u, v] else unscored
                total -= extra * (members - 1)
                scores[t] = total if ok else -np.inf
            # alone: its own cluster if it is alone already, else a free label
            alone = old
            if size[old] > 1:
                for c in range(k):
                    if size[c] == 0:
                        alone = c
                        break
            candidates[m] = alone
            scores[m] = 0.0
            m += 1
            top = scores[0]
            for t in range(1, m):
                if scores[t] > top:
                    top = scores[t]
            norm = 0.0
            for t in range(m):
                scores[t] = np.exp(scores[t] - top)
                norm += scores[t]
            pick = np.random.random() * norm
            chosen = candidates[m - 1]
            for t in range(m):
                pick -= scores[t]
                if pick < 0.0:
                    chosen = candidates[t]
                    break
            if chosen != old:
                size[old] -= 1
                size[chosen] += 1
                z[u] = chosen
        sweep += 1
        if sweep >= burn_in and (sweep - burn_in) % thin == 0:
            out[drawn] = z
            drawn += 1
    return out


def gibbs_partitions(
    component: _Component,
    n_draws: int,
    seed: int,
    *,
    floor: float = UNSCORED_PROBABILITY,
    link_prior: float | None = None,
    burn_in: int = BURN_IN_SWEEPS,
    thin: int = THIN_SWEEPS,
) -> IntArray:
    unscored = float(log_odds(np.array([floor]))[0])
    return _gibbs(component.log_odds, component.scored, component.fit, unscored,
                  _extra_pair(link_prior), n_draws, max(burn_in, 1), max(thin, 1), seed)


def _extra_pair(link_prior: float | None) -> float:
    """The log prior odds of a link, charged back for each pair of a cluster beyond the
    k - 1 links that make it (0 without a link prior: the plain product of odds)."""
    return 0.0 if link_prior is None else float(log_odds(np.array([link_prior]))[0])


def canonical(labels: Sequence[int]) -> tuple[int, ...]:
    """Cluster numbers by first appearance: one name for one partition."""
    names: dict[int, int] = {}
    return tuple(names.setdefault(int(c), len(names)) for c in labels)


# -- all components ------------------------------------------------------------------------------


def draw_replicates(
    graph: LinkageGraph,
    n_replicates: int,
    seed: int | np.random.SeedSequence = 1,
    *,
    calibrate: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
    floor: float = UNSCORED_PROBABILITY,
    link_prior: float | None = None,
    exact_max: int = EXACT_MAX_BLOCKS,
    burn_in: int = BURN_IN_SWEEPS,
    thin: int = THIN_SWEEPS,
) -> Replicates:
    """``n_replicates`` partitions of the records (see the module docstring).

    ``calibrate`` maps the pairs' probabilities to calibrated ones before they weigh
    partitions (which pairs form the candidate graph is decided on the probabilities as
    given). Component ``c`` (in order of its smallest block) draws from child ``c`` of the
    seed, so components never share a random stream.
    """
    if n_replicates < 1:
        raise ValueError("at least one replicate")
    rules = _Rules(graph)
    block, refused = _blocks(graph, rules)
    components, _ = _components(graph, rules, block, calibrate)
    n = graph.n_records
    # Per replicate, a label for each block root: its own, unless its component put it in a
    # cluster, which is then named by the root of one of its blocks (unique: blocks are
    # disjoint); records take their block's label, and clusters are renamed by their smallest
    # record at the end.
    block_label = np.tile(np.arange(n, dtype=np.int64), (n_replicates, 1))
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = root.spawn(len(components)) if components else []
    counts = {"exact": 0, "gibbs": 0}
    largest = 0
    for component, child in zip(components, children, strict=True):
        k = len(component.blocks)
        largest = max(largest, k)
        if k <= exact_max:
            counts["exact"] += 1
            partitions, weights = valid_partitions(component, floor, link_prior)
            chances = np.exp(weights - weights.max())
            chances /= chances.sum()
            rng = np.random.default_rng(child)
            picks = rng.choice(len(partitions), size=n_replicates, p=chances)
            draws = np.array([partitions[i] for i in picks], dtype=np.int64)
        else:
            counts["gibbs"] += 1
            state = int(child.generate_state(1, dtype=np.uint32)[0])
            draws = gibbs_partitions(component, n_replicates, state, floor=floor,
                                     link_prior=link_prior, burn_in=burn_in, thin=thin)
        roots = np.asarray(component.blocks, dtype=np.int64)
        block_label[:, roots] = roots[draws]
    labels = block_label[:, block]
    # Records outside any component keep their block, named by its smallest record.
    labels = _smallest_labels(labels)
    return Replicates(labels, counts, largest, refused)


def _smallest_labels(labels: IntArray) -> IntArray:
    """Each cluster named by its smallest record number."""
    out = np.empty_like(labels)
    n = labels.shape[1]
    for r in range(labels.shape[0]):
        smallest = np.full(n, n, dtype=np.int64)
        np.minimum.at(smallest, labels[r], np.arange(n, dtype=np.int64))
        out[r] = smallest[labels[r]]
    return out


def partition_probabilities(
    component: _Component, floor: float = UNSCORED_PROBABILITY, link_prior: float | None = None
) -> dict[tuple[int, ...], float]:
    """The exact distribution over a component's valid partitions (for checks and tests)."""
    partitions, weights = valid_partitions(component, floor, link_prior)
    chances = np.exp(weights - weights.max())
    chances /= chances.sum()
    return {canonical(p): float(c) for p, c in zip(partitions, chances, strict=True)}


def components_of(
    graph: LinkageGraph,
    calibrate: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
) -> list[_Component]:
    """The candidate graph's components of two or more blocks (for checks and tests)."""
    rules = _Rules(graph)
    block, _ = _blocks(graph, rules)
    return _components(graph, rules, block, calibrate)[0]
