"""Small simulated projects for the linkage tests: simulate, create, ingest some lists."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from uncounted.ingest.pipeline import ingest_file
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.linkage import link_project
from uncounted.workflow.simulated import mapping_for_simulated_list


def simulate(folder: Path, *, n_victims: int = 250, n_lists: int = 3, seed: int = 1) -> Path:
    simulated = folder / "simulated"
    sim = simulate_conflict(ConflictConfig(n_victims=n_victims, n_lists=n_lists, seed=seed))
    write_simulation(sim, simulated)
    return simulated


def lists_of(simulated: Path) -> list[dict[str, Any]]:
    manifest = json.loads((simulated / "manifest.json").read_text(encoding="utf-8"))
    return list(manifest["lists"])


def ingest_list(project_dir: Path, simulated: Path, entry: dict[str, Any]) -> None:
    with Project.open(project_dir) as project:
        ingest_file(
            project,
            simulated / entry["file"],
            list_name=entry["name"],
            mapping=mapping_for_simulated_list(entry),
        )


def make_project(folder: Path, simulated: Path, lists: int) -> Path:
    """A project with the first ``lists`` simulated lists ingested."""
    project_dir = folder / "project"
    Project.create(project_dir).close()
    for entry in lists_of(simulated)[:lists]:
        ingest_list(project_dir, simulated, entry)
    return project_dir


def copy_template(template: Path, target: Path) -> tuple[Path, Path]:
    """A private copy of the linked template: (project folder, simulation folder)."""
    shutil.copytree(template, target)
    return target / "project", target / "simulated"


def build_linked_template(folder: Path) -> Path:
    simulated = simulate(folder)
    project_dir = make_project(folder, simulated, 2)
    with Project.open(project_dir) as project:
        link_project(project)
    return folder
