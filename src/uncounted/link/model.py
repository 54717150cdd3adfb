"""The linkage model: a splink 5 Fellegi-Sunter model on the DuckDB backend, trained without labels.

``u`` (how often non-matches agree by chance) comes from random record pairs; ``m`` (how often
true matches agree) from EM over a few blocking sessions, each of which leaves other comparisons
free to be estimated. All records go into one table and are deduplicated as one: a person may
appear twice within a list as well as across lists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Final, cast

import numpy as np
import pandas as pd
import pyarrow as pa
from splink import Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from uncounted.link import compiled_scoring, scoring
from uncounted.link.backends import (
    check_backend,
    duckdb_connection,
    make_db_api,
    register_features,
    settings_for_backend,
)
from uncounted.link.comparisons import default_comparisons
from uncounted.link.kernel import PairLevels
from uncounted.link.training import (
    Session,
    TrainingReport,
    default_sessions,
    labelled_gammas,
    train_with_report,
)

# The match probability from which clustering links two records. Low, because clustering
# merges the strongest pairs first and lets a record join only one record of any other file
# (a release lists a person once): a weaker rival pair is then refused, not merged. Pair F1
# (precision) at 0.1, through link_project (benchmarks/linkage_accuracy.py): Gaza MoH releases
# 2024-03-29 and 2024-08-31, IDs hidden, 0.983 (0.992); the 2024-09-21 list in Arabic against
# its English transliteration, 0.996 (0.999); a simulated conflict of 50,000 victims, 0.980
# (0.994). At 0.5 recall drops by one to two points at the same precision.
DEFAULT_THRESHOLD: Final = 0.1
# Pairs scored below this are not returned by ``predict``: they are far from any threshold a
# reviewer would use and make up most of the blocked pairs.
MIN_REPORTED_PROBABILITY: Final = 0.01


def default_blocking_rules() -> list[BlockingRuleCreator]:
    """Pairs worth scoring: any one rule suffices. Skeleton, undotted (rasm) and cross-script
    keys, never exact spellings, so that spelling variants, names damaged by PDF export and
    Arabic-Latin pairs still meet. Share of the true pairs they bring together, and candidate
    pairs: Gaza MoH 2024-03-29 and 2024-08-31, IDs hidden, 99.75% in 1.4 million; the
    2024-09-21 list in Arabic against English, 99.5% in 1.05 million; a simulated conflict of
    20,000 victims, 99.3% in 0.64 million. Lists that share no ID and write names differently
    (TFP 2024-09-21 English first + family name and age against MoH 2024-08-31 in Arabic): 94.2%
    in 0.80 million, 91.7% before the rules on the second romanization and on the other birth
    year an age allows (MoH 2024-03-29 + 2024-08-31: 1.48 to 1.49 million pairs, measured with
    every row's ID, valid or not, as truth). (Father and grandfather alone, in skeleton or Latin
    skeleton, found no true pair on the real releases that no other rule found, and 2.3% of
    the simulated ones in 1.4 million more pairs: the three narrower rules find 99% of those.)"""
    return [
        block_on("id_number"),
        # The same ID that fails its check digit (a partial ID, a typo copied from release to
        # release): few pairs, and a name cut short on one record still meets its other record.
        block_on("id_number_any"),
        block_on("given_skel", "family_skel"),
        block_on("family_skel", "birth_year_est"),
        block_on("given_rasm", "father_rasm"),
        block_on("grandfather_rasm", "family_rasm"),
        block_on("dob", "given_rasm"),
        block_on("dob", "family_rasm"),
        block_on("given_xskel", "family_xskel"),
        # the second romanization of an Arabic given or family name
        block_on("given_xskel", "family_xskel2"),
        block_on("given_xskel2", "family_xskel"),
        # Father and grandfather alone make blocks that grow with the square of the records
        # (Mohammed son of Ahmed): narrowed by an initial, and father with family instead.
        block_on("father_xskel", "grandfather_xskel", "substr(family_xskel, 1, 1)"),
        block_on("father_xskel", "grandfather_xskel", "substr(given_xskel, 1, 1)"),
        block_on("father_xskel", "family_xskel"),
        block_on("given_xskel", "father_xskel", "birth_year_est"),
        # A name whose parts shifted (a part dropped or split in two) keeps its family name.
        block_on("family_xskel", "birth_year_est"),
        block_on("family_xskel", "birth_year_alt"),
        block_on("dob", "given_xskel"),
        block_on("dob", "family_xskel"),
        block_on("date_of_death", "given_xskel"),
        block_on("date_of_death", "family_xskel"),
    ]


def _settings(blocking_rules: Sequence[BlockingRuleCreator | str]) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=cast(list[Any], default_comparisons()),
        # splink accepts SQL strings here too, though its type hints do not say so.
        blocking_rules_to_generate_predictions=cast(list[Any], list(blocking_rules)),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


def _as_arrow(features: pa.Table | pd.DataFrame) -> pa.Table:
    return features if isinstance(features, pa.Table) else pa.Table.from_pandas(features)


def with_given_name_frequency(pairs: pd.DataFrame, features: pa.Table) -> pd.DataFrame:
    """Term-frequency adjustment for pairs whose given names are spelled the same.

    The name comparison's u says how often random pairs agree on average; a common given
    name (Mohammed is one in ten) agrees more often, a rare one less. The pair's weight gains
    log2(average / this name's share), where the average is the chance that two random records
    share a given name, and ``mw_tf_adj_name`` records it.
    """
    given = features.column("given_key").to_pandas()
    shares = given.value_counts(normalize=True)
    average = float((shares**2).sum())
    share_of = dict(zip(features.column("unique_id").to_pylist(), given.map(shares), strict=True))
    key_of = dict(zip(features.column("unique_id").to_pylist(), given, strict=True))
    left = pairs["unique_id_l"].map(key_of)
    same = left.notna() & (left == pairs["unique_id_r"].map(key_of))
    share = pairs["unique_id_l"].map(share_of).astype(float)
    adjustment = np.where(same, np.log2(average / share.where(same, average)), 0.0)
    out = pairs.assign(mw_tf_adj_name=adjustment)
    out["match_weight"] = pairs["match_weight"] + adjustment
    out["match_probability"] = 1.0 / (1.0 + np.exp2(-out["match_weight"]))
    return out


class LinkageModel:
    """Fit once, then score pairs.

    As scikit-learn's estimators (and ``uncounted.estimate``'s): the parameters are kept as
    given, ``fit`` does the work, and what it learns ends in ``_``: ``model_`` (the splink model
    as a dict) and ``training_report_``. The match probability at which records are linked is
    clustering's (``cluster.cluster_records``), not the model's.
    """

    def __init__(
        self,
        blocking_rules: Sequence[BlockingRuleCreator | str] | None = None,
        seed: int = 1,
        log_level: int = logging.WARNING,
        sessions: Sequence[Session] | None = None,
        backend: str = "duckdb",
        prior: dict[str, dict[str, float]] | None = None,
    ) -> None:
        # None: ``default_blocking_rules()``.
        self.blocking_rules = blocking_rules
        self.seed = seed
        self.log_level = log_level
        # None: ``training.default_sessions()``.
        self.sessions = sessions
        # "duckdb" (in process) or "spark" (uncounted.link.backends); a model fitted on one
        # backend can predict on the other. An unknown name is refused here already.
        self.backend = check_backend(backend)
        # m per comparison level to start from and to keep where the records cannot identify
        # it (``uncounted.link.prior``); None: the prior model shipped with the package.
        self.prior = prior
        # The compiled kernel of the table fit trained on, for predict on the same table (a
        # million records take 6 s to encode); predict lets it go.
        self._kernel: tuple[pa.Table, PairLevels | None] | None = None

    # Learned by ``fit``: the splink model (a dict), and where each comparison's m came from
    # (data, prior model, review labels), with warnings.
    model_: dict[str, Any] | None
    training_report_: TrainingReport | None

    def __getstate__(self) -> dict[str, Any]:
        # The kernel's cache is a numba dictionary, which does not pickle; it is rebuilt.
        return {**self.__dict__, "_kernel": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A model pickled by an older version kept a ``threshold`` nothing read: dropped.
        self.__dict__.update({k: v for k, v in state.items() if k != "threshold"})

    def _blocking_rules(self) -> list[BlockingRuleCreator | str]:
        if self.blocking_rules is None:
            return list(default_blocking_rules())
        return list(self.blocking_rules)

    def _sessions(self) -> list[Session]:
        return list(self.sessions) if self.sessions is not None else default_sessions()

    def _kernel_of(self, features: pa.Table, model: dict[str, Any]) -> PairLevels | None:
        """The compiled kernel of ``features``, or None when ``model`` or the features need
        the SQL scorer."""
        if not compiled_scoring.compiled_comparisons(model):
            return None
        if self._kernel is None or self._kernel[0] is not features:
            con = duckdb_connection()
            try:
                self._kernel = (features, compiled_scoring.kernel_for(features, con))
            finally:
                con.close()
        return self._kernel[1]

    def _linker(self, features: pa.Table | pd.DataFrame, settings: Any) -> Linker:
        # DuckDB: a private in-memory database with one thread, apart from the project file,
        # bit-for-bit repeatable. Spark: the comparisons' SQL translated to Spark's.
        db_api = make_db_api(self.backend)
        table = register_features(db_api, _as_arrow(features))
        return Linker(table, settings_for_backend(settings, self.backend), log_level=self.log_level)

    def fit(
        self, features: pa.Table | pd.DataFrame, labels: pd.DataFrame | None = None
    ) -> LinkageModel:
        """Learn the model. ``labels`` (unique_id_l, unique_id_r, is_match: pairs people
        reviewed) add an estimate of m from the accepted pairs (see ``training.train``)."""
        linker = self._linker(features, _settings(self._blocking_rules()))
        # The prior share of matching pairs, from pairs that are near-certain matches; recall is
        # below 1 because many true pairs have no valid ID or differ in spelling.
        linker.training.estimate_probability_two_random_records_match(
            [
                "l.id_number = r.id_number",
                block_on("given_key", "father_key", "grandfather_key", "family_key"),
            ],
            recall=0.7,
        )
        base = linker.misc.save_model_to_json()
        labelled = None
        if labels is not None and len(labels):
            labelled = labelled_gammas(
                lambda settings, table: self._linker(table, settings),
                base,
                _as_arrow(features),
                labels,
            )
        self.model_, self.training_report_ = train_with_report(
            lambda settings: self._linker(features, settings),
            base,
            self._sessions(),
            features=_as_arrow(features),
            seed=self.seed,
            labelled=labelled,
            prior=self.prior,
            read_levels=(
                self._level_reader(_as_arrow(features)) if scoring.supports(base) else None
            ),
        )
        return self

    def _level_reader(
        self, features: pa.Table
    ) -> Callable[[dict[str, Any], str], pd.DataFrame] | None:
        """On DuckDB, training reads pairs' levels with uncounted's scorer; on Spark, through
        splink."""
        if self.backend != "duckdb":
            return None

        def read_levels(settings: dict[str, Any], rule: str) -> pd.DataFrame:
            kernel = self._kernel_of(features, settings)
            con = duckdb_connection()
            try:
                levels = (
                    None
                    if kernel is None
                    else compiled_scoring.pair_levels(
                        con, features, settings, [rule], kernel=kernel
                    )
                )
                if levels is None:
                    levels = scoring.pair_levels(con, features, settings, [rule])
            finally:
                con.close()
            return levels.drop(columns=["unique_id_l", "unique_id_r"])

        return read_levels

    def _score_in_duckdb(self, features: pa.Table, min_probability: float) -> pd.DataFrame:
        # The same pairs, levels and weights as splink's predict: the name and ID levels from
        # the compiled kernel when the model's comparisons are today's (predict 12.6 s on 6.2
        # million pairs, benchmarks/link_scale.py), else in SQL, each name part compared once
        # a pair (57.7 s; splink's own predict 96 s).
        assert self.model_ is not None
        rules = [
            rule["blocking_rule"] for rule in self.model_["blocking_rules_to_generate_predictions"]
        ]
        kernel = self._kernel_of(features, self.model_)
        self._kernel = None
        con = duckdb_connection()
        try:
            scored = (
                None
                if kernel is None
                else compiled_scoring.score_pairs(
                    con,
                    features,
                    self.model_,
                    rules,
                    min_probability=min_probability,
                    kernel=kernel,
                )
            )
            if scored is not None:
                return scored
            return scoring.score_pairs(
                con, features, self.model_, rules, min_probability=min_probability
            )
        finally:
            con.close()

    def count_blocked_pairs(self, features: pa.Table | pd.DataFrame) -> int:
        """How many pairs the blocking rules bring together (each once), whatever their score."""
        table = _as_arrow(features)
        rules = [
            rule if isinstance(rule, str) else rule.get_blocking_rule("duckdb").blocking_rule_sql
            for rule in self._blocking_rules()
        ]
        con = duckdb_connection()
        try:
            con.register("__uncounted_count", table)
            pairs = scoring.blocked_pairs_sql("__uncounted_count", ["unique_id"], rules)
            found = con.execute(f"SELECT count(*) FROM ({pairs})").fetchone()
        finally:
            con.close()
        return int(found[0]) if found else 0

    def predict(
        self,
        features: pa.Table | pd.DataFrame,
        *,
        min_probability: float = MIN_REPORTED_PROBABILITY,
    ) -> pd.DataFrame:
        """Scored pairs (unique_id_l, unique_id_r, match_probability, match_weight, and per
        comparison its match weight mw_* and term frequencies tf_*), sorted by descending
        probability then ids for a stable order."""
        if getattr(self, "model_", None) is None:
            raise RuntimeError("fit the model before predict")
        assert self.model_ is not None
        if self.backend == "duckdb" and scoring.supports(self.model_):
            frame = self._score_in_duckdb(_as_arrow(features), min_probability)
        else:
            linker = self._linker(features, self.model_)
            pairs = linker.inference.predict(threshold_match_probability=min_probability)
            frame = pairs.as_pandas_dataframe()
        keep = [
            c
            for c in frame.columns
            if c in ("unique_id_l", "unique_id_r", "match_probability", "match_weight")
            or c.startswith(("gamma_", "bf_", "mw_", "tf_"))
        ]
        frame = with_given_name_frequency(frame[keep], _as_arrow(features))
        return frame.sort_values(
            ["match_probability", "unique_id_l", "unique_id_r"],
            ascending=[False, True, True],
            kind="mergesort",
        ).reset_index(drop=True)
