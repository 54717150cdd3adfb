"""Records: one row of one source each, read in file order or by id.

File order is the project's one order of records: sources in the order they were ingested,
rows in the order of the file. New person ids, ties between summary values, exports and
explanations all follow it, so it is written once, here (:func:`_in_file_order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
import pyarrow as pa

from uncounted.store.project import Project

_FILE_ORDER: Final = "ORDER BY s.ingested_at, r.source_sha256, r.row_number"


def _in_file_order(columns: str, *, joins: str = "", where: str = "") -> str:
    """A query of ``columns`` of records ``r`` (with their source ``s`` and any ``joins``),
    in file order."""
    return (
        f"SELECT {columns} FROM records r JOIN sources s ON s.sha256 = r.source_sha256"
        + (f" {joins}" if joins else "")
        + (f" WHERE {where}" if where else "")
        + f" {_FILE_ORDER}"
    )


def disable_progress_bar(project: Project) -> None:
    """DuckDB draws a progress bar on stdout for long queries; a run reports on its own."""
    project.con.execute("SET enable_progress_bar = false")


def records_in_file_order(project: Project) -> pa.Table:
    """Every record, every column, in file order: what linkage reads."""
    return project.con.sql(_in_file_order("r.*")).to_arrow_table()


def records_with_persons(project: Project, columns: Sequence[str]) -> pa.Table:
    """Every record in file order: ``source_sha256, list, release, row_number, person_id,
    record_id`` and then ``columns`` of the record (person_id is null for a record ingested
    after the latest link run)."""
    fields = ", ".join(f"r.{c}" for c in columns)
    return project.con.sql(_in_file_order(
        "r.source_sha256, r.list, r.release, r.row_number, pr.person_id, r.record_id,"
        f" {fields}",
        joins="LEFT JOIN person_records pr ON pr.record_id = r.record_id",
    )).to_arrow_table()


def record_ids_of_person(project: Project, person_id: str) -> list[str]:
    """The ids of a person's records, in file order."""
    return [str(r[0]) for r in project.con.execute(
        _in_file_order("r.record_id",
                       joins="JOIN person_records pr ON pr.record_id = r.record_id",
                       where="pr.person_id = ?"),
        [person_id],
    ).fetchall()]


def release_rows(project: Project, list_name: str, release: str) -> list[tuple[Any, ...]]:
    """The linked records of one release of a list, in file order: ``record_id, person_id,
    source_sha256, row_number, id_number, name (full, else Latin), sex, date_of_birth,
    age_years, raw``."""
    return project.con.execute(
        _in_file_order(
            "r.record_id, pr.person_id, r.source_sha256, r.row_number, r.id_number,"
            " coalesce(r.full_name, r.full_name_latin), r.sex, r.date_of_birth, r.age_years,"
            " r.raw",
            joins="JOIN person_records pr ON pr.record_id = r.record_id",
            where="r.list = ? AND r.release = CAST(? AS DATE)",
        ),
        [list_name, release],
    ).fetchall()


def record_rows(
    project: Project, record_ids: Sequence[str], fields: Sequence[str]
) -> list[tuple[Any, ...]]:
    """The records of these ids, in no order: ``record_id, list, release, source file name,
    source_sha256, row_number, person_id`` (null when not linked), then ``fields``."""
    columns = ", ".join(f"r.{name}" for name in fields)
    return project.con.execute(
        "SELECT r.record_id, r.list, r.release, s.original_name, r.source_sha256, r.row_number,"
        f" pr.person_id, {columns}"
        " FROM records r JOIN sources s ON s.sha256 = r.source_sha256"
        " LEFT JOIN person_records pr ON pr.record_id = r.record_id"
        " WHERE r.record_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(record_ids)],
    ).fetchall()


def raw_of_records(project: Project, record_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(record id, its raw values as stored JSON) of these ids, in no order."""
    return [(str(i), str(raw)) for i, raw in project.con.execute(
        "SELECT record_id, raw FROM records WHERE record_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(record_ids)],
    ).fetchall()]


def death_days(project: Project) -> list[tuple[str, str, int]]:
    """(list, person, date of death as days since 1970-01-01) of every linked record that
    gives a date of death."""
    return project.con.execute(
        "SELECT r.list, pr.person_id, date_diff('day', DATE '1970-01-01', r.date_of_death)"
        " FROM records r JOIN person_records pr USING (record_id)"
        " WHERE r.date_of_death IS NOT NULL"
    ).fetchall()


def unlinked_record_count(project: Project, list_name: str) -> int:
    """How many records of a list no person holds (ingested after the latest link run)."""
    return int(project.con.execute(
        "SELECT count(*) FROM records r LEFT JOIN person_records pr USING (record_id)"
        " WHERE r.list = ? AND pr.person_id IS NULL",
        [list_name],
    ).fetchall()[0][0])


def record_keys(project: Project) -> pd.DataFrame:
    """Every record's id and the keys a truth file may name it by, all as text:
    ``record_id, source_sha256, list, release, row_number``."""
    return project.con.execute(
        "SELECT record_id, source_sha256, list, CAST(release AS VARCHAR) AS release,"
        " CAST(row_number AS VARCHAR) AS row_number FROM records"
    ).df()


def record_attributes(project: Project) -> pd.DataFrame:
    """Every record's ``record_id, list, sex, age_years`` and ``age_from_dates`` (years
    between its dates of birth and death)."""
    return project.con.execute(
        "SELECT record_id, list, sex, age_years,"
        " date_diff('day', date_of_birth, date_of_death) / 365.25 AS age_from_dates"
        " FROM records"
    ).df()
