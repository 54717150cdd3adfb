"""The estimate over linkage replicates follows the ensemble's headline rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from uncounted.estimate.replicated import ReplicatedEstimate

LISTS = ["a", "b", "c", "d"]
QUICK = {"lcmcr": {"n_samples": 400, "burn_in": 2_000, "thin": 10, "n_chains": 2},
         "stepwise": {"n_boot": 50}}


def heterogeneous_persons(seed: int = 3, n: int = 3_000) -> pd.DataFrame:
    """Two latent classes (easy and hard to record): the log-linear models and LCMCR disagree,
    so an equal-share mixture and the LCMCR-led headline give different intervals."""
    rng = np.random.default_rng(seed)
    hard = rng.random(n) < 0.4
    capture = np.where(hard[:, None], 0.15, 0.55) * np.ones((1, len(LISTS)))
    seen = rng.random((n, len(LISTS))) < capture
    frame = pd.DataFrame(seen.astype(int), columns=LISTS)
    return frame[frame.sum(axis=1) > 0].reset_index(drop=True)


def test_replicates_equal_to_the_reference_give_the_fixed_headline() -> None:
    persons = heterogeneous_persons()
    fitted = ReplicatedEstimate([], LISTS, seed=11, n_jobs=1, options={"options": QUICK}).fit(
        persons, [persons] * 4)
    fixed = fitted.reference_.results_["all"]
    pooled = fitted.results_["all"]
    assert fixed.diagnostics["votes"] == {"lcmcr": 1.0}
    # Identical replicates shift nothing: the pooled headline is the leader's draws again,
    # widened to the same defensible estimates, so it matches the fixed-linkage headline up
    # to resampling (an equal-share mixture of every defensible method would not).
    assert fixed.estimate is not None and pooled.estimate is not None
    assert abs(pooled.estimate - fixed.estimate) / fixed.estimate < 0.02
    assert fixed.lower is not None and pooled.lower is not None
    assert fixed.upper is not None and pooled.upper is not None
    assert abs(pooled.lower - fixed.lower) / fixed.estimate < 0.02
    assert abs(pooled.upper - fixed.upper) / fixed.estimate < 0.03
    # No linkage uncertainty when every replicate is the reference: the quick point estimates
    # use common random numbers, so an identical table shifts nothing, whatever n_jobs is.
    assert fitted.split_["all"]["shares"]["linkage"] < 0.01


def test_the_same_numbers_in_one_process_and_in_two() -> None:
    persons = heterogeneous_persons(seed=5, n=2_000)
    replicates = [persons, persons.iloc[:-40], persons]
    one, two = (ReplicatedEstimate([], LISTS, seed=2, n_jobs=jobs, options={"options": QUICK})
                .fit(persons, replicates).results_["all"] for jobs in (1, 2))
    assert (one.estimate, one.lower, one.upper) == (two.estimate, two.lower, two.upper)


def test_centred_on_the_fixed_linkage_the_replicates_give_the_spread_only() -> None:
    persons = heterogeneous_persons(seed=7, n=2_500)
    # replicates that split people on lists a and c into two one-list persons (as missed
    # links do) move the estimate up...
    on_a_and_c = persons[(persons.a == 1) & (persons.c == 1) & (persons.b == 0)
                         & (persons.d == 0)]

    def split(k: int) -> pd.DataFrame:
        chosen = on_a_and_c.iloc[:k]
        halves = pd.concat([chosen.assign(c=0), chosen.assign(a=0)])
        return pd.concat([persons.drop(chosen.index), halves]).reset_index(drop=True)

    replicates = [split(k) for k in (20, 40, 60)]
    moved, centred = (ReplicatedEstimate([], LISTS, seed=4, n_jobs=1, location=where,
                                         options={"options": QUICK}).fit(persons, replicates)
                      for where in ("replicates", "fixed"))
    fixed = centred.reference_.results_["all"]
    assert fixed.estimate is not None
    assert moved.results_["all"].estimate > fixed.estimate  # type: ignore[operator]
    # ...centred, the pooled estimate stays with the stored clustering's, and the interval
    # still carries the spread between replicates
    assert abs(centred.results_["all"].estimate - fixed.estimate) / fixed.estimate < 0.02  # type: ignore[operator]
    assert centred.split_["all"]["shares"]["linkage"] > 0.0


def test_latent_class_chains_are_not_rerun_and_follow_the_exact_methods() -> None:
    persons = heterogeneous_persons(seed=9, n=2_000)
    fewer = persons.iloc[:-100].reset_index(drop=True)
    fitted = ReplicatedEstimate([], LISTS, seed=3, n_jobs=1, location="replicates",
                                options={"options": QUICK}).fit(persons, [fewer, fewer])
    reference = {r.method: r for r in fitted.reference_.method_results_["all"]}
    pooled = {r.method: r for r in fitted.method_results_["all"]}
    lcmcr_ref = reference["lcmcr"]
    moved = pooled["lcmcr"].estimate / lcmcr_ref.estimate - 1  # type: ignore[operator]
    # 100 fewer persons: every exact method moves down, and LCMCR with them by their median
    # relative move (not by a short chain of its own, which would move by chance)
    exact = [pooled[n].estimate / reference[m].estimate - 1  # type: ignore[operator]
             for n, m in (("stepwise", "bootstrap_stepwise"), ("bic", "best_bic"),
                          ("dga", "dga")) if pooled[n].estimate and reference[m].estimate]
    assert all(e < 0 for e in exact)
    assert min(exact) - 0.01 <= moved <= max(exact) + 0.01


def test_latent_class_alone_says_the_replicates_add_no_spread() -> None:
    persons = heterogeneous_persons(seed=9, n=1_500)
    fitted = ReplicatedEstimate([], LISTS, method="lcmcr", seed=3, n_jobs=1,
                                options=QUICK["lcmcr"]).fit(persons, [persons.iloc[:-50]] * 2)
    assert any("no linkage spread" in w for w in fitted.results_["all"].warnings)
