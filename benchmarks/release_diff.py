"""Release diffs on the real lists: every consecutive pair of releases, and the chain.

``python benchmarks/release_diff.py [--lists moh,tfp] [--project DIR]`` from the repository root
ingests the six Gaza MoH releases converted by alexschell/moh_data (list ``moh``) and the three
Tech for Palestine killed-in-gaza CSVs (list ``tfp``) with the ``gaza-moh`` profile into one
project, links them (all lists in one run, so the chain can say whether people removed from one
list are on the other), and prints one line per consecutive pair with its classification, the
two checks ``added + unchanged + corrected = newer persons`` and ``removed + unchanged +
corrected = older persons``, then each list's chain. With ``--project DIR`` an existing folder
is reused: created, ingested and linked only if it has no link run yet. No name is printed.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project
from uncounted.workflow.linkage import link_project
from uncounted.workflow.release_diff import (
    COMPARED_FIELDS,
    ReleaseDiff,
    list_releases,
    release_chain,
    release_diff,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
FILES = {
    "moh": sorted((DATA / "gaza-moh-releases-alexschell").glob("fatalities_2*.csv")),
    "tfp": sorted((DATA / "techforpalestine-palestine-datasets").glob("*killed-in-gaza.csv")),
}


def build(root: Path, lists: list[str]) -> None:
    """Create, ingest and link the project unless it was linked already."""
    if not (root / "project.duckdb").exists():
        Project.create(root).close()
    with Project.open(root) as project:
        if project.con.execute("SELECT count(*) FROM link_runs").fetchall()[0][0]:
            return
        for name in lists:
            for path in FILES[name]:
                summary = ingest_file(project, path, list_name=name, profile="gaza-moh")
                print(f"ingested {name} {summary.release}: {summary.records:,} records")
        start = time.perf_counter()
        run = link_project(project)
        print(
            f"linked {run.records:,} records into {run.persons:,} persons in "
            f"{time.perf_counter() - start:.0f} s"
        )


def _line(diff: ReleaseDiff, seconds: float) -> str:
    newer_ok = diff.added + diff.unchanged + diff.corrected_persons == diff.to_persons
    older_ok = diff.removed + diff.unchanged + diff.corrected_persons == diff.from_persons
    corrected = " ".join(f"{diff.corrected[f]:>6,}" for f in COMPARED_FIELDS)
    return (
        f"{diff.list_name:<4} {diff.from_release} → {diff.to_release} "
        f"{diff.from_persons:>7,} {diff.to_persons:>7,} {diff.unchanged:>7,} "
        f"{diff.corrected_persons:>6,} [{corrected}] {diff.added:>6,} {diff.removed:>6,} "
        f"{diff.id_reissued:>6,} {diff.id_reused:>6,} {diff.merged:>5,} {diff.split:>5,} "
        f"{diff.relinked:>5,}  {'ok' if newer_ok else 'FAIL'}/{'ok' if older_ok else 'FAIL'} "
        f"{seconds:>5.1f}s"
    )


def report(root: Path, lists: list[str]) -> bool:
    fields = " ".join(f"{f[:6]:>6}" for f in COMPARED_FIELDS)
    print(
        f"list {'from → to':<25} {'before':>7} {'after':>7} {'unchgd':>7} {'corr':>6} [{fields}]"
        f" {'added':>6} {'remvd':>6} {'reiss':>6} {'reused':>6} {'mergd':>5} {'split':>5}"
        f" {'relnk':>5}  newer/older"
    )
    all_ok = True
    with Project.open(root, read_only=True) as project:
        for name in lists:
            for older, newer in itertools.pairwise(list_releases(project, name)):
                start = time.perf_counter()
                diff = release_diff(project, name, older, newer)
                print(_line(diff, time.perf_counter() - start))
                all_ok &= diff.added + diff.unchanged + diff.corrected_persons == diff.to_persons
                all_ok &= diff.removed + diff.unchanged + diff.corrected_persons == (
                    diff.from_persons
                )
        for name in lists:
            chain = release_chain(project, name)
            print(
                f"chain {name}: {chain.persons_ever:,} persons ever, {chain.in_latest:,} in the "
                f"latest release, {chain.not_in_latest:,} not; of those on another list: "
                f"{chain.not_in_latest_on_other_lists}"
            )
            for entry in chain.releases:
                print(
                    f"  {entry['release']}: {entry['persons']:>7,} persons "
                    f"{entry['records']:>7,} records, first seen {entry['first_seen']:>6,} "
                    f"(not in latest {entry['first_seen_not_in_latest']:>5,}), not in the next "
                    f"{entry['left'] if entry['left'] is not None else '—':>6}, back after a gap "
                    f"{entry['returned']:>5,}"
                )
    return all_ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", default="moh,tfp", help="comma-separated: moh, tfp")
    parser.add_argument("--project", type=Path, help="reuse (or build and keep) this project")
    args = parser.parse_args(argv)
    lists = [name for name in args.lists.split(",") if name]
    unknown = [name for name in lists if name not in FILES]
    if unknown:
        parser.error(f"unknown list(s) {', '.join(unknown)}: moh, tfp")
    if args.project is not None:
        build(args.project, lists)
        ok = report(args.project, lists)
    else:
        with tempfile.TemporaryDirectory(prefix="uncounted-release-diff-") as tmp:
            root = Path(tmp) / "project"
            build(root, lists)
            ok = report(root, lists)
    print("equations:", "all hold" if ok else "FAIL")


if __name__ == "__main__":
    main()
