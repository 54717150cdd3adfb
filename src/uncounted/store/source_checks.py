"""What the quality section counts in the records of one source: missing values, ages,
dates of birth, ID number checks and the rows of one file that are one person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from uncounted.store.project import Project


def missing_counts(project: Project, sha256: str, fields: Sequence[str]) -> list[int]:
    """For each of ``fields`` (record columns), how many of the source's records lack it."""
    counts = project.con.execute(
        "SELECT " + ", ".join(f"count(*) - count({f})" for f in fields)
        + " FROM records WHERE source_sha256 = ?", [sha256]).fetchall()[0]
    return [int(n) for n in counts]


def stated_ages(project: Project, sha256: str) -> list[float]:
    """Every age the source's records state, in no order."""
    return [row[0] for row in project.con.execute(
        "SELECT age_years FROM records WHERE source_sha256 = ? AND age_years IS NOT NULL",
        [sha256]).fetchall()]


def birth_date_counts(
    project: Project, sha256: str
) -> tuple[int, int, int, tuple[dt.date, int] | None]:
    """(records with a date of birth, of them 1 January placeholders, distinct dates, the
    date most repeated with its count or None)."""
    con = project.con
    total, placeholders = con.execute(
        "SELECT count(date_of_birth), count(*) FILTER (WHERE dob_placeholder)"
        " FROM records WHERE source_sha256 = ?", [sha256]).fetchall()[0]
    top = con.execute(
        "SELECT date_of_birth, count(*) AS n FROM records"
        " WHERE source_sha256 = ? AND date_of_birth IS NOT NULL"
        " GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1", [sha256]).fetchall()
    distinct = con.execute(
        "SELECT count(DISTINCT date_of_birth) FROM records WHERE source_sha256 = ?",
        [sha256]).fetchall()[0][0]
    most = (top[0][0], int(top[0][1])) if top else None
    return int(total), int(placeholders), int(distinct), most


def id_check_counts(project: Project, sha256: str) -> dict[str, int]:
    """The source's records by the check of their ID number ('absent' when none)."""
    return {str(k): int(n) for k, n in project.con.execute(
        "SELECT coalesce(id_check, 'absent'), count(*) FROM records WHERE source_sha256 = ?"
        " GROUP BY 1", [sha256]).fetchall()}


def repeated_persons(project: Project, sha256: str) -> tuple[int, int]:
    """(persons holding two or more records of this one source, those records)."""
    persons, records = project.con.execute(
        "SELECT count(*), coalesce(sum(n), 0) FROM ("
        " SELECT pr.person_id, count(*) AS n FROM person_records pr"
        " JOIN records r ON r.record_id = pr.record_id WHERE r.source_sha256 = ?"
        " GROUP BY pr.person_id HAVING count(*) >= 2)", [sha256]).fetchall()[0]
    return int(persons), int(records)


def any_linked_record(project: Project) -> bool:
    """Whether linkage has given any record a person."""
    return bool(project.con.execute("SELECT count(*) FROM person_records").fetchall()[0][0])
