"""The register's reads and writes in ``uncounted.store``, each on a small project (the
workflow, report and web tests cover them again through their callers)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from uncounted.ingest.mapping import from_pairs
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project
from uncounted.store.decisions import (
    add_decision,
    decided_pairs_touching,
    decision_count,
    decision_rows,
    latest_decisions,
)
from uncounted.store.estimate_runs import add_estimate_run, estimate_run_rows
from uncounted.store.link_pairs import add_pairs, pair_probability, scored_pair_row
from uncounted.store.link_runs import add_run, latest_run_id, latest_run_record, run_count
from uncounted.store.lists import (
    add_list,
    list_names,
    lists_with_several_releases,
    release_dates,
)
from uncounted.store.persons import (
    add_person_events,
    events_of_person,
    issued_person_ids,
    merged_into,
    person_of_records,
    replace_person_records,
    replace_persons,
)
from uncounted.store.records import record_ids_of_person, records_in_file_order
from uncounted.store.sources import ingested_source, quarantine_reasons, source_sha256s
from uncounted.store.web_accounts import (
    add_attempt,
    add_audit_row,
    add_session,
    add_user_row,
    audit_row_count,
    audit_rows,
    delete_user_sessions,
    disable_user_row,
    enabled_password_hash,
    forget_attempts_before,
    recent_attempts,
    session_is_live,
    user_count,
)

MAP = from_pairs(["full_name=name", "sex=gender", "age_years=age"])
NOW = dt.datetime(2026, 1, 1, 12, 0)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with Project.create(tmp_path / "project") as opened:
        yield opened


def _ingest(project: Project, tmp_path: Path, name: str, text: str, list_name: str,
            release: str | None = None) -> None:
    path = tmp_path / name
    path.write_text("name,gender,age\n" + text, encoding="utf-8")
    ingest_file(project, path, list_name=list_name, release=release, mapping=MAP,
                today=dt.date(2026, 1, 1))


def test_lists_and_releases(project: Project, tmp_path: Path) -> None:
    assert list_names(project) == []
    _ingest(project, tmp_path, "b1.csv", "Ann,f,30\n", "b", "2024-02-01")
    _ingest(project, tmp_path, "b0.csv", "Bob,m,40\n", "b", "2024-01-01")
    _ingest(project, tmp_path, "a.csv", "Cy,m,50\n", "a", "2024-01-01")
    assert list_names(project) == ["a", "b"]
    assert release_dates(project, "b") == [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]
    assert lists_with_several_releases(project) == ["b"]
    with project.transaction() as con:
        add_list(con, "a", NOW)  # known already: nothing happens
        add_list(con, "c", NOW)
    assert list_names(project) == ["a", "b", "c"]


def test_records_in_file_order_follow_ingestion_then_rows(
    project: Project, tmp_path: Path
) -> None:
    _ingest(project, tmp_path, "second.csv", "Dan,m,20\nEve,f,21\n", "z")
    _ingest(project, tmp_path, "first.csv", "Fay,f,22\n", "a")
    records = records_in_file_order(project)
    assert records.column("full_name").to_pylist() == ["Dan", "Eve", "Fay"]
    assert sorted(source_sha256s(project)) == sorted(set(records.column("source_sha256")
                                                         .to_pylist()))
    sha = records.column("source_sha256")[0].as_py()
    assert ingested_source(project, sha)[0] == "z"
    assert ingested_source(project, "0" * 64) is None
    assert quarantine_reasons(project) == []


def test_a_run_with_persons_pairs_and_events(project: Project, tmp_path: Path) -> None:
    _ingest(project, tmp_path, "l.csv", "Ann,f,30\nAnn,f,30\nBob,m,40\n", "l")
    ids = records_in_file_order(project).column("record_id").to_pylist()
    assert latest_run_record(project) is None and latest_run_id(project) is None
    with project.transaction() as con:
        values = [NOW, NOW, 0.9, 1, "duckdb", "{}", "{}", 3, 1, 2, 2, 0, 0, 0, "[]", "test"]
        run_id = add_run(con, values)
        add_pairs(con, run_id, pa.table({
            "unique_id_l": [ids[1]], "unique_id_r": [ids[0]], "match_probability": [0.99],
            "match_weight": [7.0], "mw_name": [5.0]}))
        replace_persons(con, run_id, pa.table({
            "person_id": ["P1", "P2"], "n_records": [2, 1], "lists": [["l"], ["l"]],
            "sex": ["female", "male"], "age_years": [30.0, 40.0], "age_group": ["30-34", None],
            "place": [None, None], "date_of_death": pa.array([None, None], pa.date32())}))
        replace_person_records(con, run_id, pa.table({
            "record_id": ids, "person_id": ["P1", "P1", "P2"]}))
        add_person_events(con, run_id, [("created", "P1", (), 2), ("merged", "P1", ("P9",), 2)])
    assert run_id == 1 and latest_run_id(project) == 1 and run_count(project) == 1
    record = latest_run_record(project)
    assert record is not None and record["backend"] == "duckdb" and "model" not in record
    assert latest_run_record(project, with_model=True)["model"] == "{}"  # type: ignore[index]
    low, high = sorted(ids[:2])
    scored = scored_pair_row(project, 1, low, high)
    assert scored is not None and scored[0] == 0.99 and json.loads(scored[2]) == {"name": 5.0}
    assert pair_probability(project, 1, high, low) is None  # pairs are stored in id order
    assert person_of_records(project) == dict(zip(ids, ["P1", "P1", "P2"], strict=True))
    assert record_ids_of_person(project, "P1") == ids[:2]
    assert sorted(issued_person_ids(project)) == ["P1", "P2"]
    assert merged_into(project, "P9") == ("P1", 1)
    assert [e[1] for e in events_of_person(project, "P1")] == ["created", "merged"]
    with project.transaction() as con:
        assert add_run(con, values) == 2


def test_the_latest_decision_counts(project: Project) -> None:
    with project.transaction() as con:
        for decision in ("accept", "reject"):
            add_decision(con, record_id_l="a", record_id_r="b", decision=decision,
                         reviewer="r", decided_at=NOW, note=None, run_id=None,
                         match_probability=None)
        add_decision(con, record_id_l="c", record_id_r="d", decision="skip", reviewer="r",
                     decided_at=NOW, note="n", run_id=1, match_probability=0.5)
    assert latest_decisions(project) == [("a", "b", "reject"), ("c", "d", "skip")]
    assert [r[2] for r in decision_rows(project, [("a", "b")])] == ["accept", "reject"]
    assert decided_pairs_touching(project, ["d"]) == [("c", "d")]
    assert decision_count(project) == 3


def test_estimate_runs_are_numbered_in_the_transaction(project: Project) -> None:
    with project.transaction() as con:
        first = add_estimate_run(con, created_at=NOW, link_run_id=None, method="m",
                                 strata=["sex"], seed=1, settings="{}", result="{}",
                                 uncounted_version="v")
        second = add_estimate_run(con, created_at=NOW, link_run_id=1, method="m", strata=[],
                                  seed=2, settings="{}", result="{}", uncounted_version="v")
    assert (first, second) == (1, 2)
    assert [row[0] for row in estimate_run_rows(project)] == [2, 1]


def test_web_accounts(project: Project) -> None:
    with project.transaction() as con:
        add_user_row(con, "ann", "hash", "admin", NOW)
        add_session(con, "s1", "ann", 100.0, 200.0)
        add_attempt(con, "ann", "127.0.0.1", 100.0)
        add_attempt(con, "ann", "127.0.0.1", 110.0)
        audit_id = add_audit_row(con, NOW, "ann", "login", None, {"b": 1})
    assert user_count(project, enabled_only=True) == 1
    assert enabled_password_hash(project, "ann") == "hash"
    assert session_is_live(project, "s1", "ann", 150.0)
    assert not session_is_live(project, "s1", "ann", 250.0)
    with project.con.cursor() as cursor:
        assert recent_attempts(cursor, by_client=True, key="127.0.0.1", since=0.0,
                               limit=5) == [110.0, 100.0]
    with project.transaction() as con:
        forget_attempts_before(con, 105.0)
        assert recent_attempts(con, by_client=False, key="ann", since=0.0, limit=5) == [110.0]
        disable_user_row(con, "ann")
        assert delete_user_sessions(con, "ann") == 1
    assert user_count(project, enabled_only=True) == 0
    assert user_count(project, enabled_only=False) == 1
    assert enabled_password_hash(project, "ann") is None
    assert audit_row_count(project) == 1
    assert audit_rows(project, 10, 0)[0][0] == audit_id
