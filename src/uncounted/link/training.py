"""Estimating m (how often true matches agree, level by level) without labels.

splink's expectation maximisation (EM) runs on the pairs of one blocking rule. Within such a
block, non-matches are not like random pairs: blocked on father, grandfather and family name,
most non-matches are brothers and sisters, who also share the date of death. Holding u at its
random-pair value, as splink does by default, makes EM call those siblings matches and learn
that true matches often disagree on the given name (in the simulated conflict, one pair in
three instead of one in twenty). So the EM here runs on the levels of the block's pairs, lets
the non-matching class fit its own u where the block is full of look-alikes, keeps only the
m it learnt, and only for the comparisons the session can judge: a comparison that looks at a
blocked column is biased in that block and is left out. m is then the median over the
sessions that estimated it; the model's u stays the random-pair value.
"""

from __future__ import annotations

import copy
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from splink import Linker, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

# A level no training pair reached would get m = 0 and a weight of minus infinity: one unlucky
# disagreement would veto a link whatever else agrees. Floor it instead.
M_FLOOR: Final = 1e-3
# Half a pair added to every level's count keeps a level no pair reached at a small m or u.
_PSEUDO: Final = 0.5
# m and u that tag each comparison level with its number through its match weight.
_TAG_SCALE: Final = 2.0**-20


@dataclass(frozen=True)
class Session:
    """One EM run: the pairs it looks at, and the comparisons whose m it may estimate."""

    blocking_rule: BlockingRuleCreator
    estimates: tuple[str, ...]
    # Fit u within the block (it holds many look-alike non-matches, such as siblings) or keep
    # the random-pair u (the block is nearly all matches, and a free u would split the matches
    # into those with and without errors).
    fit_u: bool = False


def default_sessions() -> list[Session]:
    """Together they estimate every comparison, across scripts as well as within one."""
    return [
        # Same valid ID: nearly all true matches, within a script (Latin lists rarely carry IDs).
        Session(block_on("id_number"), ("given", "lineage", "age", "sex", "death"), fit_u=False),
        # Same given and family name and birth year, in Latin letters: across scripts.
        Session(
            block_on("given_xskel", "family_xskel", "birth_year_est"),
            ("id", "sex", "death"),
            fit_u=True,
        ),
        # Same father, grandfather and family name in Latin letters: siblings abound here,
        # which is why u is fitted within the session.
        Session(
            block_on("father_xskel", "grandfather_xskel", "family_xskel"),
            ("given", "id", "age", "sex", "death"),
            fit_u=True,
        ),
        # Same given name in Latin letters and the same date of death.
        Session(
            block_on("given_xskel", "date_of_death"), ("lineage", "id", "age", "sex"), fit_u=True
        ),
    ]


def estimate_m(
    make_linker: Callable[[dict[str, Any]], Linker],
    model: dict[str, Any],
    sessions: Sequence[Session],
) -> dict[str, Any]:
    """``model`` (a splink model dict with u and the prior set) with every m estimated.

    ``make_linker`` builds a linker from a model dict; it scores each session's pairs to read
    their comparison levels (gammas), on which the two-class EM runs here.
    """
    learnt: dict[tuple[str, int], list[float]] = {}
    names = {c["output_column_name"] for c in model["comparisons"]}
    for session in sessions:
        unknown = set(session.estimates) - names
        if unknown:
            raise ValueError(f"training session names unknown comparisons: {sorted(unknown)}")
        gammas = _session_gammas(make_linker, model, session.blocking_rule)
        if len(gammas) == 0:
            continue
        m_by_comparison = fit_two_classes(
            [gammas[f"gamma_{name}"].to_numpy() for name in session.estimates],
            fixed_u=None if session.fit_u else [_u_by_level(model, n) for n in session.estimates],
        )
        for name, m in zip(session.estimates, m_by_comparison, strict=True):
            for vector_value, value in enumerate(m):
                learnt.setdefault((name, vector_value), []).append(float(value))
    return _with_m(model, learnt)


def _session_gammas(
    make_linker: Callable[[dict[str, Any]], Linker],
    model: dict[str, Any],
    rule: BlockingRuleCreator,
) -> pd.DataFrame:
    """The comparison level of every pair the rule blocks together, per comparison (-1 = null).

    splink's predict returns each comparison's match weight but not its level, so m and u are
    set here to make the weight of level k exactly k + 1 (and 0 for the null level).
    """
    settings = copy.deepcopy(model)
    settings["blocking_rules_to_generate_predictions"] = [
        rule.get_blocking_rule("duckdb").blocking_rule_sql
    ]
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for position, level in enumerate(levels):
            vector_value = len(levels) - 1 - position
            level["u_probability"] = _TAG_SCALE
            level["m_probability"] = _TAG_SCALE * 2.0 ** (vector_value + 1)
            level.pop("tf_adjustment_column", None)
    linker = make_linker(settings)
    frame = linker.inference.predict().as_pandas_dataframe()
    frame = frame.sort_values(["unique_id_l", "unique_id_r"], kind="mergesort")
    names = [c["output_column_name"] for c in settings["comparisons"]]
    return pd.DataFrame(
        {
            f"gamma_{name}": np.rint(frame[f"mw_{name}"].to_numpy(dtype=float)).astype(np.int64) - 1
            for name in names
        }
    )


def fit_two_classes(
    gammas: Sequence[NDArray[np.integer[Any]]],
    *,
    fixed_u: Sequence[NDArray[np.float64]] | None = None,
    iterations: int = 200,
    tolerance: float = 1e-8,
) -> list[NDArray[np.float64]]:
    """m per level (index = comparison level, 0 = else) of the matching class of a two-class
    latent-class model on the pairs' levels (-1 = null, ignored); the non-matching class is
    free too unless ``fixed_u`` gives its level probabilities.

    The matching class is started as the pairs that agree on most comparisons at their
    strongest levels, so that EM climbs towards it rather than towards any other split.
    """
    levels = [np.asarray(g, dtype=np.int64) for g in gammas]
    n_pairs = len(levels[0])
    sizes = [int(g.max(initial=0)) + 1 for g in levels]
    # Start: the share of non-null comparisons at their top level.
    top = np.zeros(n_pairs)
    present = np.zeros(n_pairs)
    for g, size in zip(levels, sizes, strict=True):
        top += g == size - 1
        present += g >= 0
    posterior = np.where(present > 0, top / np.maximum(present, 1), 0.5)
    posterior = np.clip(posterior, 0.01, 0.99)
    m: list[NDArray[np.float64]] = []
    previous = -np.inf
    for _ in range(iterations):
        m, u = [], []
        for g, size in zip(levels, sizes, strict=True):
            seen = g >= 0
            m_counts = np.bincount(g[seen], weights=posterior[seen], minlength=size)
            u_counts = np.bincount(g[seen], weights=1.0 - posterior[seen], minlength=size)
            m.append((m_counts + _PSEUDO) / (m_counts.sum() + _PSEUDO * size))
            u.append((u_counts + _PSEUDO) / (u_counts.sum() + _PSEUDO * size))
        if fixed_u is not None:
            u = [np.asarray(values, dtype=float) for values in fixed_u]
        share = float(posterior.mean())
        log_m = np.full(n_pairs, np.log(share))
        log_u = np.full(n_pairs, np.log1p(-share))
        for g, m_level, u_level in zip(levels, m, u, strict=True):
            seen = g >= 0
            log_m[seen] += np.log(m_level[g[seen]])
            log_u[seen] += np.log(u_level[g[seen]])
        top_log = np.maximum(log_m, log_u)
        likelihood = float(
            np.sum(top_log + np.log(np.exp(log_m - top_log) + np.exp(log_u - top_log)))
        )
        posterior = 1.0 / (1.0 + np.exp(log_u - log_m))
        if likelihood - previous < tolerance * abs(likelihood):
            break
        previous = likelihood
    return m


def _u_by_level(model: dict[str, Any], name: str) -> NDArray[np.float64]:
    """The model's u of one comparison, indexed by level (0 = else)."""
    comparison = next(c for c in model["comparisons"] if c["output_column_name"] == name)
    levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    return np.array([float(lv["u_probability"]) for lv in reversed(levels)])


def _with_m(model: dict[str, Any], learnt: dict[tuple[str, int], list[float]]) -> dict[str, Any]:
    result = copy.deepcopy(model)
    for comparison in result["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        # Level ids as splink numbers them: the else level is 0, the first level the highest.
        values = []
        for position in range(len(levels)):
            found = learnt.get((name, len(levels) - 1 - position))
            values.append(max(statistics.median(found) if found else 0.0, M_FLOOR))
        total = sum(values)
        for level, value in zip(levels, values, strict=True):
            level["m_probability"] = value / total
    return result
