"""End-to-end study: simulated conflicts through ingest → link → estimate, against the truth.

For each scenario and each table (one simulated conflict, seed = table number), the same lists
are estimated three ways:

* **perfect**: the capture table of the true persons (what linkage would give if it were
  perfect), through the same ensemble;
* **fixed**: `uncounted estimate DIR --linkage fixed`, the persons of the project's own link run;
* **replicates**: `uncounted estimate DIR --linkage replicates`, after a simulated reviewer has
  answered a review sample of ``--labels`` pairs drawn across probabilities
  (`uncounted review DIR --sample`) from the simulator's truth, which calibrates the match
  probabilities. (Without labels `estimate` keeps the linkage fixed.)
  The pooled estimate is centred on the stored clustering's (the default
  ``linkage_location="fixed"``), the replicates giving the spread;
* **uncentred**: the same replicates centred on their own estimates
  (``linkage_location="replicates"``).

Printed per scenario and way: mean bias (estimate - N) / N, its spread over tables, the share
of 95% intervals holding N, the median interval width / N, and the mean seconds of the estimate.

Scenarios (4 lists each, ``press_obituaries`` without ID numbers):

* ``independent``: no list effects, no dependence between lists, no latent heterogeneity;
* ``dependent``: the lists' dependences of the default design, nothing else;
* ``heterogeneous``: capture varying by age, sex, place and time and a latent visibility, no
  direct dependence;
* ``default``: the demo's design (all of the above);
each with normal recording errors and harsh ones (``RecordingErrors.scaled(2.5)`` through
``error_scale``).

    .venv/bin/python benchmarks/end_to_end.py --quick        # 2 scenarios x 2 tables of 2,000
    .venv/bin/python benchmarks/end_to_end.py --tables 10 --rows rows.jsonl   # 8 x 10 of 20,000
    .venv/bin/python benchmarks/end_to_end.py --summarise rows.jsonl          # even unfinished
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from uncounted.estimate.ensemble import Ensemble
from uncounted.estimate.table import CaptureTable
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.simulate.config import DEFAULT_LISTS
from uncounted.store import Project
from uncounted.workflow.estimation import estimate_project, headline_of
from uncounted.workflow.linkage import link_project
from uncounted.workflow.review import record_decision, review_sample
from uncounted.workflow.simulated import ingest_simulated_lists

WAYS = ("perfect", "fixed", "replicates", "uncentred")


def designs(kind: str) -> tuple[Any, ...]:
    lists = DEFAULT_LISTS[:4]
    if kind == "independent":
        return tuple(dataclasses.replace(d, effects={}, depends_on={}, latent_loading=0.0)
                     for d in lists)
    if kind == "dependent":
        return tuple(dataclasses.replace(d, effects={}, latent_loading=0.0) for d in lists)
    if kind == "heterogeneous":
        return tuple(dataclasses.replace(d, depends_on={}) for d in lists)
    return tuple(lists)


def scenarios(quick: bool) -> list[tuple[str, str, float]]:
    kinds = ("independent", "default") if quick else (
        "independent", "dependent", "heterogeneous", "default")
    errors = (("normal", 1.0),) if quick else (("normal", 1.0), ("harsh", 2.5))
    return [(kind, label, scale) for kind in kinds for label, scale in errors]


def true_table(simulated: Path, lists: list[str]) -> CaptureTable:
    persons = pd.read_csv(simulated / "persons.csv", usecols=[f"on_{n}" for n in lists])
    memberships = [{n for n in lists if row[f"on_{n}"]} for row in persons.to_dict("records")]
    return CaptureTable.from_memberships([m for m in memberships if m], lists)


def answer_sample(project: Project, simulated: Path, labels: int, seed: int) -> int:
    """A simulated reviewer answers a stratified review sample from the truth."""
    records = project.con.execute("SELECT record_id, list, row_number FROM records").df()
    truth = pd.read_csv(simulated / "truth.csv", dtype=str)
    records["row_number"] = records["row_number"].astype(str)
    joined = records.merge(truth, on=["list", "row_number"])
    person = dict(zip(joined["record_id"], joined["person_id"], strict=True))
    sample = review_sample(project, labels, seed)
    for pair in sample.pairs:
        left, right = pair["record_id_l"], pair["record_id_r"]
        decision = "accept" if person.get(left) == person.get(right) else "reject"
        record_decision(project, left, right, decision, reviewer="simulated reviewer")
    return len(sample.pairs)


def one_table(kind: str, scale: float, n_victims: int, seed: int, labels: int,
              replicates: int, folder: Path, uncentred: bool = True) -> dict[str, Any]:
    config = ConflictConfig(n_victims=n_victims, n_lists=4, seed=seed, lists=designs(kind),
                            error_scale=scale)
    simulation = simulate_conflict(config)
    simulated = folder / "simulated"
    manifest = write_simulation(simulation, simulated)
    true_total = int(json.loads((simulated / "truth.json").read_text())["true_total"])
    lists = [e["name"] for e in manifest["lists"]]
    out: dict[str, Any] = {"N": true_total}
    with Project.create(folder / "project") as project:
        ingest_simulated_lists(project, simulated, manifest)
        clock = time.perf_counter()
        link_project(project, seed=seed)
        out["link_seconds"] = time.perf_counter() - clock
        clock = time.perf_counter()
        perfect = Ensemble(seed=seed).fit(true_table(simulated, lists)).result_.to_dict()
        out["perfect"] = {**perfect, "seconds": time.perf_counter() - clock}
        clock = time.perf_counter()
        fixed = headline_of(estimate_project(project, seed=seed, linkage="fixed"))
        out["fixed"] = {**fixed, "seconds": time.perf_counter() - clock}
        out["labels"] = answer_sample(project, simulated, labels, seed)
        clock = time.perf_counter()
        run = estimate_project(project, seed=seed, linkage="replicates", replicates=replicates)
        out["replicates"] = {**headline_of(run), "seconds": time.perf_counter() - clock,
                             "shares": run.result["linkage"]["uncertainty"]["total"]["shares"]}
        if not uncentred:
            return out
        clock = time.perf_counter()
        run = estimate_project(project, seed=seed, linkage="replicates", replicates=replicates,
                               linkage_location="replicates")
        out["uncentred"] = {**headline_of(run), "seconds": time.perf_counter() - clock,
                            "shares": run.result["linkage"]["uncertainty"]["total"]["shares"]}
    return out


def summarise(name: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{name}: {len(rows)} tables, N = {np.mean([r['N'] for r in rows]):,.0f} on average")
    print(f"  {'way':<11} {'bias':>7} {'sd':>6} {'cover':>6} {'width/N':>8} {'seconds':>8}")
    for way in WAYS:
        got = [r for r in rows if r.get(way, {}).get("estimate") is not None]
        if not got:
            print(f"  {way:<11} no estimate")
            continue
        bias = np.array([(r[way]["estimate"] - r["N"]) / r["N"] for r in got])
        cover = np.mean([r[way]["lower"] <= r["N"] <= r[way]["upper"] for r in got])
        width = np.median([(r[way]["upper"] - r[way]["lower"]) / r["N"] for r in got])
        seconds = np.mean([r[way]["seconds"] for r in got])
        print(f"  {way:<11} {bias.mean():+7.2%} {bias.std():6.2%} {cover:6.0%} {width:8.2%} "
              f"{seconds:8.1f}")
    for way in ("replicates", "uncentred"):
        shares = [r[way]["shares"] for r in rows if "shares" in r.get(way, {})]
        if shares:
            mean = {k: np.mean([s[k] for s in shares]) for k in ("linkage", "sampling", "model")}
            print(f"  {way} variance: " + ", ".join(f"{k} {v:.0%}" for k, v in mean.items()))


def targets(every: dict[str, list[dict[str, Any]]]) -> None:
    """The issue's targets: the bias linkage adds, and coverage against perfect linkage."""
    for way in ("fixed", "replicates", "uncentred"):
        lines, biases = [], []
        for name, rows in every.items():
            both = [r for r in rows if r.get(way, {}).get("estimate") is not None
                    and r["perfect"].get("estimate") is not None]
            if not both:
                continue
            bias = float(np.mean([(r[way]["estimate"] - r["perfect"]["estimate"]) / r["N"]
                                  for r in both]))
            cover = {w: np.mean([r[w]["lower"] <= r["N"] <= r[w]["upper"] for r in both])
                     for w in ("perfect", way)}
            gap = cover[way] - cover["perfect"]
            biases.append(bias)
            lines.append(f"  {name:<34} {len(both):3d} tables  bias added {bias:+6.2%} "
                         f"({'ok' if abs(bias) <= 0.02 else 'over 2%'})  coverage gap "
                         f"{gap:+5.0%} ({'ok' if gap >= -0.03 else 'over 3 points'})")
        if not lines:
            continue
        print(f"\nTargets, {way} against perfect linkage:")
        print("\n".join(lines))
        mean = float(np.mean(np.abs(biases)))
        print(f"  mean |bias added| over scenarios {mean:.2%} "
              f"({'ok' if mean <= 0.01 else 'over 1%'})")


def markdown(every: dict[str, list[dict[str, Any]]]) -> None:
    """One table for docs: per scenario and way, bias, coverage, width; linkage's bias added."""
    print("| scenario | tables | way | bias | 95% coverage | median width / N |"
          " bias added (way - perfect) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, rows in every.items():
        for way in WAYS:
            got = [r for r in rows if r.get(way, {}).get("estimate") is not None]
            if not got:
                continue
            bias = np.mean([(r[way]["estimate"] - r["N"]) / r["N"] for r in got])
            cover = np.mean([r[way]["lower"] <= r["N"] <= r[way]["upper"] for r in got])
            width = np.median([(r[way]["upper"] - r[way]["lower"]) / r["N"] for r in got])
            moved = [(r[way]["estimate"] - r["perfect"]["estimate"]) / r["N"] for r in got]
            added = "" if way == "perfect" else f"{np.mean(moved):+.2%}"
            print(f"| {name} | {len(got)} | {way} | {bias:+.2%} | {cover:.0%} | {width:.2%} |"
                  f" {added} |")


def read_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    every: dict[str, list[dict[str, Any]]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                every.setdefault(row["scenario"], []).append(row)
    return every


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tables", type=int, default=None)
    parser.add_argument("--victims", type=int, default=None)
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--rows", type=Path, default=None,
                        help="Append each table's row here (JSON lines) and skip the tables "
                             "already in it, so that a stopped study resumes.")
    parser.add_argument("--no-uncentred", action="store_true",
                        help="Skip the replicates centred on their own estimates.")
    parser.add_argument("--markdown", action="store_true",
                        help="With --summarise: one Markdown table of every scenario and way.")
    parser.add_argument("--summarise", type=Path, default=None,
                        help="Only summarise the rows of this file (even an unfinished study).")
    args = parser.parse_args()
    if args.summarise:
        every = read_rows(args.summarise)
        if args.markdown:
            markdown(every)
            return
        for name, rows in every.items():
            summarise(name, rows)
        targets(every)
        return
    tables = args.tables or (2 if args.quick else 10)
    victims = args.victims or (2_000 if args.quick else 20_000)
    every = read_rows(args.rows) if args.rows else {}
    done = {(name, r["table"], r["N_victims"]) for name, rows in every.items() for r in rows}
    # Table by table across the scenarios, so that a study stopped early covers them all.
    for seed in range(1, tables + 1):
        for kind, label, scale in scenarios(args.quick):
            name = f"{kind}, {label} errors"
            if (name, seed, victims) in done:
                continue
            with tempfile.TemporaryDirectory() as folder:
                row = one_table(kind, scale, victims, seed, args.labels, args.replicates,
                                Path(folder), uncentred=not args.no_uncentred)
            row.update(scenario=name, table=seed, N_victims=victims)
            every.setdefault(name, []).append(row)
            if args.rows:
                with args.rows.open("a") as out:
                    out.write(json.dumps(row, default=str) + "\n")
            print(f"{name}, table {seed}: N {row['N']:,}; " + "; ".join(
                f"{way} {row[way]['estimate']:,.0f} [{row[way]['lower']:,.0f}, "
                f"{row[way]['upper']:,.0f}]" for way in WAYS
                if row.get(way, {}).get("estimate") is not None), flush=True)
    for name, rows in every.items():
        summarise(name, rows)
    targets(every)


if __name__ == "__main__":
    main()
