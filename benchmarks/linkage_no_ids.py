"""Linkage of lists that share no ID numbers, on simulated conflicts with known truth.

``python benchmarks/linkage_no_ids.py [hebrew] [field] [--victims N] [--seed S]`` prints one
``name: value`` line per figure: pair precision, recall and F1 overall and per list, persons
against true persons, where the model's parameters came from, and the run's warnings.

- ``hebrew``: the simulator's Hebrew population (``--population hebrew``): a Hebrew victims
  list and a Latin news list without IDs, and a register with IDs.
- ``field``: the default four Gaza lists and the field NGO's list (Latin or both scripts, two
  or three name parts, kunya and titles, no IDs).
The real-data cases (the Hebrew lists, a field-like cut of the TFP list) are measured by
``../shared/checks/hebrew_link.py`` and ``fieldlike_link.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from uncounted.simulate import (
    ConflictConfig,
    simulate_conflict,
    with_field_list,
    write_simulation,
)
from uncounted.store import Project
from uncounted.workflow.evaluation import evaluate_linkage
from uncounted.workflow.linkage import link_project
from uncounted.workflow.simulated import ingest_simulated_lists


def _config(case: str, victims: int, seed: int) -> ConflictConfig:
    if case == "hebrew":
        return ConflictConfig(n_victims=victims, n_lists=3, seed=seed, population="hebrew")
    return ConflictConfig(n_victims=victims, lists=with_field_list(4), seed=seed)


def run(case: str, victims: int, seed: int, folder: Path) -> dict[str, Any]:
    manifest = write_simulation(simulate_conflict(_config(case, victims, seed)), folder / "sim")
    with Project.create(folder / "project") as project:
        ingest_simulated_lists(project, folder / "sim", manifest)
        start = time.perf_counter()
        summary = link_project(project, seed=seed)
        seconds = time.perf_counter() - start
        scores = evaluate_linkage(project, folder / "sim" / "truth.csv")
    return {"summary": summary, "scores": scores, "seconds": seconds}


def show(case: str, result: dict[str, Any]) -> None:
    overall = result["scores"]["overall"]
    for kind in ("pair", "bcubed"):
        for measure in ("precision", "recall", "f1"):
            print(f"{case}_{kind}_{measure}: {overall[kind][measure]:.4f}")
    for name, scores in result["scores"]["by"]["list"].items():
        pair = scores["pair"]
        figures = f"{pair['precision']:.4f} {pair['recall']:.4f}"
        print(f"{case}_list_{name}_pair_precision_recall: {figures}")
    summary = result["summary"]
    print(f"{case}_records: {summary.records}")
    print(f"{case}_persons: {summary.persons}")
    print(f"{case}_true_persons: {result['scores'].get('true_persons')}")
    for name, found in summary.training.get("comparisons", {}).items():
        print(f"{case}_source_{name}: {found['source']}")
    for warning in summary.warnings:
        print(f"{case}_warning: {warning}")
    print(f"{case}_link_seconds: {result['seconds']:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["hebrew", "field"])
    parser.add_argument("--victims", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for case in args.cases:
        victims = args.victims or (5_000 if case == "hebrew" else 20_000)
        with tempfile.TemporaryDirectory() as tmp:
            show(case, run(case, victims, args.seed, Path(tmp)))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
