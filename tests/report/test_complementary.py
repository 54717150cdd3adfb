"""Complementary suppression: no "<5" can be worked out from the totals printed beside it.

Each check solves for the hidden cells the way a reader would: a linear programme over every
count the report prints and every relation between them gives, for each hidden small cell,
the least and greatest value consistent with the page. They must lie at least
``required_range`` apart (2 for the default threshold 5)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.workflow.link_helpers import make_project, simulate
from uncounted.report.html import ReportInputs, ReportOptions, build_report, render_html
from uncounted.report.margins import report_ledger
from uncounted.report.suppression import (
    Kind,
    Ledger,
    audit,
    protect,
    ranges_are_wide,
    required_range,
)
from uncounted.store import Project
from uncounted.workflow.estimation import (
    estimate_project,
    latest_estimate_run,
    save_estimate_run,
)
from uncounted.workflow.linkage import link_project
from uncounted.workflow.release_diff import releases_section
from uncounted.workflow.review import review_queue_size


def _row(total: int, cells: dict[str, int]) -> Ledger:
    ledger = Ledger()
    ledger.add("total", total)
    for key, value in cells.items():
        ledger.add(key, value)
    ledger.total("total", list(cells))
    return ledger


def _primary_only(ledger: Ledger, threshold: int = 5) -> dict[Any, Kind]:
    return {k: "primary" for k, v in ledger.values.items() if 0 < v < threshold}


def test_the_issues_two_tables_give_nothing_away_once_protected() -> None:
    # a stratum: row total 276, the cells shown summing to 275
    strata = _row(276, {"female": 1, "male": 130, "unknown": 145})
    # the ID table: 105 records, 94 valid, 9 partial, so 2 bad check digits
    ids = _row(105, {"valid": 94, "invalid": 2, "partial": 9, "too_long": 0, "absent": 0})
    for ledger, small in ((strata, "female"), (ids, "invalid")):
        exposed = audit(ledger, _primary_only(ledger), 5)
        assert exposed[small][0] == exposed[small][1] == ledger.values[small]  # "<5" is moot
        hidden = protect(ledger)
        low, high = audit(ledger, hidden, 5)[small]
        assert high - low >= required_range(5)
        assert list(hidden.values()).count("secondary") == 1  # one more cell, not the table
    assert protect(ids)["partial"] == "secondary"  # the smallest count that helps


def test_two_small_cells_in_a_row_and_a_small_total_are_still_protected() -> None:
    ledger = _row(3, {"a": 1, "b": 2, "c": 0})
    hidden = protect(ledger)
    assert set(hidden) == {"total", "a", "b"}
    assert ranges_are_wide(audit(ledger, hidden, 5), 5)  # a, b in 1..3 at least


def test_a_two_way_table_with_margins() -> None:
    # rows: age groups; columns: male, female; margins printed both ways
    cells = {(0, 0): 40, (0, 1): 2, (1, 0): 35, (1, 1): 50, (2, 0): 3, (2, 1): 60}
    ledger = Ledger()
    for key, value in cells.items():
        ledger.add(key, value)
    for r in range(3):
        ledger.add(("row", r), cells[(r, 0)] + cells[(r, 1)])
        ledger.total(("row", r), [(r, 0), (r, 1)])
    for c in range(2):
        ledger.add(("col", c), sum(cells[(r, c)] for r in range(3)))
        ledger.total(("col", c), [(r, c) for r in range(3)])
    ledger.add("all", sum(cells.values()))
    ledger.total("all", [("row", r) for r in range(3)])
    assert not ranges_are_wide(audit(ledger, _primary_only(ledger), 5), 5)
    hidden = protect(ledger)
    assert ranges_are_wide(audit(ledger, hidden, 5), 5)


def _check(report: dict[str, Any]) -> tuple[int, int]:
    """Audit a built report; returns (small cells, complementary cells)."""
    threshold = report["min_cell"]
    ledger = report_ledger(report)
    hidden = report["hidden"]
    ranges = audit(ledger, hidden, threshold)
    narrow = {k: r for k, r in ranges.items() if r[1] - r[0] < required_range(threshold)}
    if narrow:
        # Allowed only where no suppression could do better: with every other count of at
        # least the threshold hidden too, the range is the same (what "<5" alone says when
        # a small total is made of small parts).
        everything = {**{k: "secondary" for k, v in ledger.values.items() if v >= threshold},
                      **hidden}
        best = audit(ledger, everything, threshold)
        assert {k: best[k] for k in narrow} == narrow, narrow
    # every count the page prints went through the ledger, so the audit saw it
    html = render_html(report, strict=True)
    secondary = list(hidden.values()).count("secondary")
    assert html.count(">x<") >= 1 if secondary else True
    return list(hidden.values()).count("primary"), secondary


@pytest.fixture(scope="module")
def three_hundred(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("victims300")
    simulated = simulate(folder, n_victims=300, n_lists=3, seed=14)
    project_dir = make_project(folder, simulated, 3)
    with Project.open(project_dir) as project:
        link_project(project)
        save_estimate_run(project, estimate_project(project, strata=["sex"], seed=1))
    return project_dir


def _report(project_dir: Path, min_cell: int = 5) -> dict[str, Any]:
    with Project.open(project_dir) as project:
        run = latest_estimate_run(project, ["sex"])
        inputs = ReportInputs(estimate_run=None if run is None else run.to_dict(),
                              review_queue=review_queue_size(project),
                              releases=releases_section(project))
        return build_report(project, options=ReportOptions(min_cell=min_cell), inputs=inputs)


def test_every_table_of_a_300_victim_report_hides_its_small_cells_for_good(
    three_hundred: Path,
) -> None:
    report = _report(three_hundred)
    small, complementary = _check(report)
    assert small > 0 and complementary > 0
    # without the complementary cells, the same page would give some small cell away
    ledger = report_ledger(report)
    primary = {k: v for k, v in report["hidden"].items() if v == "primary"}
    assert not ranges_are_wide(audit(ledger, primary, 5), 5)
    # a higher threshold holds too; 0 turns suppression off
    _check(_report(three_hundred, min_cell=10))
    assert _report(three_hundred, min_cell=0)["hidden"] == {}


def test_the_hand_made_project_with_mostly_small_cells(synthetic: Path, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(synthetic, copy)
    with Project.open(copy) as project:
        report = build_report(project, inputs=ReportInputs(
            releases=releases_section(project), review_queue=review_queue_size(project)))
    _check(report)
