"""Write a simulation to a folder: one CSV per list, the truth files and a manifest.

Files are UTF-8 without byte-order mark, ``\\n`` line ends, and nothing that depends on the
machine, the clock or the folder, so the same config and seed give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from uncounted.simulate.config import ListDesign
from uncounted.simulate.population import Progress
from uncounted.simulate.simulation import Simulation


class Manifest(TypedDict):
    """What ``write_simulation`` wrote: the config, each list's layout, each file's digest."""

    generator: str
    config: dict[str, Any]
    # name, file, script, columns {header: field}, sex_labels [male, female], date_format,
    # place_style (enough to build an ingest mapping for the list), and a description for
    # the designs that have one.
    lists: list[dict[str, Any]]
    # file, kind (list, truth_rows, truth_persons, truth_summary), list, rows, sha256.
    files: list[dict[str, Any]]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    # pyarrow writes CSV several times faster than pandas, but can only quote every string or
    # none; a value that needs quotes (a comma in a custom date format) falls back to pandas.
    table = pa.Table.from_pandas(frame, preserve_index=False)
    header = ",".join(str(column) for column in frame.columns)
    if not any(char in header for char in '"\n\r'):
        try:
            with path.open("wb") as handle:
                handle.write((header + "\n").encode("utf-8"))
                options = pacsv.WriteOptions(include_header=False, quoting_style="none")
                pacsv.write_csv(table, handle, options)
            return
        except pa.ArrowInvalid:
            pass
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(data: object, path: Path) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n",
        encoding="utf-8",
    )


def _config_dict(sim: Simulation) -> dict[str, Any]:
    config = asdict(sim.config)
    # Fields added after the manifest's first form are written only when they are not at
    # their defaults: the default simulation's manifest stays byte for byte as it was.
    if config["population"] == "gaza":
        del config["population"]
    else:
        config["waves"] = [asdict(wave) for wave in sim.config.wave_plan()]
    return config


def _list_entry(design: ListDesign) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": design.name,
        "file": f"{design.name}.csv",
        "script": design.script,
        "columns": {header: field for header, field in design.format.columns},
        "sex_labels": list(design.format.sex_labels),
        "date_format": design.format.date_format,
        "place_style": design.format.place_style,
    }
    # Only designs that have one say it, so that the default lists' manifests stay as they were.
    if design.description:
        entry["description"] = design.description
    return entry


def write_simulation(
    sim: Simulation, outdir: str | Path, progress: Progress | None = None
) -> Manifest:
    """Write ``<list>.csv`` per list, ``truth.csv``, ``persons.csv``, ``truth.json`` and
    ``manifest.json`` into ``outdir`` (created if needed). Returns the manifest."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    steps = len(sim.lists) + 3
    done = 0

    def record(path: Path, kind: str, rows: int | None, list_name: str | None = None) -> None:
        nonlocal done
        entry: dict[str, Any] = {"file": path.name, "kind": kind}
        if list_name is not None:
            entry["list"] = list_name
        if rows is not None:
            entry["rows"] = rows
        entry["sha256"] = _sha256(path)
        files.append(entry)
        done += 1
        if progress:
            progress("write", done, steps)

    for design in sim.designs:
        records = sim.lists[design.name]
        path = out / f"{design.name}.csv"
        _write_csv(records.table, path)
        record(path, "list", len(records.table), design.name)
    truth = sim.truth_frame()
    _write_csv(truth, out / "truth.csv")
    record(out / "truth.csv", "truth_rows", len(truth))
    persons = sim.persons_frame()
    _write_csv(persons, out / "persons.csv")
    record(out / "persons.csv", "truth_persons", len(persons))
    _write_json(sim.summary(), out / "truth.json")
    record(out / "truth.json", "truth_summary", None)
    manifest: Manifest = {
        "generator": "uncounted.simulate",
        "config": _config_dict(sim),
        "lists": [_list_entry(design) for design in sim.designs],
        "files": files,
    }
    _write_json(manifest, out / "manifest.json")
    return manifest
