"""Bootstrap with re-selection and BCa intervals (SparseMSE's scheme)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from uncounted.core.errors import UncountedError
from uncounted.estimate.bootstrap import Bootstrap, bca_interval, jackknife_acceleration
from uncounted.estimate.selection import BestModel, Stepwise
from uncounted.estimate.table import CaptureTable, pattern_to_mask

#: SparseMSE ``estimatepopulation`` reference BCa 95% intervals with 1,000 replicates.
REFERENCE_BCA = {
    "uk5": (8785.0, 14701.0),
    "uk6": (9267.0, 14307.0),
    "new_orleans8": (717.0, 1657.0),
    "new_orleans5": (589.0, 1703.0),
    "western": (1293.0, 3670.0),
}
#: Independent 1,000-replicate runs per table for measuring the run-to-run scatter of the ends.
#: Each reference is a single such run, and its BCa lower end sits at an extreme percentile
#: (0.01%-0.3%) of the replicates, so one run scatters by several percent.
RUNS = 30
#: SparseMSE's own stream: ``set.seed(1234)`` then one ``rmultinom`` per replicate over the rows
#: of the table as listed in the CSV.
R_STREAM = """
args <- commandArgs(TRUE)
zdat <- read.csv(args[1])
counts <- zdat[, ncol(zdat)]
set.seed(1234)
draws <- sapply(seq_len(1000), function(j) rmultinom(1, sum(counts), counts))
write.table(t(draws), args[2], row.names = FALSE, col.names = FALSE)
"""


def _table(mse_tables: Path, name: str) -> CaptureTable:
    return CaptureTable.from_csv(mse_tables / f"{name}.csv")


def test_bca_by_hand() -> None:
    replicates = np.arange(1.0, 1001.0)
    estimate, acceleration = 400.5, 0.05
    probs = np.array([0.025, 0.975])
    z0 = norm.ppf(0.4)
    za = norm.ppf(probs) + z0
    adjusted = norm.cdf(z0 + za / (1 - acceleration * za))
    # R type-8 quantile: position (n + 1/3) p + 1/3 on the sorted sample (1-based)
    positions = (1000 + 1 / 3) * adjusted + 1 / 3
    expected = np.interp(positions, np.arange(1, 1001), replicates)
    got = bca_interval(replicates, estimate, acceleration, probs)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_jackknife_acceleration_of_the_mean_is_zero_for_symmetric_data() -> None:
    counts = np.array([0, 5, 5, 0])

    def total(c: np.ndarray) -> float:
        return float(c[1] - c[2])

    acceleration, leave_one_out = jackknife_acceleration(total, counts)
    assert acceleration == pytest.approx(0.0, abs=1e-12)
    assert list(leave_one_out) == [-1.0, 1.0]


def test_result_does_not_depend_on_worker_count(mse_tables: Path) -> None:
    table = _table(mse_tables, "western")
    one = Bootstrap(n_boot=600, seed=7, n_jobs=1).fit(table)
    two = Bootstrap(n_boot=600, seed=7, n_jobs=2).fit(table)
    np.testing.assert_array_equal(one.replicates_, two.replicates_)
    assert one.result_.to_dict() == two.result_.to_dict()


def test_different_seeds_differ(mse_tables: Path) -> None:
    table = _table(mse_tables, "new_orleans5")
    a = Bootstrap(n_boot=300, seed=1, n_jobs=1).fit(table).replicates_
    b = Bootstrap(n_boot=300, seed=2, n_jobs=1).fit(table).replicates_
    assert not np.array_equal(a, b)


def test_stepwise_fast_path_agrees_with_general_path(mse_tables: Path) -> None:
    table = _table(mse_tables, "western")
    fast = Bootstrap(Stepwise(), n_boot=40, seed=3, n_jobs=1).fit(table)

    class Wrapped(Stepwise):  # a subclass takes the general (estimator.fit) path
        pass

    general = Bootstrap(Wrapped(), n_boot=40, seed=3, n_jobs=1).fit(table)
    np.testing.assert_allclose(fast.replicates_, general.replicates_, rtol=1e-12)


def test_bootstrap_around_best_bic(mse_tables: Path) -> None:
    result = Bootstrap(BestModel(interval="none"), n_boot=30, seed=0, n_jobs=1).fit(
        _table(mse_tables, "spina")
    ).result_
    assert result.lower is not None and result.upper is not None
    assert result.lower < (result.estimate or 0.0) < result.upper
    assert result.draws is not None and result.draws.size == 30


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REFERENCE_BCA))
def test_reference_bca_within_monte_carlo_spread(mse_tables: Path, name: str) -> None:
    table = _table(mse_tables, name)
    # One long run split into blocks of 1,000: each block comes from its own random streams, so
    # it is exactly an independent 1,000-replicate run (same estimate and acceleration).
    boot = Bootstrap(n_boot=RUNS * 1000, seed=2024, n_jobs=2).fit(table)
    estimate = float(boot.result_.estimate or 0.0)
    ends = np.array(
        [
            bca_interval(block, estimate, boot.acceleration_, np.array([0.025, 0.975]))
            for block in boot.replicates_.reshape(RUNS, 1000)
        ]
    )
    mean, spread = ends.mean(axis=0), ends.std(axis=0, ddof=1)
    reference = np.array(REFERENCE_BCA[name])
    assert np.all(spread > 0)
    # The reference should lie within three run-to-run standard deviations (plus 1%) of the
    # mean of ours; the uk5 lower end is the farthest out (about 3 sd, near the smallest of 40
    # runs we measured), and the R-stream test below shows that is R's seed, not the scheme.
    allowed = 3.0 * spread * np.sqrt(1 + 1 / RUNS) + 0.01 * reference
    assert np.all(np.abs(mean - reference) <= allowed), (mean, spread, reference)


def _r_draws(mse_tables: Path, name: str, tmp_path: Path) -> tuple[CaptureTable, np.ndarray]:
    script = tmp_path / "stream.R"
    script.write_text(R_STREAM)
    out = tmp_path / f"{name}.txt"
    source = mse_tables / f"{name}.csv"
    subprocess.run(["Rscript", str(script), str(source), str(out)], check=True,
                   capture_output=True)
    with source.open() as handle:
        rows = list(csv.reader(handle))[1:]
    masks = [pattern_to_mask([int(x) for x in row[:-1]]) for row in rows]
    by_row = np.loadtxt(out, dtype=np.int64, ndmin=2)
    table = _table(mse_tables, name)
    draws = np.zeros((by_row.shape[0], table.counts.size), dtype=np.int64)
    for column, mask in enumerate(masks):
        draws[:, mask] += by_row[:, column]
    return table, draws


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="needs R (Rscript) for its RNG")
@pytest.mark.parametrize(
    ("name", "tolerance"),
    [("uk5", 0.5), ("uk6", 0.5), ("western", 2.5), ("new_orleans5", 1.0)],
)
def test_replaying_sparsemse_stream_gives_its_interval(
    mse_tables: Path, tmp_path: Path, name: str, tolerance: float
) -> None:
    # Fed R's own resamples, our selection, jackknife and BCa give SparseMSE's interval to the
    # unit (uk5, uk6) or within a couple of units (western upper 3,672.0 vs 3,670; new_orleans5
    # upper 1,703.7 vs 1,703). new_orleans8's reference (717-1,657) is not reproduced by this
    # stream (658-1,713), so it came from another seed or row order; it is left out here.
    table, draws = _r_draws(mse_tables, name, tmp_path)
    result = Bootstrap(n_jobs=1).fit(table, draws=draws).result_
    assert result.diagnostics["n_boot"] == 1000
    got = np.array([result.lower, result.upper], dtype=float)
    np.testing.assert_allclose(got, REFERENCE_BCA[name], atol=tolerance)


def test_draws_must_resample_the_observed(mse_tables: Path) -> None:
    table = _table(mse_tables, "western")
    bad = np.tile(table.counts, (20, 1))
    bad[:, 1] += 1
    with pytest.raises(UncountedError):
        Bootstrap(n_jobs=1).fit(table, draws=bad)


def test_given_draws_match_drawing_them(mse_tables: Path) -> None:
    table = _table(mse_tables, "new_orleans5")
    drawn = Bootstrap(n_boot=300, seed=4, n_jobs=1).fit(table)
    rng_rows = [
        np.random.default_rng(s).multinomial(
            table.observed, table.counts / table.observed, size=min(250, 300 - 250 * i)
        )
        for i, s in enumerate(np.random.SeedSequence(4).spawn(2))
    ]
    replayed = Bootstrap(n_jobs=2).fit(table, draws=np.vstack(rng_rows))
    np.testing.assert_array_equal(drawn.replicates_, replayed.replicates_)
    assert drawn.result_.lower == replayed.result_.lower
    assert drawn.result_.upper == replayed.result_.upper
