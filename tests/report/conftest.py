"""A small synthetic project whose every count is known by hand.

List ``a`` has two releases (2024-04-01: 8 rows, 2024-05-01: 3 rows); list ``b`` one file
(3 rows). Names are made up ("test" in Arabic, Hebrew and English), never real. Persons are
written by hand (as a link run would store them), so that each section's numbers can be
checked against counts done on paper:

===========  ===================================  ====  ====  ======  ==========  ==========
person       records (list release row)           sex   age   place   died        lists
===========  ===================================  ====  ====  ======  ==========  ==========
P000001      a1 r1, a2 r1, b r1                   m     25    north   2024-01-03  a, b
P000002      a1 r2, a1 r8 (duplicate row), a2 r2  f     30    north   2024-01-20  a
P000003      a1 r3, b r2                          m     31    south   2024-02-11  a, b
P000004      a1 r4                                f     40    south   —           a
P000005      a1 r5                                m     44    —       2024-02-02  a
P000006      a1 r6                                m     12    north   2024-02-28  a
P000007      a1 r7, a2 r3                         —     —     north   —           a
P000008      b r3                                 f     2     south   2024-03-01  b
===========  ===================================  ====  ====  ======  ==========  ==========
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from uncounted.ingest.mapping import from_pairs
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project

VALID_1 = "123456782"
VALID_2 = "234567899"
INVALID = "345678901"  # the valid check digit would be 8

# name, gender, age, dob, id, place, died
A1 = [
    ("سامي اختبار واحد", "M", "25", "1999-01-01", VALID_1, "north", "2024-01-03"),
    ("ليلى اختبار اثنان", "F", "30", "1994-01-01", VALID_2, "north", "2024-01-20"),
    ("Test Three Person", "M", "31", "1993-06-15", INVALID, "south", "2024-02-11"),
    ("Test Four Person", "F", "40", "", "12345", "south", ""),
    ("Test Five Person", "M", "44", "", "", "", "2024-02-02"),
    ("Test Six Person", "M", "12", "", "", "north", "2024-02-28"),
    ("Test Seven Person", "", "", "", "", "north", ""),
    ("ليلى اختبار اثنان", "F", "30", "1994-01-01", VALID_2, "north", "2024-01-20"),
]
A2 = [
    ("سامي اختبار واحد", "M", "25", "1999-01-01", VALID_1, "north", "2024-01-03"),
    ("ليلا اختبار اثنين", "F", "30", "", VALID_2, "north", "2024-01-20"),
    ("Test Seven Persons", "", "", "", "", "north", ""),
]
B = [
    ("שמואל בדיקה", "M", "25", "", VALID_1, "north", "2024-01-03"),
    ("Test Three Persson", "M", "31", "", "", "south", "2024-02-11"),
    ("Test Eight Person", "F", "2", "", "", "south", "2024-03-01"),
]
PERSONS: dict[str, dict[str, Any]] = {
    "P000001": {"records": [("a", 1, 1), ("a", 2, 1), ("b", 0, 1)], "sex": "male", "age": 25,
                "place": "north", "died": date(2024, 1, 3)},
    "P000002": {"records": [("a", 1, 2), ("a", 1, 8), ("a", 2, 2)], "sex": "female",
                "age": 30, "place": "north", "died": date(2024, 1, 20)},
    "P000003": {"records": [("a", 1, 3), ("b", 0, 2)], "sex": "male", "age": 31,
                "place": "south", "died": date(2024, 2, 11)},
    "P000004": {"records": [("a", 1, 4)], "sex": "female", "age": 40, "place": "south",
                "died": None},
    "P000005": {"records": [("a", 1, 5)], "sex": "male", "age": 44, "place": None,
                "died": date(2024, 2, 2)},
    "P000006": {"records": [("a", 1, 6)], "sex": "male", "age": 12, "place": "north",
                "died": date(2024, 2, 28)},
    "P000007": {"records": [("a", 1, 7), ("a", 2, 3)], "sex": None, "age": None,
                "place": "north", "died": None},
    "P000008": {"records": [("b", 0, 3)], "sex": "female", "age": 2, "place": "south",
                "died": date(2024, 3, 1)},
}
MAPPING = ["full_name=name", "sex=gender", "age_years=age", "date_of_birth=dob",
           "id_number=id", "place=place", "date_of_death=died"]


def _csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    lines = ["name,gender,age,dob,id,place,died", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_project(folder: Path, *, linked: bool = True) -> Path:
    """The project above; with ``linked`` the persons and a link run 1 (threshold 0.5)."""
    files = folder / "files"
    files.mkdir(parents=True)
    root = folder / "project"
    with Project.create(root) as project:
        mapping = from_pairs(MAPPING)
        shas = {
            ("a", 1): ingest_file(project, _csv(files / "a1.csv", A1), list_name="a",
                                  release="2024-04-01", mapping=mapping).sha256,
            ("a", 2): ingest_file(project, _csv(files / "a2.csv", A2), list_name="a",
                                  release="2024-05-01", mapping=mapping).sha256,
            ("b", 0): ingest_file(project, _csv(files / "b.csv", B), list_name="b",
                                  mapping=mapping).sha256,
        }
        if linked:
            _link_by_hand(project, shas)
    return root


def record_id(project: Project, sha: str, row: int) -> str:
    found = project.con.execute(
        "SELECT record_id FROM records WHERE source_sha256 = ? AND row_number = ?", [sha, row]
    ).fetchall()
    return str(found[0][0])


def _link_by_hand(project: Project, shas: dict[tuple[str, int], str]) -> None:
    con = project.con
    con.execute(
        "INSERT INTO link_runs VALUES (1, ?, ?, 0.5, 7, 'duckdb', '{}', '{}', 14, 6, 8, 8, 0, 0,"
        " 0, '[]', 'test')",
        [datetime(2024, 5, 1), datetime(2024, 5, 1)],
    )
    for person_id, p in PERSONS.items():
        lists = sorted({lst for lst, _, _ in p["records"]})
        con.execute(
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 1)",
            [person_id, len(p["records"]), lists, p["sex"], p["age"], p["place"], p["died"]],
        )
        for lst, release, row in p["records"]:
            con.execute("INSERT INTO person_records VALUES (?, ?, 1)",
                        [record_id(project, shas[(lst, release)], row), person_id])
    # scored pairs: three links (>= 0.5) and three below; decisions on four of them
    pairs = [
        (("a", 1, 1), ("b", 0, 1), 0.99, "accept"),
        (("a", 1, 2), ("a", 2, 2), 0.90, None),
        (("a", 1, 3), ("b", 0, 2), 0.60, "skip"),
        (("a", 1, 4), ("b", 0, 3), 0.30, "reject"),
        (("a", 1, 5), ("a", 1, 6), 0.05, None),
        (("a", 1, 6), ("b", 0, 3), 0.02, "accept"),
    ]
    for (l1, r1, n1), (l2, r2, n2), probability, decision in pairs:
        left, right = sorted([record_id(project, shas[(l1, r1)], n1),
                              record_id(project, shas[(l2, r2)], n2)])
        weight = 3.0 if probability >= 0.5 else -5.0
        con.execute("INSERT INTO link_pairs VALUES (1, ?, ?, ?, ?, '{}')",
                    [left, right, probability, weight])
        if decision:
            # an earlier, superseded decision: only the latest counts
            con.execute(
                "INSERT INTO review_decisions (record_id_l, record_id_r, decision, reviewer,"
                " decided_at) VALUES (?, ?, 'skip', 'tester', ?)",
                [left, right, datetime(2024, 5, 2)],
            )
            con.execute(
                "INSERT INTO review_decisions (record_id_l, record_id_r, decision, reviewer,"
                " decided_at) VALUES (?, ?, ?, 'tester', ?)",
                [left, right, decision, datetime(2024, 5, 3)],
            )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The linked synthetic project (read it; copy it before changing it)."""
    return build_project(tmp_path_factory.mktemp("report"))
