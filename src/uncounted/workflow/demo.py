"""The demo: simulate a conflict, make a project, ingest every list, run every later stage.

Linkage is the project's own `link` run (stored persons with stable ids); the estimate from
our linkage reads the persons it stored and is stored as an estimate run. The last step writes
the report (which shows that run) and says how to open it and how to start the web app.

Stages that have landed run in order; each adds its figures to the summary and the report.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from uncounted.core.errors import UncountedError
from uncounted.estimate.ensemble import Ensemble
from uncounted.estimate.table import CaptureTable
from uncounted.report.html import ReportInputs, write_html_report
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.estimation import estimate_project, headline_of, save_estimate_run
from uncounted.workflow.evaluation import evaluate_linkage
from uncounted.workflow.linkage import LinkRunSummary, link_project
from uncounted.workflow.release_diff import releases_section
from uncounted.workflow.simulated import ingest_simulated_lists

Progress = Callable[[str, int, int], None]
DEMO_MARKER = ".uncounted-demo"


@dataclass
class DemoResult:
    folder: Path
    project: Path
    simulated: Path
    report: Path
    true_total: int
    lists: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    linkage: dict[str, Any] = field(default_factory=dict)
    estimates: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "project": str(self.project),
            "simulated": str(self.simulated),
            "report": str(self.report),
            "true_total": self.true_total,
            "lists": self.lists,
            "seconds": self.seconds,
            "linkage": self.linkage,
            "estimates": self.estimates,
        }


def run_demo(
    folder: str | Path,
    *,
    n_victims: int = 20_000,
    n_lists: int = 4,
    seed: int = 1,
    progress: Progress | None = None,
) -> DemoResult:
    folder = Path(folder)
    _prepare(folder)
    timer = _Timer()
    simulated = folder / "simulated"
    config = ConflictConfig(n_victims=n_victims, n_lists=n_lists, seed=seed)
    with timer("simulate"):
        simulation = simulate_conflict(config, progress)
        manifest = write_simulation(simulation, simulated, progress)
    truth = json.loads((simulated / "truth.json").read_text(encoding="utf-8"))
    project_dir = folder / "project"
    result = DemoResult(
        folder,
        project_dir,
        simulated,
        project_dir / "reports" / "report.html",
        int(truth["true_total"]),
    )
    with Project.create(project_dir) as project:
        with timer("ingest"):
            summaries = ingest_simulated_lists(project, simulated, manifest, progress=progress)
            for entry, summary in zip(manifest["lists"], summaries, strict=True):
                result.lists.append(
                    {
                        "list": entry["name"],
                        "rows": summary.rows,
                        "records": summary.records,
                        "quarantined": summary.quarantined,
                    }
                )
        with timer("link"):
            run = link_project(project, seed=seed, progress=progress)
        result.linkage = _linkage_against_truth(project, run, simulated)
        lists = [entry["name"] for entry in manifest["lists"]]
        with timer("estimate"):
            # stored as an estimate run, like `uncounted estimate DIR`: the report and the web
            # app show these very numbers
            stored = estimate_project(project, seed=seed)
            save_estimate_run(project, stored, command="demo: estimate")
            result.estimates = {
                "true_total": result.true_total,
                "estimate_id": stored.estimate_id,
                "from_linked_persons": headline_of(stored),
                "from_true_persons": Ensemble(seed=seed)
                .fit(_true_capture_table(simulated, lists))
                .result_.to_dict(),
            }
        with timer("report"):
            result.report = write_html_report(
                project,
                extra_sections=_report_sections(result),
                inputs=ReportInputs(
                    estimate_run=stored.to_dict(),
                    review_queue=result.linkage["review_queue"],
                    accuracy={"pair": result.linkage["pair"],
                              "bcubed": result.linkage["bcubed"],
                              "true_persons": result.linkage["true_persons"],
                              "reliability": result.linkage.get("reliability")},
                    releases=releases_section(project),
                ),
            )
    result.seconds = timer.seconds
    (folder / DEMO_MARKER).write_text("made by `uncounted demo`; safe to delete\n")
    return result


def _linkage_against_truth(
    project: Project, run: LinkRunSummary, simulated: Path
) -> dict[str, Any]:
    scores = evaluate_linkage(project, simulated / "truth.csv")
    return {
        "run_id": run.run_id,
        "threshold": run.threshold,
        "candidate_pairs": run.candidate_pairs,
        "persons": run.persons,
        "true_persons": scores["true_persons"],
        "pair": scores["overall"]["pair"],
        "bcubed": scores["overall"]["bcubed"],
        "review_queue": run.review_queue,
        "seconds": round(run.seconds, 2),
        "reliability": scores.get("reliability"),
    }


def _true_capture_table(simulated: Path, lists: list[str]) -> CaptureTable:
    persons = pd.read_csv(simulated / "persons.csv", usecols=[f"on_{name}" for name in lists])
    memberships = [
        {name for name in lists if row[f"on_{name}"]} for row in persons.to_dict("records")
    ]
    return CaptureTable.from_memberships([m for m in memberships if m], lists)


def _report_sections(result: DemoResult) -> dict[str, str]:
    link = result.linkage
    estimates = result.estimates
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td class=n>{estimate['observed']:,}</td>"
        f"<td class=n>{estimate['estimate']:,.0f}</td>"
        f"<td class=n>{estimate['lower']:,.0f} – {estimate['upper']:,.0f}</td>"
        f"<td>{escape('; '.join(estimate['warnings']))}</td></tr>"
        for label, estimate in (
            ("persons from our linkage", estimates["from_linked_persons"]),
            ("persons as the simulator knows them", estimates["from_true_persons"]),
        )
        if estimate["estimate"] is not None
    )
    return {
        "Linkage against the simulator's truth": (
            f"<p>{link['persons']:,} persons from {sum(e['records'] for e in result.lists):,} "
            f"records (the truth: {link['true_persons']:,}); threshold {link['threshold']}.</p>"
            f"<p>Pair precision {link['pair']['precision']:.3f}, recall "
            f"{link['pair']['recall']:.3f}, F1 {link['pair']['f1']:.3f}; B-cubed precision "
            f"{link['bcubed']['precision']:.3f}, recall {link['bcubed']['recall']:.3f}, F1 "
            f"{link['bcubed']['f1']:.3f}.</p>"
        ),
        "Estimates of the total (ensemble)": (
            f"<p>The simulated conflict had {result.true_total:,} victims. Missed links make "
            "one person look like several people each seen by fewer lists, which inflates "
            "the estimate; the second row shows what perfect linkage would give.</p>"
            "<table><thead><tr><th>capture table</th><th class=n>observed</th>"
            "<th class=n>estimate</th><th class=n>95% interval</th><th>warnings</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        ),
    }


def _prepare(folder: Path) -> None:
    """Start from an empty folder; replace only an earlier demo, never anything else."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).is_file():
            raise UncountedError(
                "the folder exists and is not an earlier demo; give a new or empty folder",
                file=str(folder),
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str) -> _Stage:
        return _Stage(self, stage)


class _Stage:
    def __init__(self, timer: _Timer, stage: str) -> None:
        self.timer, self.stage = timer, stage

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timer.seconds[self.stage] = round(time.perf_counter() - self.start, 2)
