"""The lists the simulator writes: their column mappings, read from its manifest, and their
ingestion into a project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from uncounted.ingest.mapping import ColumnMapping, FieldRule
from uncounted.ingest.pipeline import IngestSummary, Progress, ingest_file
from uncounted.simulate import Manifest
from uncounted.store.project import Project

_FIELD_FOR = {
    "given_ar": "given_name",
    "father_ar": "father_name",
    "grandfather_ar": "grandfather_name",
    "family_ar": "family_name",
    "given_he": "given_name",
    "family_he": "family_name",
    "given_latin": "given_name",
    "family_latin": "family_name",
    "id_number": "id_number",
    "age": "age_years",
    "place": "place",
}


def mapping_for_simulated_list(entry: dict[str, Any]) -> ColumnMapping:
    """The mapping of one list of ``manifest.json`` (its ``columns``, sex labels, date format)."""
    header_of = {field: header for header, field in entry["columns"].items()}
    rules: dict[str, FieldRule] = {"status": FieldRule(constant="killed")}
    native = next((f for f in ("name_ar", "name_he") if f in header_of), None)
    if native is not None:
        rules["full_name"] = FieldRule(columns=(header_of[native],))
        if "name_latin" in header_of:
            rules["full_name_latin"] = FieldRule(columns=(header_of["name_latin"],))
    elif "name_latin" in header_of:
        rules["full_name"] = FieldRule(columns=(header_of["name_latin"],))
    for field, canonical in _FIELD_FOR.items():
        if field in header_of:
            rules[canonical] = FieldRule(columns=(header_of[field],))
    male, female = entry["sex_labels"]
    if "sex" in header_of:
        rules["sex"] = FieldRule(
            columns=(header_of["sex"],), values={male: "male", female: "female"}
        )
    for field in ("date_of_birth", "date_of_death", "event_date"):
        if field in header_of:
            rules[field] = FieldRule(columns=(header_of[field],), date_format=entry["date_format"])
    return ColumnMapping(rules, name=f"simulated list {entry['name']}")


def ingest_simulated_lists(
    project: Project,
    folder: Path,
    manifest: Manifest,
    *,
    progress: Progress | None = None,
) -> list[IngestSummary]:
    """Ingest every list of a simulation written to ``folder``, in the manifest's order."""
    return [
        ingest_file(
            project,
            folder / entry["file"],
            list_name=entry["name"],
            mapping=mapping_for_simulated_list(entry),
            progress=progress,
        )
        for entry in manifest["lists"]
    ]
