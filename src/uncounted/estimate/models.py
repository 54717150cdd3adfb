"""Hierarchical log-linear models for capture tables, in Rcapture's bracket notation.

A *term* is a set of lists stored as a bitmask (bit ``j`` = list ``j + 1``). A hierarchical model
is given by its generators, the terms that are not contained in another term of the model; every
subset of a generator is in the model too. Every model here contains all main effects, because
a capture table without a list's main effect makes no sense for estimating the unobserved.

``[123,14,34]`` on four lists = the three-way term of lists 1, 2, 3 with all its margins, plus
the two-way terms 1·4 and 3·4 (and the main effect of list 4).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import NDArray

from uncounted.core.errors import UncountedError

#: Lists are named by one digit each in the bracket notation while there are at most nine.
_MAX_DIGIT_LISTS = 9


@lru_cache(maxsize=65536)
def term_lists(term: int) -> tuple[int, ...]:
    """0-based list indices of a term bitmask, ascending."""
    return tuple(j for j in range(term.bit_length()) if (term >> j) & 1)


def term_order(term: int) -> int:
    return term.bit_count()


def term_label(term: int, n_lists: int) -> str:
    """``"123"`` for lists 1, 2, 3; ``"1.10"`` once there are more than nine lists."""
    numbers = [str(j + 1) for j in term_lists(term)]
    return "".join(numbers) if n_lists <= _MAX_DIGIT_LISTS else ".".join(numbers)


@lru_cache(maxsize=65536)
def term_sort_key(term: int) -> tuple[int, tuple[int, ...]]:
    """Lower orders first, then lexicographic on the lists: the column order of designs."""
    return (term_order(term), term_lists(term))


def _subsets(term: int) -> Iterator[int]:
    """Every non-empty subset of ``term`` (itself included)."""
    sub = term
    while sub:
        yield sub
        sub = (sub - 1) & term


@dataclass(frozen=True)
class HierarchicalModel:
    """A hierarchical log-linear model on ``n_lists`` lists with every main effect."""

    n_lists: int
    generators: tuple[int, ...]

    def __post_init__(self) -> None:
        full = (1 << self.n_lists) - 1
        if self.n_lists < 1:
            raise UncountedError("a model needs at least one list")
        for term in self.generators:
            if term <= 0 or term & ~full:
                raise UncountedError(f"term {term:b} refers to lists beyond {self.n_lists}")
        # Canonical form: keep only maximal terms, add uncovered main effects, sort the way
        # Rcapture prints them (lexicographic on the label) so equal models compare equal.
        covered = 0
        for term in self.generators:
            covered |= term
        candidates = set(self.generators) | {
            1 << j for j in range(self.n_lists) if not (covered >> j) & 1
        }
        maximal = [t for t in candidates if not any(t != u and t & u == t for u in candidates)]
        maximal.sort(key=term_lists)
        object.__setattr__(self, "generators", tuple(maximal))

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, n_lists: int) -> HierarchicalModel:
        """Read ``"[12,3]"``; lists are numbered 1..J in column order."""
        body = text.strip()
        if not (body.startswith("[") and body.endswith("]")):
            raise UncountedError(f"model {text!r} must be written in brackets, like [12,3]")
        body = body[1:-1].strip()
        generators: list[int] = []
        for part in (p.strip() for p in body.split(",")) if body else ():
            if not part:
                raise UncountedError(f"model {text!r} has an empty term")
            pieces = part.split(".") if "." in part else list(part)
            term = 0
            for piece in pieces:
                if not piece.isdigit() or not 1 <= int(piece) <= n_lists:
                    raise UncountedError(
                        f"model {text!r}: {piece!r} is not a list number between 1 and {n_lists}"
                    )
                bit = 1 << (int(piece) - 1)
                if term & bit:
                    raise UncountedError(f"model {text!r}: list {piece} repeats in term {part}")
                term |= bit
            generators.append(term)
        return cls(n_lists, tuple(generators))

    @classmethod
    def _canonical(cls, n_lists: int, generators: tuple[int, ...]) -> HierarchicalModel:
        """Build from generators already maximal and sorted (skips the canonicalisation)."""
        model = object.__new__(cls)
        object.__setattr__(model, "n_lists", n_lists)
        object.__setattr__(model, "generators", generators)
        return model

    @classmethod
    def independence(cls, n_lists: int) -> HierarchicalModel:
        return cls(n_lists, ())

    @classmethod
    def from_terms(cls, n_lists: int, terms: Sequence[int]) -> HierarchicalModel:
        return cls(n_lists, tuple(terms))

    # -- views ----------------------------------------------------------------------------------
    def __str__(self) -> str:
        return "[" + ",".join(term_label(t, self.n_lists) for t in self.generators) + "]"

    @cached_property
    def terms(self) -> tuple[int, ...]:
        """Every term of the model (main effects included), in design column order."""
        found: set[int] = set()
        for generator in self.generators:
            found.update(_subsets(generator))
        return tuple(sorted(found, key=term_sort_key))

    @property
    def interactions(self) -> tuple[int, ...]:
        return tuple(t for t in self.terms if term_order(t) >= 2)

    @property
    def order(self) -> int:
        return max(term_order(t) for t in self.generators)

    @property
    def n_parameters(self) -> int:
        """Intercept plus one parameter per term."""
        return 1 + len(self.terms)

    def is_saturated(self) -> bool:
        """True when the model has as many parameters as observable cells (all terms below J)."""
        return self.n_parameters == (1 << self.n_lists) - 1

    def contains(self, term: int) -> bool:
        return any(term & g == term for g in self.generators)

    def with_term(self, term: int) -> HierarchicalModel:
        """The smallest hierarchical model containing this one and ``term``."""
        return HierarchicalModel(self.n_lists, (*self.generators, term))

    def label_terms(self, terms: Sequence[int], names: Sequence[str] | None = None) -> list[str]:
        """Readable names of terms: ``"A·B"`` with list names, ``"12"`` without."""
        if names is None:
            return [term_label(t, self.n_lists) for t in terms]
        return ["·".join(names[j] for j in term_lists(t)) for t in terms]


@lru_cache(maxsize=16)
def term_indicators(n_lists: int) -> NDArray[np.bool_]:
    """(2^J - 1) x 2^J table: entry [cell - 1, term] is True when the cell is on every list of
    the term (column 0, the empty term, is all True: the intercept)."""
    masks = np.arange(1, 1 << n_lists, dtype=np.int64)
    terms = np.arange(1 << n_lists, dtype=np.int64)
    table = (masks[:, None] & terms[None, :]) == terms[None, :]
    table.setflags(write=False)
    return table


def design_matrix(
    model: HierarchicalModel, terms: Sequence[int] | None = None
) -> NDArray[np.float64]:
    """Design of the Poisson GLM on the 2^J - 1 observable cells (rows in bitmask order 1..).

    Column 0 is the intercept (the log expected count of the unobserved cell, whose row would be
    all zeros apart from it); then one 0/1 column per term, 1 when the cell is on every list of
    the term.
    """
    use = model.terms if terms is None else tuple(terms)
    return term_indicators(model.n_lists)[:, [0, *use]].astype(np.float64)


def all_hierarchical_models(n_lists: int, max_order: int | None = None) -> list[HierarchicalModel]:
    """Every hierarchical model with all main effects and no term above ``max_order``.

    The default ``max_order = J - 1`` is Rcapture ``closedpMS.t``'s set: 8 models for 3 lists,
    113 for 4, 6,893 for 5. The J-way term is never allowed: with it the model has one
    parameter per observable cell plus the intercept, so the unobserved cell is not identified.
    """
    if max_order is None:
        max_order = n_lists - 1
    return list(_all_models(n_lists, min(max_order, n_lists - 1)))


@lru_cache(maxsize=16)
def _all_models(n_lists: int, max_order: int) -> tuple[HierarchicalModel, ...]:
    """Cached enumeration behind :func:`all_hierarchical_models`."""
    if n_lists < 1:
        raise UncountedError("a model needs at least one list")
    candidates = [
        sum(1 << j for j in combo)
        for k in range(2, max_order + 1)
        for combo in itertools.combinations(range(n_lists), k)
    ]
    # A term may enter only when every one of its sub-terms of order >= 2 is in: walking the
    # terms by increasing order makes every included set a down-set, i.e. hierarchical.
    parents = [
        [t ^ (1 << j) for j in term_lists(t) if term_order(t) > 2] for t in candidates
    ]
    position = {t: i for i, t in enumerate(candidates)}
    # In a hierarchical model a term is a generator iff none of its one-larger supersets is in.
    children = [
        [position[t | (1 << j)] for j in range(n_lists) if not (t >> j) & 1 and t | (1 << j)
         in position]
        for t in candidates
    ]
    models: list[HierarchicalModel] = []
    chosen = [False] * len(candidates)
    mains = [1 << j for j in range(n_lists)]

    def leaf() -> HierarchicalModel:
        covered = 0
        generators = []
        for i, t in enumerate(candidates):
            if chosen[i] and not any(chosen[c] for c in children[i]):
                generators.append(t)
                covered |= t
        generators += [m for m in mains if not covered & m]
        generators.sort(key=term_lists)
        return HierarchicalModel._canonical(n_lists, tuple(generators))

    def walk(i: int) -> None:
        if i == len(candidates):
            models.append(leaf())
            return
        walk(i + 1)
        if all(chosen[position[p]] for p in parents[i]):
            chosen[i] = True
            walk(i + 1)
            chosen[i] = False

    walk(0)
    models.sort(key=lambda m: (len(m.terms), [term_sort_key(t) for t in m.interactions]))
    return tuple(models)


def count_hierarchical_models(n_lists: int, max_order: int | None = None) -> int:
    return len(all_hierarchical_models(n_lists, max_order))


def two_list_terms(n_lists: int) -> list[int]:
    """The pairs (1,2), (1,3), ..., (J-1,J) in SparseMSE's order."""
    return [(1 << i) | (1 << j) for i in range(n_lists) for j in range(i + 1, n_lists)]
