"""What the person search reads: the names on each person's records, the persons with a
given ID number or place, and a one-line summary of each person found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from uncounted.store.project import Project

# The name columns of a record, in the order :func:`name_rows` gives them.
NAME_COLUMNS: Final = ("full_name", "given_name", "father_name", "grandfather_name",
                       "family_name", "full_name_latin")


def name_rows(project: Project) -> list[tuple[Any, ...]]:
    """Every linked record's person and :data:`NAME_COLUMNS`, in no order."""
    return project.con.execute(
        f"SELECT pr.person_id, {', '.join('r.' + c for c in NAME_COLUMNS)}"
        " FROM person_records pr JOIN records r ON r.record_id = pr.record_id"
    ).fetchall()


def persons_matching(
    project: Project, *, id_number: str | None = None, place_pattern: str | None = None
) -> set[str]:
    """The persons with a record of this ID number and (when given) a record or summary
    place like ``place_pattern`` (ILIKE, case-insensitive); at least one must be given."""
    filters: list[str] = []
    params: list[Any] = []
    if id_number is not None:
        filters.append("r.id_number = ?")
        params.append(id_number)
    if place_pattern is not None:
        filters.append("(r.place ILIKE ? OR p.place ILIKE ?)")
        params += [place_pattern] * 2
    if not filters:
        raise ValueError("persons_matching needs an ID number or a place")
    return {str(row[0]) for row in project.con.execute(
        "SELECT DISTINCT p.person_id FROM persons p"
        " JOIN person_records pr ON pr.person_id = p.person_id"
        " JOIN records r ON r.record_id = pr.record_id WHERE " + " AND ".join(filters),
        params,
    ).fetchall()}


def person_summary_rows(project: Project, person_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """For each of these persons, in no order: ``person_id, n_records, lists, sex,
    age_years, place, date_of_death``, one name in the record's own script (from the record
    of the smallest id that has one) and the smallest Latin name."""
    return project.con.execute(
        "SELECT p.person_id, p.n_records, p.lists, p.sex, p.age_years, p.place,"
        " p.date_of_death,"
        " arg_min(coalesce(r.full_name, concat_ws(' ', r.given_name, r.father_name,"
        "   r.grandfather_name, r.family_name)), r.record_id) AS name,"
        " min(r.full_name_latin) AS name_latin"
        " FROM persons p JOIN person_records pr ON pr.person_id = p.person_id"
        " JOIN records r ON r.record_id = pr.record_id"
        " WHERE p.person_id IN (SELECT unnest(?::VARCHAR[]))"
        " GROUP BY ALL",
        [list(person_ids)],
    ).fetchall()
