"""Ingest one file into a project: read, map, validate, store — all or nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from uncounted import __version__
from uncounted.core.errors import MappingError, UncountedError
from uncounted.core.fields import CANONICAL_FIELDS, DATE_FIELDS, NUMBER_FIELDS
from uncounted.ingest.mapping import (
    ColumnMapping,
    ResolvedMapping,
    detect_profile,
    load_profile,
    resolve,
)
from uncounted.ingest.readers import RawRow, read_source
from uncounted.ingest.validate import QuarantinedRow, Record, RowValidator
from uncounted.store.project import Project, utc_now

Progress = Callable[[str, int, int], None]


@dataclass
class IngestSummary:
    source: str
    sha256: str
    list_name: str
    release: str | None
    rows: int
    records: int
    quarantined: int
    already_ingested: bool
    format: str | None = None
    encoding: str | None = None
    profile: str | None = None
    blank_lines: int = 0
    checks: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "list": self.list_name,
            "release": self.release,
            "rows": self.rows,
            "records": self.records,
            "quarantined": self.quarantined,
            "already_ingested": self.already_ingested,
            "format": self.format,
            "encoding": self.encoding,
            "profile": self.profile,
            "blank_lines": self.blank_lines,
            "checks": self.checks,
            "notes": self.notes,
            "mapping": self.mapping,
        }


def ingest_file(
    project: Project,
    path: str | Path,
    *,
    list_name: str,
    release: str | None = None,
    mapping: ColumnMapping | None = None,
    profile: str | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> IngestSummary:
    """Ingest ``path`` as a source of ``list_name``; see the module docstring of ``validate``."""
    path = Path(path)
    name = str(path)
    list_name = list_name.strip()
    if not list_name:
        raise UncountedError("the list name is empty", field="--list")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UncountedError(f"cannot read the file: {exc.strerror}", file=name) from None
    sha256 = hashlib.sha256(data).hexdigest()

    existing = project.con.execute(
        "SELECT list, release, rows, records, quarantined FROM sources WHERE sha256 = ?", [sha256]
    ).fetchone()
    if existing:
        return IngestSummary(
            source=name,
            sha256=sha256,
            list_name=existing[0],
            release=existing[1].isoformat() if existing[1] else None,
            rows=existing[2],
            records=existing[3],
            quarantined=existing[4],
            already_ingested=True,
            notes=[]
            if existing[0] == list_name
            else [f"these bytes were ingested before as list {existing[0]!r}; nothing changed"],
        )

    if mapping is not None and profile is not None:
        raise MappingError("give either a profile or a mapping, not both")
    if profile is not None:
        mapping = load_profile(profile)
    hint = mapping.expected_columns() if mapping else set()
    _report(progress, "reading file", 0, 1)
    table = read_source(data, path.name, header_hint=hint)
    _report(progress, "reading file", 1, 1)
    notes = list(table.notes)
    if mapping is None:
        detected = detect_profile(table.columns)
        if detected is None:
            raise MappingError(
                "no mapping: give --profile, --mapping FILE or --map FIELD=COLUMN; "
                f"the file's columns are {table.columns}",
                file=name,
            )
        profile = detected
        mapping = load_profile(detected)
        notes.append(f"profile {detected!r} chosen because the file has its columns")
    resolved = resolve(mapping, table.columns, name)
    row_index = _row_index_id_column(resolved, table.rows)
    if row_index:
        # A column counting 1, 2, 3... is the file's row index, never an ID number.
        notes.append(
            f"column {row_index!r} is a row index (1, 2, 3, ...), not ID numbers; "
            "it is kept as a raw value only"
        )
        resolved = resolve(mapping, table.columns, name, exclude=[row_index])
    if resolved.missing_optional:
        notes.append("optional fields without a column: " + ", ".join(resolved.missing_optional))

    release = release or mapping.release_from_filename(path.name)
    release_date = _parse_release(release) if release else None
    validator = RowValidator(
        resolved, table.rows, today=today or date.today(), release=release_date
    )
    result = validator.validate(table.rows, progress)
    notes.extend(result.notes)
    if not result.records and not result.quarantined:
        raise UncountedError("the file has a header but no data rows", file=name)

    stored_name = sha256 + (path.suffix.lower() if path.suffix else "")
    summary = IngestSummary(
        source=name,
        sha256=sha256,
        list_name=list_name,
        release=release,
        rows=len(table.rows),
        records=len(result.records),
        quarantined=len(result.quarantined),
        already_ingested=False,
        format=table.format,
        encoding=table.encoding,
        profile=profile,
        blank_lines=table.blank_lines,
        checks=result.checks(),
        notes=notes,
        mapping=resolved.to_dict(),
    )
    assert summary.records + summary.quarantined == summary.rows

    _report(progress, "storing", 0, 1)
    project.stage_file(data, stored_name)
    started = utc_now()
    with project.transaction() as con:
        con.execute(
            "INSERT INTO lists (name, created_at) SELECT ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM lists WHERE name = ?)",
            [list_name, started, list_name],
        )
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sha256,
                list_name,
                release_date,
                path.name,
                f"sources/{stored_name}",
                table.format,
                table.encoding,
                len(data),
                table.header_row,
                summary.rows,
                summary.records,
                summary.quarantined,
                table.blank_lines,
                profile,
                json.dumps(resolved.to_dict(), ensure_ascii=False),
                json.dumps(summary.checks, ensure_ascii=False),
                started,
                __version__,
            ],
        )
        con.register("new_records", _records_table(result.records, sha256, list_name, release_date))
        con.execute("INSERT INTO records BY NAME SELECT * FROM new_records")
        con.unregister("new_records")
        con.register("new_quarantine", _quarantine_table(result.quarantined, sha256))
        con.execute("INSERT INTO quarantine BY NAME SELECT * FROM new_quarantine")
        con.unregister("new_quarantine")
        project.log_command(
            "ingest",
            {
                "file": path.name,
                "sha256": sha256,
                "list": list_name,
                "release": release,
                "profile": profile,
                "mapping": resolved.name,
            },
            f"{summary.records} records, {summary.quarantined} quarantined",
            started,
        )
    project.publish_staged(stored_name)
    _report(progress, "storing", 1, 1)
    return summary


def _row_index_id_column(resolved: ResolvedMapping, rows: list[RawRow]) -> str | None:
    column = next((f.column for f in resolved.fields if f.field == "id_number"), None)
    if column is None:
        return None
    values = [r.values.get(column) for r in rows if r.values is not None]
    if len(values) < 3:
        return None
    counting = sum(v == str(i) for i, v in enumerate(values, start=1))
    return column if counting >= 0.9 * len(values) else None


def _parse_release(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UncountedError(
            f"release {text!r} is not a date YYYY-MM-DD", field="--release"
        ) from None


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress:
        progress(stage, done, total)


def _records_table(
    records: list[Record], sha256: str, list_name: str, release: date | None
) -> pa.Table:
    prefix = sha256[:16]
    columns: dict[str, list[Any]] = {
        "record_id": [f"{prefix}:{r.row_number}" for r in records],
        "source_sha256": [sha256] * len(records),
        "list": [list_name] * len(records),
        "release": [release] * len(records),
        "row_number": [r.row_number for r in records],
        "raw": [json.dumps(r.raw, ensure_ascii=False) for r in records],
    }
    for name in CANONICAL_FIELDS:
        columns[name] = [r.values.get(name) for r in records]
    columns["id_check"] = [r.id_check for r in records]
    columns["dob_placeholder"] = [r.dob_placeholder for r in records]
    columns["duplicate_of"] = [r.duplicate_of for r in records]
    columns["issues"] = [
        json.dumps([p.to_dict() for p in r.issues], ensure_ascii=False) for r in records
    ]
    schema = pa.schema(
        [
            ("record_id", pa.string()),
            ("source_sha256", pa.string()),
            ("list", pa.string()),
            ("release", pa.date32()),
            ("row_number", pa.int32()),
            ("raw", pa.string()),
            *[(n, _arrow_type(n)) for n in CANONICAL_FIELDS],
            ("id_check", pa.string()),
            ("dob_placeholder", pa.bool_()),
            ("duplicate_of", pa.int32()),
            ("issues", pa.string()),
        ]
    )
    return pa.table(columns, schema=schema)


def _arrow_type(name: str) -> pa.DataType:
    if name in NUMBER_FIELDS:
        return pa.float64()
    if name in DATE_FIELDS:
        return pa.date32()
    return pa.string()


def _quarantine_table(rows: list[QuarantinedRow], sha256: str) -> pa.Table:
    return pa.table(
        {
            "source_sha256": [sha256] * len(rows),
            "row_number": [r.row_number for r in rows],
            "raw": [json.dumps(r.raw, ensure_ascii=False) for r in rows],
            "reasons": [
                json.dumps([p.to_dict() for p in r.reasons], ensure_ascii=False) for r in rows
            ],
        },
        schema=pa.schema(
            [
                ("source_sha256", pa.string()),
                ("row_number", pa.int32()),
                ("raw", pa.string()),
                ("reasons", pa.string()),
            ]
        ),
    )
