"""Estimates are stored, so the report shows the very numbers `uncounted estimate DIR` printed.

The synthetic project has two lists, too few for a project estimate (three are needed to
check the lists' dependence): its run stores that refusal. A three-list persons table written
by hand gets the full ensemble.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from uncounted.report.html import ReportOptions
from uncounted.store import Project
from uncounted.workflow.estimation import (
    estimate_project,
    headline_of,
    latest_estimate_run,
    save_estimate_run,
)
from uncounted.workflow.reporting import write_report

from .conftest import build_project


def uncounted(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from uncounted.cli.main import run; run()", *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False,
    )


def three_list_project(root: Path) -> Path:
    """Persons only (as a link run stores them) on lists a, b, c, half female, half male."""
    with Project.create(root) as project:
        for name in ("a", "b", "c"):
            project.con.execute("INSERT INTO lists VALUES (?, ?)", [name, datetime(2024, 1, 1)])
        patterns = {"a": 80, "b": 70, "c": 60, "ab": 24, "ac": 20, "bc": 18, "abc": 8}
        persons = [(sex, list(p)) for p, k in patterns.items() for sex in ("f", "m")
                   for _ in range(k // 2)]
        project.con.executemany(
            "INSERT INTO persons (person_id, n_records, lists, sex, run_id) VALUES (?, 1, ?, ?, 4)",
            [(f"P{i:06d}", lists, sex) for i, (sex, lists) in enumerate(persons, 1)],
        )
    return root


def test_a_run_is_computed_stored_and_read_back(tmp_path: Path) -> None:
    root = three_list_project(tmp_path / "p")
    with Project.open(root) as project:
        assert latest_estimate_run(project) is None
        run = estimate_project(project, seed=5)
        assert run.estimate_id is None and run.link_run_id == 4 and run.seed == 5
        assert [e["stratum"] for e in run.estimates] == ["total", "all"]
        headline = headline_of(run)
        assert headline["stratum"] == "all" and headline["method"] == "ensemble"
        assert headline["observed"] == 280 and headline["estimate"] > 280
        methods = run.result["methods"]["all"]
        # each method under its registry name, whatever its result calls itself
        assert [m["name"] for m in methods] == ["stepwise", "bic", "lcmcr", "dga",
                                                "sample-coverage"]
        assert {m["name"]: m["estimate"] for m in methods} == \
            headline["diagnostics"]["point_estimates"]
        assert save_estimate_run(project, run) == 1
        again = estimate_project(project, method="stepwise", seed=5, strata=["sex"])
        assert [e["stratum"] for e in again.estimates] == ["total", "sex=f", "sex=m"]
        assert save_estimate_run(project, again) == 2
        stored = latest_estimate_run(project, [])
        assert stored is not None and stored.estimate_id == 1
        assert stored.result == json.loads(json.dumps(run.result))
        assert stored.settings == {"level": 0.95, "min_lists": 3, "n_draws": 4000,
                                   "status": "killed", "keep_copies": False,
                                   "linkage": "fixed", "replicates": None}
        latest = latest_estimate_run(project)
        assert latest is not None and latest.estimate_id == 2 and latest.strata == ["sex"]
        assert latest.method == "stepwise"
        assert latest_estimate_run(project, ["place"]) is None
        log = project.con.execute(
            "SELECT command, outcome FROM command_log WHERE command = 'estimate'").fetchall()
        assert log == [("estimate", "estimate run 1"), ("estimate", "estimate run 2")]
    # the report shows the latest run: by sex, a forest plot of both strata and the total
    result = write_report(root, options=ReportOptions(min_cell=0))
    assert result.summary["estimate_id"] == 2 and "forest" in result.summary["figures"]
    html = result.path.read_text(encoding="utf-8")
    assert "<td>sex=f</td><td>stepwise" in html and "<td>total</td>" in html


def test_two_lists_store_the_refusal(tmp_path: Path) -> None:
    root = build_project(tmp_path)
    with Project.open(root) as project:
        run = estimate_project(project, seed=5)
    assert run.link_run_id == 1
    headline = headline_of(run)
    assert headline["observed"] == 8 and headline["estimate"] is None
    assert "only 2 of the 2 lists" in headline["refused"]
    assert run.result["methods"] == {}


def test_the_report_shows_what_the_command_printed(tmp_path: Path) -> None:
    root = build_project(tmp_path)
    done = uncounted("estimate", root, "--seed", "9", "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["estimate_id"] == 1
    with Project.open(root, read_only=True) as project:
        stored = latest_estimate_run(project)
    assert stored is not None and stored.seed == 9
    assert printed["estimates"] == stored.estimates

    result = write_report(root, options=ReportOptions(min_cell=0))
    assert result.summary["estimate_id"] == 1
    assert not result.summary["estimate_computed_now"]
    assert result.summary["estimate"] == {
        k: headline_of(stored)[k] for k in result.summary["estimate"]}
    html = result.path.read_text(encoding="utf-8")
    assert "These are the numbers <code>uncounted estimate</code> printed." in html
    # two lists: the sensitivity says that nothing can be varied, beside the headline
    assert "How the total moves with the assumptions the data cannot check" in html
    assert "with two lists every assumption is untestable" in html
    assert "refused: only 2 of the 2 lists" in html
    assert "the latest link run is" not in html
    # a later link run makes the stored estimate stale: the report says so
    with Project.open(root) as project:
        project.con.execute("UPDATE link_runs SET run_id = 2")
    stale = write_report(root).path.read_text(encoding="utf-8")
    assert "made from the persons of link run 1, but the latest link run is\n  2" in stale


def test_the_report_computes_and_stores_a_run_when_none_matches(tmp_path: Path) -> None:
    root = build_project(tmp_path)
    result = write_report(root, options=ReportOptions(strata=("sex",)), seed=3)
    assert result.summary["estimate_computed_now"] and result.summary["estimate_id"] == 1
    html = result.path.read_text(encoding="utf-8")
    assert "this report computed and stored one" in html
    with Project.open(root, read_only=True) as project:
        stored = latest_estimate_run(project, ["sex"])
        assert stored is not None and stored.seed == 3
        commands = [r[0] for r in project.con.execute("SELECT command FROM command_log")
                    .fetchall()]
    assert commands[-1] == "report: estimate"
    # a second report finds it and stores nothing new
    again = write_report(root, options=ReportOptions(strata=("sex",)), seed=3)
    assert again.summary["estimate_id"] == 1 and not again.summary["estimate_computed_now"]


def test_no_estimate_before_linkage(tmp_path: Path) -> None:
    root = build_project(tmp_path, linked=False)
    result = write_report(root)
    assert result.summary["estimate_id"] is None and result.summary["persons"] == 0
    assert "No estimate: linkage has not run yet." in result.path.read_text(encoding="utf-8")
