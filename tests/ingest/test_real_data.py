"""The built-in profiles on the real files in ../shared/data (read at test time, never copied).

Row counts come from each folder's README. Check-digit counts: the curator of the MoH releases
flagged 'incorrect check digit' on 1,051 / 1,469 / 1,522 / 599 / 255 rows of the 2024-01-05 /
03-29 / 04-30 / 06-30 / 08-31 releases; we find the same, plus, in 2024-03-29, one ID the
curator flagged for 'special characters' that is nine digits with a bad check digit once its
separator is removed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project

pytestmark = pytest.mark.realdata

MOH = "gaza-moh-releases-alexschell"
RELEASES = {
    "fatalities_20231026.csv": (6_747, 5, 0),
    "fatalities_20240105.csv": (14_121, 1_051, 601),
    "fatalities_20240329.csv": (21_323, 1_470, 784),
    "fatalities_20240430.csv": (24_682, 1_522, 813),
    "fatalities_20240630.csv": (28_185, 599, 98),
    "fatalities_20240831.csv": (34_344, 255, 57),
}


@pytest.fixture(scope="module")
def moh_project(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Project:
    root = tmp_path_factory.mktemp("moh") / "project"
    with Project.create(root) as project:
        yield project


@pytest.mark.parametrize("name", sorted(RELEASES))
def test_each_moh_release_ingests_completely(
    moh_project: Project, shared_data: Path, name: str
) -> None:
    rows, invalid, partial = RELEASES[name]
    summary = ingest_file(
        moh_project, shared_data / MOH / name, list_name="moh", profile="gaza-moh"
    )
    assert summary.rows == rows
    assert summary.records + summary.quarantined == summary.rows
    assert summary.release == f"{name[11:15]}-{name[15:17]}-{name[17:19]}"
    assert summary.checks["id_check"]["invalid"] == invalid
    assert summary.checks["id_check"]["partial"] == partial
    again = ingest_file(moh_project, shared_data / MOH / name, list_name="moh", profile="gaza-moh")
    assert again.already_ingested
    assert (again.rows, again.records) == (summary.rows, summary.records)


def test_the_release_counts_add_up_in_the_project(moh_project: Project) -> None:
    totals = moh_project.con.execute(
        "SELECT count(*), (SELECT count(*) FROM quarantine) FROM records"
    ).fetchone()
    assert totals is not None
    assert totals[0] + totals[1] == sum(rows for rows, _, _ in RELEASES.values())


def test_a_release_without_its_id_column_still_ingests(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / MOH / "fatalities_20240329.csv"
    copy = tmp_path / "fatalities_20240329.csv"
    with (
        source.open(encoding="utf-8", newline="") as src,
        copy.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        fields = [f for f in reader.fieldnames or [] if f != "gov_id"]
        writer = csv.DictWriter(dst, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(reader)
    with Project.create(tmp_path / "p") as project:
        summary = ingest_file(project, copy, list_name="moh", profile="gaza-moh")
        assert (summary.rows, summary.records) == (21_323, 21_323)
        assert summary.checks["id_check"]["absent"] == 21_323
        assert project.con.execute("SELECT count(id_number) FROM records").fetchone() == (0,)


OTHER_FILES = [
    ("btselem", "btselem-fatalities-2000-2023/btselem-fatalities-2000-2023.csv", 11_124),
    ("cpj", "cpj-journalists-killed-gaza-reporters/reporters_extra_columns_feb8.csv", 2_295),
    (
        "cpj",
        "cpj-journalists-killed-gaza-reporters/reporters_extra_columns_feb8_gaza_only_updated.csv",
        105,
    ),
    ("israel-hostages", "israel-hostages-kan-dehyde/hostages-from-kan-fixed.csv", 240),
    ("israel-oct7-victims", "israel-killed-since-oct7-eligrumman/victims.csv", 1_997),
    ("gaza-press-killed", "techforpalestine-palestine-datasets/press_killed_in_gaza.json", 262),
    ("gaza-moh", "techforpalestine-palestine-datasets/20240413killed-in-gaza.csv", 14_140),
    ("gaza-moh", "techforpalestine-palestine-datasets/20240808killed-in-gaza.csv", 24_672),
    ("gaza-moh", "techforpalestine-palestine-datasets/20240921killed-in-gaza.csv", 28_185),
    ("gaza-moh", f"{MOH}/source_files/fatalities_20240105_src.xlsx", 14_121),
]


@pytest.mark.parametrize(("profile", "relative", "rows"), OTHER_FILES)
def test_every_profile_reads_its_real_file(
    tmp_path: Path, shared_data: Path, profile: str, relative: str, rows: int
) -> None:
    with Project.create(tmp_path / "p") as project:
        summary = ingest_file(project, shared_data / relative, list_name=profile, profile=profile)
        assert summary.rows == rows
        assert summary.records + summary.quarantined == rows
        assert summary.quarantined == 0
        named = project.con.execute(
            "SELECT count(*) FROM records WHERE coalesce(full_name, given_name, family_name)"
            " IS NOT NULL"
        ).fetchone()
        assert named == (rows,)


def test_hebrew_victims_list_codes(tmp_path: Path, shared_data: Path) -> None:
    with Project.create(tmp_path / "p") as project:
        ingest_file(
            project,
            shared_data / "israel-killed-since-oct7-eligrumman/victims.csv",
            list_name="ynet",
            profile="israel-oct7-victims",
        )
        sexes = dict(
            project.con.execute("SELECT sex, count(*) FROM records GROUP BY sex").fetchall()
        )
        assert sexes == {"male": 1_604, "female": 393}
        infants = project.con.execute("SELECT count(*) FROM records WHERE age_years < 1").fetchone()
        assert infants is not None and infants[0] >= 1
