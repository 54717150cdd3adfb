"""Training the linkage model without labels: u, m and the prior, level by level.

splink trains m by expectation maximisation (EM) on the pairs of one blocking rule, and lets a
session estimate every comparison that does not use a blocked column. Casualty lists break
that in two ways. Within a block, non-matches are not like random pairs: blocked on father,
grandfather and family name, most are brothers and sisters; a comparison built from other
columns that the block still constrains (the lineage, when the block fixes the family name's
Latin skeleton) is biased there. And where a list has several releases, random pairs include
many true matches, so u counted over them makes a full-name agreement look common.

So here each session names the comparisons it may judge; EM runs on the levels of the block's
pairs (read once), with u held at the random-pair value, or fitted within the block when the
session says so; m is the median over the sessions that judged it. u is the share of random
pairs at each level, each counted by its probability of being a non-match; the prior is the
expected number of matching pairs, counted over the blocked pairs (which hold nearly all of
them), over all pairs; m, u and the prior are refined in turn. A session must leave at
least three informative comparisons free, or EM splits the pairs along anything. A level no
pair reached is floored, or, when no random pair reached it either, left without weight.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray
from splink import Linker, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from uncounted.link.numbering import levels_by_number, numbered_levels
from uncounted.link.prior import (
    MIN_TOP_WEIGHT,
    ClassSource,
    MEstimate,
    blended_m,
    class_shares,
    prior_m,
    summarize_sources,
)
from uncounted.link.scoring import first_found

# A level no training pair reached would get m = 0 and a weight of minus infinity: one unlucky
# disagreement would veto a link whatever else agrees. Floor it instead.
M_FLOOR: Final = 1e-3
# Random pairs for u, and the u of a level that none of them reached.
U_SAMPLE_PAIRS: Final = 1_000_000
U_FLOOR: Final = 1.0 / (2 * U_SAMPLE_PAIRS)
_SHARE_BOUND: Final = 1e-12
# An m is never set below this (a level of a class almost no pair falls in).
_M_ABSOLUTE_FLOOR: Final = 1e-12
TRAINING_ROUNDS: Final = 3
# The prior is counted over the blocked pairs whose first record falls in a sample of about
# this many records (every record when there are fewer).
PRIOR_SAMPLE_RECORDS: Final = 5_000
# Pairs of a session beyond this are sampled: plenty to estimate m, and the cost of a session
# stays flat however many records there are.
SESSION_MAX_PAIRS: Final = 500_000
# Review labels move m by at most LABEL_MAX_STEP (in log m) a step, LABEL_STEPS times.
LABEL_STEPS: Final = 12
LABEL_MAX_STEP: Final = 1.0
LABEL_MIN_CURVATURE: Final = 1.0
# A session judges a comparison only when each level this common among random pairs holds at
# least this share of what random pairs put there, among the session's pairs.
COMMON_LEVEL_SHARE: Final = 0.05
MIN_LEVEL_SHARE: Final = 0.02
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
    """Together they estimate every comparison, across scripts as well as within one, on
    lists that carry IDs, dates of birth or dates of death, or only some of these. A session
    must leave at least three informative comparisons free: with fewer, the two classes are
    not identified and EM splits the pairs along anything (one file against the other)."""
    return [
        # Same valid ID: nearly all true matches, within a script (Latin lists rarely carry IDs).
        Session(block_on("id_number"), ("name", "age", "sex", "death", "source")),
        # Same name in Latin letters (across scripts too): the other fields are free.
        Session(
            block_on("given_xskel", "father_xskel", "family_xskel"),
            ("id", "age", "sex", "death", "source"),
        ),
        # Given and family name alike in Latin letters, as two-part names (field lists, Hebrew
        # lists) can be blocked: the other fields are free.
        Session(block_on("given_xskel", "family_xskel"), ("id", "age", "sex", "death", "source")),
        # Same date of birth, or of death, and sex: the names are free.
        Session(block_on("dob", "sex"), ("name", "id", "death", "source")),
        Session(block_on("date_of_death", "sex", "birth_year_est"), ("name", "id", "source")),
    ]


@dataclass(frozen=True)
class TrainingReport:
    """What training could learn: where each comparison's m came from (data, the prior, review
    labels), how strongly its best level reached points to a match, and warnings in words."""

    sources: tuple[ClassSource, ...]
    top_weights: dict[str, float | None]
    warnings: tuple[str, ...]
    used_prior: bool
    # Per comparison, how many of its levels the review labels moved (``fit_to_labels``).
    taught_by_labels: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "comparisons": {
                name: {
                    "source": summarize_sources(
                        [s for s in self.sources if s.comparison == name]
                    ).get(name, "none")
                    + (" + review labels" if self.taught_by_labels.get(name) else ""),
                    "top_weight": None if weight is None else round(weight, 2),
                    "classes": [
                        s.as_dict() for s in self.sources if s.comparison == name
                    ],
                }
                for name, weight in self.top_weights.items()
            },
            "warnings": list(self.warnings),
            "used_prior": self.used_prior,
            "levels_moved_by_review_labels": dict(self.taught_by_labels),
        }


def train(
    make_linker: Callable[[dict[str, Any]], Linker],
    model: dict[str, Any],
    sessions: Sequence[Session],
    *,
    features: pa.Table,
    seed: int,
    rounds: int = TRAINING_ROUNDS,
    labelled: pd.DataFrame | None = None,
    read_levels: Callable[[dict[str, Any], str], pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """``model`` with every m and u estimated (see ``train_with_report``)."""
    trained, _ = train_with_report(
        make_linker,
        model,
        sessions,
        features=features,
        seed=seed,
        rounds=rounds,
        labelled=labelled,
        read_levels=read_levels,
    )
    return trained


def train_with_report(
    make_linker: Callable[[dict[str, Any]], Linker],
    model: dict[str, Any],
    sessions: Sequence[Session],
    *,
    features: pa.Table,
    seed: int,
    rounds: int = TRAINING_ROUNDS,
    labelled: pd.DataFrame | None = None,
    read_levels: Callable[[dict[str, Any], str], pd.DataFrame] | None = None,
    prior: dict[str, dict[str, float]] | None = None,
) -> tuple[dict[str, Any], TrainingReport]:
    """``model`` (a splink model dict with the prior set) with every m and u estimated, and a
    report of where each m came from.

    m starts from ``prior`` (by default the package's prior model, ``uncounted.link.prior``),
    and in each class of levels the sessions' estimates replace it as far as their expected
    matches allow: a comparison the records cannot identify (no shared ID or date to block on)
    keeps the prior, and the report says so.

    u is the share of random pairs at each level, counting each pair by its probability of
    being a non-match: where a list has several releases, one random pair in a few thousand
    is one person twice, and counting those as non-matches would make agreeing on a full name
    look far commoner among different people than it is. m comes from the sessions. The two
    are refined in turn a few ``rounds``, and with them the prior (splink's rule-based first
    guess can miss it by orders of magnitude when the lists share no ID and no exact spelling,
    as across scripts). The prior is the expected number of matching pairs over all pairs:
    the matches are counted, each by its probability, among the pairs the model's prediction
    rules block together whose first record is in a random sample of about
    ``PRIOR_SAMPLE_RECORDS`` records, scaled up by the sample's share. Counted over random
    pairs instead, it collapses on large lists: among a million records one pair in a million
    is a match, so a million random pairs hold about one, and the estimate fell to 1e-11 where
    it is 1e-6. The pairs' levels are read once.

    ``labelled`` (the levels of pairs people reviewed, with ``is_match``) then moves m so
    that the model's match probabilities agree with the labels (``fit_to_labels``).

    ``read_levels(model, rule)`` gives the levels (``gamma_<comparison>``) of the pairs a
    blocking rule finds, ordered by the pair's ids; by default splink's predict reads them.
    """
    if read_levels is None:
        read_levels = lambda settings, rule: _gammas(make_linker, settings, rule)  # noqa: E731
    names = {c["output_column_name"] for c in model["comparisons"]}
    for session in sessions:
        unknown = set(session.estimates) - names
        if unknown:
            raise ValueError(f"training session names unknown comparisons: {sorted(unknown)}")
    blocks = [
        (
            session,
            read_levels(model, sampled_rule(features, session.blocking_rule, seed)),
        )
        for session in sessions
    ]
    n_records = features.num_rows
    random_pairs = read_levels(model, random_pairs_rule(n_records, seed))
    seen = {
        (name, int(v))
        for _, gammas in [*blocks, (None, random_pairs)]
        for name in names
        for v in np.unique(gammas[f"gamma_{name}"])
        if v >= 0
    }
    rules = [r["blocking_rule"] for r in model.get("blocking_rules_to_generate_predictions", [])]
    one_in, sampled = _prior_sample_rules(rules, n_records, seed)
    blocked_sample = [read_levels(model, rule) for rule in sampled]
    all_pairs = max(n_records * (n_records - 1) / 2, 1.0)
    non_match = np.ones(len(random_pairs))
    current = copy.deepcopy(model)
    # splink's rule-based guess is 0 when no pair agrees on the rules (two scripts, no IDs)
    current["probability_two_random_records_match"] = _bounded_prior(
        float(current.get("probability_two_random_records_match") or 0.0), all_pairs
    )
    if prior is None:
        prior = prior_m()
    shares = class_shares(features)
    current = _with_u(current, random_pairs, non_match)
    # EM starts from the prior model, not from the comparisons' rough starting m.
    current, sources = _with_m(current, {}, seen, prior, shares)
    for _ in range(rounds):
        current = _with_u(current, random_pairs, non_match)
        learnt = _learn_m(current, blocks)
        current, sources = _with_m(current, learnt, seen, prior, shares)
        matching = _posterior(current, random_pairs)
        non_match = 1.0 - matching
        if blocked_sample:
            expected = one_in * sum(float(_posterior(current, g).sum()) for g in blocked_sample)
        else:  # no prediction rules: the share of random pairs that are one person
            expected = float(matching.mean()) * all_pairs if len(matching) else 0.0
        current["probability_two_random_records_match"] = _bounded_prior(
            expected / all_pairs, all_pairs
        )
    taught: dict[str, int] = {}
    if labelled is not None and len(labelled):
        current, taught = fit_to_labels(current, labelled)
    return current, _report(current, sources, seen, taught)


def fit_to_labels(
    model: dict[str, Any],
    labelled: pd.DataFrame,
    *,
    steps: int = LABEL_STEPS,
    max_step: float = LABEL_MAX_STEP,
) -> tuple[dict[str, Any], dict[str, int]]:
    """m refitted so that the model's match probabilities agree with the review labels.

    Reviewers label the pairs near the threshold, a sample chosen by the model's own weights,
    so the share of the accepted pairs at each level is no estimate of m (it over-represents
    the weak levels the queue holds). The probability of a match *given* the pair's levels is
    what such a sample estimates without bias, so m is moved, level by level, by Newton steps
    on the labels' conditional log-likelihood (the gradient of a level's log m is the labels'
    surplus of matches over the model's expectation among the labelled pairs at that level).
    Returns the model and, per comparison, how many of its levels moved."""
    result = copy.deepcopy(model)
    y = labelled["is_match"].astype(float).to_numpy()
    moved: dict[str, set[int]] = {}
    for _ in range(steps):
        for comparison in result["comparisons"]:
            name = comparison["output_column_name"]
            g = labelled[f"gamma_{name}"].to_numpy()
            p = _posterior(result, labelled)
            levels = levels_by_number(comparison)
            for value in np.unique(g[g >= 0]):
                at = g == value
                surplus = float((y[at] - p[at]).sum())
                curvature = float((p[at] * (1.0 - p[at])).sum())
                step = surplus / max(curvature, LABEL_MIN_CURVATURE)
                step = float(np.clip(step, -max_step, max_step))
                if abs(step) < 1e-6:
                    continue
                level = levels[int(value)]
                wanted = float(level["m_probability"]) * float(np.exp(step))
                level["m_probability"] = float(np.clip(wanted, _M_ABSOLUTE_FLOOR, 1.0))
                if wanted > 1.0:
                    # m cannot pass 1: the rest of the move lowers u (the weight log m/u is
                    # what the labels speak about).
                    level["u_probability"] = float(level["u_probability"]) / wanted
                moved.setdefault(name, set()).add(int(value))
    return result, {name: len(values) for name, values in moved.items()}


def _report(
    model: dict[str, Any],
    sources: Sequence[ClassSource],
    seen: set[tuple[str, int]],
    taught: dict[str, int],
) -> TrainingReport:
    """The strongest weight among the levels pairs reached, per comparison, and warnings for
    a comparison that sets nothing apart or came from neither the data nor the prior."""
    top: dict[str, float | None] = {}
    warnings: list[str] = []
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        reached = [lv for number, lv in numbered_levels(comparison) if (name, number) in seen]
        weights = [float(np.log2(lv["m_probability"] / lv["u_probability"])) for lv in reached]
        top[name] = max(weights) if weights else None
        if not weights:
            continue  # no pair has this field on both sides: nothing to learn, nothing lost
        # A field as coarse as sex cannot weigh much even when learnt: judge each comparison
        # against what its commonest-agreeing strongest level could weigh.
        strongest = reached[int(np.argmax(weights))]
        attainable = float(np.log2(1.0 / max(float(strongest["u_probability"]), 1e-300)))
        if max(weights) < min(MIN_TOP_WEIGHT, 0.5 * attainable):
            warnings.append(
                f"the comparison '{name}' learnt nothing: its strongest level that pairs reach "
                f"weighs {max(weights):+.1f} bits, so it does not set matches apart"
            )
        empty = [s for s in sources if s.comparison == name and s.source == "none"]
        if any(s.share_of_pairs >= 0.01 for s in empty):
            warnings.append(
                f"the comparison '{name}' has levels that neither the records nor the prior "
                "model could estimate; they weigh nothing"
            )
    used_prior = any("prior" in s.source for s in sources)
    return TrainingReport(tuple(sources), top, tuple(warnings), used_prior, taught)


def _bounded_prior(prior: float, all_pairs: float) -> float:
    """At least one matching pair among all, at most even odds."""
    return min(max(prior, 1.0 / all_pairs), 0.5)


def _prior_sample_rules(rules: Sequence[str], n_records: int, seed: int) -> tuple[int, list[str]]:
    """Each prediction rule's pairs that no earlier rule found (as scoring counts them), kept
    when the first record's seeded hash falls in one bucket of ``one_in``; and ``one_in``."""
    one_in = max(1, n_records // PRIOR_SAMPLE_RECORDS)
    sample = f"hash(concat(CAST(l.unique_id AS VARCHAR), '{seed}', 'prior')) % {one_in} = 0"
    return one_in, [f"({sample}) AND {condition}" for condition in first_found(rules)]


def labelled_gammas(
    make_linker: Callable[[dict[str, Any], pa.Table], Linker],
    model: dict[str, Any],
    features: pa.Table,
    labels: pd.DataFrame,
) -> pd.DataFrame:
    """The levels of every labelled pair (unique_id_l, unique_id_r, is_match) whose two
    records are among ``features``, with its ``is_match``. ``make_linker`` must build a linker
    on the table it is given (see ``labelled_pairs_table``)."""
    table = labelled_pairs_table(features, labels)
    if table.num_rows == 0:
        return pd.DataFrame()
    gammas = _gammas(
        lambda settings: make_linker(settings, table), model, LABELLED_PAIRS_RULE, keep_ids=True
    )
    numbers = gammas["unique_id_l"].str.split(":").str[0].astype(int)
    is_match = labels["is_match"].astype(bool).to_numpy()
    return gammas.drop(columns=["unique_id_l", "unique_id_r"]).assign(is_match=is_match[numbers])


def labelled_pairs_table(features: pa.Table, labels: pd.DataFrame) -> pa.Table:
    """Two rows per labelled pair, its two records, sharing a ``label_pair`` number: blocking
    on it gives exactly the labelled pairs, whose levels ``train`` then reads."""
    ids = features.column("unique_id").to_pylist()
    row_of = {str(uid): i for i, uid in enumerate(ids)}
    rows: list[int] = []
    numbers: list[int] = []
    kept: list[int] = []
    for k, (left, right) in enumerate(
        zip(labels["unique_id_l"].astype(str), labels["unique_id_r"].astype(str), strict=True)
    ):
        if left in row_of and right in row_of and left != right:
            rows += [row_of[left], row_of[right]]
            numbers += [k, k]
            kept.append(k)
    table = features.take(pa.array(rows, type=pa.int64()))
    table = table.set_column(
        table.schema.get_field_index("unique_id"),
        "unique_id",
        pa.array([f"{n}:{side}" for n, side in zip(numbers, "lr" * len(kept), strict=True)]),
    )
    return table.append_column("label_pair", pa.array(numbers, type=pa.int64()))


LABELLED_PAIRS_RULE: Final = "l.label_pair = r.label_pair"


def random_pairs_rule(n_records: int, seed: int) -> str:
    """A blocking rule whose pairs are a random sample of all pairs, about ``U_SAMPLE_PAIRS``:
    records fall into buckets by a seeded hash of their id, and pairs are made within buckets."""
    buckets = max(1, round(n_records * n_records / (2 * U_SAMPLE_PAIRS)))
    bucket = "hash(concat(CAST({side}.unique_id AS VARCHAR), '{seed}')) % {buckets}"
    return (
        f"{bucket.format(side='l', seed=seed, buckets=buckets)} = "
        f"{bucket.format(side='r', seed=seed, buckets=buckets)}"
    )


def sampled_rule(features: pa.Table, rule: BlockingRuleCreator | str, seed: int) -> str:
    """The rule's SQL, keeping about ``SESSION_MAX_PAIRS`` of its pairs by a seeded hash of
    the pair when it makes more (a block such as "same date of birth and sex" grows with the
    square of the records: 14 million pairs among a million)."""
    sql = _rule_sql(rule)
    con = duckdb.connect(":memory:")
    try:
        con.register("features", features.select(_columns_of(sql, features)))
        found = con.execute(
            f"SELECT count(*) FROM features l JOIN features r "
            f"ON ({sql}) AND l.unique_id < r.unique_id"
        ).fetchone()
    finally:
        con.close()
    pairs = int(found[0]) if found else 0
    if pairs <= SESSION_MAX_PAIRS:
        return sql
    keep_one_in = -(-pairs // SESSION_MAX_PAIRS)
    return (
        f"({sql}) AND hash(concat(CAST(l.unique_id AS VARCHAR), '|', "
        f"CAST(r.unique_id AS VARCHAR), '{seed}')) % {keep_one_in} = 0"
    )


def _columns_of(sql: str, features: pa.Table) -> list[str]:
    names = [c for c in features.column_names if f'"{c}"' in sql or f".{c}" in sql]
    return sorted({"unique_id", *names})


def _rule_sql(rule: BlockingRuleCreator | str) -> str:
    return rule if isinstance(rule, str) else rule.get_blocking_rule("duckdb").blocking_rule_sql


def _learn_m(
    model: dict[str, Any], blocks: Sequence[tuple[Session, pd.DataFrame]]
) -> dict[str, list[MEstimate]]:
    """Each session's estimate of m for the comparisons it may judge, with the number of
    matches EM found among its pairs."""
    learnt: dict[str, list[MEstimate]] = {}
    for session, gammas in blocks:
        if len(gammas) == 0:
            continue
        names_here = session.estimates
        u = [_by_level(model, n, "u_probability") for n in names_here]
        m_by_comparison, matches = fit_two_classes_counted(
            [gammas[f"gamma_{name}"].to_numpy() for name in names_here],
            start_m=[_by_level(model, n, "m_probability") for n in names_here],
            start_u=u,
            fixed_u=None if session.fit_u else u,
        )
        for name, m, found, u_levels in zip(names_here, m_by_comparison, matches, u, strict=True):
            if _covers_levels(gammas[f"gamma_{name}"].to_numpy(), u_levels):
                learnt.setdefault(name, []).append(MEstimate(m, found))
    return learnt


def _covers_levels(levels: NDArray[np.integer[Any]], u: NDArray[np.float64]) -> bool:
    """Whether a session's pairs reach every level that random pairs commonly reach. A block
    can hold only one kind of pair (every pair of a father-name block within one file, when
    the other list gives no father names): EM then finds its "matches" among those, and their
    m says nothing of the levels the block never reaches; taken as an estimate, it would say
    that matches never fall there (two lists would never link)."""
    known = levels[levels >= 0]
    if len(known) == 0:
        return False
    share = np.bincount(known, minlength=len(u)) / len(known)
    common = u >= COMMON_LEVEL_SHARE
    return bool(np.all(share[common] >= MIN_LEVEL_SHARE * u[common]))


def _with_u(
    model: dict[str, Any], gammas: pd.DataFrame, weights: NDArray[np.float64]
) -> dict[str, Any]:
    """u of every level: the weighted share of the random pairs at that level; a level no
    random pair reached gets ``U_FLOOR``, rarer than one pair in the sample."""
    result = copy.deepcopy(model)
    for comparison in result["comparisons"]:
        levels = numbered_levels(comparison)
        g = gammas[f"gamma_{comparison['output_column_name']}"].to_numpy()
        present = g >= 0
        counts = np.bincount(g[present], weights=weights[present], minlength=len(levels))
        total = counts.sum()
        for number, level in levels:
            count = counts[number]
            level["u_probability"] = max(count / total, U_FLOOR) if total > 0 else U_FLOOR
    return result


def _posterior(model: dict[str, Any], gammas: pd.DataFrame) -> NDArray[np.float64]:
    """Each pair's match probability under ``model`` (term frequencies aside)."""
    prior = float(model["probability_two_random_records_match"])
    log_odds = np.full(len(gammas), np.log(prior) - np.log1p(-prior))
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        m = _by_level(model, name, "m_probability")
        u = _by_level(model, name, "u_probability")
        g = gammas[f"gamma_{name}"].to_numpy()
        present = g >= 0
        log_odds[present] += np.log(m[g[present]]) - np.log(u[g[present]])
    return 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))


def _gammas(
    make_linker: Callable[[dict[str, Any]], Linker],
    model: dict[str, Any],
    rule: str,
    *,
    keep_ids: bool = False,
) -> pd.DataFrame:
    """The comparison level of every pair the rule blocks together, per comparison (-1 = null).

    splink's predict returns each comparison's match weight but not its level, so m and u are
    set here to make the weight of level k exactly k + 1 (and 0 for the null level).
    """
    settings = copy.deepcopy(model)
    settings["blocking_rules_to_generate_predictions"] = [rule]
    for comparison in settings["comparisons"]:
        for number, level in numbered_levels(comparison):
            level["u_probability"] = _TAG_SCALE
            level["m_probability"] = _TAG_SCALE * 2.0 ** (number + 1)
            level.pop("tf_adjustment_column", None)
    linker = make_linker(settings)
    frame = linker.inference.predict().as_pandas_dataframe()
    frame = frame.sort_values(["unique_id_l", "unique_id_r"], kind="mergesort")
    names = [c["output_column_name"] for c in settings["comparisons"]]
    levels = pd.DataFrame(
        {
            f"gamma_{name}": np.rint(frame[f"mw_{name}"].to_numpy(dtype=float)).astype(np.int64) - 1
            for name in names
        }
    )
    if keep_ids:
        ids = frame[["unique_id_l", "unique_id_r"]].astype(str).reset_index(drop=True)
        levels = pd.concat([ids, levels], axis=1)
    return levels


def fit_two_classes(
    gammas: Sequence[NDArray[np.integer[Any]]],
    *,
    start_m: Sequence[NDArray[np.float64]],
    start_u: Sequence[NDArray[np.float64]],
    fixed_u: Sequence[NDArray[np.float64]] | None = None,
    iterations: int = 200,
    tolerance: float = 1e-8,
) -> list[NDArray[np.float64]]:
    """m per level of the matching class (see ``fit_two_classes_counted``)."""
    m, _ = fit_two_classes_counted(
        gammas,
        start_m=start_m,
        start_u=start_u,
        fixed_u=fixed_u,
        iterations=iterations,
        tolerance=tolerance,
    )
    return m


def fit_two_classes_counted(
    gammas: Sequence[NDArray[np.integer[Any]]],
    *,
    start_m: Sequence[NDArray[np.float64]],
    start_u: Sequence[NDArray[np.float64]],
    fixed_u: Sequence[NDArray[np.float64]] | None = None,
    iterations: int = 200,
    tolerance: float = 1e-8,
) -> tuple[list[NDArray[np.float64]], list[float]]:
    """m per level (index = comparison level, 0 = else) of the matching class of a two-class
    latent-class model on the pairs' levels (-1 = null, ignored); the non-matching class is
    free too unless ``fixed_u`` gives its level probabilities.

    EM starts from the posterior the starting m and u give every pair (with even prior odds),
    so that it climbs towards the split into matches and non-matches rather than any other.
    Also returns, per comparison, the expected number of matching pairs whose level is known:
    how much evidence stands behind its m.
    """
    levels = [np.asarray(g, dtype=np.int64) for g in gammas]
    n_pairs = len(levels[0])
    sizes = [len(m0) for m0 in start_m]
    log_odds = np.zeros(n_pairs)
    for g, m0, u0 in zip(levels, start_m, start_u, strict=True):
        seen = g >= 0
        log_odds[seen] += np.log(m0[g[seen]]) - np.log(u0[g[seen]])
    posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
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
        # a session whose pairs all match (a small list, one ID each) drives the share to 1
        share = min(max(float(posterior.mean()), _SHARE_BOUND), 1.0 - _SHARE_BOUND)
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
    matches = [float(posterior[g >= 0].sum()) for g in levels]
    return m, matches


def _by_level(model: dict[str, Any], name: str, key: str) -> NDArray[np.float64]:
    """The model's m or u of one comparison, indexed by level (0 = else)."""
    comparison = next(c for c in model["comparisons"] if c["output_column_name"] == name)
    return np.array([float(lv[key]) for lv in levels_by_number(comparison)])


def _with_m(
    model: dict[str, Any],
    learnt: dict[str, list[MEstimate]],
    seen: set[tuple[str, int]],
    prior: dict[str, dict[str, float]] | None,
    shares: dict[str, dict[str, float]],
) -> tuple[dict[str, Any], list[ClassSource]]:
    """The model with every m set from the data and the prior (``prior.blended_m``), and where
    each came from."""
    result = copy.deepcopy(model)
    sources: list[ClassSource] = []
    for comparison in result["comparisons"]:
        name = comparison["output_column_name"]
        m, found = blended_m(
            comparison,
            learnt.get(name, []),
            None if prior is None else prior.get(name),
            shares.get(name, {}),
            u=_by_level(model, name, "u_probability"),
            reachable={level for found, level in seen if found == name},
        )
        sources += found
        for number, level in numbered_levels(comparison):
            value = None if m is None else m[number]
            if value is None or not np.isfinite(value):
                # Neither the data nor the prior say anything of this level: it weighs nothing.
                level["m_probability"] = level["u_probability"]
                continue
            level["m_probability"] = max(float(value), _M_ABSOLUTE_FLOOR)
            if (name, number) not in seen and level["u_probability"] <= U_FLOOR:
                # Reached by no training pair and no random pair: nothing says which way it
                # points, so it weighs nothing.
                level["m_probability"] = level["u_probability"]
    return result, sources
