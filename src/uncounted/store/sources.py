"""Sources: the files ingested, byte for byte, each with its counts, mapping and checks, and
the rows of each that could not be read (``quarantine``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa

from uncounted.store.project import Project

# The order sources are shown in everywhere (status, provenance, quality): by list, undated
# releases first, then as ingested.
_PROVENANCE_ORDER: Final = "ORDER BY list, release NULLS FIRST, ingested_at"


def source_sha256s(project: Project) -> list[str]:
    """The SHA-256 of every source, in no particular order."""
    return [str(r[0]) for r in project.con.execute("SELECT sha256 FROM sources").fetchall()]


def source_rows(project: Project) -> list[tuple[Any, ...]]:
    """Every source in the provenance order (list, release with undated first, ingestion):
    ``sha256, list, release, original_name, stored_path, format, encoding, rows, records,
    quarantined, checks, ingested_at``."""
    return project.con.execute(
        "SELECT sha256, list, release, original_name, stored_path, format, encoding, rows,"
        " records, quarantined, checks, ingested_at FROM sources"
        f" {_PROVENANCE_ORDER}"
    ).fetchall()


def source_mapping_rows(project: Project) -> list[tuple[Any, ...]]:
    """Every source in the provenance order with its mapping and checks: ``sha256, list,
    release, original_name, records, mapping, checks``."""
    return project.con.execute(
        "SELECT sha256, list, release, original_name, records, mapping, checks FROM sources"
        f" {_PROVENANCE_ORDER}"
    ).fetchall()


def source_counts(project: Project, sha256: str) -> tuple[Any, ...] | None:
    """One source's ``sha256, list, release, original_name, rows, records, quarantined``,
    or None for an unknown SHA-256."""
    rows = project.con.execute(
        "SELECT sha256, list, release, original_name, rows, records, quarantined FROM sources"
        " WHERE sha256 = ?",
        [sha256],
    ).fetchall()
    return rows[0] if rows else None


def release_mappings(project: Project, list_name: str, releases: Sequence[str]) -> list[str]:
    """The column mappings (JSON text) of a list's sources of these releases, in the order
    they were ingested."""
    return [str(m) for (m,) in project.con.execute(
        "SELECT mapping FROM sources WHERE list = ? AND release IN"
        " (SELECT CAST(unnest(?::VARCHAR[]) AS DATE)) ORDER BY ingested_at",
        [list_name, list(releases)],
    ).fetchall()]


def quarantine_reasons(project: Project) -> list[tuple[str, str]]:
    """(source SHA-256, reasons as JSON text) of every quarantined row, in no order."""
    return [(str(s), r) for s, r in project.con.execute(
        "SELECT source_sha256, reasons FROM quarantine").fetchall()]


def quarantine_page(
    project: Project, sha256: str, limit: int, offset: int
) -> list[tuple[int, str, str]]:
    """A page of a source's quarantined rows in file order: (row number, raw values as JSON
    text, reasons as JSON text)."""
    return project.con.execute(
        "SELECT row_number, raw, reasons FROM quarantine WHERE source_sha256 = ?"
        " ORDER BY row_number LIMIT ? OFFSET ?",
        [sha256, limit, offset],
    ).fetchall()


def ingested_source(project: Project, sha256: str) -> tuple[Any, ...] | None:
    """How the source with these bytes was ingested, if it was: ``list, release, rows,
    records, quarantined, profile, original_name, ingested_at``."""
    rows = project.con.execute(
        "SELECT list, release, rows, records, quarantined, profile, original_name, ingested_at"
        " FROM sources WHERE sha256 = ?",
        [sha256],
    ).fetchall()
    return rows[0] if rows else None


def add_source(
    con: duckdb.DuckDBPyConnection,
    values: Sequence[Any],
    *,
    records: Path | None,
    duplicates: pa.Table,
    quarantine: Path | None,
) -> None:
    """Store one source inside the caller's transaction: its row (``values``: every column
    of ``sources`` in order), its records and quarantined rows (Parquet files written by
    ingest, or None when there are none), and which of its records repeat an earlier row
    (``duplicates``: ``row_number, first_row``)."""
    sha256 = values[0]
    con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(values),
    )
    if records is not None:
        con.execute(
            "INSERT INTO records BY NAME SELECT * EXCLUDE (dup_key) FROM read_parquet(?)",
            [str(records)],
        )
    if duplicates.num_rows:
        con.register("new_duplicates", duplicates)
        con.execute(
            "UPDATE records SET duplicate_of = d.first_row FROM new_duplicates AS d "
            "WHERE records.source_sha256 = ? AND records.row_number = d.row_number",
            [sha256],
        )
        con.unregister("new_duplicates")
    if quarantine is not None:
        con.execute(
            "INSERT INTO quarantine BY NAME SELECT * FROM read_parquet(?)",
            [str(quarantine)],
        )

