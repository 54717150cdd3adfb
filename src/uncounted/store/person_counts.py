"""What the report and the overview count of persons: by list, by combination of lists and
releases, by age, sex, place and month, and the persons whose records spell their name in
several ways. Counts of persons of the latest link run, never of records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from uncounted.store.lists import LISTS_WITH_SEVERAL_RELEASES
from uncounted.store.project import Project


def persons_by_list_count(project: Project) -> list[tuple[int, int]]:
    """(number of lists, persons on that many lists), fewest lists first."""
    return [(int(n), int(c)) for n, c in project.con.execute(
        "SELECT len(lists) AS n, count(*) FROM persons GROUP BY n ORDER BY n"
    ).fetchall()]


def persons_per_list(project: Project) -> list[tuple[str, int, int]]:
    """(list, its persons, those of them on no other list), by list name; a list without
    persons is left out."""
    return [(str(name), int(count), int(alone)) for name, count, alone in project.con.execute(
        "SELECT l, count(*), count(*) FILTER (WHERE len(lists) = 1)"
        " FROM (SELECT unnest(lists) AS l, lists FROM persons) GROUP BY l ORDER BY l"
    ).fetchall()]


def persons_by_record_count(project: Project, cap: int) -> list[tuple[int, int]]:
    """(records, persons with that many records), fewest first; ``cap`` or more counted as
    ``cap``."""
    return [(int(k), int(n)) for k, n in project.con.execute(
        f"SELECT least(n_records, {int(cap)}), count(*) FROM persons GROUP BY 1 ORDER BY 1"
    ).fetchall()]


def list_combinations(project: Project) -> list[tuple[list[str], int]]:
    """(lists, persons on exactly those lists), most persons first, then fewer lists first."""
    return [(list(c), int(n)) for c, n in project.con.execute(
        "SELECT list_sort(lists) AS combo, count(*) AS n FROM persons GROUP BY 1"
        " ORDER BY n DESC, len(combo), combo::VARCHAR").fetchall()]


def release_combinations(project: Project, list_name: str) -> list[tuple[list[str], int]]:
    """(releases as ISO dates, persons of the list in exactly those releases), most persons
    first, then fewer releases first."""
    return [(list(c), int(n)) for c, n in project.con.execute(
        """
        SELECT combo, count(*) AS n FROM (
            SELECT pr.person_id, list_sort(list_distinct(list(strftime(r.release, '%Y-%m-%d'))))
                   AS combo
            FROM person_records pr JOIN records r ON r.record_id = pr.record_id
            WHERE r.list = ? AND r.release IS NOT NULL GROUP BY 1)
        GROUP BY 1 ORDER BY n DESC, len(combo), combo::VARCHAR
        """, [list_name]).fetchall()]


def first_release_counts(project: Project) -> list[tuple[str, Any, int]]:
    """(list, release, persons whose first record on the list is of that release) for the
    lists with several dated releases, by list and release."""
    return [(str(lst), rel, int(n)) for lst, rel, n in project.con.execute(
        f"""
        WITH multi AS ({LISTS_WITH_SEVERAL_RELEASES}),
             firsts AS (SELECT r.list, pr.person_id, min(r.release) AS first
                        FROM person_records pr JOIN records r ON r.record_id = pr.record_id
                        WHERE r.list IN (SELECT list FROM multi) AND r.release IS NOT NULL
                        GROUP BY 1, 2)
        SELECT list, first, count(*) FROM firsts GROUP BY 1, 2 ORDER BY 1, 2
        """
    ).fetchall()]


@dataclass(frozen=True)
class Profile:
    """Persons counted by (age in years, sex), by place (most first; no place left out) and
    by month of death ('YYYY-MM', oldest first; no date left out)."""

    by_age_and_sex: list[tuple[float | None, str | None, int]]
    by_place: list[tuple[str, int]]
    by_month: list[tuple[str, int]]


def profile_of_persons(project: Project, person_ids: Sequence[str]) -> Profile:
    """The :class:`Profile` of these persons (their summary attributes)."""
    # On a cursor of its own, so that the temporary view dies with it.
    con = project.con.cursor()
    try:
        con.register("counted_ids", pa.table({"person_id": pa.array(list(person_ids),
                                                                    pa.string())}))
        con.execute("CREATE TEMP VIEW counted AS SELECT p.* FROM persons p"
                    " JOIN counted_ids c USING (person_id)")
        by_age_and_sex = [(age, sex, int(n)) for age, sex, n in con.execute(
            "SELECT age_years, sex, count(*) FROM counted GROUP BY 1, 2").fetchall()]
        by_place = [(p, int(n)) for p, n in con.execute(
            "SELECT place, count(*) AS n FROM counted WHERE place IS NOT NULL"
            " GROUP BY 1 ORDER BY n DESC, 1").fetchall()]
        by_month = [(m, int(n)) for m, n in con.execute(
            "SELECT strftime(date_of_death, '%Y-%m') AS m, count(*) FROM counted"
            " WHERE date_of_death IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()]
    finally:
        con.close()
    return Profile(by_age_and_sex, by_place, by_month)


def varied_spellings(project: Project, limit: int) -> list[tuple[Any, ...]]:
    """The records of the first ``limit`` persons (by id) whose records spell their name in
    two or more ways, by person, list, release and row: ``person_id, record_id, list,
    release, row_number, name (full, else its parts), full_name_latin``."""
    return project.con.execute(
        """
        WITH spelled AS (
            SELECT pr.person_id, r.record_id, r.list, r.release, r.row_number,
                   coalesce(r.full_name, concat_ws(' ', r.given_name, r.father_name,
                            r.grandfather_name, r.family_name)) AS name,
                   r.full_name_latin
            FROM person_records pr JOIN records r ON r.record_id = pr.record_id),
        varied AS (
            SELECT person_id FROM spelled GROUP BY person_id
            HAVING count(DISTINCT coalesce(name, '') || '|' || coalesce(full_name_latin, '')) >= 2
            ORDER BY length(person_id), person_id LIMIT ?)
        SELECT s.* FROM spelled s JOIN varied USING (person_id)
        ORDER BY length(s.person_id), s.person_id, s.list, s.release, s.row_number
        """, [limit]).fetchall()
