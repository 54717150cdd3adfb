"""Release diff on two made-up releases of one list, with one planted case of each kind.

The names come from the simulator (synthetic; no real person's name). The older release is a
simulated list; the newer one drops some rows, adds others and changes planted rows; each planted
person must come out in its category, and the partition must add up exactly.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import jinja2
import pytest

from uncounted.cli.main import run
from uncounted.core.errors import UncountedError
from uncounted.core.ids import is_valid_id, make_valid_id
from uncounted.report.suppression import suppress
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.release_diff import (
    CSV_COLUMNS,
    PersonChange,
    ReleaseDiff,
    diff_rows,
    release_chain,
    release_diff,
    releases_section,
)

COLUMNS = ("name", "gov_id", "dob", "sex", "age", "source")
MAPPING = ("full_name=name", "id_number=gov_id", "date_of_birth=dob", "sex=sex", "age_years=age")
OLD, NEW, NEWEST = "2024-01-31", "2024-03-31", "2024-05-31"


def _cli(*args: str | Path) -> tuple[int, str]:
    try:
        run([str(a) for a in args])
        return 0, ""
    except SystemExit as stop:
        return (stop.code if isinstance(stop.code, int) else 1), ""


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _other_valid_id(number: str, step: int = 1) -> str:
    return make_valid_id(f"{(int(number[:8]) + step) % 10**8:08d}")


def _wrong_check_digit(number: str) -> str:
    wrong = f"{number[:8]}{(int(number[8]) + 3) % 10}"
    assert not is_valid_id(wrong)
    return wrong


def _people(folder: Path) -> list[dict[str, str]]:
    """Simulated victims with a valid ID, a four-part name, a birth date and an age."""
    simulation = simulate_conflict(ConflictConfig(n_victims=600, n_lists=1, seed=7))
    manifest = write_simulation(simulation, folder / "simulated")
    path = folder / "simulated" / manifest["lists"][0]["file"]
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen_names: set[str] = set()
    people = []
    for row in rows:
        if not is_valid_id(row["gov_id"]) or not row["dob"] or not row["age"]:
            continue
        if len(row["name"].split()) < 4 or row["name"] in seen_names:
            continue
        seen_names.add(row["name"])
        people.append({**row, "source": "hospital" if len(people) % 3 else "family"})
    assert len(people) >= 230
    return people


class Planted:
    """Row indexes (into the people list) of each planted case."""

    removed = range(10, 15)
    reused_from = 10  # removed; its ID goes to a different person in the newer release
    added = range(200, 220)
    reused_by = 220  # added, carrying the ID of ``reused_from``
    id_fixed = 20  # bad check digit in the older release, valid in the newer
    id_replaced = 21  # one valid ID replaced by another valid ID (two persons to the linkage)
    name_fixed = 22
    dob_fixed = 23
    age_fixed = 24
    name_spelled = 25  # one letter's dots changed: minor, not a correction
    age_nudged = 26  # age one year up: minor, not a correction
    name_spaced = 28  # two name parts written as one word: minor, not a correction
    date_swapped = 27  # day and month of the birth date exchanged: minor, not a correction
    merged = 5  # listed twice in the older release, once in the newer
    split = 6  # listed once in the older, twice in the newer
    kept = 200  # people[:kept] are in the older release


def _releases(people: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    old = [dict(p) for p in people[: Planted.kept]]
    old[Planted.id_fixed]["gov_id"] = _wrong_check_digit(old[Planted.id_fixed]["gov_id"])
    old.append(dict(old[Planted.merged]))

    new = [dict(p) for i, p in enumerate(people[: Planted.kept]) if i not in Planted.removed]
    by_id = {p["gov_id"]: p for p in new}
    replaced = by_id[people[Planted.id_replaced]["gov_id"]]
    replaced["gov_id"] = _other_valid_id(replaced["gov_id"], step=7919)
    name = by_id[people[Planted.name_fixed]["gov_id"]]
    parts = name["name"].split()
    parts[-1] = next(  # another family name
        p["name"].split()[-1] for p in people if p["name"].split()[-1][:2] != parts[-1][:2]
    )
    name["name"] = " ".join(parts)
    spelled = by_id[people[Planted.name_spelled]["gov_id"]]
    dotted = next(letter for letter in "بتثني" if letter in spelled["name"])
    spelled["name"] = spelled["name"].replace(dotted, "ث" if dotted != "ث" else "ت", 1)
    spaced = by_id[people[Planted.name_spaced]["gov_id"]]
    words = spaced["name"].split()
    spaced["name"] = " ".join([*words[:-2], words[-2] + words[-1]])
    nudged = by_id[people[Planted.age_nudged]["gov_id"]]
    nudged["age"] = str(int(float(nudged["age"])) + 1)
    swapped = by_id[people[Planted.date_swapped]["gov_id"]]
    year, month, day = swapped["dob"].split("-")
    if int(day) > 12 or day == month:  # make it a date that can be read both ways
        day = "11" if month != "11" else "03"
        for row in (swapped, old[Planted.date_swapped]):
            row["dob"] = f"{year}-{month}-{day}"
    swapped["dob"] = f"{year}-{day}-{month}"
    dob = by_id[people[Planted.dob_fixed]["gov_id"]]
    year, month, day = dob["dob"].split("-")
    dob["dob"] = f"{year}-{month}-{(int(day) % 27) + 1:02d}"
    age = by_id[people[Planted.age_fixed]["gov_id"]]
    age["age"] = str(int(float(age["age"])) + 5)
    new.append(dict(by_id[people[Planted.split]["gov_id"]]))
    new += [dict(p) for p in people[Planted.added.start : Planted.added.stop]]
    # A clearly different person (another sex, another generation) carrying a removed ID.
    donor = people[Planted.reused_from]
    stranger = next(
        p for p in people[Planted.reused_by :]
        if p["sex"] != donor["sex"] and abs(float(p["age"]) - float(donor["age"])) > 20
    )
    new.append({**stranger, "gov_id": donor["gov_id"]})
    return old, new


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("release-diff")
    people = _people(folder)
    old, new = _releases(people)
    root = folder / "project"
    assert _cli("init", root)[0] == 0
    maps = [a for pair in MAPPING for a in ("--map", pair)]
    for release, rows in ((OLD, old), (NEW, new)):
        path = _write(folder / f"list-{release}.csv", rows)
        code, _ = _cli("ingest", root, path, "--list", "moh", "--release", release, *maps)
        assert code == 0
    assert _cli("link", root, "--json")[0] == 0
    return {"root": root, "people": people, "old": old, "new": new, "folder": folder}


@pytest.fixture(scope="module")
def diff(project_dir: dict[str, Any]) -> ReleaseDiff:
    with Project.open(project_dir["root"]) as project:
        return release_diff(project, "moh", OLD, NEW)


def _record_ids(root: Path, release: str, row_numbers: list[int]) -> set[str]:
    with Project.open(root, read_only=True) as project:
        rows = project.con.execute(
            "SELECT record_id FROM records WHERE release = CAST(? AS DATE)"
            " AND row_number IN (SELECT unnest(?::INTEGER[]))",
            [release, row_numbers],
        ).fetchall()
    return {str(r[0]) for r in rows}


def _change_of(diff: ReleaseDiff, records: set[str]) -> PersonChange:
    found = [c for c in diff.changes if records & set(c.from_records + c.to_records)]
    assert len(found) == 1, found
    return found[0]


def _old_change(project_dir: dict[str, Any], diff: ReleaseDiff, index: int) -> PersonChange:
    # Older release: row n + 1 is people[n] (the duplicate of ``merged`` is appended last).
    return _change_of(diff, _record_ids(project_dir["root"], OLD, [index + 1]))


def test_the_partition_adds_up_to_each_release(diff: ReleaseDiff) -> None:
    assert diff.added + diff.unchanged + diff.corrected_persons == diff.to_persons
    assert diff.removed + diff.unchanged + diff.corrected_persons == diff.from_persons
    assert diff.from_records == Planted.kept + 1
    assert sum(diff.summaries["sex"][v]["added"] for v in diff.summaries["sex"]) == diff.added


def test_each_planted_case_lands_in_its_category(
    project_dir: dict[str, Any], diff: ReleaseDiff
) -> None:
    for index in Planted.removed:
        assert _old_change(project_dir, diff, index).classification == "removed"
    fixed = _old_change(project_dir, diff, Planted.id_fixed)
    assert fixed.classification == "corrected" and fixed.changed == ("id_number",)
    assert fixed.id_reissued and not fixed.relinked
    name = _old_change(project_dir, diff, Planted.name_fixed)
    assert name.changed == ("name",)
    assert name.before["name"] != name.after["name"]
    assert _old_change(project_dir, diff, Planted.dob_fixed).changed == ("date_of_birth",)
    age = _old_change(project_dir, diff, Planted.age_fixed)
    assert age.changed == ("age",) and float(age.after["age"][0]) - float(age.before["age"][0]) == 5
    merged = _old_change(project_dir, diff, Planted.merged)
    assert merged.merged and merged.classification == "unchanged"
    assert len(merged.from_records) == 2 and len(merged.to_records) == 1
    split = _old_change(project_dir, diff, Planted.split)
    assert split.split and len(split.to_records) == 2
    assert _old_change(project_dir, diff, 100).classification == "unchanged"
    spelled = _old_change(project_dir, diff, Planted.name_spelled)
    assert spelled.classification == "unchanged" and spelled.minor == ("name_spelling",)
    assert spelled.before["name"] != spelled.after["name"]
    nudged = _old_change(project_dir, diff, Planted.age_nudged)
    assert nudged.classification == "unchanged" and nudged.minor == ("age_within_a_year",)
    swapped = _old_change(project_dir, diff, Planted.date_swapped)
    assert swapped.classification == "unchanged"
    assert swapped.minor == ("date_of_birth_day_month",)
    spaced = _old_change(project_dir, diff, Planted.name_spaced)
    assert spaced.classification == "unchanged" and spaced.minor == ("name_spelling",)
    assert diff.minor == {
        "name_spelling": 2, "age_within_a_year": 1, "date_of_birth_day_month": 1
    }


def test_added_people_are_added(project_dir: dict[str, Any], diff: ReleaseDiff) -> None:
    # Newer release: the 195 kept rows, the split duplicate, then the 20 added, then the stranger.
    first_added = Planted.kept - len(Planted.removed) + 2
    rows = list(range(first_added, first_added + len(Planted.added) + 1))
    for record in _record_ids(project_dir["root"], NEW, rows):
        assert _change_of(diff, {record}).classification == "added"
    assert diff.added == len(Planted.added) + 1
    assert diff.removed == len(Planted.removed)


def test_an_id_on_two_different_people_is_reuse_not_identity(
    project_dir: dict[str, Any], diff: ReleaseDiff
) -> None:
    donor = _old_change(project_dir, diff, Planted.reused_from)
    assert donor.classification == "removed" and donor.id_reused
    assert diff.id_reused == 1
    assert diff.reused_ids == [project_dir["people"][Planted.reused_from]["gov_id"]]
    carriers = [c for c in diff.changes if c.id_reused and c.classification == "added"]
    assert len(carriers) == 1 and carriers[0].after["id_number"] == donor.before["id_number"]


def test_a_valid_id_replaced_by_another_is_relinked_as_a_correction(
    project_dir: dict[str, Any], diff: ReleaseDiff
) -> None:
    replaced = _old_change(project_dir, diff, Planted.id_replaced)
    assert replaced.relinked and replaced.classification == "corrected"
    assert replaced.changed == ("id_number",) and replaced.id_reissued
    assert replaced.person_id != replaced.to_person_id
    assert diff.relinked == 1
    assert diff.corrected == {
        "id_number": 2, "name": 1, "sex": 0, "date_of_birth": 1, "age": 1
    }
    assert diff.id_reissued == 2
    assert (diff.merged, diff.split) == (1, 1)


def test_summaries_by_the_lists_own_field(diff: ReleaseDiff) -> None:
    source = diff.summaries["source"]
    assert set(source) == {"family", "hospital"}
    assert sum(v["removed"] for v in source.values()) == diff.removed
    assert set(diff.summaries) == {"age_group", "sex", "source"}


def test_csv_rows_one_per_person(diff: ReleaseDiff) -> None:
    rows = diff_rows(diff)
    assert len(rows) == diff.added + diff.removed + diff.unchanged + diff.corrected_persons
    assert set(rows[0]) == set(CSV_COLUMNS)


def test_json_document(diff: ReleaseDiff) -> None:
    document = diff.to_dict()
    assert document["from"] == OLD and document["to"] == NEW
    assert set(document["corrected"]) == {"id_number", "name", "sex", "date_of_birth", "age"}
    for key in ("unchanged", "added", "removed", "id_reissued", "id_reused", "merged", "split"):
        assert isinstance(document[key], int)
    json.dumps(document)


def test_unknown_list_or_release_is_an_error(project_dir: dict[str, Any]) -> None:
    with Project.open(project_dir["root"], read_only=True) as project:
        with pytest.raises(UncountedError, match="no list"):
            release_diff(project, "nope")
        with pytest.raises(UncountedError, match="no release '2020-01-01'"):
            release_diff(project, "moh", "2020-01-01", NEW)
        with pytest.raises(UncountedError, match="--from takes the older"):
            release_diff(project, "moh", NEW, OLD)
        assert release_diff(project, "moh").to_dict()["from"] == OLD


def test_chain_and_an_unlinked_release(project_dir: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(project_dir["root"], root)
    with Project.open(root, read_only=True) as project:
        chain = release_chain(project, "moh")
        diff = release_diff(project, "moh", OLD, NEW)
    first, second = chain.releases
    assert first["first_seen"] == diff.from_persons
    assert second["first_seen"] == diff.added + diff.relinked
    assert first["left"] == diff.removed + diff.relinked
    assert chain.not_in_latest == diff.removed + diff.relinked
    assert chain.persons_ever == diff.from_persons + second["first_seen"]
    assert chain.not_in_latest_on_other_lists == {"any": 0}
    third = _write(project_dir["folder"] / "list-third.csv", project_dir["new"][:30])
    maps = [a for pair in MAPPING for a in ("--map", pair)]
    assert _cli("ingest", root, third, "--list", "moh", "--release", NEWEST, *maps)[0] == 0
    with (
        Project.open(root, read_only=True) as project,
        pytest.raises(UncountedError, match="ingested after the latest link run"),
    ):
        release_diff(project, "moh", NEW, NEWEST)


# -- the command --------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code, _ = _cli(*args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_diff_command_json_and_text(
    project_dir: dict[str, Any], diff: ReleaseDiff, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project_dir["root"]
    code, out, _ = _run(capsys, "diff", root, "--list", "moh", "--from", OLD, "--to", NEW,
                        "--json")
    assert code == 0
    document = json.loads(out)
    assert document == json.loads(json.dumps(diff.to_dict()))
    code, out, _ = _run(capsys, "diff", root, "--list", "moh")
    assert code == 0 and f"{OLD}" in out and "removed" in out


def test_diff_command_csv(
    project_dir: dict[str, Any], diff: ReleaseDiff, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    root = project_dir["root"]
    code, out, _ = _run(capsys, "diff", root, "--list", "moh", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) == len(diff.changes)
    assert {r["classification"] for r in rows} == {"unchanged", "corrected", "added", "removed"}
    target = tmp_path / "diff.csv"
    code, out, _ = _run(capsys, "diff", root, "--list", "moh", "--format", "csv", "--output",
                        target, "--json")
    assert code == 0 and json.loads(out)["rows"] == len(rows)
    with target.open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == rows


def test_diff_command_errors(
    project_dir: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = project_dir["root"]
    code, out, err = _run(capsys, "diff", root, "--list", "nope", "--json")
    assert code == 1 and "nope" in json.loads(out)["error"]["message"]
    code, _, err = _run(capsys, "diff", root, "--list", "moh", "--from", "2001-01-01")
    assert code == 1 and "2001-01-01" in err and "Traceback" not in err
    assert _run(capsys, "diff", root, "--list", "moh", "--format", "xml")[0] == 2
    unlinked = tmp_path / "unlinked"
    assert _cli("init", unlinked)[0] == 0
    maps = [a for pair in MAPPING for a in ("--map", pair)]
    for release in (OLD, NEW):
        path = project_dir["folder"] / f"list-{release}.csv"
        assert _cli("ingest", unlinked, path, "--list", "moh", "--release", release, *maps)[0] == 0
    code, _, err = _run(capsys, "diff", unlinked, "--list", "moh")
    assert code == 1 and "uncounted link" in err


# -- the report section -------------------------------------------------------------------------


def test_releases_section_and_its_partial(project_dir: dict[str, Any], diff: ReleaseDiff) -> None:
    with Project.open(project_dir["root"], read_only=True) as project:
        section = releases_section(project)
    assert section is not None and section["note"] is None
    (entry,) = section["lists"]
    assert entry["list"] == "moh" and entry["releases"] == [OLD, NEW]
    assert entry["diffs"] == [diff.to_dict()]
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("uncounted.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["cell"] = lambda count: suppress(count, 5)
    html = environment.get_template("_releases.html.j2").render(report={"releases": section})
    assert f"{OLD} → {NEW}" in html
    assert f'<td class="n">{diff.unchanged:,}</td>' in html
    # The single relinked person and the single reused ID are small cells: never shown as 1.
    assert diff.relinked == 1 and "&lt;5" in html
    assert f'<td class="n">{diff.relinked}</td>' not in html


def test_no_section_without_two_releases_or_linkage(tmp_path: Path) -> None:
    with Project.create(tmp_path / "empty") as project:
        assert releases_section(project) is None


def test_age_on_the_release_date_for_a_record_with_a_birth_date_only() -> None:
    from uncounted.link.releases import _age_on

    assert _age_on("2000-05-10", "2024-05-09") == 23
    assert _age_on("2000-05-10", "2024-05-10") == 24
    assert _age_on("2023-12-31", "2024-01-05") == 0
