"""Release diff on the first two real MoH releases (2023-10-26 and 2024-01-05, 20,868 records),
read from ../shared/data at test time; nothing here prints a name.

The six releases and the three Tech for Palestine files take longer to link than a test may
(``benchmarks/release_diff.py`` runs them all and prints the per-pair table).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from uncounted.core.ids import is_valid_id
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project
from uncounted.workflow.linkage import link_project
from uncounted.workflow.release_diff import ReleaseDiff, release_chain, release_diff

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

MOH = "gaza-moh-releases-alexschell"
FILES = ("fatalities_20231026.csv", "fatalities_20240105.csv")


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    root = tmp_path_factory.mktemp("moh-diff") / "project"
    with Project.create(root) as project:
        for name in FILES:
            ingest_file(project, shared_data / MOH / name, list_name="moh", profile="gaza-moh")
        link_project(project)
    return root


@pytest.fixture(scope="module")
def diff(linked: Path) -> ReleaseDiff:
    with Project.open(linked, read_only=True) as project:
        return release_diff(project, "moh", "2023-10-26", "2024-01-05")


def _valid_ids(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["gov_id"] for row in csv.DictReader(handle) if is_valid_id(row["gov_id"])}


def test_the_partition_adds_up(diff: ReleaseDiff) -> None:
    assert diff.from_records == 6_747 and diff.to_records == 14_121
    assert diff.added + diff.unchanged + diff.corrected_persons == diff.to_persons
    assert diff.removed + diff.unchanged + diff.corrected_persons == diff.from_persons
    assert sum(diff.corrected.values()) >= diff.corrected_persons


def test_counts_agree_with_the_ids_where_ids_agree(diff: ReleaseDiff, shared_data: Path) -> None:
    # IDs are not identity, but valid IDs of one release found again in the next bound the
    # classification: most persons of the older release are still there.
    old, new = (_valid_ids(shared_data / MOH / name) for name in FILES)
    kept = len(old & new)
    assert diff.unchanged + diff.corrected_persons >= 0.95 * kept
    assert diff.added >= 0.9 * len(new - old)
    # The 2024-01-05 release carries birth dates, the 2023-10-26 one does not: never a correction.
    assert diff.corrected["date_of_birth"] == 0
    assert diff.filled["date_of_birth"] > 0.5 * diff.unchanged


def test_the_chain_matches_the_diff(diff: ReleaseDiff, linked: Path) -> None:
    with Project.open(linked, read_only=True) as project:
        chain = release_chain(project, "moh")
    first, second = chain.releases
    assert first["persons"] == diff.from_persons and second["persons"] == diff.to_persons
    assert first["left"] == diff.removed + diff.relinked
    assert chain.not_in_latest == diff.removed + diff.relinked
