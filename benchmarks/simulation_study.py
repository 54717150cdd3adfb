"""Simulation study: bias, relative RMSE, coverage and width of every method and the headline.

Tables are drawn from populations of known size N, every method runs on each table through the
ensemble, and the script prints, per scenario and over groups of scenarios, for each method and
for the headline: how often it gave a number (and how often the ensemble found it defensible),
the mean relative error (bias), the relative root mean squared error, the share of 95%
intervals that contain N, and the median interval width relative to N. Whatever they are.
Besides the ensemble's own headline it measures other candidate headline rules on the same
fits (``RULES``), which is how the default rule was chosen (docs/estimation.md).

Two generators, with perfect linkage (the truth's capture histories) throughout:

**latent** (the original study). Each person is "easy" to record with probability 0.3, else
"hard". List j records a person independently with probability ``expit(a + e_j + d_j)``: ``a``
is the class's log-odds (``LOG_ODDS``): equal for both classes ("none": no heterogeneity), -0.4
and -1.2 (about 40% and 23%: "mild"), -0.5 and -1.7 ("moderate") or -0.6 and -2.2 (about 35%
and 10%: "strong", where most hard people are on no list and no method sees them); ``e_j``
spreads the lists' sizes evenly from -0.4 to +0.4 on the log-odds scale, and ``d_j`` is the
direct dependence of list 2 on list 1: 0 ("no pair effect": the classes alone make lists
positively dependent), +1.2 ("positive pair": list 2 finds those list 1 found, as lists that
copy each other) or -1.5 ("negative pair": list 2 looks for those list 1 missed, as a survey
set up to fill a register's gaps). People on no list are the unobserved.

**simulator** (``uncounted.simulate``, the project's own synthetic conflict, without the names).
Victims in households with ages, sexes, governorates and dates of death; the first J of the
default list designs record them with capture that depends on age group, sex, governorate and
month of death, on a latent visibility shared within households, and on earlier lists (a
families' survey that looks for those the hospitals missed, an NGO list that follows the
hospitals, a press list that follows the NGO...). "designed dependence" keeps the designs'
``depends_on``; "no list dependence" drops it (covariates and visibility remain). Unstratified
scenarios estimate the whole table; stratified ones estimate each stratum (age group x sex,
governorate, or period of death) and add the strata's draws for the total, as
``StratifiedEstimate`` does (strata too thin to estimate count as their observed number).

    .venv/bin/python benchmarks/simulation_study.py --quick      # a few minutes on 2 cores
    .venv/bin/python benchmarks/simulation_study.py              # the full study

The Bayesian methods and the bootstrap run shorter than their defaults (``METHOD_OPTIONS``) to
keep the study feasible; the quick mode shortens them further.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit

from uncounted.estimate.coverage import SampleCoverage
from uncounted.estimate.ensemble import Ensemble, pool_draws, quantile_interval
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.strata import combine_strata, split_strata
from uncounted.estimate.table import CaptureTable

EASY_SHARE = 0.3
#: (easy, hard) log-odds of capture by heterogeneity level
LOG_ODDS = {"none": (-0.9, -0.9), "mild": (-0.4, -1.2), "moderate": (-0.5, -1.7),
            "strong": (-0.6, -2.2)}
LIST_SPREAD = 0.4
PAIR_EFFECT = {"no pair effect": 0.0, "positive pair": 1.2, "negative pair": -1.5}
SIMULATOR_DEPENDENCE = ("designed dependence", "no list dependence")
PERIODS = (("2023-10", "2023-11"), ("2023-12", "2024-01"), ("2024-02", "2024-12"))

METHOD_OPTIONS: dict[str, dict[str, Any]] = {
    "stepwise": {"n_boot": 500},
    "lcmcr": {"n_samples": 1000, "burn_in": 10_000, "thin": 20},
}
QUICK_OPTIONS: dict[str, dict[str, Any]] = {
    "stepwise": {"n_boot": 200},
    "lcmcr": {"n_samples": 400, "burn_in": 4000, "thin": 10, "n_chains": 2},
}
METHODS = ("stepwise", "bic", "lcmcr", "dga", "sample-coverage")
N_DRAWS = 4000


@dataclass(frozen=True)
class Scenario:
    family: str  # "latent" or "simulator"
    n: int
    n_lists: int
    heterogeneity: str  # latent: a LOG_ODDS key; simulator: "designs"
    dependence: str  # latent: a PAIR_EFFECT key; simulator: a SIMULATOR_DEPENDENCE entry
    strata: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.family == "latent":
            return (f"latent, N={self.n:,}, {self.n_lists} lists, {self.heterogeneity} "
                    f"heterogeneity, {self.dependence}")
        split = " x ".join(self.strata) if self.strata else "no strata"
        return f"simulator, N={self.n:,}, {self.n_lists} lists, {self.dependence}, {split}"


def draw_table(scenario: Scenario, rng: np.random.Generator) -> CaptureTable:
    """One capture table from the latent-class generator in the module docstring."""
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


def draw_persons(scenario: Scenario, seed: np.random.SeedSequence) -> Any:
    """Persons (everyone, listed or not) of one simulated conflict: lists and covariates."""
    import pandas as pd

    from uncounted.simulate.capture import draw_captures
    from uncounted.simulate.config import (
        AGE_GROUPS,
        DEFAULT_LISTS,
        GOVERNORATES,
        SEXES,
        ConflictConfig,
    )
    from uncounted.simulate.names import load_name_tables
    from uncounted.simulate.population import make_population

    population_seed, capture_seed = seed.spawn(2)
    designs = DEFAULT_LISTS[: scenario.n_lists]
    if scenario.dependence == "no list dependence":
        designs = tuple(replace(d, depends_on={}) for d in designs)
    config = ConflictConfig(n_victims=scenario.n, n_lists=scenario.n_lists)
    population = make_population(config, load_name_tables(),
                                 np.random.default_rng(population_seed))
    captured, _ = draw_captures(population, designs, np.random.default_rng(capture_seed))
    month = population.date_of_death.astype("datetime64[M]")
    period = np.full(population.size, "", dtype=object)
    for first, last in PERIODS:
        inside = (month >= np.datetime64(first, "M")) & (month <= np.datetime64(last, "M"))
        period[inside] = f"{first}..{last}"
    frame = pd.DataFrame({
        "age_group": np.array(AGE_GROUPS, dtype=object)[population.age_group()],
        "sex": np.array(SEXES, dtype=object)[population.sex],
        "governorate": np.array(GOVERNORATES, dtype=object)[population.governorate],
        "period": period,
    })
    for j, design in enumerate(designs):
        frame[design.name] = captured[:, j].astype(np.int8)
    return frame


# -- candidate headline rules ---------------------------------------------------------------------

Votes = Callable[[Ensemble], dict[str, float]]


def _equal(fit: Ensemble) -> dict[str, float]:
    return {n: 1.0 for n in fit.included_}


def _lcmcr_led(fit: Ensemble) -> dict[str, float]:
    return {"lcmcr": 1.0} if "lcmcr" in fit.included_ else _equal(fit)


def _lcmcr_any(fit: Ensemble) -> dict[str, float]:
    # LCMCR whenever it gave a number, converged or not (pooled chains that disagree are wider)
    lcmcr = fit.results_.get("lcmcr")
    if lcmcr is not None and lcmcr.estimate is not None and lcmcr.draws is not None:
        return {"lcmcr": 1.0}
    return _equal(fit)


def _lcmcr_half(fit: Ensemble) -> dict[str, float]:
    votes = _equal(fit)
    if "lcmcr" in votes and len(votes) > 1:
        votes["lcmcr"] = float(len(votes) - 1)
    return votes


#: rule name -> (votes, widen the interval to every defensible point estimate?)
RULES: dict[str, tuple[Votes, bool]] = {
    "equal": (_equal, True),
    "lcmcr-led": (_lcmcr_led, False),
    "lcmcr-led+points": (_lcmcr_led, True),
    "lcmcr-any": (_lcmcr_any, False),
    "lcmcr-any+points": (_lcmcr_any, True),
    "lcmcr-half": (_lcmcr_half, True),
    "union": (_equal, True),  # the interval is then the union of the defensible intervals
}


def rule_result(fit: Ensemble, rule: str, rng: np.random.Generator) -> EstimateResult | None:
    """The headline that ``rule`` would give on this fit (draws included), or None."""
    votes_of, widen = RULES[rule]
    votes = votes_of(fit)
    if not votes:
        return None
    results = {**fit.results_}
    pooled = pool_draws(results, votes, N_DRAWS, rng)
    lower, estimate, upper = quantile_interval(pooled, 0.95)
    if widen:
        points = [float(results[n].estimate) for n in fit.included_]  # type: ignore[arg-type]
        lower, upper = min(lower, *points), max(upper, *points)
    if rule == "union":
        lower = min([lower, *(float(results[n].lower) for n in fit.included_)])  # type: ignore[arg-type]
        upper = max([upper, *(float(results[n].upper) for n in fit.included_)])  # type: ignore[arg-type]
    observed = fit.result_.observed
    return EstimateResult(method=rule, model=None, observed=observed, estimate=estimate,
                          lower=lower, upper=upper, draws=pooled)


Outcome = tuple[float | None, float | None, float | None, bool]
Row = dict[str, Outcome]


def _outcome(result: EstimateResult | None, defensible: bool) -> Outcome:
    if result is None:
        return (None, None, None, False)
    return (result.estimate, result.lower, result.upper, defensible)


def _fit_table(table: CaptureTable, seed: np.random.SeedSequence, quick: bool
               ) -> tuple[Ensemble, dict[str, EstimateResult | None]]:
    estimate_seed, rule_seed = seed.spawn(2)
    options = QUICK_OPTIONS if quick else METHOD_OPTIONS
    fit = Ensemble(seed=estimate_seed, n_jobs=1, options=options).fit(table)
    rng = np.random.default_rng(rule_seed)
    rules = {f"rule:{r}": rule_result(fit, r, rng) for r in RULES}
    return fit, rules


def run_one(scenario: Scenario, seed: np.random.SeedSequence, quick: bool) -> Row:
    """Every method and candidate headline on one table (or one stratified population)."""
    draw_seed, estimate_seed, coverage_seed = seed.spawn(3)
    options = QUICK_OPTIONS if quick else METHOD_OPTIONS
    if scenario.family == "latent":
        table = draw_table(scenario, np.random.default_rng(draw_seed))
        fit, rules = _fit_table(table, estimate_seed, quick)
        row: Row = {n: _outcome(r, n in fit.included_) for n, r in fit.results_.items()}
        if table.n_lists > 3:
            # the ensemble uses sample coverage on three lists only; measure it everywhere
            coverage_int = int(coverage_seed.generate_state(1)[0])
            coverage = SampleCoverage(n_boot=options["stepwise"]["n_boot"], seed=coverage_int)
            row["sample-coverage"] = _outcome(coverage.fit(table).result_, False)
        row["headline"] = _outcome(fit.result_, fit.result_.estimate is not None)
        row.update({r: _outcome(v, v is not None) for r, v in rules.items()})
        return row

    persons = draw_persons(scenario, draw_seed)
    lists = [c for c in persons.columns if c not in ("age_group", "sex", "governorate", "period")]
    cells, _ = split_strata(persons, list(scenario.strata), lists)
    seeds = estimate_seed.spawn(len(cells) + 1)
    per_stratum: dict[str, dict[str, EstimateResult | None]] = {}
    floors: dict[str, tuple[int, str]] = {}
    for cell, cell_seed in zip(cells, seeds, strict=False):
        if cell.table is None:
            floors[cell.label] = (cell.observed, str(cell.refusal))
            continue
        fit, rules = _fit_table(cell.table, cell_seed, quick)
        found: dict[str, EstimateResult | None] = dict(fit.results_)
        found["headline"] = fit.result_
        found.update(rules)
        per_stratum[cell.label] = found
    names = [*METHODS, "headline", *(f"rule:{r}" for r in RULES)]
    row = {}
    for k, name in enumerate(names):
        estimated: dict[str, EstimateResult] = {}
        missing = dict(floors)
        for label, found in per_stratum.items():
            result = found.get(name)
            if result is not None and result.estimate is not None and result.lower is not None:
                estimated[label] = result
            else:
                observed = next(c.observed for c in cells if c.label == label)
                missing[label] = (observed, "no estimate")
        if not estimated:
            row[name] = (None, None, None, False)
            continue
        total = combine_strata(estimated, missing, n_draws=N_DRAWS,
                               seed=np.random.SeedSequence(seeds[-1].entropy,
                                                           spawn_key=(*seeds[-1].spawn_key, k)))
        row[name] = (total.estimate, total.lower, total.upper, not missing)
    return row


def scenarios(quick: bool) -> list[Scenario]:
    if quick:
        out = [Scenario("latent", 2000, j, h, d) for j in (3, 5) for h in ("mild", "strong")
               for d in ("no pair effect", "negative pair")]
        out += [Scenario("simulator", 5000, 5, "designs", "designed dependence", s)
                for s in ((), ("age_group", "sex"))]
        return out
    out = [Scenario("latent", n, j, h, d) for n in (1000, 10_000) for j in (3, 4, 5)
           for h in ("mild", "strong") for d in PAIR_EFFECT]
    # latent-class populations at more strengths, no direct list dependence
    out += [Scenario("latent", 10_000, j, h, "no pair effect") for j in (4, 5)
            for h in ("none", "moderate")]
    out += [Scenario("simulator", 10_000, j, "designs", "designed dependence", s)
            for j in (4, 5, 6) for s in ((), ("age_group", "sex"))]
    out += [Scenario("simulator", 10_000, 5, "designs", "no list dependence", s)
            for s in ((), ("age_group", "sex"))]
    out += [Scenario("simulator", 10_000, 5, "designs", "designed dependence", s)
            for s in (("governorate",), ("period",))]
    return out


def summarise(truth: int, rows: list[Row], method: str) -> dict[str, float]:
    entries = [row[method] for row in rows if method in row]
    numbers = [(e, lo, hi, ok) for e, lo, hi, ok in entries if e is not None and math.isfinite(e)]
    out: dict[str, float] = {"runs": len(entries), "numbers": len(numbers),
                             "defensible": sum(ok for *_, ok in entries)}
    if numbers:
        errors = np.array([(e - truth) / truth for e, *_ in numbers])
        covered = [lo is not None and hi is not None and lo <= truth <= hi
                   for _, lo, hi, _ in numbers]
        widths = [(hi - lo) / truth for _, lo, hi, _ in numbers
                  if lo is not None and hi is not None]
        out.update({
            "bias": float(errors.mean()),
            "rrmse": float(np.sqrt(np.mean(errors**2))),
            "coverage": float(np.mean(covered)),
            "width": float(np.median(widths)) if widths else math.nan,
        })
    return out


def table_lines(title: str, stats: dict[str, dict[str, float]], shown: list[str]) -> list[str]:
    lines = [f"#### {title}", "",
             "| method | numbers / runs | defensible | bias | rel. RMSE | 95% coverage "
             "| median width / N |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for method in shown:
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


def pooled_stats(per_scenario: list[dict[str, float]]) -> dict[str, float]:
    """Scenario summaries pooled, weighted by the runs with a number."""
    runs = sum(p["runs"] for p in per_scenario)
    with_numbers = [p for p in per_scenario if "bias" in p]
    weight = np.array([p["numbers"] for p in with_numbers], dtype=float)
    summary = {"runs": runs, "numbers": float(weight.sum()),
               "defensible": sum(p["defensible"] for p in per_scenario)}
    if weight.sum():
        for key in ("bias", "coverage", "width"):
            summary[key] = float(np.average([p[key] for p in with_numbers], weights=weight))
        summary["rrmse"] = float(np.sqrt(np.average(
            [p["rrmse"] ** 2 for p in with_numbers], weights=weight)))
    return summary


def target_lines(stats: dict[Any, dict[str, dict[str, float]]], shown: list[str]) -> list[str]:
    """The issue's targets for each headline candidate: coverage averaged over the scenarios
    with 4+ lists; the worst coverage, and the width against LCMCR's, where LCMCR covers 90%."""
    four = [s for s in stats if s.n_lists >= 4]
    good = [s for s in stats if stats[s].get("lcmcr", {}).get("coverage", 0.0) >= 0.9]
    lines = ["#### Headline targets", "",
             f"Scenarios with 4+ lists: {len(four)}; scenarios where LCMCR covers >= 90%: "
             f"{len(good)}.", "",
             "| headline rule | mean coverage, 4+ lists | worst coverage where LCMCR >= 90% "
             "| worst width ratio to LCMCR there | mean width ratio there |",
             "|---|---:|---:|---:|---:|"]
    for name in shown:
        coverages = [stats[s][name].get("coverage", 0.0) for s in four]
        mean_four = float(np.mean(coverages)) if coverages else math.nan
        worst = min((stats[s][name].get("coverage", 0.0) for s in good), default=math.nan)
        ratios = [stats[s][name]["width"] / stats[s]["lcmcr"]["width"] for s in good
                  if "width" in stats[s][name] and stats[s]["lcmcr"].get("width")]
        worst_ratio = max(ratios, default=math.nan)
        mean_ratio = float(np.mean(ratios)) if ratios else math.nan
        lines.append(f"| {name} | {mean_four:.1%} | {worst:.0%} | {worst_ratio:.2f} "
                     f"| {mean_ratio:.2f} |")
    return [*lines, ""]


def _scenario_key(scenario: Scenario) -> list[Any]:
    return [scenario.family, scenario.n, scenario.n_lists, scenario.heterogeneity,
            scenario.dependence, list(scenario.strata)]


def _scenario_of(key: list[Any]) -> Scenario:
    family, n, n_lists, heterogeneity, dependence, strata = key
    return Scenario(family, n, n_lists, heterogeneity, dependence, tuple(strata))


def report(by_scenario: dict[Scenario, list[Row]], header: str) -> None:
    shown = [*METHODS, "headline", *(f"rule:{r}" for r in RULES)]
    stats = {s: {m: summarise(s.n, by_scenario[s], m) for m in shown} for s in by_scenario}
    print(header + "\n")
    for line in target_lines(stats, ["headline", *(f"rule:{r}" for r in RULES)]):
        print(line)
    groups = {
        "All scenarios": list(stats),
        "Scenarios with 4 or more lists": [s for s in stats if s.n_lists >= 4],
        "Latent-class generator": [s for s in stats if s.family == "latent"],
        "Simulator": [s for s in stats if s.family == "simulator"],
    }
    for title, members in groups.items():
        if not members:
            continue
        overall = {m: pooled_stats([stats[s][m] for s in members]) for m in shown}
        for line in table_lines(f"{title} ({len(members)} scenarios)", overall, shown):
            print(line)
    for scenario in by_scenario:
        for line in table_lines(scenario.label, stats[scenario], shown):
            print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few tables, short chains")
    parser.add_argument("--reps", type=int, default=None, help="tables per scenario")
    parser.add_argument("--seed", type=int, default=20240901)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--family", choices=("latent", "simulator"), default=None,
                        help="only this generator's scenarios")
    parser.add_argument("--rows", type=Path, default=None,
                        help="also write each finished run to this JSON-lines file")
    parser.add_argument("--summarise", type=Path, default=None,
                        help="only summarise the runs in this JSON-lines file (even unfinished)")
    parser.add_argument("--complete-reps", type=int, default=None,
                        help="with --summarise: only repetitions 0 .. k-1 (complete ones)")
    args = parser.parse_args()
    if args.summarise is not None:
        found: dict[Scenario, list[Row]] = defaultdict(list)
        lines = args.summarise.read_text(encoding="utf-8").splitlines()
        kept = 0
        for line in lines:
            record = json.loads(line)
            if args.complete_reps is not None and record["rep"] >= args.complete_reps:
                continue
            kept += 1
            found[_scenario_of(record["scenario"])].append(
                {k: tuple(v) for k, v in record["row"].items()})  # type: ignore[misc]
        report(found, f"### Simulation study (summary of {kept} runs in {args.summarise})")
        return
    reps = args.reps or (3 if args.quick else 12)
    chosen = [s for s in scenarios(args.quick) if args.family in (None, s.family)]
    # the stratified simulator scenarios cost several fits per run: fewer runs of each
    cases = [(s, r) for s in chosen for r in range(reps if s.family == "latent" or args.quick
                                                    else max(1, (2 * reps) // 3))]
    # each run's stream depends on its scenario and repetition only, so a run cut short after
    # k repetitions (see --rows) holds exactly the runs of --reps k
    root = np.random.SeedSequence(args.seed)
    index = {s: i for i, s in enumerate(scenarios(args.quick))}
    seeds = [np.random.SeedSequence(root.entropy, spawn_key=(index[s], r)) for s, r in cases]
    started = time.perf_counter()
    # rep by rep, so that an unfinished run (see --rows) still covers every scenario
    order = sorted(range(len(cases)), key=lambda i: (cases[i][1], -len(cases[i][0].strata)))
    out = args.rows.open("w", encoding="utf-8") if args.rows else None
    rows: dict[int, Row] = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_one, cases[i][0], seeds[i], args.quick): i for i in order}
        for future in as_completed(futures):
            i = futures[future]
            rows[i] = future.result()
            if out is not None:
                out.write(json.dumps({"scenario": _scenario_key(cases[i][0]),
                                      "rep": cases[i][1], "row": rows[i]}) + "\n")
                out.flush()
    if out is not None:
        out.close()
    elapsed = time.perf_counter() - started
    by_scenario: dict[Scenario, list[Row]] = defaultdict(list)
    for i, (scenario, _) in enumerate(cases):
        by_scenario[scenario].append(rows[i])
    mode = "quick" if args.quick else "full"
    report(by_scenario, f"### Simulation study ({mode}: {len(cases)} runs, seed {args.seed}, "
                        f"{elapsed:.0f} s on {args.jobs} workers)")


if __name__ == "__main__":
    main()
