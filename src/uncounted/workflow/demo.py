"""The demo: simulate a conflict, make a project, ingest every list, run every later stage.

Stages that have landed run in order; each adds its figures to the summary and the report.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uncounted.core.errors import UncountedError
from uncounted.ingest.pipeline import ingest_file
from uncounted.report.html import write_html_report
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.simulated import mapping_for_simulated_list

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "project": str(self.project),
            "simulated": str(self.simulated),
            "report": str(self.report),
            "true_total": self.true_total,
            "lists": self.lists,
            "seconds": self.seconds,
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
            for entry in manifest["lists"]:
                summary = ingest_file(
                    project,
                    simulated / entry["file"],
                    list_name=entry["name"],
                    mapping=mapping_for_simulated_list(entry),
                    progress=progress,
                )
                result.lists.append(
                    {
                        "list": entry["name"],
                        "rows": summary.rows,
                        "records": summary.records,
                        "quarantined": summary.quarantined,
                    }
                )
        with timer("report"):
            result.report = write_html_report(project)
    result.seconds = timer.seconds
    (folder / DEMO_MARKER).write_text("made by `uncounted demo`; safe to delete\n")
    return result


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
