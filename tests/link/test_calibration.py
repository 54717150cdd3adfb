"""Reliability tables, isotonic recalibration and the stratified review sample."""

from __future__ import annotations

import numpy as np
import pytest

from uncounted.link.calibration import (
    IsotonicCalibration,
    calibration_error,
    reliability_table,
    stratified_sample,
)


def test_reliability_table_counts_each_bin() -> None:
    p = [0.02, 0.03, 0.6, 0.65, 0.995, 0.9995]
    y = [False, True, True, False, True, True]
    table = reliability_table(p, y)
    assert [(r["low"], r["pairs"], r["matches"]) for r in table] == [
        (0.0, 2, 1), (0.5, 2, 1), (0.99, 1, 1), (0.999, 1, 1)]
    assert table[0]["predicted"] == pytest.approx(0.025)
    assert table[0]["observed_low"] < 0.5 < table[0]["observed_high"]


def test_isotonic_fixes_an_overconfident_model() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 20_000)
    truth = p ** 2  # the model says p, the world says p squared
    y = rng.random(p.size) < truth
    before = calibration_error(reliability_table(p, y))
    calibration = IsotonicCalibration().fit(p, y)
    after = calibration_error(reliability_table(calibration(p), y))
    assert before > 0.1 and after < 0.02
    grid = np.linspace(0, 1, 101)
    assert np.all(np.diff(calibration(grid)) >= 0)


def test_few_labels_never_make_a_certainty() -> None:
    calibration = IsotonicCalibration().fit([0.2, 0.4, 0.6, 0.8], [False, False, True, True])
    out = calibration(np.array([0.0, 0.3, 0.7, 1.0 - 1e-6]))
    assert 0.0 <= out[0] < 0.2 and 0.0 < out[1] < 0.3 and 0.7 < out[2] < 1.0 and out[3] < 1.0


def test_stratified_sample_spreads_over_bins_and_repeats_by_seed() -> None:
    rng = np.random.default_rng(2)
    p = np.concatenate([np.full(5000, 0.9999), rng.uniform(0.01, 0.99, 300)])
    picked = stratified_sample(p, 60, seed=3)
    assert len(picked) == 60 and len(set(picked.tolist())) == 60
    # the 5,000 near-certain pairs do not swallow the sample
    assert np.sum(p[picked] > 0.999) <= 10
    assert np.array_equal(picked, stratified_sample(p, 60, seed=3))
    assert not np.array_equal(picked, stratified_sample(p, 60, seed=4))
    assert len(stratified_sample(p[:3], 10, seed=1)) == 3


def test_grouped_calibration_fits_each_pair_of_lists_apart() -> None:
    rng = np.random.default_rng(4)
    p = rng.uniform(0, 1, 8_000)
    groups = np.where(rng.random(p.size) < 0.5, "a|b", "a|c")
    # the same score means more on a|c than on a|b
    truth = np.where(groups == "a|b", p ** 3, np.sqrt(p))
    y = rng.random(p.size) < truth
    picked = stratified_sample(p, 600, seed=1, groups=groups.tolist())
    assert abs(np.mean(groups[picked] == "a|b") - 0.5) < 0.05
    from uncounted.link.calibration import GroupedCalibration

    calibration = GroupedCalibration().fit(p[picked], y[picked], groups[picked].tolist())
    assert set(calibration.groups_) == {"a|b", "a|c"}
    for name in ("a|b", "a|c"):
        here = groups == name
        grouped = calibration.transform(p[here], groups[here].tolist())
        pooled = IsotonicCalibration().fit(p[picked], y[picked]).transform(p[here])
        # within a pair of lists, one curve for all is wrong; its own curve is right
        assert calibration_error(reliability_table(grouped, y[here])) < 0.05
        assert calibration_error(reliability_table(pooled, y[here])) > 0.1
