"""Lists that share nothing but names (no ID numbers, no dates of birth): training falls back on
the prior model and says so; a comparison nothing can train is a warning; records that give
neither a name nor an ID, and lists that should link but find no pair, are errors."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from uncounted.core.errors import UncountedError
from uncounted.ingest import mapping as mappings
from uncounted.ingest.pipeline import ingest_file
from uncounted.link.features import build_features
from uncounted.link.model import LinkageModel
from uncounted.link.prior import prior_m
from uncounted.store import Project
from uncounted.workflow.linkage import link_project, linkage_status
from uncounted.workflow.reporting import write_report

# Invented, generic names: given names (with their sex) and family names, combined at random.
GIVEN = [
    ("Amar", "male"),
    ("Basel", "male"),
    ("Dima", "female"),
    ("Farid", "male"),
    ("Hala", "female"),
    ("Jamal", "male"),
    ("Kamal", "male"),
    ("Lina", "female"),
    ("Nabil", "male"),
    ("Rami", "male"),
    ("Samir", "male"),
    ("Tala", "female"),
    ("Walid", "male"),
    ("Yara", "female"),
    ("Zaid", "male"),
    ("Huda", "female"),
    ("Rana", "female"),
    ("Sami", "male"),
    ("Nour", "female"),
    ("Omar", "male"),
]
FAMILY = [
    "Haddad",
    "Khoury",
    "Nasser",
    "Saleh",
    "Darwish",
    "Mansour",
    "Barakat",
    "Jaber",
    "Qasem",
    "Hamdan",
    "Awad",
    "Shami",
    "Zaher",
    "Taha",
    "Bakri",
    "Odeh",
    "Fares",
    "Hijazi",
    "Kanaan",
    "Masri",
]
SHARED = 80


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "sex", "age"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _two_lists(folder: Path, seed: int = 3) -> tuple[Path, Path]:
    """A list of 300 people (given + family name, sex, age) and a list of 120, 80 of them on
    the first with their age off by at most a year: the shared people are rows 1-80 of both."""
    rng = random.Random(seed)
    combos = [(g, s, f) for g, s in GIVEN for f in FAMILY]
    rng.shuffle(combos)
    people = [(f"{g} {f}", s, rng.randint(1, 80)) for g, s, f in combos]
    first = [{"name": n, "sex": s, "age": str(a)} for n, s, a in people[:300]]
    second = [
        {"name": n, "sex": s, "age": str(max(0, a + rng.choice((-1, 0, 0, 1))))}
        for n, s, a in people[:SHARED]
    ] + [{"name": n, "sex": s, "age": str(a)} for n, s, a in people[300:340]]
    return _write(folder / "first.csv", first), _write(folder / "second.csv", second)


def _ingest(project: Project, path: Path, name: str) -> str:
    mapping = mappings.from_pairs(["full_name_latin=name", "sex=sex", "age_years=age"])
    return ingest_file(project, path, list_name=name, mapping=mapping).sha256


def test_lists_sharing_only_names_link_through_the_prior_and_say_so(tmp_path: Path) -> None:
    first, second = _two_lists(tmp_path)
    with Project.create(tmp_path / "project") as project:
        sha_first = _ingest(project, first, "first")
        sha_second = _ingest(project, second, "second")
        summary = link_project(project)
        status = linkage_status(project)
        person = dict(
            project.con.execute(
                "SELECT r.source_sha256 || ':' || r.row_number, p.person_id FROM records r"
                " JOIN person_records p USING (record_id)"
            ).fetchall()
        )
    html = write_report(tmp_path / "project").path.read_text(encoding="utf-8")
    assert summary.training["comparisons"]["name"]["source"] == "prior"
    assert summary.training["used_prior"]
    # The stored run says it too, to `status`, the dashboard and the report.
    assert status is not None
    assert status["latest_run"]["training"]["comparisons"]["name"]["source"] == "prior"
    assert "parameters (m) from" in html and ">prior<" in html
    linked = sum(person[f"{sha_first}:{k}"] == person[f"{sha_second}:{k}"] for k in range(1, 81))
    assert linked >= 0.9 * SHARED
    wrong = sum(
        person[f"{sha_second}:{k}"] in {person[f"{sha_first}:{j}"] for j in range(1, 301)}
        for k in range(SHARED + 1, SHARED + 41)
    )
    assert wrong <= 2


def test_a_comparison_nothing_can_train_is_a_warning(tmp_path: Path) -> None:
    first, second = _two_lists(tmp_path)
    with Project.create(tmp_path / "project") as project:
        _ingest(project, first, "first")
        _ingest(project, second, "second")
        records = project.con.sql("SELECT * FROM records").to_arrow_table()
    features = build_features(records.sort_by("record_id"))
    without_name = {k: v for k, v in prior_m().items() if k != "name"}
    model = LinkageModel(seed=1, prior=without_name).fit(features)
    report = model.training_report_
    assert report is not None
    assert any("'name'" in w and "learnt nothing" in w for w in report.warnings)
    assert report.as_dict()["comparisons"]["name"]["source"] == "none"


def test_records_without_names_or_ids_stop_the_run(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "titles.csv",
        [{"name": "(unknown)", "sex": "male", "age": "40"} for _ in range(5)],
    )
    first, _ = _two_lists(tmp_path)
    with Project.create(tmp_path / "project") as project:
        _ingest(project, first, "first")
        _ingest(project, path, "titles")
        with pytest.raises(UncountedError, match=r"titles.*name or an ID"):
            link_project(project)
        assert project.con.execute("SELECT count(*) FROM link_runs").fetchone() == (0,)


def test_lists_that_find_no_pair_are_an_error_not_a_result(tmp_path: Path) -> None:
    one = _write(tmp_path / "one.csv", [{"name": "Amar Haddad", "sex": "male", "age": "30"}])
    other = _write(tmp_path / "other.csv", [{"name": "Dima Khoury", "sex": "female", "age": "7"}])
    with Project.create(tmp_path / "project") as project:
        _ingest(project, one, "one")
        _ingest(project, other, "other")
        with pytest.raises(UncountedError, match="0 candidate pairs between the lists"):
            link_project(project)


def test_a_copied_list_is_merged_and_other_statuses_set_apart(tmp_path: Path) -> None:
    """A list that republishes another is named as a copy and merged into it; persons of
    another status (detained) are not counted among the killed. Both said beside the number."""
    from uncounted.workflow.estimation import estimate_project

    first, second = _two_lists(tmp_path)
    with first.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    copy = _write(tmp_path / "copy.csv", rows[:200])
    held_path = tmp_path / "held.csv"
    with held_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "sex", "age", "status"])
        writer.writeheader()
        # 25 people no other list has, detained (held, released): not among the killed.
        for k in range(25):
            given, sex = GIVEN[k % len(GIVEN)]
            family = ["Abadi", "Sarraj", "Tamimi", "Qudsi", "Rifai"][k // 5]
            writer.writerow(
                {"name": f"{given} {family}", "sex": sex, "age": str(20 + k), "status": "detained"}
            )
    with Project.create(tmp_path / "project") as project:
        _ingest(project, first, "first")
        _ingest(project, second, "second")
        _ingest(project, copy, "copy")
        ingest_file(
            project,
            held_path,
            list_name="held",
            mapping=mappings.from_pairs(
                ["full_name_latin=name", "sex=sex", "age_years=age", "status=status"]
            ),
        )
        link_project(project)
        run = estimate_project(project, method="chapman", seed=1)
    systems = run.result["systems"]
    assert [m["list"] for m in systems["merged"]] == ["copy"]
    assert systems["merged"][0]["within"] == "first"
    assert run.result["lists"] == ["first", "second"]
    assert any("'copy' is a copy or subset of 'first'" in c for c in run.result["caveats"])
    assert systems["persons_by_status"].get("detained") == 25
    assert "held" not in run.result["lists"]  # it holds nobody of the status counted
    assert any("25 detained" in c for c in run.result["caveats"])
