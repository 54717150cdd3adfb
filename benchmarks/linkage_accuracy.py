"""Linkage accuracy on real releases and on a large simulated conflict, through ``link_project``.

``python benchmarks/linkage_accuracy.py [moh] [cross-script] [simulated] [--victims N]`` from the
repository root prints one ``name: value`` line per figure. The real lists are read from
``../shared/data`` at run time; no name is printed.

- ``moh``: the Gaza MoH releases of 2024-03-29 (extracted from a PDF, many names garbled) and
  2024-08-31, each copied without its ``gov_id`` column, ingested with the ``gaza-moh`` profile
  and linked. The truth is the valid ID of each row. Also: the rows of 2024-03-29 that share an
  ID and a name (within-release duplicates), and how many end up in one person; and the
  baseline of linking records with the same normalized name.
- ``cross-script``: the Tech for Palestine 2024-09-21 list as two lists, one with the Arabic
  names only and one with the English transliterations only (no IDs); the truth is the row's
  valid ID.
- ``simulated``: a simulated conflict, 4 lists (default 50,000 victims), against its truth.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from uncounted.core.ids import is_valid_id
from uncounted.ingest import mapping as mappings
from uncounted.ingest.pipeline import ingest_file
from uncounted.link.evaluate import pair_scores
from uncounted.normalize import parse_names
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.evaluation import evaluate_linkage
from uncounted.workflow.linkage import link_project
from uncounted.workflow.simulated import ingest_simulated_lists

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
MOH = DATA / "gaza-moh-releases-alexschell"
TFP = DATA / "techforpalestine-palestine-datasets" / "20240921killed-in-gaza.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]], fields: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _valid_id(value: str | None) -> str:
    value = (value or "").strip()
    return value if is_valid_id(value) else ""


def _link_and_score(
    project: Project, truth: list[tuple[str, int, str]], folder: Path
) -> dict[str, Any]:
    truth_file = _write(
        folder / "truth.csv",
        [{"source_sha256": s, "row_number": str(r), "person_id": p} for s, r, p in truth if p],
        ["source_sha256", "row_number", "person_id"],
    )
    start = time.perf_counter()
    run = link_project(project)
    seconds = time.perf_counter() - start
    scores = evaluate_linkage(project, truth_file)
    return {"run": run, "seconds": seconds, "scores": scores}


def _print_scores(prefix: str, result: dict[str, Any]) -> None:
    overall = result["scores"]["overall"]
    for kind in ("pair", "bcubed"):
        for measure in ("precision", "recall", "f1"):
            print(f"{prefix}_{kind}_{measure}: {overall[kind][measure]:.4f}")
    print(f"{prefix}_records: {result['run'].records}")
    print(f"{prefix}_persons: {result['run'].persons}")
    print(f"{prefix}_link_seconds: {result['seconds']:.1f}")


def moh(folder: Path) -> None:
    truth: list[tuple[str, int, str]] = []
    names: dict[tuple[str, int], str] = {}
    with Project.create(folder / "project") as project:
        for name in ("fatalities_20240329.csv", "fatalities_20240831.csv"):
            rows = _rows(MOH / name)
            fields = [f for f in rows[0] if f != "gov_id"]
            summary = ingest_file(
                project, _write(folder / name, rows, fields), list_name="moh", profile="gaza-moh"
            )
            for number, row in enumerate(rows, start=1):
                truth.append((summary.sha256, number, _valid_id(row["gov_id"])))
                names[(summary.sha256, number)] = row["name"]
        result = _link_and_score(project, truth, folder)
        _print_scores("moh", result)
        person_of = dict(
            project.con.execute(
                "SELECT r.source_sha256 || ':' || r.row_number, p.person_id FROM records r "
                "JOIN person_records p USING (record_id)"
            ).fetchall()
        )
        first = project.con.execute(
            "SELECT sha256 FROM sources WHERE release = DATE '2024-03-29'"
        ).fetchone()
    assert first is not None
    # Within-release duplicates: rows of 2024-03-29 sharing a valid ID and the same name.
    groups: dict[tuple[str, str], list[str]] = {}
    for sha, number, person in truth:
        if sha == first[0] and person:
            groups.setdefault((person, names[(sha, number)]), []).append(f"{sha}:{number}")
    duplicate_pairs = [
        (a, b) for rows in groups.values() for a, b in itertools.combinations(rows, 2)
    ]
    together = sum(person_of[a] == person_of[b] for a, b in duplicate_pairs)
    print(f"moh_duplicate_pairs_same_id_and_name: {len(duplicate_pairs)}")
    print(f"moh_duplicate_pairs_in_one_person: {together}")
    # Baseline: one person per normalized name (exact match on the name keys).
    keys = {
        f"{sha}:{number}": " ".join(parse_names([names[(sha, number)]])[0].tokens)
        for sha, number, _ in truth
    }
    true_person = {f"{sha}:{number}": person for sha, number, person in truth if person}
    baseline = pair_scores(true_person, keys)
    print(f"moh_exact_name_baseline_pair_f1: {baseline.f1:.4f}")


def cross_script(folder: Path) -> None:
    rows = _rows(TFP)
    truth: list[tuple[str, int, str]] = []
    with Project.create(folder / "project") as project:
        for name, column, field in (
            ("arabic", "name", "full_name"),
            ("english", "en_name", "full_name_latin"),
        ):
            path = _write(folder / f"{name}.csv", rows, [column, "age", "dob", "sex"])
            mapping = mappings.from_pairs(
                [f"{field}={column}", "age_years=age", "date_of_birth=dob", "sex=sex"]
            )
            summary = ingest_file(project, path, list_name=name, mapping=mapping)
            truth += [
                (summary.sha256, number, _valid_id(row["id"]))
                for number, row in enumerate(rows, start=1)
            ]
        _print_scores("cross_script", _link_and_score(project, truth, folder))


def simulated(folder: Path, victims: int) -> None:
    simulation = simulate_conflict(ConflictConfig(n_victims=victims, n_lists=4, seed=1), None)
    manifest = write_simulation(simulation, folder / "simulated", None)
    with Project.create(folder / "project") as project:
        ingest_simulated_lists(project, folder / "simulated", manifest)
        start = time.perf_counter()
        run = link_project(project)
        seconds = time.perf_counter() - start
        scores = evaluate_linkage(project, folder / "simulated")
    _print_scores("simulated", {"run": run, "seconds": seconds, "scores": scores})
    truth = pd.read_csv(folder / "simulated" / "truth.csv", usecols=["person_id"])
    print(f"simulated_true_persons: {truth['person_id'].nunique()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=["moh", "cross-script", "simulated"])
    parser.add_argument("--victims", type=int, default=50_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="uncounted-linkage-") as tmp:
        for name in args.sets:
            folder = Path(tmp) / name
            folder.mkdir()
            if name == "moh":
                moh(folder)
            elif name == "cross-script":
                cross_script(folder)
            elif name == "simulated":
                simulated(folder, args.victims)
            else:
                sys.exit(f"unknown set {name!r}: moh, cross-script or simulated")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
