"""Simulation study: bias, relative RMSE and interval coverage of every method and the ensemble.

Tables are drawn from populations of known size N with a documented generator (below), every
method runs on each table through the ensemble, and the script prints, per scenario and over
all scenarios, for each method: how often it gave a number (and how often the ensemble found it
defensible), the mean relative error (bias), the relative root mean squared error, the share of
95% intervals that contain N, and the median interval width relative to N. Whatever they are.

Generator (latent classes with direct list dependence). Each person is "easy" to record with
probability 0.3, else "hard". List j records a person independently with probability ``expit(a +
e_j + d_j)``: ``a`` is the class's log-odds, -0.4 for easy and -1.2 for hard people (about 40%
and 23%: "mild" heterogeneity) or -0.6 and -2.2 (about 35% and 10%: "strong", where most hard
people are on no list and no method sees them), ``e_j`` spreads the lists' sizes evenly from
-0.4 to +0.4 on the log-odds scale, and ``d_j`` is the direct dependence of list 2 on list 1: 0
("no pair effect": the classes alone make lists positively dependent), +1.2 ("positive pair":
list 2 finds those list 1 found, as lists that copy each other) or -1.5 ("negative pair": list 2
looks for those list 1 missed, as a survey set up to fill a register's gaps).
People on no list are the unobserved.

    .venv/bin/python benchmarks/simulation_study.py --quick      # under 3 minutes on 2 cores
    .venv/bin/python benchmarks/simulation_study.py              # the full study

The Bayesian methods run shorter than their defaults (``METHOD_OPTIONS``) to keep the study
feasible; the quick mode shortens them further.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from uncounted.estimate.coverage import SampleCoverage
from uncounted.estimate.ensemble import Ensemble
from uncounted.estimate.table import CaptureTable

EASY_SHARE = 0.3
#: (easy, hard) log-odds of capture by heterogeneity level
LOG_ODDS = {"mild": (-0.4, -1.2), "strong": (-0.6, -2.2)}
LIST_SPREAD = 0.4
PAIR_EFFECT = {"no pair effect": 0.0, "positive pair": 1.2, "negative pair": -1.5}

METHOD_OPTIONS: dict[str, dict[str, Any]] = {
    "stepwise": {"n_boot": 500},
    "lcmcr": {"n_samples": 1000, "burn_in": 10_000, "thin": 20},
}
QUICK_OPTIONS: dict[str, dict[str, Any]] = {
    "stepwise": {"n_boot": 200},
    "lcmcr": {"n_samples": 400, "burn_in": 4000, "thin": 10, "n_chains": 2},
}
METHODS = ("stepwise", "bic", "lcmcr", "dga", "sample-coverage", "ensemble")


@dataclass(frozen=True)
class Scenario:
    n: int
    n_lists: int
    heterogeneity: str
    dependence: str

    @property
    def label(self) -> str:
        return (
            f"N={self.n:,}, {self.n_lists} lists, {self.heterogeneity} heterogeneity, "
            f"{self.dependence}"
        )


def draw_table(scenario: Scenario, rng: np.random.Generator) -> CaptureTable:
    """One capture table from the generator in the module docstring."""
    n, n_lists = scenario.n, scenario.n_lists
    easy = rng.random(n) < EASY_SHARE
    easy_log_odds, hard_log_odds = LOG_ODDS[scenario.heterogeneity]
    base = np.where(easy, easy_log_odds, hard_log_odds)
    spread = np.linspace(-LIST_SPREAD, LIST_SPREAD, n_lists)
    caught = np.zeros((n, n_lists), dtype=bool)
    for j in range(n_lists):
        log_odds = base + spread[j]
        if j == 1:
            log_odds = log_odds + PAIR_EFFECT[scenario.dependence] * caught[:, 0]
        caught[:, j] = rng.random(n) < expit(log_odds)
    masks = caught.astype(np.int64) @ (1 << np.arange(n_lists))
    counts = np.bincount(masks, minlength=1 << n_lists)
    counts[0] = 0
    return CaptureTable(tuple(f"L{j + 1}" for j in range(n_lists)), counts)


Row = dict[str, tuple[float | None, float | None, float | None, bool]]


def run_one(scenario: Scenario, seed: np.random.SeedSequence, quick: bool) -> Row:
    """Every method on one table: (estimate, lower, upper, defensible) by method."""
    draw_seed, estimate_seed, coverage_seed = seed.spawn(3)
    table = draw_table(scenario, np.random.default_rng(draw_seed))
    options = QUICK_OPTIONS if quick else METHOD_OPTIONS
    ensemble = Ensemble(seed=estimate_seed, n_jobs=1, options=options).fit(table)
    row: Row = {}
    for name, result in ensemble.results_.items():
        row[name] = (result.estimate, result.lower, result.upper, name in ensemble.included_)
    if table.n_lists > 3:
        # the ensemble uses sample coverage on three lists only; measure it everywhere anyway
        coverage_int = int(coverage_seed.generate_state(1)[0])
        coverage = SampleCoverage(n_boot=options["stepwise"]["n_boot"], seed=coverage_int)
        result = coverage.fit(table).result_
        row["sample-coverage"] = (result.estimate, result.lower, result.upper, False)
    head = ensemble.result_
    row["ensemble"] = (head.estimate, head.lower, head.upper, head.estimate is not None)
    return row


def scenarios(quick: bool) -> list[Scenario]:
    sizes = (2000,) if quick else (1000, 10_000)
    lists = (3, 5) if quick else (3, 4, 5)
    return [
        Scenario(n, j, h, d) for n in sizes for j in lists for h in LOG_ODDS for d in PAIR_EFFECT
    ]


def summarise(truth: int, rows: list[Row], method: str) -> dict[str, float]:
    entries = [row[method] for row in rows if method in row]
    numbers = [(e, lo, hi, ok) for e, lo, hi, ok in entries if e is not None and math.isfinite(e)]
    out: dict[str, float] = {
        "runs": len(entries),
        "numbers": len(numbers),
        "defensible": sum(ok for *_, ok in entries),
    }
    if numbers:
        errors = np.array([(e - truth) / truth for e, *_ in numbers])
        covered = [
            lo is not None and hi is not None and lo <= truth <= hi for _, lo, hi, _ in numbers
        ]
        widths = [
            (hi - lo) / truth for _, lo, hi, _ in numbers if lo is not None and hi is not None
        ]
        out.update(
            {
                "bias": float(errors.mean()),
                "rrmse": float(np.sqrt(np.mean(errors**2))),
                "coverage": float(np.mean(covered)),
                "width": float(np.median(widths)) if widths else math.nan,
            }
        )
    return out


def table_lines(title: str, stats: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        f"#### {title}",
        "",
        "| method | numbers / runs | defensible | bias | rel. RMSE | 95% coverage "
        "| median width / N |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for method in METHODS:
        s = stats.get(method)
        if not s or not s["runs"]:
            continue
        if "bias" not in s:
            lines.append(f"| {method} | 0 / {s['runs']:.0f} | 0 | – | – | – | – |")
            continue
        lines.append(
            f"| {method} | {s['numbers']:.0f} / {s['runs']:.0f} | {s['defensible']:.0f} "
            f"| {s['bias']:+.1%} | {s['rrmse']:.1%} | {s['coverage']:.0%} | {s['width']:.2f} |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few tables, short chains")
    parser.add_argument("--reps", type=int, default=None, help="tables per scenario")
    parser.add_argument("--seed", type=int, default=20240901)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 12)
    cases = [(s, r) for s in scenarios(args.quick) for r in range(reps)]
    seeds = np.random.SeedSequence(args.seed).spawn(len(cases))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            pool.submit(run_one, s, seed, args.quick)
            for (s, _), seed in zip(cases, seeds, strict=True)
        ]
        rows = [f.result() for f in futures]
    elapsed = time.perf_counter() - started

    by_scenario: dict[Scenario, list[Row]] = defaultdict(list)
    for (scenario, _), row in zip(cases, rows, strict=True):
        by_scenario[scenario].append(row)
    mode = "quick" if args.quick else "full"
    print(
        f"### Simulation study ({mode}: {len(cases)} tables, {reps} per scenario, "
        f"seed {args.seed}, {elapsed:.0f} s on {args.jobs} workers)\n"
    )
    overall: dict[str, dict[str, float]] = {}
    for method in METHODS:
        # relative errors pooled over scenarios of different N
        pooled = [summarise(s.n, by_scenario[s], method) for s in by_scenario]
        runs = sum(p["runs"] for p in pooled)
        with_numbers = [p for p in pooled if "bias" in p]
        weight = np.array([p["numbers"] for p in with_numbers], dtype=float)
        summary = {
            "runs": runs,
            "numbers": float(weight.sum()),
            "defensible": sum(p["defensible"] for p in pooled),
        }
        if weight.sum():
            for key in ("bias", "coverage", "width"):
                summary[key] = float(np.average([p[key] for p in with_numbers], weights=weight))
            summary["rrmse"] = float(
                np.sqrt(np.average([p["rrmse"] ** 2 for p in with_numbers], weights=weight))
            )
        overall[method] = summary
    for line in table_lines("All scenarios", overall):
        print(line)
    for scenario, scenario_rows in by_scenario.items():
        stats = {m: summarise(scenario.n, scenario_rows, m) for m in METHODS}
        for line in table_lines(scenario.label, stats):
            print(line)


if __name__ == "__main__":
    main()
