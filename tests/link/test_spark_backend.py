"""The Spark backend scores like DuckDB: same pairs, same probabilities, same persons.

A small simulated conflict (400 victims, 3 lists, 532 records). The model is trained once, on
DuckDB, and scored on both backends; scoring is a pure function of the model and each pair.
Training on Spark is left out to keep this test within a minute: it takes about 70 s more, gave
the same model as DuckDB on this set, and on bigger sets differs a little by design, since it
draws its random pairs with Spark's hash, not DuckDB's (docs/linkage-spark.md).

The Spark test never skips: CI installs pyspark and Java through the project's own files
(scripts/bootstrap.sh, scripts/system-deps.sh), and a missing one fails with what to install.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from uncounted.core.errors import UncountedError
from uncounted.link import backends
from uncounted.link.cluster import cluster_pairs
from uncounted.link.features import build_features
from uncounted.link.model import LinkageModel
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.simulated import ingest_simulated_lists

PROBABILITY_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    folder: Path = tmp_path_factory.mktemp("spark")
    simulation = simulate_conflict(ConflictConfig(n_victims=400, n_lists=3, seed=1), None)
    manifest = write_simulation(simulation, folder / "simulated", None)
    with Project.create(folder / "project") as project:
        ingest_simulated_lists(project, folder / "simulated", manifest)
        records = project.con.cursor().execute("SELECT * FROM records").df()
    return build_features(records)


@pytest.fixture(scope="module")
def on_duckdb(features: pa.Table) -> LinkageModel:
    return LinkageModel(seed=1).fit(features)


def _same_pairs(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same pairs, each with the same probability and per-comparison weights."""
    keys = ["unique_id_l", "unique_id_r"]
    merged = expected.merge(got, on=keys, how="outer", suffixes=("", "_got"), indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    assert unmatched.empty, f"pairs scored on one backend only:\n{unmatched[[*keys, '_merge']]}"
    assert len(expected) > 0
    for column in [*(c for c in expected.columns if c.startswith("mw_")), "match_probability"]:
        difference = np.abs(
            merged[column].to_numpy(float) - merged[f"{column}_got"].to_numpy(float)
        )
        assert np.nanmax(difference) <= PROBABILITY_TOLERANCE, column
        # A null weight (a comparison with a missing value) is null on both.
        assert (merged[column].isna() == merged[f"{column}_got"].isna()).all(), column


@pytest.mark.slow
# pyspark 4.1's toPandas passes pandas 3 a deprecated argument; nothing of ours.
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_scores_and_clusters_like_duckdb(features: pa.Table, on_duckdb: LinkageModel) -> None:
    started = time.perf_counter()
    try:
        backends.spark_session()
    except UncountedError as error:
        pytest.fail(f"the Spark backend cannot start here (CI must have it): {error}")
    on_spark = LinkageModel(seed=1, backend="spark")
    on_spark.model_ = on_duckdb.model_
    spark_pairs = on_spark.predict(features)
    print(f"Spark start and predict: {time.perf_counter() - started:.1f} s")

    duckdb_pairs = on_duckdb.predict(features)
    _same_pairs(duckdb_pairs, spark_pairs)
    assert cluster_pairs(spark_pairs, features, threshold=0.9) == cluster_pairs(
        duckdb_pairs, features, threshold=0.9
    )


def test_spark_sql_has_no_duckdb_names(on_duckdb: LinkageModel) -> None:
    """Spark reads "name" as a string: no level or rule may keep DuckDB's quotes or functions."""
    assert on_duckdb.model_ is not None
    spark = backends.settings_for_backend(on_duckdb.model_, "spark")
    assert isinstance(spark, dict)
    sql = [lv["sql_condition"] for c in spark["comparisons"] for lv in c["comparison_levels"]]
    sql += [r["blocking_rule"] for r in spark["blocking_rules_to_generate_predictions"]]
    for text in sql:
        assert '"' not in text, text
        for duckdb_only in ("list_has_any", "jaro_winkler_similarity", "date_diff", "&&"):
            assert duckdb_only not in text.lower(), text
        assert backends.translate_sql(text, target="spark") == text  # translating twice: once


def test_model_translated_to_spark_and_back_scores_the_same_on_duckdb(
    features: pa.Table, on_duckdb: LinkageModel
) -> None:
    assert on_duckdb.model_ is not None
    back = backends.settings_for_backend(
        backends.settings_for_backend(on_duckdb.model_, "spark"), "duckdb"
    )
    assert isinstance(back, dict)
    round_trip = LinkageModel(seed=1)
    round_trip.model_ = back
    _same_pairs(on_duckdb.predict(features), round_trip.predict(features))


def test_training_rules_translate() -> None:
    # DuckDB's unsigned hash bucket becomes a non-negative bucket on Spark.
    sql = "hash(concat(CAST(l.unique_id AS VARCHAR), '1')) % 7 = 0"
    assert backends.translate_sql(sql, target="spark") == (
        "PMOD(XXHASH64(CONCAT(COALESCE(CAST(`l`.`unique_id` AS STRING), ''), '1')), 7) = 0"
    )
    assert backends.translate_sql('abs(date_diff(\'day\', "d_l", "d_r")) <= 3', target="spark") == (
        "ABS(DATEDIFF(`d_r`, `d_l`)) <= 3"
    )


def test_unknown_backend_and_missing_java_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UncountedError, match="duckdb, spark"):
        LinkageModel(backend="sparkk")
    monkeypatch.setattr(backends, "_java_command", lambda: None)
    with pytest.raises(UncountedError, match="Java runtime"):
        backends._check_java()


def test_spark_settings_from_environment() -> None:
    settings = backends.SparkSettings.from_env(
        {"UNCOUNTED_SPARK_DRIVER_MEMORY": "6g", "UNCOUNTED_SPARK_SHUFFLE_PARTITIONS": "16"}
    )
    assert (settings.master, settings.driver_memory, settings.shuffle_partitions) == (
        "local[2]",
        "6g",
        16,
    )
    with pytest.raises(UncountedError, match="whole number"):
        backends.SparkSettings.from_env({"UNCOUNTED_SPARK_SHUFFLE_PARTITIONS": "many"})
