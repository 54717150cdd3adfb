"""Linkage at scale: uncounted's pipeline against a bare splink run, on one simulated conflict.

Run from the repository root::

    .venv/bin/python benchmarks/link_scale.py [--records N] [--seed S]

N defaults to 1,000,000; expect hours at that size on two cores. Every figure is printed as
one ``name: value`` line, as soon as it is known, so a run stopped part-way keeps what it had.
Options: ``--keep DIR`` works in DIR and keeps it, ``--reuse`` (with ``--keep``) reuses the
records and features an earlier run left there, ``--only blocking,uncounted,splink,splink2``
runs some of the measurements. The machine is shared, so each child process is watched and
stopped when its resident memory passes ``--max-memory-gb`` (default 12, half the machine),
when DuckDB's spilling leaves less than ``--min-free-disk-gb`` on the disk (default 20), or when
the run has taken ``--max-hours``; the figures then say where it was (``*_stopped*``). The
first lines say which uncounted ran (its folder, commit, files changed since the commit).

What is measured, and how:

1. **Records.** ``uncounted.simulate`` simulates a conflict of ``N / 1.478`` victims on four
   lists (the default designs hold about 1.478 records per victim), writes the lists, and the
   lists are ingested into a fresh project exactly as ``uncounted.workflow.demo`` does
   (``ingest_simulated_lists``). The ``records`` table is read in the
   order ``link_project`` reads it and sorted by record id, as ``link_project`` gives it to the
   model, and written to Parquet in a temporary folder.
2. **Features** (shared input): ``build_features(records)`` in a child process. Both pipelines
   read the resulting ``features`` Parquet file, because the blocking rules use feature columns.
3. **uncounted** (child process): ``LinkageModel(seed=S).fit(features)``, ``.predict(features)``,
   then clustering as ``link_project`` does it: ``cluster_records`` at ``DEFAULT_THRESHOLD`` with
   the ``exact_duplicates`` as must-links, ``exclusive_sources=True`` and the
   ``within_source_links`` of the scored pairs. The model runs on DuckDB with one thread
   (``make_db_api``). Nothing is written to the project: the store's write is not linkage.
4. **bare splink** (child process, once with a one-thread DuckDB connection, the like-for-like
   figure, and once with two threads): the same input table and the same prediction blocking
   rules (``default_blocking_rules()``), splink's comparison library on the plain columns a
   splink user would pick: ``JaroWinklerAtThresholds`` (0.9, 0.7) on given_key, father_key,
   grandfather_key and family_key; ``DateOfBirthComparison`` on dob; ``ExactMatch`` on sex and
   on id_number; ``AbsoluteDateDifferenceAtThresholds`` (3 and 30 days) on date_of_death; and
   age_years within 1 and 5 years (``CustomComparison`` of ``AbsoluteDifferenceLevel``).
   Trained the standard way: ``estimate_probability_two_random_records_match`` with the
   deterministic rules uncounted uses (same valid ID; same four name keys; recall 0.7),
   ``estimate_u_using_random_sampling(max_pairs=1e6, seed=S)``, expectation maximisation on
   three blocking rules (id_number; given_key + family_key; dob), then
   ``predict(threshold_match_probability=0.01)`` and
   ``cluster_pairwise_predictions_at_threshold(..., 0.9)`` (connected components). Its DuckDB
   has uncounted's memory cap (``duckdb_memory_limit()``, 3 GB) and spills to the disk.
5. **Blocked pairs**: how many pairs the shared blocking rules produce (splink's
   ``count_comparisons_from_blocking_rules``, exact, two threads), in a child of its own.

Each stage's wall time is measured inside its child (excluding interpreter start-up and the
Parquet read); peak memory is the child's ``VmHWM`` (peak resident set) read from
``/proc/self/status`` at its end, in GB of 10^9 bytes; ``*_peak_spill_gb_sampled`` is the
largest size of the child's DuckDB spill folders (made under a ``TMPDIR`` in the work folder),
sampled as the child runs. ``*_seconds`` of a pipeline is the sum
of its stages (fit + predict + cluster), ``*_records_per_second`` is records over it, and
``time_ratio_uncounted_over_splink`` compares the two one-thread runs (features excluded from
both: both take them as input). ``candidate_pairs`` are the scored pairs each pipeline keeps
(match probability at least 0.01). Accuracy is measured against the simulator's ``truth.csv``
(list, row_number, person_id, joined to the records on list and row number as the demo does):
pair and B-cubed precision, recall and F1 from ``uncounted.link.evaluate``.

The same seed gives the same records, pairs, clusters and scores; only the times vary. The
machine is shared: the load average at the start and end is printed beside the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

RECORDS_PER_VICTIM: Final = 1.478  # four default lists; 1.475 at 10,000 victims, 1.480 at 30,000
SPLINK_THRESHOLD: Final = 0.9
MIN_PROBABILITY: Final = 0.01
POLL_SECONDS: Final = 2.0
CHILD_MODES: Final = ("features", "uncounted", "splink", "blocking")
# What a run measures, in this order: blocked pairs, uncounted, splink on one and two threads.
PIPELINES: Final = ("blocking", "uncounted", "splink", "splink2")


# --- children --------------------------------------------------------------------------------


def _peak_memory_gb() -> float:
    """This process's peak resident set (VmHWM), in GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e9
    return float("nan")


class _Stages:
    """Wall time of named stages, in order; written to ``progress`` as they go, so that the
    parent can tell where a child it stopped was."""

    def __init__(self, progress: Path) -> None:
        self.seconds: dict[str, float] = {}
        self.progress = progress

    def _write(self, running: str | None) -> None:
        state = {"done": self.seconds, "running": running, "since": time.time()}
        self.progress.write_text(json.dumps(state))

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        self._write(name)
        start = time.perf_counter()
        out = work()
        self.seconds[name] = time.perf_counter() - start
        self._write(None)
        print(f"[{name}] {self.seconds[name]:.1f} s", file=sys.stderr, flush=True)
        return out


def _progress_file(workdir: Path, mode: str, threads: int) -> Path:
    return workdir / f"{mode}{threads}.progress.json"


def _child_features(workdir: Path, seed: int, threads: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from uncounted.link.features import build_features

    records = pq.read_table(workdir / "records.parquet")
    stages = _Stages(_progress_file(workdir, "features", threads))
    features = stages.run("features", lambda: build_features(records))
    pq.write_table(features, workdir / "features.parquet")
    return {"seconds": stages.seconds}


def _child_uncounted(workdir: Path, seed: int, threads: int) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from uncounted.link.cluster import cluster_records
    from uncounted.link.duplicates import (
        WITHIN_SOURCE_PROBABILITY,
        exact_duplicates,
        within_source_links,
    )
    from uncounted.link.model import DEFAULT_THRESHOLD, LinkageModel

    features = pq.read_table(workdir / "features.parquet")
    stages = _Stages(_progress_file(workdir, "uncounted", threads))
    # As link_project makes it: splink's notes silenced.
    model = LinkageModel(seed=seed, log_level=logging.ERROR)
    stages.run("fit", lambda: model.fit(features))
    pairs = stages.run("predict", lambda: model.predict(features))

    def cluster() -> dict[str, str]:
        rule_duplicates = exact_duplicates(features)
        clustering = cluster_records(
            pairs,
            features,
            DEFAULT_THRESHOLD,
            must_link=rule_duplicates,
            exclusive_sources=True,
            within_source_links=within_source_links(pairs, features, WITHIN_SOURCE_PROBABILITY),
        )
        return clustering.clusters

    clusters = stages.run("cluster", cluster)
    pq.write_table(
        pa.table({"record_id": list(clusters), "cluster": list(clusters.values())}),
        workdir / "uncounted_clusters.parquet",
    )
    return {
        "seconds": stages.seconds,
        "candidate_pairs": len(pairs),
        "pairs_at_threshold": int((pairs["match_probability"] >= DEFAULT_THRESHOLD).sum()),
        "threshold": DEFAULT_THRESHOLD,
    }


def _splink_comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    names = [
        cl.JaroWinklerAtThresholds(column, [0.9, 0.7])
        for column in ("given_key", "father_key", "grandfather_key", "family_key")
    ]
    age = cl.CustomComparison(
        output_column_name="age_years",
        comparison_levels=[
            cll.NullLevel("age_years"),
            cll.ExactMatchLevel("age_years"),
            cll.AbsoluteDifferenceLevel("age_years", 1),
            cll.AbsoluteDifferenceLevel("age_years", 5),
            cll.ElseLevel(),
        ],
    )
    return [
        *names,
        cl.DateOfBirthComparison("dob", input_is_string=False),
        cl.ExactMatch("sex"),
        cl.ExactMatch("id_number"),
        cl.AbsoluteDateDifferenceAtThresholds(
            "date_of_death", input_is_string=False, metrics=["day", "day"], thresholds=[3, 30]
        ),
        age,
    ]


def _child_splink(workdir: Path, seed: int, threads: int) -> dict[str, Any]:
    import duckdb
    import pyarrow.parquet as pq
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from uncounted.link.model import default_blocking_rules

    logging.getLogger("splink").setLevel(logging.ERROR)
    features = pq.read_table(workdir / "features.parquet")
    from uncounted.link.backends import duckdb_memory_limit

    con = duckdb.connect(":memory:")
    con.execute(f"SET threads TO {threads}")
    con.execute("SET enable_progress_bar = false")
    # DuckDB's memory as uncounted's (3 GB unless UNCOUNTED_DUCKDB_MEMORY says otherwise),
    # spilling to a folder of its own: left at DuckDB's 80% of the machine, splink's predict of
    # a million records passed 12 GB in 90 s.
    con.execute(f"SET memory_limit = '{duckdb_memory_limit()}'")
    spill = tempfile.mkdtemp(prefix="splink-duckdb-")  # in the watched folder (TMPDIR)
    con.execute(f"SET temp_directory = '{spill}'")
    db_api = DuckDBAPI(connection=con)
    table = db_api.register(features, table_name="features")
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=_splink_comparisons(),
        blocking_rules_to_generate_predictions=cast(list[Any], default_blocking_rules()),
    )
    linker = Linker(table, settings)
    stages = _Stages(_progress_file(workdir, "splink", threads))
    stages.run(
        "prior",
        lambda: linker.training.estimate_probability_two_random_records_match(
            [
                "l.id_number = r.id_number",
                block_on("given_key", "father_key", "grandfather_key", "family_key"),
            ],
            recall=0.7,
        ),
    )
    stages.run(
        "u", lambda: linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    )

    def em() -> None:
        for rule in (
            block_on("id_number"),
            block_on("given_key", "family_key"),
            block_on("dob"),
        ):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)

    stages.run("em", em)
    predicted = stages.run(
        "predict",
        lambda: linker.inference.predict(threshold_match_probability=MIN_PROBABILITY),
    )
    clustered = stages.run(
        "cluster",
        lambda: linker.clustering.cluster_pairwise_predictions_at_threshold(
            predicted, threshold_match_probability=SPLINK_THRESHOLD
        ),
    )
    ((count, at_threshold),) = con.execute(
        f"SELECT count(*), count(*) FILTER (match_probability >= {SPLINK_THRESHOLD})"
        f" FROM {predicted.physical_name}"
    ).fetchall()
    clusters = con.sql(
        f"SELECT CAST(unique_id AS VARCHAR) AS record_id, CAST(cluster_id AS VARCHAR) AS cluster"
        f" FROM {clustered.physical_name}"
    ).to_arrow_table()
    pq.write_table(clusters, workdir / f"splink{threads}_clusters.parquet")
    seconds = stages.seconds
    return {
        "seconds": {"fit": seconds["prior"] + seconds["u"] + seconds["em"], **seconds},
        "candidate_pairs": int(count),
        "pairs_at_threshold": int(at_threshold),
        "threshold": SPLINK_THRESHOLD,
    }


def _child_blocking(workdir: Path, seed: int, threads: int) -> dict[str, Any]:
    import duckdb
    import pyarrow.parquet as pq
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    from uncounted.link.model import default_blocking_rules

    features = pq.read_table(workdir / "features.parquet")
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads TO {threads}")
    con.execute("SET enable_progress_bar = false")
    table = DuckDBAPI(connection=con).register(features, table_name="features")
    stages = _Stages(_progress_file(workdir, "blocking", threads))
    counts = stages.run(
        "count",
        lambda: count_comparisons_from_blocking_rules(
            table,
            blocking_rules=cast(list[Any], default_blocking_rules()),
            link_type="dedupe_only",
            record_sample_proportion=1.0,
        ),
    )
    return {
        "seconds": stages.seconds,
        "blocked_pairs": int(counts[-1]["cumulative_comparison_count"]) if counts else 0,
        "by_rule": [[c["blocking_rule"], int(c["marginal_comparison_count"])] for c in counts],
    }


_CHILDREN: Final[dict[str, Callable[[Path, int, int], dict[str, Any]]]] = {
    "features": _child_features,
    "uncounted": _child_uncounted,
    "splink": _child_splink,
    "blocking": _child_blocking,
}


def _run_child_here(mode: str, workdir: Path, seed: int, threads: int) -> None:
    out = _CHILDREN[mode](workdir, seed, threads)
    out["peak_memory_gb"] = _peak_memory_gb()
    (workdir / f"{mode}{threads}.json").write_text(json.dumps(out))


# --- parent ----------------------------------------------------------------------------------


def _say(name: str, value: object) -> None:
    if isinstance(value, float):
        value = f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    print(f"{name}: {value}", flush=True)


@dataclass(frozen=True)
class _Limits:
    """When the parent stops a child: the machine is shared, and DuckDB, left alone, takes up
    to 80% of the memory and then spills to the disk."""

    max_memory_gb: float
    min_free_disk_gb: float
    deadline: float | None  # time.perf_counter() value


def _rss_gb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    return 0.0


def _folder_gb(folder: Path) -> float:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total / 1e9


def _child(
    mode: str, workdir: Path, seed: int, limits: _Limits, threads: int = 1, prefix: str = ""
) -> dict[str, Any] | None:
    """Run one stage in a fresh interpreter and watch it; its figures, or None when it failed
    or was stopped (said on stdout, with the stages it finished and the one it was in)."""
    prefix = prefix or mode
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--workdir",
        str(workdir),
        "--seed",
        str(seed),
        "--threads",
        str(threads),
    ]
    progress = _progress_file(workdir, mode, threads)
    progress.unlink(missing_ok=True)
    # Where the child's DuckDB spills: uncounted's and the bare splink run's spill folders are
    # temporary folders, made under TMPDIR.
    spill = workdir / ".tmp"
    spill.mkdir(exist_ok=True)
    start = time.perf_counter()
    # The child's stdout goes to stderr: this process's stdout holds only the figures.
    child = subprocess.Popen(
        command, cwd=workdir, stdout=sys.stderr, env={**os.environ, "TMPDIR": str(spill)}
    )
    peak_rss = peak_spill = 0.0
    stopped = ""
    while True:
        try:
            child.wait(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pass
        rss = _rss_gb(child.pid)
        peak_rss = max(peak_rss, rss)
        peak_spill = max(peak_spill, _folder_gb(spill))
        free = shutil.disk_usage(workdir).free / 1e9
        if rss > limits.max_memory_gb:
            stopped = f"resident memory {rss:.1f} GB, above the {limits.max_memory_gb:g} GB cap"
        elif free < limits.min_free_disk_gb:
            stopped = f"{free:.1f} GB left on the disk (spilled {peak_spill:.1f} GB)"
        elif limits.deadline is not None and time.perf_counter() > limits.deadline:
            stopped = "the time budget (--max-hours) is spent"
        if stopped:
            child.kill()
            child.wait()
            break
    elapsed = time.perf_counter() - start
    shutil.rmtree(spill, ignore_errors=True)
    result = workdir / f"{mode}{threads}.json"
    if stopped or child.returncode != 0 or not result.is_file():
        _say(
            f"{prefix}_stopped" if stopped else f"{prefix}_error",
            stopped or f"exit {child.returncode}",
        )
        _say(f"{prefix}_stopped_after_seconds", elapsed)
        _say(f"{prefix}_peak_memory_gb_sampled", peak_rss)
        _say(f"{prefix}_peak_spill_gb_sampled", peak_spill)
        if progress.is_file():
            state = json.loads(progress.read_text())
            for stage, seconds in state["done"].items():
                _say(f"{prefix}_{stage}_seconds", float(seconds))
            if state["running"]:
                _say(f"{prefix}_stopped_in_stage", state["running"])
                _say(
                    f"{prefix}_{state['running']}_seconds_before_stop",
                    time.time() - float(state["since"]),
                )
        return None
    out = cast(dict[str, Any], json.loads(result.read_text()))
    out["process_seconds"] = elapsed
    out["peak_memory_gb_sampled"] = peak_rss
    out["peak_spill_gb_sampled"] = peak_spill
    return out


def _prepare(workdir: Path, n_records: int, seed: int) -> tuple[int, int, int]:
    """Simulate, ingest, write records.parquet and the truth; (records, victims, quarantined)."""
    import pandas as pd
    import pyarrow.parquet as pq

    from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
    from uncounted.store import Project
    from uncounted.store.records import disable_progress_bar, records_in_file_order
    from uncounted.workflow.simulated import ingest_simulated_lists

    victims = max(1, round(n_records / RECORDS_PER_VICTIM))
    simulated = workdir / "simulated"
    simulation = simulate_conflict(ConflictConfig(n_victims=victims, n_lists=4, seed=seed))
    manifest = write_simulation(simulation, simulated)
    del simulation
    quarantined = 0
    with Project.create(workdir / "project") as project:
        for summary in ingest_simulated_lists(project, simulated, manifest):
            quarantined += summary.quarantined
        disable_progress_bar(project)
        # As link_project reads them, and gives them to the model in record-id order.
        records = records_in_file_order(project).sort_by("record_id")
    pq.write_table(records, workdir / "records.parquet")
    keys = records.select(["record_id", "list", "row_number"]).to_pandas()
    truth = pd.read_csv(simulated / "truth.csv", dtype=str, keep_default_na=False)
    joined = truth.merge(
        keys.astype({"record_id": str, "list": str, "row_number": str}),
        on=["list", "row_number"],
        how="inner",
    )
    joined[["record_id", "person_id"]].to_parquet(workdir / "truth.parquet", index=False)
    return records.num_rows, victims, quarantined


def _scores(workdir: Path, clusters_file: str, prefix: str) -> None:
    import pandas as pd

    from uncounted.link.evaluate import bcubed_scores, pair_scores

    truth_frame = pd.read_parquet(workdir / "truth.parquet")
    truth = dict(zip(truth_frame["record_id"], truth_frame["person_id"], strict=True))
    found = pd.read_parquet(workdir / clusters_file)
    predicted = dict(zip(found["record_id"], found["cluster"], strict=True))
    pair = pair_scores(truth, predicted)
    bcubed = bcubed_scores(truth, predicted)
    _say(f"{prefix}_persons", len(set(predicted.values())))
    _say(f"{prefix}_pair_precision", pair.precision)
    _say(f"{prefix}_pair_recall", pair.recall)
    _say(f"{prefix}_pair_f1", pair.f1)
    _say(f"{prefix}_bcubed_precision", bcubed.precision)
    _say(f"{prefix}_bcubed_recall", bcubed.recall)
    _say(f"{prefix}_bcubed_f1", bcubed.f1)


def _report(prefix: str, result: dict[str, Any], records: int) -> float:
    seconds = result["seconds"]
    total = float(seconds["fit"] + seconds["predict"] + seconds["cluster"])
    _say(f"{prefix}_seconds", total)
    for stage, value in seconds.items():
        _say(f"{prefix}_{stage}_seconds", float(value))
    _say(f"{prefix}_process_seconds", float(result["process_seconds"]))
    _say(f"{prefix}_peak_memory_gb", float(result["peak_memory_gb"]))
    _say(f"{prefix}_peak_spill_gb_sampled", float(result["peak_spill_gb_sampled"]))
    _say(f"{prefix}_records_per_second", records / total)
    _say(f"{prefix}_candidate_pairs", int(result["candidate_pairs"]))
    _say(f"{prefix}_threshold", float(result["threshold"]))
    _say(f"{prefix}_pairs_at_threshold", int(result["pairs_at_threshold"]))
    return total


def _provenance() -> dict[str, object]:
    """Which uncounted ran: its folder, its commit and how many of its files differ from it
    (other people edit the tree), and how many blocking rules it has."""
    import uncounted
    from uncounted.link.model import default_blocking_rules

    folder = Path(uncounted.__file__).resolve().parent
    out: dict[str, object] = {"uncounted_path": str(folder)}
    commit = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if commit.returncode == 0:
        out["uncounted_commit"] = commit.stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=False,
        )
        out["uncounted_files_changed_since_commit"] = len(changed.stdout.splitlines())
    out["blocking_rules"] = len(default_blocking_rules())
    return out


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _rule_name(sql: str) -> str:
    """A blocking rule's columns joined by +, for a figure's name."""
    return "+".join(dict.fromkeys(re.findall(r'l\."?(\w+)"?', sql))) or "rule"


def _prepared(
    workdir: Path, n_records: int, seed: int, reuse: bool, limits: _Limits
) -> dict[str, Any]:
    """Records, truth and features in ``workdir``: made here, or an earlier run's with ``reuse``
    when it was made for the same records and seed."""
    saved = workdir / "prepared.json"
    if reuse and saved.is_file():
        prepared = cast(dict[str, Any], json.loads(saved.read_text()))
        if prepared["asked"] == [n_records, seed]:
            prepared["reused"] = True
            return prepared
    start = time.perf_counter()
    records, victims, quarantined = _prepare(workdir, n_records, seed)
    prepared = {
        "asked": [n_records, seed],
        "victims": victims,
        "records": records,
        "quarantined": quarantined,
        "prepare_seconds": time.perf_counter() - start,
    }
    features = _child("features", workdir, seed, limits)
    if features is None:
        raise SystemExit("building the features failed")
    prepared["features_seconds"] = float(features["seconds"]["features"])
    prepared["features_peak_memory_gb"] = float(features["peak_memory_gb"])
    saved.write_text(json.dumps(prepared))
    return prepared


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", maxsplit=1)[0] if __doc__ else None
    )
    parser.add_argument("--records", type=int, default=1_000_000, help="about this many records")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: reuse the records and features an earlier run left there",
    )
    parser.add_argument(
        "--only",
        default=",".join(PIPELINES),
        help=f"comma-separated, of {','.join(PIPELINES)} (default: all, in this order)",
    )
    parser.add_argument(
        "--max-memory-gb",
        type=float,
        default=12.0,
        help="stop a pipeline whose resident memory passes this (default 12: half the machine)",
    )
    parser.add_argument(
        "--min-free-disk-gb",
        type=float,
        default=20.0,
        help="stop a pipeline when DuckDB's spilling leaves less than this free (default 20)",
    )
    parser.add_argument(
        "--max-hours", type=float, help="stop whatever runs when the run has taken this long"
    )
    parser.add_argument("--child", choices=CHILD_MODES, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _run_child_here(args.child, args.workdir, args.seed, args.threads)
        return
    wanted = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(wanted) - set(PIPELINES)
    if unknown:
        parser.error(f"unknown pipelines: {', '.join(sorted(unknown))}")

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        workdir = args.keep.resolve()
    else:
        workdir = Path(tempfile.mkdtemp(prefix="link_scale-"))
    try:
        _say("load_average_start", _load())
        _say("cpus", os.cpu_count() or 0)
        _say("seed", args.seed)
        for key, value in _provenance().items():
            _say(key, value)
        start = time.perf_counter()
        limits = _Limits(
            args.max_memory_gb,
            args.min_free_disk_gb,
            None if args.max_hours is None else start + 3600 * args.max_hours,
        )
        prepared = _prepared(
            workdir, args.records, args.seed, args.reuse and bool(args.keep), limits
        )
        for key in (
            "victims",
            "records",
            "quarantined",
            "prepare_seconds",
            "features_seconds",
            "features_peak_memory_gb",
        ):
            _say(key, prepared[key])
        if prepared.get("reused"):
            _say("prepared_by_an_earlier_run", "yes")
        records = int(prepared["records"])

        if "blocking" in wanted:
            blocking = _child("blocking", workdir, args.seed, limits, 2, "blocked_pairs")
            if blocking is not None:
                _say("blocked_pairs", blocking["blocked_pairs"])
                for number, (rule, count) in enumerate(blocking["by_rule"], start=1):
                    _say(f"blocked_pairs_new_rule{number}_{_rule_name(rule)}", count)
                _say("blocked_pairs_seconds", float(blocking["seconds"]["count"]))
                _say("blocked_pairs_peak_memory_gb", float(blocking["peak_memory_gb"]))

        ours: dict[str, Any] | None = None
        if "uncounted" in wanted:
            ours = _child("uncounted", workdir, args.seed, limits)
            if ours is not None:
                ours["total"] = _report("uncounted", ours, records)
                _say(
                    "uncounted_records_per_second_with_features",
                    records / (ours["total"] + prepared["features_seconds"]),
                )
                _scores(workdir, "uncounted_clusters.parquet", "uncounted")

        for pipeline, threads in (("splink", 1), ("splink2", 2)):
            if pipeline not in wanted:
                continue
            prefix = "splink" if threads == 1 else "splink_2threads"
            theirs = _child("splink", workdir, args.seed, limits, threads, prefix)
            if theirs is None:
                continue
            theirs_seconds = _report(prefix, theirs, records)
            _scores(workdir, f"splink{threads}_clusters.parquet", prefix)
            if ours is not None:
                suffix = "" if threads == 1 else "_2threads"
                _say(f"time_ratio_uncounted_over_splink{suffix}", ours["total"] / theirs_seconds)
                _say(
                    f"memory_ratio_uncounted_over_splink{suffix}",
                    ours["peak_memory_gb"] / theirs["peak_memory_gb"],
                )
        _say("total_seconds", time.perf_counter() - start)
        _say("load_average_end", _load())
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
