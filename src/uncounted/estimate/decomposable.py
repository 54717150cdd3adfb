"""Decomposable (chordal) graphs over lists, as used by Bayesian model averaging (Madigan & York).

A graph on ``J`` lists is stored as a tuple of ``J`` neighbour bitmasks. Decomposable graphs are
exactly the chordal ones; for those, the hyper-Dirichlet marginal likelihood factorises over a
perfect elimination ordering: one term for each vertex's *family* (the vertex with its earlier
neighbours, which form a clique) divided by one for its *parents* (the earlier neighbours). The
non-maximal families telescope away, which leaves the familiar cliques-over-separators product
without having to build a junction tree.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

Graph = tuple[int, ...]


def edge_pairs(n_lists: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n_lists) for j in range(i + 1, n_lists)]


def graph_from_edges(n_lists: int, edges: list[tuple[int, int]]) -> Graph:
    adjacency = [0] * n_lists
    for i, j in edges:
        adjacency[i] |= 1 << j
        adjacency[j] |= 1 << i
    return tuple(adjacency)


def toggle_edge(graph: Graph, i: int, j: int) -> Graph:
    adjacency = list(graph)
    adjacency[i] ^= 1 << j
    adjacency[j] ^= 1 << i
    return tuple(adjacency)


def maximum_cardinality_order(graph: Graph) -> list[int]:
    """Visit order of maximum cardinality search (ties broken by the lowest vertex)."""
    n_lists = len(graph)
    weight = [0] * n_lists
    visited = 0
    order: list[int] = []
    for _ in range(n_lists):
        best = -1
        for v in range(n_lists):
            if not (visited >> v) & 1 and (best < 0 or weight[v] > weight[best]):
                best = v
        order.append(best)
        visited |= 1 << best
        neighbours = graph[best] & ~visited
        for v in range(n_lists):
            if (neighbours >> v) & 1:
                weight[v] += 1
    return order


def families(graph: Graph) -> list[tuple[int, int]] | None:
    """(family, parents) bitmasks along a maximum cardinality order; None if not chordal.

    Tarjan & Yannakakis: a graph is chordal iff, in maximum cardinality order, every vertex's
    earlier neighbours form a clique.
    """
    seen = 0
    result: list[tuple[int, int]] = []
    for v in maximum_cardinality_order(graph):
        parents = graph[v] & seen
        rest = parents
        while rest:
            u = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            if (parents & ~(1 << u)) & ~graph[u]:
                return None
        result.append((parents | (1 << v), parents))
        seen |= 1 << v
    return result


def is_decomposable(graph: Graph) -> bool:
    return families(graph) is not None


def cliques(graph: Graph) -> list[int]:
    """Maximal cliques of a chordal graph as bitmasks, in a stable order."""
    fams = families(graph)
    if fams is None:
        raise ValueError("graph is not decomposable")
    masks = [family for family, _ in fams]
    maximal = {m for m in masks if not any(m != o and m & o == m for o in masks)}
    return sorted(maximal, key=lambda m: (-m.bit_count(), _bits(m)))


def bracket(graph: Graph) -> str:
    """Rcapture-style notation with lists numbered from 1, e.g. ``[13,24,5]``."""
    sep = "" if len(graph) < 10 else "."
    parts = [sep.join(str(j + 1) for j in _bits(m)) for m in cliques(graph)]
    return "[" + ",".join(parts) + "]"


def subset_coefficients(graph: Graph) -> dict[int, int]:
    """Signed count of each margin (bitmask) in the log marginal likelihood.

    Key 0 counts the connected components: each contributes one Dirichlet normalising term.
    """
    fams = families(graph)
    if fams is None:
        raise ValueError("graph is not decomposable")
    coef: dict[int, int] = {}
    for family, parents in fams:
        coef[family] = coef.get(family, 0) + 1
        if parents:
            coef[parents] = coef.get(parents, 0) - 1
        else:
            coef[0] = coef.get(0, 0) + 1
    return {mask: c for mask, c in coef.items() if c}


@lru_cache(maxsize=8)
def all_decomposable(n_lists: int) -> tuple[Graph, ...]:
    """Every decomposable graph on ``n_lists`` labelled vertices (8, 61, 822 for 3, 4, 5)."""
    pairs = edge_pairs(n_lists)
    found: list[Graph] = []
    for edges in range(1 << len(pairs)):
        graph = graph_from_edges(n_lists, [p for k, p in enumerate(pairs) if (edges >> k) & 1])
        if is_decomposable(graph):
            found.append(graph)
    return tuple(found)


@lru_cache(maxsize=8)
def coefficient_matrix(n_lists: int) -> NDArray[np.float64]:
    """Margin coefficients of every decomposable graph: rows graphs, columns margin bitmasks."""
    graphs = all_decomposable(n_lists)
    matrix = np.zeros((len(graphs), 1 << n_lists))
    for row, graph in enumerate(graphs):
        for mask, c in subset_coefficients(graph).items():
            matrix[row, mask] = c
    matrix.setflags(write=False)
    return matrix


def _bits(mask: int) -> list[int]:
    return [j for j in range(mask.bit_length()) if (mask >> j) & 1]
