"""The demo runs every stage end to end and reports linkage and estimates against the truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from uncounted.core.errors import UncountedError
from uncounted.workflow.demo import run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("demo") / "demo"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from uncounted.cli.main import run; run()",
            "demo",
            str(folder),
            "--victims",
            "2000",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_row_is_ingested_and_the_report_is_written(demo: dict[str, object]) -> None:
    lists = demo["lists"]
    assert isinstance(lists, list) and len(lists) == 4
    assert all(e["records"] + e["quarantined"] == e["rows"] for e in lists)
    report = Path(str(demo["report"]))
    html = report.read_text(encoding="utf-8")
    assert "Sources and provenance" in html and "Linkage against the simulator" in html
    assert "http://" not in html and "https://" not in html


def test_linkage_and_estimates_are_measured_against_the_truth(demo: dict[str, object]) -> None:
    linkage = demo["linkage"]
    assert isinstance(linkage, dict)
    assert 0 < linkage["pair"]["f1"] <= 1 and 0 < linkage["bcubed"]["f1"] <= 1
    estimates = demo["estimates"]
    assert isinstance(estimates, dict)
    assert estimates["true_total"] == 2000
    perfect = estimates["from_true_persons"]
    # With the true persons the ensemble interval should hold the true total (a known-truth
    # check on this seed; the simulation study measures coverage properly).
    assert perfect["lower"] <= 2000 <= perfect["upper"]
    assert perfect["observed"] == linkage["true_persons"]
    assert estimates["from_linked_persons"]["observed"] == linkage["persons"]


def test_the_demo_replaces_only_an_earlier_demo(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(UncountedError, match="not an earlier demo"):
        run_demo(tmp_path / "mine", n_victims=200)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
