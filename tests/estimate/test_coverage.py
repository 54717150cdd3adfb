"""Chao's sample-coverage estimators: worked by hand, and against the hepatitis A reference."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from uncounted.estimate.coverage import SampleCoverage, log_interval
from uncounted.estimate.table import CaptureTable

#: Chao et al. (2001), hepatitis A in Taiwan: low-coverage N̂1, its bootstrap 95% interval, and
#: the coverage estimate under independence N̂0.
HAV_N1 = 507.8
HAV_INTERVAL = (432.0, 618.0)
HAV_N0 = 407.0
RUNS = 100


def _small() -> CaptureTable:
    # only-1: 4, only-2: 3, only-3: 2, 1&2: 2, 1&3: 1, 2&3: 1, all three: 1
    patterns = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]
    return CaptureTable.from_patterns(["a", "b", "c"], patterns, [4, 3, 2, 2, 1, 1, 1])


def test_small_table_by_hand() -> None:
    # M = 14; list sizes 8, 7, 5; coverage 1 - (4/8 + 3/7 + 2/5)/3 = 39/70
    # D = ((14-4) + (14-3) + (14-2))/3 = 11, so N0 = 11 / (39/70) = 770/39
    coverage = 1 - (Fraction(4, 8) + Fraction(3, 7) + Fraction(2, 5)) / 3
    assert coverage == Fraction(39, 70)
    n0 = 11 / coverage
    # pairs: A_ab = 4+3+2*2 = 11, n_ab = 3; A_ac = 4+2+2*1 = 8, n_ac = 2; A_bc = 3+2+2 = 7, n_bc = 2
    def corrected(total: Fraction) -> Fraction:
        gammas = (total * 3 / 56 - 1, total * 2 / 40 - 1, total * 2 / 35 - 1)
        return n0 + (11 * gammas[0] + 8 * gammas[1] + 7 * gammas[2]) / (3 * coverage)

    n1 = corrected(corrected(n0))
    # high coverage: N (3C - 11*3/56 - 8*2/40 - 7*2/35) = 3D - (11 + 8 + 7)
    high = Fraction(33 - 26) / (3 * coverage - Fraction(33, 56) - Fraction(2, 5) - Fraction(2, 5))
    assert high == Fraction(1960, 79)

    fitted = SampleCoverage(n_boot=50, seed=0).fit(_small())
    result = fitted.result_
    assert result.estimate == pytest.approx(float(n1), rel=1e-12)
    assert result.diagnostics["coverage"] == pytest.approx(39 / 70, rel=1e-12)
    assert result.diagnostics["N0"] == pytest.approx(770 / 39, rel=1e-12)
    assert result.diagnostics["N_high_coverage"] == pytest.approx(1960 / 79, rel=1e-12)
    assert result.diagnostics["gamma"]["a·b"] == pytest.approx(float(n1) * 3 / 56 - 1)
    finite = fitted.replicates_[np.isfinite(fitted.replicates_)]
    assert result.diagnostics["se"] == pytest.approx(float(np.std(finite, ddof=1)))
    hsc = SampleCoverage(n_boot=50, seed=0, estimator="hsc").fit(_small()).result_
    assert hsc.estimate == pytest.approx(1960 / 79, rel=1e-12)
    independence = SampleCoverage(n_boot=50, seed=0, estimator="independence").fit(_small())
    assert independence.result_.estimate == pytest.approx(770 / 39, rel=1e-12)


def test_two_lists_give_lincoln_petersen() -> None:
    table = CaptureTable.from_patterns(["a", "b"], [(1, 0), (0, 1), (1, 1)], [60, 30, 20])
    result = SampleCoverage(n_boot=50, seed=0).fit(table).result_
    assert result.estimate == pytest.approx(80 * 50 / 20)
    assert result.diagnostics["N0"] == pytest.approx(80 * 50 / 20)
    assert any("two lists" in w for w in result.warnings)


def test_four_lists_match_the_three_list_pattern() -> None:
    # A fourth list that recorded people only together with list a: f_d = 0, coverage of d is 1.
    table = CaptureTable.from_patterns(
        ["a", "b", "c", "d"],
        [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (1, 1, 0, 0), (1, 0, 0, 1), (0, 1, 1, 0)],
        [10, 8, 6, 4, 3, 2],
    )
    # M = 33; sizes a 17, b 14, c 8, d 3; only 10, 8, 6, 0
    coverage = 1 - (Fraction(10, 17) + Fraction(8, 14) + Fraction(6, 8) + 0) / 4
    d = Fraction((33 - 10) + (33 - 8) + (33 - 6) + 33, 4)
    result = SampleCoverage(n_boot=20, seed=0, estimator="independence").fit(table).result_
    assert result.diagnostics["coverage"] == pytest.approx(float(coverage), rel=1e-12)
    assert result.estimate == pytest.approx(float(d / coverage), rel=1e-12)


def test_refusals() -> None:
    nobody_twice = CaptureTable.from_patterns(["a", "b", "c"], [(1, 0, 0), (0, 1, 0)], [5, 4])
    refused = SampleCoverage(n_boot=20).fit(nobody_twice).result_
    assert refused.estimate is None and refused.refused is not None
    assert "recorded nobody" in refused.refused  # list c is empty
    singles = CaptureTable.from_patterns(
        ["a", "b", "c"], [(1, 0, 0), (0, 1, 0), (0, 0, 1)], [5, 4, 3]
    )
    refused = SampleCoverage(n_boot=20).fit(singles).result_
    assert refused.refused is not None and "sample coverage is 0" in refused.refused
    one = CaptureTable.from_patterns(["a"], [(1,)], [5])
    assert SampleCoverage(n_boot=20).fit(one).result_.refused is not None


def test_log_interval_never_below_observed() -> None:
    lower, upper = log_interval(100, 150.0, 30.0, 0.95)
    assert 100 < lower < 150 < upper
    assert (lower - 100) * (upper - 100) == pytest.approx(50.0**2)


def test_same_seed_same_output(mse_tables: Path) -> None:
    table = CaptureTable.from_csv(mse_tables / "hav.csv")
    a = SampleCoverage(seed=3).fit(table)
    b = SampleCoverage(seed=3).fit(table)
    np.testing.assert_array_equal(a.replicates_, b.replicates_)
    assert a.result_.to_dict() == b.result_.to_dict()


def test_hepatitis_a_reference(mse_tables: Path) -> None:
    table = CaptureTable.from_csv(mse_tables / "hav.csv")
    result = SampleCoverage(seed=0).fit(table).result_
    assert result.model is not None and "N1" in result.model
    assert round(result.estimate or 0.0, 1) == HAV_N1
    assert round(result.diagnostics["N0"]) == HAV_N0
    # The reference interval is one bootstrap run: compare with the mean of many of ours, allowing
    # three run-to-run standard deviations (the reference's own scatter) plus 1%.
    ends = np.array(
        [
            (r.lower, r.upper)
            for r in (SampleCoverage(seed=100 + k).fit(table).result_ for k in range(RUNS))
        ],
        dtype=float,
    )
    mean, spread = ends.mean(axis=0), ends.std(axis=0, ddof=1)
    reference = np.array(HAV_INTERVAL)
    assert np.all(spread > 0)
    allowed = 3.0 * spread * np.sqrt(1 + 1 / RUNS) + 0.01 * reference
    assert np.all(np.abs(mean - reference) <= allowed), (mean, spread, reference)
