"""Timings of the log-linear estimators against baselines measured in the same run.

* ``all_models_5_lists_seconds``: fit and check every hierarchical model (6,893) of a 5-list
  table (uk5). Baseline: the same fits through a plain numpy IRLS (``numpy.linalg.solve`` per
  iteration, no compilation) on a sample of models, extrapolated to all of them.
* ``bootstrap_1000_stepwise_4_lists_seconds``: 1,000 bootstrap replicates with stepwise
  re-selection plus the jackknife, on a 4-list table (diabetes). Baseline: the same replicates
  through the general path (a full ``Stepwise().fit`` per replicate) on one core, on a sample,
  extrapolated.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from uncounted.estimate.bootstrap import Bootstrap
from uncounted.estimate.existence import check_models
from uncounted.estimate.models import all_hierarchical_models
from uncounted.estimate.selection import BestModel, Stepwise
from uncounted.estimate.table import CaptureTable

TABLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "mse-tables"


def _table(name: str) -> CaptureTable:
    return CaptureTable.from_csv(TABLES / f"{name}.csv")


def _warm_up() -> None:
    """Load the compiled kernels so that timings measure work, not compilation."""
    BestModel(interval="none").fit(_table("spina"))
    Stepwise().fit(_table("western"))


def all_models_5_lists_seconds() -> float:
    _warm_up()
    table = _table("uk5")
    start = time.perf_counter()
    BestModel(interval="none").fit(table)
    return time.perf_counter() - start


def _numpy_irls(x: np.ndarray, y: np.ndarray) -> float:
    mu = y + 0.1
    eta = np.log(mu)
    deviance = np.inf
    for _ in range(100):
        w = mu
        z = eta + (y - mu) / mu
        beta = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * z))
        eta = x @ beta
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * np.sum(np.where(y > 0, y * np.log(y / mu), 0) - (y - mu))
        if abs(dev - deviance) / (abs(dev) + 0.1) < 1e-11:
            break
        deviance = dev
    return float(beta[0])


def all_models_5_lists_baseline_seconds(sample: int = 400) -> float:
    """Plain numpy IRLS on a sample of the models, scaled to all 6,893."""
    table = _table("uk5")
    models = all_hierarchical_models(5)
    checks = [c for c in check_models(table.counts, models) if c.ok]
    picked = checks[:: max(1, len(checks) // sample)]
    y_all = table.counts[1:].astype(float)
    start = time.perf_counter()
    for check in picked:
        _numpy_irls(check.design, y_all[check.kept_cells])
    per_model = (time.perf_counter() - start) / len(picked)
    return per_model * len(models)


def bootstrap_1000_stepwise_4_lists_seconds() -> float:
    _warm_up()
    table = _table("diabetes")
    start = time.perf_counter()
    Bootstrap(n_boot=1000, seed=1).fit(table)
    return time.perf_counter() - start


def bootstrap_1000_stepwise_4_lists_baseline_seconds(sample: int = 100) -> float:
    """General path (a full ``Stepwise().fit`` per replicate), one core, scaled to 1,000."""

    class PlainStepwise(Stepwise):  # a subclass is not given the fast path
        pass

    table = _table("diabetes")
    start = time.perf_counter()
    Bootstrap(PlainStepwise(), n_boot=sample, seed=1, n_jobs=1).fit(table)
    return (time.perf_counter() - start) * 1000 / sample
