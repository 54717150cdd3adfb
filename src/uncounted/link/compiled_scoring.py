"""Scoring with the name and ID levels from the compiled kernel, the rest from the model's SQL.

DuckDB forms the blocked pairs and computes the cheap comparisons (age, sex, date of death,
source) and streams them in blocks of record positions; ``uncounted.link.kernel`` adds the name
and ID levels; the weights are read from each comparison's table of level weights and the pairs
below the threshold dropped block by block, so a million records' hundreds of millions of
pairs are never held at once. The result is the one ``scoring.scores_sql`` gives (the same
levels, weights and sums, in the same order); only the row order may differ.

Used when the model's name comparison is today's (``scoring.gammas_of`` takes it apart) and
its ID comparison too; otherwise ``compiled_comparisons`` is empty and scoring stays in SQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from splink.internals.comparison_creator import ComparisonCreator

from uncounted.link.comparisons import id_comparison
from uncounted.link.encoded import encode_features
from uncounted.link.kernel import PairLevels
from uncounted.link.scoring import (
    FACTORED_COMPARISON,
    blocked_pairs_sql,
    gammas_of,
    level_weights,
    min_match_weight,
)
from uncounted.link.strings import duckdb_fuses_multiply_add

ID_COMPARISON: Final = "id"
ROW: Final = "__uncounted_row"
BLOCK_PAIRS: Final = 1 << 20
_TABLE: Final = "__uncounted_compiled_features"


def _sql_conditions(creator: ComparisonCreator) -> list[str]:
    rendered = creator.get_comparison("duckdb").as_dict()
    return [level["sql_condition"] for level in rendered["comparison_levels"]]


def compiled_comparisons(model: dict[str, Any]) -> frozenset[str]:
    """The comparisons the kernel computes for this model: the name and ID comparisons when
    both are what this version renders, else none."""
    by_name = {c["output_column_name"]: c for c in model["comparisons"]}
    factored = {g.name for g in gammas_of(model) if g.atom_stages}
    ids = by_name.get(ID_COMPARISON)
    if FACTORED_COMPARISON not in factored or ids is None:
        return frozenset()
    model_sql = [level["sql_condition"] for level in ids["comparison_levels"]]
    if model_sql != _sql_conditions(id_comparison()):
        return frozenset()
    return frozenset({FACTORED_COMPARISON, ID_COMPARISON})


def _blocks(
    con: duckdb.DuckDBPyConnection,
    features: pa.Table,
    model: dict[str, Any],
    rules: Sequence[str],
    levels: PairLevels,
) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], dict[str, npt.NDArray[Any]]]]:
    """Blocks of pairs: left and right record positions, and every comparison's levels."""
    compiled = compiled_comparisons(model)
    others = [g for g in gammas_of(model) if g.name not in compiled]
    table = features.append_column(ROW, pa.array(np.arange(features.num_rows, dtype=np.int64)))
    pairs = blocked_pairs_sql(_TABLE, table.column_names, rules)
    gammas = "".join(f', {g.sql} AS "gamma_{g.name}"' for g in others)
    con.register(_TABLE, table)
    try:
        query = f'SELECT "{ROW}_l", "{ROW}_r"{gammas} FROM ({pairs})'
        reader = con.sql(query).to_arrow_reader(BLOCK_PAIRS)
        try:
            for batch in reader:
                left = batch.column(0).to_numpy().astype(np.int64)
                right = batch.column(1).to_numpy().astype(np.int64)
                found = {g.name: batch.column(2 + k).to_numpy() for k, g in enumerate(others)}
                found[FACTORED_COMPARISON], found[ID_COMPARISON] = levels(left, right)
                yield left, right, found
        finally:
            reader.close()
    finally:
        con.unregister(_TABLE)


def _unique_ids(features: pa.Table, positions: npt.NDArray[Any]) -> npt.NDArray[Any]:
    return (
        features.column("unique_id")
        .take(pa.array(positions.astype(np.int64)))
        .to_numpy(zero_copy_only=False)
    )


def kernel_for(features: pa.Table, con: duckdb.DuckDBPyConnection) -> PairLevels | None:
    """The kernel for these features, or None when they cannot be encoded; build it once and
    pass it to every scoring of the same features (encoding a million records takes seconds)."""
    encoded = encode_features(features)
    if encoded is None:
        return None
    return PairLevels(encoded, fused=duckdb_fuses_multiply_add(con))


def _kernel(
    con: duckdb.DuckDBPyConnection,
    features: pa.Table,
    model: dict[str, Any],
    kernel: PairLevels | None,
) -> PairLevels | None:
    if not compiled_comparisons(model):
        return None
    return kernel if kernel is not None else kernel_for(features, con)


def score_pairs(
    con: duckdb.DuckDBPyConnection,
    features: pa.Table,
    model: dict[str, Any],
    rules: Sequence[str],
    *,
    min_probability: float,
    kernel: PairLevels | None = None,
) -> pd.DataFrame | None:
    """As ``scoring.score_pairs``, or None when the kernel cannot score this model; ``kernel``
    from ``kernel_for`` of the same features, or built here."""
    levels = _kernel(con, features, model, kernel)
    if levels is None:
        return None
    names = [c["output_column_name"] for c in model["comparisons"]]
    weights = {}
    for comparison, name in zip(model["comparisons"], names, strict=True):
        by_level = level_weights(comparison)
        table = np.zeros(max(by_level) + 2)
        for level, weight in by_level.items():
            table[level + 1] = weight
        weights[name] = table
    prior = float(model["probability_two_random_records_match"])
    prior_weight = math.log2(prior / (1.0 - prior))
    min_weight = min_match_weight(min_probability)
    kept: dict[str, list[npt.NDArray[Any]]] = {n: [] for n in ["__l", "__r", "__total", *names]}
    for left, right, found in _blocks(con, features, model, rules, levels):
        mw = {n: weights[n][found[n].astype(np.int64) + 1] for n in names}
        total = np.full(len(left), prior_weight)
        for name in names:  # summed in the model's order, as the SQL sums them
            total = total + mw[name]
        keep = total >= min_weight
        kept["__l"].append(left[keep])
        kept["__r"].append(right[keep])
        kept["__total"].append(total[keep])
        for name in names:
            kept[name].append(mw[name][keep])
    joined = {n: np.concatenate(parts) if parts else np.zeros(0) for n, parts in kept.items()}
    match_weight = joined["__total"]
    frame = {
        "match_weight": match_weight,
        "match_probability": 1.0 / (1.0 + np.power(2.0, -match_weight)),
        "unique_id_l": _unique_ids(features, joined["__l"]),
        "unique_id_r": _unique_ids(features, joined["__r"]),
    }
    frame.update({f"mw_{n}": joined[n] for n in names})
    return pd.DataFrame(frame)


def pair_levels(
    con: duckdb.DuckDBPyConnection,
    features: pa.Table,
    model: dict[str, Any],
    rules: Sequence[str],
    *,
    kernel: PairLevels | None = None,
) -> pd.DataFrame | None:
    """As ``scoring.pair_levels``, or None when the kernel cannot score this model; ``kernel``
    as for ``score_pairs``."""
    levels = _kernel(con, features, model, kernel)
    if levels is None:
        return None
    names = [g.name for g in gammas_of(model)]
    lefts, rights = [], []
    found_all: dict[str, list[npt.NDArray[Any]]] = {n: [] for n in names}
    for left, right, found in _blocks(con, features, model, rules, levels):
        lefts.append(left)
        rights.append(right)
        for name in names:
            found_all[name].append(found[name].astype(np.int64))
    left_all = np.concatenate(lefts) if lefts else np.zeros(0, dtype=np.int64)
    right_all = np.concatenate(rights) if rights else np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "unique_id_l": _unique_ids(features, left_all),
            "unique_id_r": _unique_ids(features, right_all),
            **{
                f"gamma_{n}": (
                    np.concatenate(found_all[n]) if found_all[n] else np.zeros(0, dtype=np.int64)
                )
                for n in names
            },
        }
    )
    return frame.sort_values(["unique_id_l", "unique_id_r"], kind="mergesort").reset_index(
        drop=True
    )
