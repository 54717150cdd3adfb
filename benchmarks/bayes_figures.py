"""Timings of the Bayesian estimators against baselines measured in the same run.

* ``lcmcr_us_per_sweep``: microseconds per Gibbs sweep of one LCMCR chain, K = 10, on a
  Kosovo-sized 4-list table (diabetes scaled to n = 4,400), after compilation. R's LCMCR takes
  about 16 µs on this machine. Baseline: the same sweep written in plain numpy (vectorised
  multinomials over patterns, no compilation).
* ``dga_5_lists_seconds``: Bayesian model averaging over the 822 decomposable graphs of the
  5-list congenital table, automatic grid. R's dga takes 0.7 s. Baseline: the graph-by-graph
  computation R's dga does (every graph's clique and separator terms evaluated on the grid).

Run ``python benchmarks/bayes_figures.py`` from the repository root.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln, logsumexp

from uncounted.estimate import decomposable as dg
from uncounted.estimate.dga import DGA
from uncounted.estimate.fast_random import new_state
from uncounted.estimate.lcmcr_sampler import run_chain
from uncounted.estimate.table import CaptureTable

TABLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "mse-tables"
R_LCMCR_US_PER_SWEEP = 16.0
R_DGA_5_LISTS_SECONDS = 0.7


def _table(name: str) -> CaptureTable:
    return CaptureTable.from_csv(TABLES / f"{name}.csv")


def kosovo_sized_table(n: int = 4400) -> CaptureTable:
    """The diabetes table's pattern shares scaled to ``n`` people (4 lists, 15 patterns)."""
    base = _table("diabetes")
    counts = np.round(base.counts * n / base.observed).astype(np.int64)
    return CaptureTable(base.lists, counts)


def _pattern_arrays(table: CaptureTable) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    masks = np.flatnonzero(table.counts).astype(np.int64)
    return masks, np.ascontiguousarray(table.counts[masks])


def _time_chain(table: CaptureTable, sweeps: int, seed: int = 1) -> float:
    masks, counts = _pattern_arrays(table)
    keep = 100
    out_n = np.zeros(keep, dtype=np.int64)
    out_occupied = np.zeros(keep, dtype=np.int64)
    out_alpha = np.zeros(keep)
    start = time.perf_counter()
    state = new_state(np.random.SeedSequence(seed).generate_state(4, dtype=np.uint64))
    run_chain(
        state, masks, counts, table.n_lists, 10, (1.0, 1.0), (0.25, 0.25),
        sweeps - keep * 10, keep, 10, out_n, out_occupied, out_alpha,
    )  # fmt: skip
    return time.perf_counter() - start


def lcmcr_us_per_sweep(sweeps: int = 300_000, repeats: int = 3) -> float:
    """Best of ``repeats`` single-chain runs, in µs per sweep (compilation excluded)."""
    table = kosovo_sized_table()
    _time_chain(table, 2_000)
    return min(_time_chain(table, sweeps, seed) for seed in range(repeats)) / sweeps * 1e6


def numpy_sweep_us(sweeps: int = 2_000) -> float:
    """The same Gibbs sweep in plain numpy: the baseline for ``lcmcr_us_per_sweep``."""
    table = kosovo_sized_table()
    masks, counts = _pattern_arrays(table)
    n_lists, n_classes = table.n_lists, 10
    bits = ((masks[:, None] >> np.arange(n_lists)) & 1).astype(bool)
    rng = np.random.default_rng(1)
    lam = np.full((n_lists, n_classes), 0.5)
    pi = np.full(n_classes, 1.0 / n_classes)
    alpha, n_obs = 1.0, int(counts.sum())
    start = time.perf_counter()
    for _ in range(sweeps):
        like = np.where(bits[:, :, None], lam[None], 1.0 - lam[None]).prod(axis=1) * pi
        split = rng.multinomial(counts, like / like.sum(axis=1, keepdims=True))
        missed = np.prod(1.0 - lam, axis=0) * pi
        p0 = missed.sum()
        n0 = rng.negative_binomial(n_obs, 1.0 - p0)
        size = split.sum(axis=0) + rng.multinomial(n0, missed / p0)
        on = bits.T.astype(np.int64) @ split
        lam = rng.beta(1.0 + on, 1.0 + size - on)
        after = size[::-1].cumsum()[::-1] - size
        v = np.append(rng.beta(1.0 + size[:-1], alpha + after[:-1]), 1.0)
        v[:-1] = np.minimum(v[:-1], 1 - 1e-12)
        pi = v * np.concatenate(([1.0], np.cumprod(1.0 - v[:-1])))
        alpha = rng.gamma(0.25 + n_classes - 1, 1.0 / (0.25 - np.log1p(-v[:-1]).sum()))
    return (time.perf_counter() - start) / sweeps * 1e6


def dga_5_lists_seconds(repeats: int = 5) -> float:
    """Best of ``repeats`` fits of DGA on congenital.csv (graph enumeration cached)."""
    table = _table("congenital")
    DGA(seed=0).fit(table)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        DGA(seed=0).fit(table)
        times.append(time.perf_counter() - start)
    return min(times)


def dga_graph_by_graph_seconds() -> float:
    """Baseline: each graph's log posterior assembled from its own clique and separator tables,
    as R's dga does, on the grid DGA chose."""
    table = _table("congenital")
    model = DGA(seed=0).fit(table)
    missing = model.posterior_["n"] - table.observed
    n_lists = table.n_lists
    delta = 2.0**-n_lists
    masks = np.arange(1 << n_lists)
    counts = table.counts.astype(np.float64)
    start = time.perf_counter()
    rows = []
    for graph in dg.all_decomposable(n_lists):
        log_ml = np.zeros(missing.size)
        for margin, coef in dg.subset_coefficients(graph).items():
            if margin == 0:
                continue
            alpha = delta * 2.0 ** (n_lists - margin.bit_count())
            cells = np.bincount(masks & margin, weights=counts, minlength=1 << n_lists)
            cells = cells[(masks & margin) == masks]
            term = (
                np.sum(gammaln(cells[1:] + alpha) - gammaln(alpha))
                + gammaln(missing + cells[0] + alpha)
                - gammaln(alpha)
                - gammaln(missing + table.observed + delta * 2**n_lists)
                + gammaln(delta * 2**n_lists)
            )
            log_ml += coef * term
        rows.append(log_ml)
    n_total = missing + table.observed
    log_post = np.array(rows) + gammaln(n_total + 1) - gammaln(missing + 1) - np.log(n_total)
    np.exp(log_post - logsumexp(log_post))
    return time.perf_counter() - start


def main() -> None:
    lcmcr = lcmcr_us_per_sweep()
    numpy_lcmcr = numpy_sweep_us()
    dga = dga_5_lists_seconds()
    dga_base = dga_graph_by_graph_seconds()
    print(f"lcmcr_us_per_sweep: {lcmcr:.2f}  (K=10, 4 lists, n=4,400; target <= 5, R ~16)")
    print(f"lcmcr_numpy_baseline_us_per_sweep: {numpy_lcmcr:.1f}")
    print(f"lcmcr_speedup_vs_numpy: {numpy_lcmcr / lcmcr:.1f}")
    print(f"lcmcr_speedup_vs_r_16us: {R_LCMCR_US_PER_SWEEP / lcmcr:.1f}")
    print(f"dga_5_lists_s: {dga:.4f}  (822 graphs; target <= 0.1, R ~0.7)")
    print(f"dga_graph_by_graph_baseline_s: {dga_base:.4f}")
    print(f"dga_speedup_vs_graph_by_graph: {dga_base / dga:.1f}")
    print(f"dga_speedup_vs_r_0.7s: {R_DGA_5_LISTS_SECONDS / dga:.1f}")


if __name__ == "__main__":
    main()
