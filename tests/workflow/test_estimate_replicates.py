"""`estimate` over linkage replicates on a small simulated project (issue 12)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.workflow.link_helpers import make_project, simulate
from uncounted.store import Project
from uncounted.workflow.estimation import (
    estimate_project,
    headline_of,
    latest_estimate_run,
    save_estimate_run,
)
from uncounted.workflow.evaluation import evaluate_linkage
from uncounted.workflow.linkage import link_project
from uncounted.workflow.replicates import UNCALIBRATED_CAVEAT, linkage_lines
from uncounted.workflow.review import record_decision, review_sample


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("replicates")
    simulated = simulate(folder, n_victims=400, n_lists=4, seed=3)
    project_dir = make_project(folder, simulated, 4)
    with Project.open(project_dir) as project:
        link_project(project, seed=1)
    return project_dir, simulated


def _truth(project: Project, simulated: Path) -> dict[str, str]:
    records = project.con.execute("SELECT record_id, list, row_number FROM records").df()
    truth = pd.read_csv(simulated / "truth.csv", dtype=str)
    records["row_number"] = records["row_number"].astype(str)
    joined = records.merge(truth, on=["list", "row_number"])
    return dict(zip(joined["record_id"], joined["person_id"], strict=True))


def test_without_labels_auto_keeps_the_linkage_and_says_so(linked: tuple[Path, Path]) -> None:
    with Project.open(linked[0], read_only=True) as project:
        run = estimate_project(project, method="bic", seed=1)
    assert run.result["linkage"] == {"mode": "fixed"}
    assert UNCALIBRATED_CAVEAT in run.result["caveats"]


def test_replicates_carry_linkage_uncertainty(linked: tuple[Path, Path]) -> None:
    with Project.open(linked[0], read_only=True) as project:
        run = estimate_project(project, method="bic", seed=2, linkage="replicates",
                               replicates=4)
        again = estimate_project(project, method="bic", seed=2, linkage="replicates",
                                 replicates=4)
        fixed = estimate_project(project, method="bic", seed=2, linkage="fixed")
    linkage = run.result["linkage"]
    assert linkage["mode"] == "replicates" and linkage["replicates"] == 4
    assert len(linkage["persons_per_replicate"]) == 4
    split = linkage["uncertainty"]["total"]
    assert sum(split["shares"].values()) == pytest.approx(1.0)
    assert split["linkage"] >= 0 and split["sampling"] >= 0
    # the capture tables of every replicate are kept, not the partitions
    counts = linkage["tables"]["counts"]["all"]
    assert len(counts) == 4 and all(len(c) == 2 ** len(linkage["tables"]["lists"]["all"])
                                    for c in counts)
    assert sum(counts[0]) == linkage["persons_per_replicate"][0]
    head = headline_of(run)
    assert head["lower"] <= head["estimate"] <= head["upper"]
    assert headline_of(again) == head  # same seed, same numbers
    # "with the linkage fixed" is what --linkage fixed prints
    reference = linkage["fixed"]["total"]
    assert reference["estimate"] == fixed.estimates[0]["estimate"]
    assert (reference["lower"], reference["upper"]) == (fixed.estimates[0]["lower"],
                                                        fixed.estimates[0]["upper"])
    assert any("linkage replicates" in line for line in linkage_lines(linkage))


def test_review_sample_labels_calibrate_and_switch_replicates_on(
    linked: tuple[Path, Path], tmp_path: Path
) -> None:
    import shutil

    project_dir = tmp_path / "project"
    shutil.copytree(linked[0], project_dir)
    with Project.open(project_dir) as project:
        sample = review_sample(project, 40, seed=5)
        assert sample.pairs and sample.pairs == review_sample(project, 40, seed=5).pairs
        probabilities = [p["match_probability"] for p in sample.pairs]
        assert min(probabilities) < 0.5 < max(probabilities)  # across the bins
        truth = _truth(project, linked[1])
        for pair in sample.pairs:
            left, right = pair["record_id_l"], pair["record_id_r"]
            same = truth[left] == truth[right]
            record_decision(project, left, right, "accept" if same else "reject",
                            reviewer="test")
        run = estimate_project(project, method="bic", seed=1, replicates=3)
        assert run.result["linkage"]["mode"] == "replicates"
        assert run.result["linkage"]["calibration"]["labels"] >= 20
        save_estimate_run(project, run)
        stored = latest_estimate_run(project)
        assert stored is not None and stored.result["linkage"]["replicates"] == 3
        scores = evaluate_linkage(project, linked[1] / "truth.csv")
    reliability = scores["reliability"]
    assert reliability["pairs"] > 0 and reliability["table"]
    assert reliability["recalibrated"] is not None


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from uncounted.cli import main; main.run()", *map(str, args)],
        capture_output=True, text=True, timeout=600, check=False,
    )


def test_cli_shows_the_split_and_draws_a_review_sample(
    linked: tuple[Path, Path], tmp_path: Path
) -> None:
    import shutil

    project_dir = tmp_path / "project"
    shutil.copytree(linked[0], project_dir)
    done = _cli("estimate", project_dir, "--method", "bic", "--linkage", "replicates",
                "--replicates", "3", "--json")
    assert done.returncode == 0, done.stderr
    linkage = json.loads(done.stdout)["linkage"]
    assert linkage["mode"] == "replicates" and "tables" not in linkage
    assert set(linkage["uncertainty"]["total"]["shares"]) == {"linkage", "sampling", "model"}
    text = _cli("estimate", project_dir, "--method", "bic", "--linkage", "fixed")
    assert text.returncode == 0, text.stderr
    assert "linkage: taken as certain" in text.stdout
    bad = _cli("estimate", project_dir, "--linkage", "sometimes")
    assert bad.returncode != 0 and "--linkage is one of" in bad.stdout + bad.stderr
    sample = _cli("review", project_dir, "--sample", "12", "--seed", "2", "--list", "--json")
    assert sample.returncode == 0, sample.stderr
    pairs = json.loads(sample.stdout)["pairs"]
    assert 0 < len(pairs) <= 12


def test_replicate_persons_are_summarised_as_the_link_run_summarises(
    linked: tuple[Path, Path]
) -> None:
    from uncounted.link.persons import person_summaries
    from uncounted.workflow.replicates import project_replicates, replicate_persons

    with Project.open(linked[0], read_only=True) as project:
        drawn = project_replicates(project, 2, seed=4)
        lists = [str(r[0]) for r in project.con.execute(
            "SELECT DISTINCT list FROM records ORDER BY 1").fetchall()]
    ours = replicate_persons(drawn, 1, lists, "killed").set_index("person_id")
    labels = dict(zip(drawn.record_ids, drawn.replicates.labels[1].tolist(), strict=True))
    theirs = person_summaries(
        drawn.records.drop(columns=["status"]),
        {r: f"R{labels[str(r)]}" for r in drawn.records["record_id"]},
    ).set_index("person_id")
    assert sorted(ours.index) == sorted(theirs.index)
    for column in ("n_records", "sex", "age_years", "age_group", "place", "date_of_death"):
        mine = ours[column].astype(object).where(ours[column].notna(), None)
        other = theirs.loc[ours.index, column].astype(object)
        other = other.where(other.notna(), None)
        assert mine.tolist() == other.tolist(), column
    for name in lists:
        on = theirs.loc[ours.index, "lists"].map(lambda v, name=name: int(name in v))
        assert ours[name].tolist() == on.tolist()


def test_replicates_read_the_links_the_run_stored(linked: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    """The run stores its rule duplicates and within-source links, so replicates need not
    rebuild the name features; a run from before (settings without them) rebuilds them, and
    both draw the same replicates."""
    import shutil

    from uncounted.workflow.replicates import project_replicates

    copy = tmp_path / "project"
    shutil.copytree(linked[0], copy)
    with Project.open(copy) as project:
        settings = json.loads(project.con.execute(
            "SELECT settings FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchone()[0])
        assert isinstance(settings["rule_duplicate_pairs"], list)
        assert isinstance(settings["within_source_pairs"], list)
        stored = project_replicates(project, 3, 5)
        older = {k: v for k, v in settings.items()
                 if k not in ("rule_duplicate_pairs", "within_source_pairs")}
        project.con.execute("UPDATE link_runs SET settings = ? WHERE run_id = "
                            "(SELECT max(run_id) FROM link_runs)", [json.dumps(older)])
        rebuilt = project_replicates(project, 3, 5)
    assert stored.record_ids == rebuilt.record_ids
    assert (stored.replicates.labels == rebuilt.replicates.labels).all()
    pd.testing.assert_frame_equal(stored.records, rebuilt.records)
