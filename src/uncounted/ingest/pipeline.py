"""Ingest one file into a project: read, map, validate, store — all or nothing, streaming."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from uncounted import __version__
from uncounted.core.errors import MappingError, MappingUsageError, UncountedError, UsageError
from uncounted.core.fields import CANONICAL_FIELDS, DATE_FIELDS, NUMBER_FIELDS
from uncounted.ingest.mapping import (
    ColumnMapping,
    ResolvedMapping,
    detect_profile,
    load_profile,
    resolve,
)
from uncounted.ingest.readers import RawRow, read_source
from uncounted.ingest.validate import (
    CheckCounter,
    DateOrder,
    QuarantinedRow,
    Record,
    RowValidator,
)
from uncounted.store.lists import add_list
from uncounted.store.project import Project, utc_now
from uncounted.store.sources import add_source, ingested_source

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
    warnings: list[str] = field(default_factory=list)
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
            "warnings": self.warnings,
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
    """Ingest ``path`` as a source of ``list_name``; see the module docstring of ``validate``.

    Streams: the file is read once to spool its rows and learn what every row of a column says
    about it (day-first dates, a row-index ID column), the spool is read once to validate into
    Parquet files in a work folder, and the database takes those in one transaction. Memory
    holds a batch of rows, never the file.
    """
    path = Path(path)
    name = str(path)
    # What was asked is checked before the file is looked at: a misspelt profile is a usage
    # error even for bytes ingested before.
    if mapping is not None and profile is not None:
        raise MappingUsageError("give either a profile or a mapping, not both")
    if profile is not None:
        mapping = load_profile(profile)
    list_name = list_name.strip()
    if not list_name:
        raise UsageError("the list name is empty", field="--list")
    try:
        sha256, size = _hash_file(path)
    except OSError as exc:
        raise UncountedError(f"cannot read the file: {exc.strerror}", file=name) from None

    existing = ingested_source(project, sha256)
    if existing:
        stored = _Stored(*existing)
        differs = stored.differences(list_name, release, profile, mapping_given=mapping
                                     is not None and profile is None)
        if differs:
            # Nothing of what was asked is done: a source is stored once, under one list,
            # read one way, so "nothing changed" with exit 0 would hide that.
            raise UncountedError(
                f"these bytes were ingested on {stored.ingested_at:%Y-%m-%d} (as "
                f"{stored.original_name!r}) {stored.describe()}; this ingest asks for "
                f"{'; '.join(differs)}. Nothing was done: the file stays a source of list "
                f"{stored.list_name!r} (see uncounted status)",
                file=name,
            )
        return IngestSummary(
            source=name,
            sha256=sha256,
            list_name=stored.list_name,
            release=stored.release.isoformat() if stored.release else None,
            rows=stored.rows,
            records=stored.records,
            quarantined=stored.quarantined,
            already_ingested=True,
            profile=stored.profile,
        )

    hint = mapping.expected_columns() if mapping else set()
    _report(progress, "reading rows", 0, 0)
    table = read_source(path, path.name, header_hint=hint)
    chosen: list[str] = []
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
        chosen.append(f"profile {detected!r} chosen because the file has its columns")
    resolved = resolve(mapping, table.columns, name)
    release = release or mapping.release_from_filename(path.name)
    release_date = _parse_release(release) if release else None

    with _work_folder() as work:
        # Pass 1: spool the rows and gather what needs every row of a column.
        spool = _Spool(work / "rows.pickle", table.columns)
        date_order = DateOrder(resolved)
        row_index = _RowIndexCheck(resolved)
        for row in table.rows:
            spool.add(row)
            date_order.add(row)
            row_index.add(row)
            if progress and spool.count % _PROGRESS_EVERY == 0:
                progress("reading rows", spool.count, spool.count)
        spool.close()
        _report(progress, "reading rows", spool.count, spool.count)
        notes = [*table.notes, *chosen]
        if row_index.column and row_index.is_index():
            # A column counting 1, 2, 3... is the file's row index, never an ID number.
            notes.append(
                f"column {row_index.column!r} is a row index (1, 2, 3, ...), not ID numbers; "
                "it is kept as a raw value only"
            )
            resolved = resolve(mapping, table.columns, name, exclude=[row_index.column])
        if resolved.missing_optional:
            notes.append(
                "optional fields without a column: " + ", ".join(resolved.missing_optional)
            )
        if not spool.count:
            raise UncountedError("the file has a header but no data rows", file=name)
        if spool.count > MAX_ROWS:
            raise UncountedError(
                f"the file has {spool.count:,} rows; one source may have at most {MAX_ROWS:,}, "
                "because the database holds the index of a source's new records in memory "
                "until they are committed (about 170 bytes a row) and ingest stays under 2 GB; "
                "split the file and ingest the parts as sources of the same list",
                file=name,
            )
        dates = date_order.decide()

        # Pass 2: validate from the spool into Parquet files.
        validator = RowValidator(
            resolved, today=today or date.today(), release=release_date,
            day_first=dates.day_first,
        )
        written = _validate_to_parquet(
            validator, spool, work, sha256, list_name, release_date, progress
        )
        duplicates = _duplicates(written.records_path, work)
        # Kept with the source's checks, so that how its dates were read stays on record.
        checks = {**written.counter.as_dict(duplicates.num_rows), "dates": dates.columns}
        summary = IngestSummary(
            source=name,
            sha256=sha256,
            list_name=list_name,
            release=release,
            rows=spool.count,
            records=written.records,
            quarantined=written.quarantined,
            already_ingested=False,
            format=table.format,
            encoding=table.encoding,
            profile=profile,
            blank_lines=table.blank_lines,
            checks=checks,
            notes=notes,
            warnings=dates.warnings,
            mapping=resolved.to_dict(),
        )
        if summary.records + summary.quarantined != summary.rows:
            raise AssertionError("a row was neither a record nor quarantined")

        _report(progress, "storing", 0, 1)
        stored_name = sha256 + (path.suffix.lower() if path.suffix else "")
        _stage_copy(project, path, stored_name, sha256)
        started = utc_now()
        with project.transaction() as con:
            add_list(con, list_name, started)
            add_source(
                con,
                [
                    sha256,
                    list_name,
                    release_date,
                    path.name,
                    f"sources/{stored_name}",
                    table.format,
                    table.encoding,
                    size,
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
                records=written.records_path if written.records else None,
                duplicates=duplicates,
                quarantine=written.quarantine_path if written.quarantined else None,
            )
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


@dataclass(frozen=True)
class _Stored:
    """The source row of bytes ingested before."""

    list_name: str
    release: date | None
    rows: int
    records: int
    quarantined: int
    profile: str | None
    original_name: str
    ingested_at: datetime

    def describe(self) -> str:
        how = f"profile {self.profile!r}" if self.profile else "a column mapping"
        release = f", release {self.release.isoformat()}" if self.release else ""
        return f"into list {self.list_name!r}{release}, read with {how}"

    def differences(self, list_name: str, release: str | None, profile: str | None,
                    mapping_given: bool) -> list[str]:
        """What this ingest asks for that differs from how the bytes were stored (an option
        left out asks for nothing)."""
        differs = []
        if list_name != self.list_name:
            differs.append(f"list {list_name!r}")
        if release is not None and _parse_release(release) != self.release:
            differs.append(f"release {release}")
        if profile is not None and profile != self.profile:
            differs.append(f"profile {profile!r}")
        if mapping_given and self.profile is not None:
            differs.append("a column mapping instead of the profile")
        return differs


# The most rows one source may have: DuckDB keeps the primary-key index of the records a
# transaction adds in memory until it commits (measured at about 170 bytes a row), and ingest
# must stay under 2 GB whatever the input (1.64 million rows peak at 635 MB).
MAX_ROWS = 8_000_000
_PROGRESS_EVERY = 5000
_BATCH = 5000
_COPY_CHUNK = 1 << 20
_WORK_PREFIX = "uncounted-ingest-"
# A row whose every mapped value equals an earlier row's is a duplicate of the first such row.
# Rows are compared by a 128-bit digest of those values, written beside each record, so that
# finding them needs memory for digests, not for records.
_DUPLICATES = """
    WITH firsts AS (
        SELECT dup_key, min(row_number) AS first_row FROM read_parquet(?)
        GROUP BY dup_key HAVING count(*) > 1
    )
    SELECT r.row_number, f.first_row FROM read_parquet(?) AS r JOIN firsts AS f USING (dup_key)
    WHERE r.row_number <> f.first_row ORDER BY r.row_number
"""
_DUCKDB_MEMORY = "128MB"


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _stage_copy(project: Project, path: Path, stored_name: str, sha256: str) -> None:
    """Stage the file as ``Project.stage_file`` stages bytes (a durable ``.partial`` renamed
    into ``.staging``), but copied a chunk at a time, and only if its bytes are still the
    ones that were hashed and read."""
    staging = project.staging_dir
    staging.mkdir(exist_ok=True)
    target = staging / stored_name
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    with path.open("rb") as source, partial.open("wb") as handle:
        while chunk := source.read(_COPY_CHUNK):
            digest.update(chunk)
            handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    if digest.hexdigest() != sha256:
        partial.unlink(missing_ok=True)
        raise UncountedError(
            "the file changed while it was being ingested; nothing was stored", file=str(path)
        )
    os.replace(partial, target)


@contextmanager
def _work_folder() -> Iterator[Path]:
    """A private folder in the temporary directory for the spool and the Parquet files.

    Named with the process id, so that a folder left by a killed ingest is found and removed.
    """
    _remove_stale_work_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{_WORK_PREFIX}{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale_work_folders() -> None:
    for folder in Path(tempfile.gettempdir()).glob(_WORK_PREFIX + "*"):
        try:
            pid = int(folder.name[len(_WORK_PREFIX) :].split("-")[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Spool:
    """Raw rows written to a file in batches and read back in the same order."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.count = 0
        self._batch: list[tuple[Any, ...]] = []
        self._handle: BinaryIO | None = path.open("wb")

    def add(self, row: RawRow) -> None:
        values = None if row.values is None else [row.values.get(c) for c in self.columns]
        self._batch.append((row.row_number, values, row.problem, row.raw_text))
        self.count += 1
        if len(self._batch) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch and self._handle is not None:
            pickle.dump(self._batch, self._handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def close(self) -> None:
        self._flush()
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __iter__(self) -> Iterator[RawRow]:
        with self.path.open("rb") as handle:
            while True:
                try:
                    batch = pickle.load(handle)
                except EOFError:
                    return
                for number, values, problem, raw_text in batch:
                    row_values = (
                        None if values is None else dict(zip(self.columns, values, strict=True))
                    )
                    yield RawRow(number, row_values, problem, raw_text)


class _RowIndexCheck:
    """Whether the ID column counts 1, 2, 3... (a row index), from every row."""

    def __init__(self, resolved: ResolvedMapping) -> None:
        self.column = next((f.column for f in resolved.fields if f.field == "id_number"), None)
        self.values = 0
        self.counting = 0

    def add(self, row: RawRow) -> None:
        if self.column is None or row.values is None:
            return
        self.values += 1
        self.counting += row.values.get(self.column) == str(self.values)

    def is_index(self) -> bool:
        return self.values >= 3 and self.counting >= 0.9 * self.values


@dataclass
class _Written:
    records_path: Path
    quarantine_path: Path
    counter: CheckCounter
    records: int = 0
    quarantined: int = 0


def _validate_to_parquet(
    validator: RowValidator,
    spool: _Spool,
    work: Path,
    sha256: str,
    list_name: str,
    release: date | None,
    progress: Progress | None,
) -> _Written:
    import pyarrow.parquet as pq

    written = _Written(work / "records.parquet", work / "quarantine.parquet", CheckCounter())
    records: list[Record] = []
    quarantined: list[QuarantinedRow] = []
    record_schema = _records_table([], sha256, list_name, release).schema
    quarantine_schema = _quarantine_table([], sha256).schema
    with (
        pq.ParquetWriter(written.records_path, record_schema) as record_writer,
        pq.ParquetWriter(written.quarantine_path, quarantine_schema) as quarantine_writer,
    ):

        def flush() -> None:
            if records:
                record_writer.write_table(_records_table(records, sha256, list_name, release))
                records.clear()
            if quarantined:
                quarantine_writer.write_table(_quarantine_table(quarantined, sha256))
                quarantined.clear()

        for done, row in enumerate(spool):
            if progress and done % _PROGRESS_EVERY == 0:
                progress("validating rows", done, spool.count)
            outcome = validator.validate_row(row)
            if isinstance(outcome, Record):
                written.counter.add_record(outcome)
                written.records += 1
                records.append(outcome)
            else:
                written.counter.add_quarantined(outcome)
                written.quarantined += 1
                quarantined.append(outcome)
            if len(records) + len(quarantined) >= _BATCH:
                flush()
        flush()
    _report(progress, "validating rows", spool.count, spool.count)
    return written


def _duplicates(records: Path, work: Path) -> pa.Table:
    """(row_number, first_row) of each record that repeats an earlier one, from the digests.

    In a private DuckDB with one thread and capped memory (spilling to the work folder), so
    that the project's connection keeps no trace of it.
    """
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads TO 1")
        con.execute(f"SET memory_limit = '{_DUCKDB_MEMORY}'")
        con.execute("SET temp_directory = ?", [str(work / "duckdb")])
        return con.sql(_DUPLICATES, params=[str(records), str(records)]).to_arrow_table()
    finally:
        con.close()


def _duplicate_key(values: dict[str, Any]) -> bytes:
    canonical = repr(sorted((k, v) for k, v in values.items() if v is not None))
    return hashlib.blake2b(canonical.encode("utf-8", "backslashreplace"), digest_size=16).digest()


def _parse_release(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"release {text!r} is not a date YYYY-MM-DD", field="--release") from None


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress:
        progress(stage, done, total)


def _records_table(
    records: list[Record], sha256: str, list_name: str, release: date | None
) -> pa.Table:
    """The records as rows of the ``records`` table, plus ``dup_key`` (see ``_duplicates``)."""
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
    columns["dup_key"] = [_duplicate_key(r.values) for r in records]
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
            ("dup_key", pa.binary(16)),
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
