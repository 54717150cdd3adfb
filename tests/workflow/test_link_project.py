"""link_project on a small simulated conflict: stored runs, stable person ids across a new list,
review decisions that override the model and survive re-runs, and kill -9 safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from uncounted.core.errors import UncountedError
from uncounted.link.persons import person_number
from uncounted.store import Project
from uncounted.workflow.explain import explain_person
from uncounted.workflow.linkage import _fit, link_project, review_labels
from uncounted.workflow.review import record_decision

from .link_helpers import copy_template, ingest_list, lists_of

TABLES = (
    "lists", "sources", "records", "quarantine", "link_runs", "link_pairs", "persons",
    "person_records", "person_events", "review_decisions", "command_log",
)


def _persons(project: Project) -> dict[str, str]:
    return dict(project.con.execute("SELECT record_id, person_id FROM person_records").fetchall())


def _members(person_of: dict[str, str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for record, person in person_of.items():
        out.setdefault(person, set()).add(record)
    return out


def _pick_decisions(project: Project) -> tuple[tuple[str, str], tuple[str, str]]:
    """A pair the model kept apart (to accept) and a pair it linked (to reject)."""
    person_of = _persons(project)
    valid_ids = dict(project.con.execute(
        "SELECT record_id, id_number FROM records WHERE id_check = 'valid'").fetchall())
    apart = [
        (left, right)
        for left, right in project.con.execute(
            "SELECT record_id_l, record_id_r FROM link_pairs WHERE match_probability < 0.9"
            " ORDER BY match_probability DESC, record_id_l, record_id_r"
        ).fetchall()
        if person_of[left] != person_of[right]
        and not (left in valid_ids and right in valid_ids and valid_ids[left] != valid_ids[right])
    ]
    sizes = _members(person_of)
    linked = [
        (left, right)
        for left, right in project.con.execute(
            "SELECT record_id_l, record_id_r FROM link_pairs WHERE match_probability >= 0.9"
            " ORDER BY record_id_l, record_id_r"
        ).fetchall()
        if person_of[left] == person_of[right] and len(sizes[person_of[left]]) == 2
    ]
    assert apart and linked
    return apart[0], linked[0]


@pytest.fixture(scope="module")
def reruns(linked_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run 1 (two lists) → two decisions → a third list → run 2 → run 3 with nothing new."""
    project_dir, simulated = copy_template(linked_template, tmp_path_factory.mktemp("rerun") / "t")
    with Project.open(project_dir) as project:
        before = _persons(project)
        accepted, rejected = _pick_decisions(project)
        record_decision(project, *accepted, "reject", reviewer="tester")  # overruled below
        record_decision(project, *accepted, "accept", reviewer="tester", note="same father")
        record_decision(project, *rejected, "reject", reviewer="tester")
    ingest_list(project_dir, simulated, lists_of(simulated)[2])
    with Project.open(project_dir) as project:
        second = link_project(project)
        after = _persons(project)
        events = project.con.execute(
            "SELECT event, person_id, other_ids, n_records FROM person_events WHERE run_id = 2"
        ).fetchall()
        labels = review_labels(project)
        merged = [(person, others[0]) for kind, person, others, _ in events if kind == "merged"]
        gone = None
        if merged:
            with pytest.raises(UncountedError) as problem:
                explain_person(project, merged[0][1])
            gone = (merged[0], problem.value.message)
        third = link_project(project)
        again = _persons(project)
        third_events = project.con.execute(
            "SELECT count(*) FROM person_events WHERE run_id = 3").fetchall()[0][0]
        counts = {t: project.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in TABLES}
        persons = project.con.execute("SELECT person_id, n_records FROM persons").fetchall()
    return {
        "before": before, "after": after, "again": again, "events": events,
        "second": second, "third": third, "third_events": third_events,
        "accepted": accepted, "rejected": rejected, "labels": labels, "counts": counts,
        "persons": persons, "gone": gone,
    }


def test_every_record_has_one_person_and_the_run_is_stored(reruns: dict[str, Any]) -> None:
    counts, second = reruns["counts"], reruns["second"]
    assert counts["person_records"] == counts["records"] == second.records
    assert counts["persons"] == second.persons == len(set(reruns["after"].values()))
    assert sum(n for _, n in reruns["persons"]) == counts["records"]
    assert counts["link_runs"] == 3
    assert second.run_id == 2 and reruns["third"].run_id == 3
    assert counts["command_log"] >= 6  # ingests, decisions, runs


def test_old_persons_keep_their_ids_and_changes_are_recorded(reruns: dict[str, Any]) -> None:
    before, after, events = reruns["before"], reruns["after"], reruns["events"]
    touched = {person for _, person, _, _ in events} | {
        other for _, _, others, _ in events for other in others
    }
    old_members = _members(before)
    kept = 0
    for person, records in old_members.items():
        if person in touched:
            continue
        # Untouched by any merge or split: every record keeps the id.
        assert {after[r] for r in records} == {person}
        kept += 1
    assert kept > 0.9 * len(old_members)
    new_records = set(after) - set(before)
    new_ids = {after[r] for r in new_records} - set(old_members)
    assert new_ids, "the third list brings new persons"
    largest_old = max(person_number(p) for p in old_members)
    assert min(person_number(p) for p in new_ids) > largest_old
    kinds = {kind for kind, _, _, _ in events}
    assert "created" in kinds
    for kind, person, others, _ in events:
        if kind == "merged":
            assert person in set(after.values())
            assert not set(others) & set(after.values())
    assert reruns["second"].persons_created == sum(k == "created" for k, _, _, _ in events)


def test_decisions_override_the_model_and_survive_reruns(reruns: dict[str, Any]) -> None:
    (a, b), (c, d) = reruns["accepted"], reruns["rejected"]
    before, after, again = reruns["before"], reruns["after"], reruns["again"]
    assert before[a] != before[b] and before[c] == before[d]
    assert after[a] == after[b] and again[a] == again[b]
    assert after[c] != after[d] and again[c] != again[d]
    split = [e for e in reruns["events"] if e[0] == "split"]
    assert any(person == before[c] for _, person, _, _ in split)
    assert reruns["second"].decisions_applied == 2
    labels = reruns["labels"]
    assert labels.to_dict("records") == sorted(
        [
            {"unique_id_l": min(a, b), "unique_id_r": max(a, b), "is_match": True},
            {"unique_id_l": min(c, d), "unique_id_r": max(c, d), "is_match": False},
        ],
        key=lambda r: (r["unique_id_l"], r["unique_id_r"]),
    )


def test_a_merged_away_id_says_where_it_went(reruns: dict[str, Any]) -> None:
    if reruns["gone"] is None:
        pytest.skip("no merge in this simulated run")
    (kept, absorbed), message = reruns["gone"]
    assert f"{absorbed} was merged into {kept}" in message


def test_review_labels_reach_a_model_that_takes_them() -> None:
    seen: dict[str, Any] = {}

    class Model:
        def fit(self, features: Any, labels: Any = None) -> None:
            seen["labels"] = labels

    labels = pd.DataFrame({"unique_id_l": ["a"], "unique_id_r": ["b"], "is_match": [True]})
    assert _fit(Model(), None, labels) == 1  # type: ignore[arg-type]
    assert seen["labels"] is labels


def test_a_rerun_with_nothing_new_changes_no_id(reruns: dict[str, Any]) -> None:
    assert reruns["again"] == reruns["after"]
    assert reruns["third_events"] == 0
    third = reruns["third"]
    assert (third.persons_created, third.persons_merged, third.persons_split) == (0, 0, 0)


# -- kill -9 ------------------------------------------------------------------------------------

_KILLABLE = textwrap.dedent(
    """
    import sys, time
    from uncounted.store import Project
    from uncounted.workflow.linkage import link_project

    def progress(stage, done, total):
        # Inside the write transaction, after the pairs and before the persons: stop here.
        if stage == "writing" and done == 2:
            print("inside", flush=True)
            time.sleep(120)

    with Project.open(sys.argv[1]) as project:
        link_project(project, progress=progress)
    """
)


def _snapshot(root: Path) -> dict[str, list[str]]:
    with Project.open(root) as project:
        return {
            name: sorted(map(repr, project.con.execute(f"SELECT * FROM {name}").fetchall()))
            for name in TABLES
        }


def test_kill_inside_the_link_transaction_leaves_the_project_as_it_was(
    linked_template: Path, tmp_path: Path
) -> None:
    project_dir, simulated = copy_template(linked_template, tmp_path / "t")
    ingest_list(project_dir, simulated, lists_of(simulated)[2])
    before = _snapshot(project_dir)
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _KILLABLE, str(project_dir)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert process.stdout is not None
        # Blocks until the run is inside its transaction (DuckDB may draw progress bars first).
        line = "start"
        while line and line.strip() != "inside":
            line = process.stdout.readline()
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert line.strip() == "inside", errors.read_text()
    assert _snapshot(project_dir) == before

    # The same run then completes from the command line, as one JSON document.
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", "from uncounted.cli.main import run; run()", "link",
         str(project_dir), "--json"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["run_id"] == 2
    assert document["records"] == len(before["records"])
    assert {"candidate_pairs", "persons", "persons_created", "persons_merged", "persons_split",
            "review_queue", "seconds"} <= set(document)
    assert document["seconds"] <= time.monotonic() - started
