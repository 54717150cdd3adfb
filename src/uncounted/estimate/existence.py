"""Does a log-linear model give a real estimate on this table? Existence and identifiability.

Two things can make a fitted model's "estimate" meaningless:

* **The MLE does not exist.** Observed zero cells can make the likelihood keep rising as some
  parameters run off to infinity; generic GLM code then stops somewhere and prints a number that
  only reflects when it gave up (the Korea all-two-way model: 1.8 x 10^11). Fienberg & Rinaldo
  (2012) give the exact test: the MLE exists iff some strictly positive table has the same
  sufficient statistics as the observed one, a linear program.
* **The model is not identifiable.** The design restricted to the cells that carry information
  has deficient column rank, so the unobserved cell (the intercept) is not determined.

As in Chan, Silverman & Vincent (2019, SparseMSE), a term of order two or more whose lists have
nobody in common (zero observed margin) is not a failure: its parameter is fixed at minus
infinity, the cells that contain it are removed (their fitted count is zero, the "extended"
MLE), and the term still counts as a parameter for AIC/BIC. A list that recorded nobody,
however, makes every model's MLE fail to exist.

Every verdict depends only on which cells are zero, so verdicts are cached on the zero pattern:
bootstrap replicates that share it (most of them) do not repeat the linear programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numba
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linprog

from uncounted.estimate.models import (
    HierarchicalModel,
    design_matrix,
    term_indicators,
    term_lists,
    term_order,
)

Verdict = Literal["ok", "mle_does_not_exist", "not_identifiable"]

#: A strictly positive table with the observed margins exists when the LP optimum is above this
#: (the LP's slack variable is capped at 1, so the scale is fixed).
_LP_POSITIVE = 1e-9
_RANK_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ModelCheck:
    """Existence and identifiability of one model on one table's zero pattern."""

    model: HierarchicalModel
    verdict: Verdict
    reason: str | None
    #: terms kept as free parameters (design columns after the intercept)
    fitted_terms: tuple[int, ...]
    #: terms of order >= 2 with nobody in them: fixed at -inf, their cells removed
    empty_terms: tuple[int, ...]
    #: lists that recorded nobody
    empty_lists: tuple[int, ...]
    #: over the observable cells (bitmask 1..2^J-1): True where the cell is fitted
    kept_cells: NDArray[np.bool_] = field(repr=False)
    #: design on the kept cells: intercept + fitted terms
    design: NDArray[np.float64] = field(repr=False)
    rank_deficiency: int
    intercept_estimable: bool
    mle_exists: bool

    @property
    def identifiable(self) -> bool:
        return self.rank_deficiency == 0 and self.intercept_estimable

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    @property
    def n_parameters(self) -> int:
        """Parameters for AIC/BIC: the fitted ones plus those fixed at -inf (as SparseMSE)."""
        return self.design.shape[1] + len(self.empty_terms)

    def to_dict(self, names: Sequence[str] | None = None) -> dict[str, object]:
        return {
            "model": str(self.model),
            "verdict": self.verdict,
            "reason": self.reason,
            "mle_exists": self.mle_exists,
            "identifiable": self.identifiable,
            "rank_deficiency": self.rank_deficiency,
            "empty_terms": self.model.label_terms(self.empty_terms, names),
        }


def _names(names: Sequence[str] | None, n_lists: int) -> list[str]:
    return list(names) if names is not None else [str(j + 1) for j in range(n_lists)]


def _pairs_text(terms: Sequence[int], names: list[str]) -> str:
    return ", ".join("·".join(names[j] for j in term_lists(t)) for t in terms)


def _support_key(counts: NDArray[np.integer]) -> bytes:
    return np.packbits(np.asarray(counts[1:]) > 0).tobytes()


def check_model(
    counts: NDArray[np.integer],
    model: HierarchicalModel,
    names: Sequence[str] | None = None,
) -> ModelCheck:
    """Existence and identifiability of ``model`` on a table's counts (indexed by bitmask)."""
    key_names = tuple(names) if names is not None else None
    return _check_cached(_support_key(counts), model, key_names)


def check_models(
    counts: NDArray[np.integer],
    models: Sequence[HierarchicalModel],
    names: Sequence[str] | None = None,
) -> list[ModelCheck]:
    """Check many models at once; the linear programs that remain are solved as one block LP."""
    if not models:
        return []
    key = _support_key(counts)
    key_names = tuple(names) if names is not None else None
    support = _unpack_support(key, models[0].n_lists)
    results: list[ModelCheck | None] = []
    pending: list[tuple[int, _Prepared]] = []
    for i, model in enumerate(models):
        found = _STORE.get((key, model, key_names))
        results.append(found)
        if found is None:
            pending.append((i, _prepare(support, model)))
    needs_lp = [p for _, p in pending if p.exists is None]
    if needs_lp:
        for prepared, exists in zip(needs_lp, _lp_exists_many(needs_lp), strict=True):
            prepared.exists = exists
    for i, prepared in pending:
        check = _finish(prepared, key_names)
        _remember(key, prepared.model, key_names, check)
        results[i] = check
    return [r for r in results if r is not None]


# -- internals ----------------------------------------------------------------------------------

_CacheKey = tuple[bytes, HierarchicalModel, tuple[str, ...] | None]
_STORE: dict[_CacheKey, ModelCheck] = {}
_STORE_LIMIT = 200_000


def _remember(
    key: bytes, model: HierarchicalModel, names: tuple[str, ...] | None, check: ModelCheck
) -> None:
    if len(_STORE) >= _STORE_LIMIT:
        _STORE.clear()
    _STORE[(key, model, names)] = check


def _check_cached(
    key: bytes, model: HierarchicalModel, names: tuple[str, ...] | None
) -> ModelCheck:
    found = _STORE.get((key, model, names))
    if found is not None:
        return found
    prepared = _prepare(_unpack_support(key, model.n_lists), model)
    if prepared.exists is None:
        prepared.exists = _lp_exists_many([prepared])[0]
    check = _finish(prepared, names)
    _remember(key, model, names, check)
    return check


def _unpack_support(key: bytes, n_lists: int) -> NDArray[np.bool_]:
    n_cells = (1 << n_lists) - 1
    return np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:n_cells].astype(bool)


@dataclass
class _Prepared:
    model: HierarchicalModel
    support: NDArray[np.bool_]
    fitted_terms: tuple[int, ...]
    empty_terms: tuple[int, ...]
    empty_lists: tuple[int, ...]
    kept: NDArray[np.bool_]
    design: NDArray[np.float64]
    rank_deficiency: int
    intercept_estimable: bool
    exists: bool | None


def _prepare(support: NDArray[np.bool_], model: HierarchicalModel) -> _Prepared:
    indicators = term_indicators(model.n_lists)
    terms = np.array(model.terms, dtype=np.int64)
    inside = indicators[:, terms]
    has_data: NDArray[np.bool_] = np.asarray((inside & support[:, None]).any(axis=0))
    empty: list[int] = []
    empty_lists: list[int] = []
    kept = np.ones(support.size, dtype=bool)
    for term, informative, column in zip(model.terms, has_data, inside.T, strict=True):
        if informative:
            continue
        if term_order(term) == 1:
            empty_lists.append(term_lists(term)[0])
        else:
            empty.append(term)
        kept &= ~column
    # A term whose cells were all removed by an empty sub-term carries no information either.
    alive: NDArray[np.bool_] = np.asarray(has_data & (inside & kept[:, None]).any(axis=0))
    fitted = [t for t, a in zip(model.terms, alive, strict=True) if a]
    design = design_matrix(model, fitted)[kept]
    n_par = design.shape[1]
    rank = _rank(design)
    deficiency = n_par - rank if design.shape[0] else n_par
    intercept_estimable = _intercept_estimable(design) if deficiency else bool(design.shape[0])
    exists: bool | None
    if empty_lists:
        exists = False
    elif deficiency:
        exists = _exists_fast(design, support[kept])
        if exists is None:
            exists = True  # not identifiable already refuses; LP on a singular design is moot
    else:
        exists = _exists_fast(design, support[kept])
    return _Prepared(
        model=model,
        support=support,
        fitted_terms=tuple(fitted),
        empty_terms=tuple(empty),
        empty_lists=tuple(empty_lists),
        kept=kept,
        design=design,
        rank_deficiency=deficiency,
        intercept_estimable=intercept_estimable,
        exists=exists,
    )


@numba.njit(cache=True)
def _reduced_echelon(
    a: NDArray[np.float64], tol: float
) -> tuple[int, NDArray[np.int64], NDArray[np.float64]]:
    """Rank, pivot columns and reduced row-echelon rows of a small matrix.

    Gauss-Jordan with partial pivoting: the designs are 0/1 matrices of a few dozen entries a
    side, where this is exact enough and far cheaper per call than an SVD.
    """
    m, n = a.shape
    r = a.copy()
    pivots = np.empty(n, dtype=np.int64)
    rank = 0
    for col in range(n):
        if rank >= m:
            break
        best = rank
        best_value = abs(r[rank, col])
        for i in range(rank + 1, m):
            if abs(r[i, col]) > best_value:
                best = i
                best_value = abs(r[i, col])
        if best_value <= tol:
            continue
        if best != rank:
            for k in range(n):
                r[rank, k], r[best, k] = r[best, k], r[rank, k]
        pivot = r[rank, col]
        for k in range(n):
            r[rank, k] /= pivot
        for i in range(m):
            if i != rank:
                factor = r[i, col]
                if factor != 0.0:
                    for k in range(n):
                        r[i, k] -= factor * r[rank, k]
        pivots[rank] = col
        rank += 1
    return rank, pivots[:rank], r[:rank]


def _rank(design: NDArray[np.float64]) -> int:
    if design.shape[0] == 0:
        return 0
    return int(_reduced_echelon(np.ascontiguousarray(design), _RANK_TOLERANCE)[0])


def _intercept_estimable(design: NDArray[np.float64]) -> bool:
    """Is the unobserved cell's log-mean (the intercept alone) a function of the fitted means?"""
    if design.shape[0] == 0:
        return False
    target = np.zeros(design.shape[1])
    target[0] = 1.0
    solution, *_ = np.linalg.lstsq(design.T, target, rcond=None)
    return bool(np.allclose(design.T @ solution, target, atol=1e-8))


def _exists_fast(design: NDArray[np.float64], positive: NDArray[np.bool_]) -> bool | None:
    """Decide existence by linear algebra when that is enough; ``None`` means "solve the LP".

    The MLE fails to exist iff some direction d = X b is <= 0 on every cell, 0 on the positive
    cells and not 0 everywhere. Such b lie in the null space of the positive cells' rows: when
    that space is {0} the MLE exists; when it is a line, the sign pattern of X b on the zero
    cells settles it.
    """
    if positive.all():
        return True
    on_support = np.ascontiguousarray(design[positive])
    if on_support.shape[0] == 0:
        return False
    rank, pivots, echelon = _reduced_echelon(on_support, _RANK_TOLERANCE)
    null_dim = design.shape[1] - rank
    if null_dim == 0:
        return True
    if null_dim == 1:
        free = int(np.setdiff1d(np.arange(design.shape[1]), pivots)[0])
        vector = np.zeros(design.shape[1])
        vector[free] = 1.0
        vector[pivots] = -echelon[:, free]
        direction = design[~positive] @ vector
        scale = float(np.abs(direction).max())
        if scale == 0.0:
            return True
        direction = direction / scale
        direction[np.abs(direction) < 1e-9] = 0.0
        return not (bool((direction >= 0).all()) or bool((direction <= 0).all()))
    return None


def _lp_exists_many(items: Sequence[_Prepared]) -> list[bool]:
    """Fienberg-Rinaldo LP for each item, stacked into one block-diagonal problem.

    For each model: maximise s subject to X' x = X' n (same sufficient statistics as the data),
    x_i >= s, x >= 0, 0 <= s <= 1. The MLE exists iff the optimum is positive. The blocks do not
    interact, so maximising the sum of the s's maximises each.
    """
    eq_blocks = []
    ub_blocks = []
    rhs_eq: list[NDArray[np.float64]] = []
    n_vars: list[int] = []
    for item in items:
        design = item.design
        counts_shape = design.shape[0]
        y = item.support[item.kept].astype(np.float64)
        # Any table with the same zero pattern gives the same verdict; 0/1 counts suffice.
        a_eq = np.hstack([design.T, np.zeros((design.shape[1], 1))])
        a_ub = np.hstack([-np.eye(counts_shape), np.ones((counts_shape, 1))])
        eq_blocks.append(sp.csr_matrix(a_eq))
        ub_blocks.append(sp.csr_matrix(a_ub))
        rhs_eq.append(design.T @ y)
        n_vars.append(counts_shape + 1)
    a_eq_all = sp.block_diag(eq_blocks, format="csr")
    a_ub_all = sp.block_diag(ub_blocks, format="csr")
    objective = np.concatenate([np.r_[np.zeros(k - 1), -1.0] for k in n_vars])
    upper = np.concatenate([np.r_[np.full(k - 1, np.inf), 1.0] for k in n_vars])
    result = linprog(
        objective,
        A_ub=a_ub_all,
        b_ub=np.zeros(a_ub_all.shape[0]),
        A_eq=a_eq_all,
        b_eq=np.concatenate(rhs_eq),
        bounds=np.column_stack([np.zeros(objective.size), upper]),
        method="highs",
    )
    if result.status != 0:
        raise RuntimeError(f"existence linear program failed: {result.message}")
    ends = np.cumsum(n_vars) - 1
    return [bool(result.x[e] > _LP_POSITIVE) for e in ends]


def _finish(prepared: _Prepared, names: tuple[str, ...] | None) -> ModelCheck:
    model = prepared.model
    labels = _names(names, model.n_lists)
    exists = bool(prepared.exists)
    identifiable = prepared.rank_deficiency == 0 and prepared.intercept_estimable
    reason: str | None = None
    verdict: Verdict = "ok"
    fixed = ""
    if prepared.empty_terms:
        fixed = (
            f" after fixing at zero the overlaps nobody is in "
            f"({_pairs_text(prepared.empty_terms, labels)})"
        )
    if prepared.empty_lists:
        verdict = "mle_does_not_exist"
        who = ", ".join(repr(labels[j]) for j in prepared.empty_lists)
        reason = (
            f"list {who} recorded nobody, so model {model} has no maximum-likelihood estimate; "
            "drop the empty list first"
        )
    elif not identifiable:
        verdict = "not_identifiable"
        reason = (
            f"model {model} is not identifiable from these data{fixed}: it has "
            f"{prepared.design.shape[1]} parameters but the {prepared.design.shape[0]} cells "
            f"that carry information determine only "
            f"{prepared.design.shape[1] - prepared.rank_deficiency} of them, so the number "
            "nobody recorded cannot be determined"
        )
    elif not exists:
        verdict = "mle_does_not_exist"
        reason = (
            f"the maximum-likelihood estimate of model {model} does not exist{fixed}: the "
            "observed zero cells let the likelihood rise without bound (Fienberg-Rinaldo "
            "linear-programming test), so any number a fit printed would only show where "
            "the fitting stopped"
        )
    return ModelCheck(
        model=model,
        verdict=verdict,
        reason=reason,
        fitted_terms=prepared.fitted_terms,
        empty_terms=prepared.empty_terms,
        empty_lists=prepared.empty_lists,
        kept_cells=prepared.kept,
        design=prepared.design,
        rank_deficiency=prepared.rank_deficiency,
        intercept_estimable=prepared.intercept_estimable,
        mle_exists=exists,
    )
