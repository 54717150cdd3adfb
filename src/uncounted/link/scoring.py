"""Score pairs in DuckDB with a model's levels and weights, each name part compared once a pair.

splink's predict computes a comparison's level as one CASE over its levels' SQL. The name
comparison's levels are combinations of how each name part agrees (``NAME_LEVELS``), so in that
CASE a pair of two different people, which falls through to the last levels, tests the same
part several times over, with string similarities across lists: most of predict's time. Here
the parts' agreements (``name_atoms``) are computed once per pair, then the level is a CASE over
those truth values, and the weights, match weight and probability follow as in splink (weight
of a level log2(m/u), 0 for the null level; match weight log2 of the prior odds plus the
weights). Pairs are the blocking rules' pairs, each found once: by the first rule that finds it,
as splink does.

The name comparison is taken apart only when the model's level SQL is exactly what
``name_comparison()`` renders today (a model saved by an older version keeps its own SQL), and
only for the DuckDB backend. Everything else is the model's own SQL, evaluated as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import duckdb
import pandas as pd
import pyarrow as pa

from uncounted.link.comparisons import NAME_LAZY_ATOMS, NAME_LEVELS, name_atoms
from uncounted.link.conditions import inline_sql, lazy_sql, stages
from uncounted.link.numbering import NULL_LEVEL, level_numbers, numbered_levels

FACTORED_COMPARISON: Final = "name"


@dataclass(frozen=True)
class _Gamma:
    """One comparison's level as SQL, and the atoms it reads: SQL by column, in stages, each
    stage reading the columns of the stages before it."""

    name: str
    sql: str
    atom_stages: tuple[tuple[tuple[str, str], ...], ...] = ()


def _levels(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    return list(comparison["comparison_levels"])


def _case(comparison: dict[str, Any], conditions: Sequence[str]) -> str:
    """The level of a pair, in splink's numbering (``numbering``), as one CASE."""
    levels = _levels(comparison)
    parts = []
    for condition, number in zip(conditions, level_numbers(levels), strict=True):
        if number != NULL_LEVEL and condition.strip().upper() == "ELSE":
            parts.append(f"ELSE {number}")
        else:
            parts.append(f"WHEN ({condition}) THEN {number}")
    return "CASE " + " ".join(parts) + " END"


def _factored(comparison: dict[str, Any]) -> _Gamma | None:
    if comparison["output_column_name"] != FACTORED_COMPARISON:
        return None
    atoms = name_atoms()
    expected = [inline_sql(condition, atoms) for condition, _, _ in NAME_LEVELS]
    model_sql = [lv["sql_condition"] for lv in _levels(comparison)]
    if model_sql[:-1] != expected or model_sql[-1].strip().upper() != "ELSE":
        return None
    computed = {name: c for name, c in atoms.items() if name not in NAME_LAZY_ATOMS}
    columns = {atom: f"__{FACTORED_COMPARISON}_{atom}" for atom in computed}
    levels = [lazy_sql(condition, columns, atoms) for condition, _, _ in NAME_LEVELS]
    return _Gamma(
        FACTORED_COMPARISON,
        _case(comparison, [*levels, "ELSE"]),
        tuple(
            tuple((columns[atom], lazy_sql(computed[atom], columns)) for atom in stage)
            for stage in stages(computed)
        ),
    )


def gammas_of(model: dict[str, Any]) -> list[_Gamma]:
    out = []
    for comparison in model["comparisons"]:
        factored = _factored(comparison)
        if factored is None:
            conditions = [lv["sql_condition"] for lv in _levels(comparison)]
            factored = _Gamma(comparison["output_column_name"], _case(comparison, conditions))
        out.append(factored)
    return out


def level_weights(comparison: dict[str, Any]) -> dict[int, float]:
    """Weight by level value: log2(m/u); the null level (-1) weighs nothing."""
    weights = {NULL_LEVEL: 0.0}
    for position, (number, level) in enumerate(numbered_levels(comparison)):
        m, u = level.get("m_probability"), level.get("u_probability")
        if m is None or u is None or m <= 0 or u <= 0:
            raise ValueError(
                f"comparison {comparison['output_column_name']!r}, level "
                f"{level.get('label_for_charts', position)!r} has no usable m and u"
            )
        weights[number] = math.log2(m / u)
    return weights


def supports(model: dict[str, Any]) -> bool:
    """Whether this scorer reproduces splink's predict for the model: a dedupe model, every
    comparison ending in an ELSE level, no term-frequency adjustment inside splink (uncounted
    applies its own afterwards), no blocking rule that explodes arrays."""
    return (
        model.get("link_type", "dedupe_only") == "dedupe_only"
        and all(
            _levels(comparison)[-1]["sql_condition"].strip().upper() == "ELSE"
            for comparison in model["comparisons"]
        )
        and not any(
            lv.get("tf_adjustment_column")
            for comparison in model["comparisons"]
            for lv in _levels(comparison)
        )
        and not any(
            rule.get("arrays_to_explode")
            for rule in model.get("blocking_rules_to_generate_predictions", [])
        )
    )


def first_found(rules: Sequence[str]) -> list[str]:
    """Each rule as the condition of the pairs it finds that no earlier rule found."""
    out = []
    for number, rule in enumerate(rules):
        earlier = " OR ".join(f"coalesce(({r}), false)" for r in rules[:number])
        out.append(f"({rule}) AND NOT ({earlier})" if earlier else f"({rule})")
    return out


def blocked_pairs_sql(features: str, columns: Sequence[str], rules: Sequence[str]) -> str:
    """Each rule's pairs that no earlier rule found, as one column per side (``x_l``, ``x_r``)."""
    select = ", ".join(
        [f'l."{c}" AS "{c}_l"' for c in columns] + [f'r."{c}" AS "{c}_r"' for c in columns]
    )
    return " UNION ALL ".join(
        f"SELECT {select} FROM {features} AS l JOIN {features} AS r "
        f'ON {condition} AND l."unique_id" < r."unique_id"'
        for condition in first_found(rules)
    )


def min_match_weight(min_probability: float) -> float:
    """The match weight of a match probability (minus or plus infinity at 0 and 1)."""
    if min_probability <= 0:
        return -math.inf
    if min_probability >= 1:
        return math.inf
    return math.log2(min_probability / (1.0 - min_probability))


def levels_sql(pairs_sql: str, model: dict[str, Any]) -> str:
    """unique_id_l, unique_id_r and gamma_<comparison> of every pair of ``pairs_sql``."""
    gammas = gammas_of(model)
    inner = pairs_sql
    for gamma in gammas:
        for stage in gamma.atom_stages:
            computed = ", ".join(f'{sql} AS "{column}"' for column, sql in stage)
            inner = f"SELECT *, {computed} FROM ({inner})"
    levels = ", ".join(f'{g.sql} AS "gamma_{g.name}"' for g in gammas)
    return f'SELECT "unique_id_l", "unique_id_r", {levels} FROM ({inner})'


def scores_sql(pairs_sql: str, model: dict[str, Any], min_probability: float) -> str:
    """Scored pairs with match_weight, match_probability and mw_<comparison>, above the
    threshold, as splink's predict gives them.

    Each comparison's weight comes from a join with a small table of its levels' weights, not
    from an expression over the level: DuckDB pushes a filter down through projections by
    writing the expressions out again, which would evaluate every level three times.
    """
    prior = float(model["probability_two_random_records_match"])
    prior_weight = math.log2(prior / (1.0 - prior))
    names = [c["output_column_name"] for c in model["comparisons"]]
    joins = []
    for comparison, name in zip(model["comparisons"], names, strict=True):
        rows = ", ".join(
            f"({value}, {weight!r})"
            for value, weight in sorted(level_weights(comparison).items())
        )
        joins.append(
            f'JOIN (VALUES {rows}) AS "w_{name}"(level, mw) '
            f'ON levels."gamma_{name}" = "w_{name}".level'
        )
    total = " + ".join([repr(prior_weight), *(f'"w_{n}".mw' for n in names)])
    min_weight = min_match_weight(min_probability)
    where = "" if math.isinf(min_weight) and min_weight < 0 else f" WHERE {total} >= {min_weight!r}"
    weights = ", ".join(f'"w_{n}".mw AS "mw_{n}"' for n in names)
    weighted = (
        f'SELECT levels."unique_id_l", levels."unique_id_r", {weights}, {total} AS match_weight '
        f"FROM ({levels_sql(pairs_sql, model)}) AS levels {' '.join(joins)}{where}"
    )
    mw_columns = ", ".join(f'"mw_{n}"' for n in names)
    return (
        f"SELECT match_weight, 1.0 / (1.0 + pow(2.0, -match_weight)) AS match_probability, "
        f'"unique_id_l", "unique_id_r", {mw_columns} FROM ({weighted})'
    )


def score_pairs(
    con: duckdb.DuckDBPyConnection,
    features: pa.Table,
    model: dict[str, Any],
    rules: Sequence[str],
    *,
    min_probability: float,
) -> pd.DataFrame:
    """The model's scores of every pair the rules find, at ``min_probability`` or more."""
    con.register("__uncounted_features", features)
    try:
        pairs = blocked_pairs_sql("__uncounted_features", features.column_names, rules)
        return con.execute(scores_sql(pairs, model, min_probability)).df()
    finally:
        con.unregister("__uncounted_features")


def pair_levels(
    con: duckdb.DuckDBPyConnection,
    features: pa.Table,
    model: dict[str, Any],
    rules: Sequence[str],
) -> pd.DataFrame:
    """unique_id_l, unique_id_r and every comparison's level of the pairs the rules find,
    ordered by the two ids."""
    con.register("__uncounted_features", features)
    try:
        pairs = blocked_pairs_sql("__uncounted_features", features.column_names, rules)
        frame = con.execute(levels_sql(pairs, model)).df()
    finally:
        con.unregister("__uncounted_features")
    return frame.sort_values(["unique_id_l", "unique_id_r"], kind="mergesort").reset_index(
        drop=True
    )
