"""`uncounted estimate`, run as users run it: a subprocess, its stdout, its exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from uncounted.cli.estimate_cmds import register
from uncounted.store import Project

# Until the main CLI registers the command itself, add it to the real app (and its real error
# handling) in the child process; once it does, this adds nothing.
LAUNCH = (
    "from uncounted.cli import main; from uncounted.cli.estimate_cmds import register; "
    "'estimate' in {c.name for c in main.app.registered_commands} or register(main.app); "
    "main.run()"
)


def uncounted(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_ensemble_json_is_one_document_headline_first(mse_tables: Path) -> None:
    done = uncounted("estimate", "--table", mse_tables / "korea.csv", "--seed", "3", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(document) == ["estimates", "sensitivity"]
    estimates = document["estimates"]
    assert estimates[0]["method"] == "ensemble"
    assert [e["method"] for e in estimates[1:]] == [
        "bootstrap_stepwise", "best_bic", "lcmcr", "dga", "sample-coverage",
    ]
    for entry in estimates:
        assert {"method", "model", "observed", "estimate", "lower", "upper", "level",
                "diagnostics", "warnings"} <= set(entry)
        assert entry["observed"] == 123 and entry["level"] == 0.95
    headline = estimates[0]
    assert headline["lower"] <= headline["estimate"] <= headline["upper"]
    assert set(headline["diagnostics"]["included"]) | set(headline["diagnostics"]["excluded"]) \
        == {"stepwise", "bic", "lcmcr", "dga", "sample-coverage"}


def test_same_seed_same_output_and_level_is_used(mse_tables: Path) -> None:
    args = ("estimate", "--table", mse_tables / "hav.csv", "--method", "stepwise",
            "--seed", "4", "--level", "0.9", "--json")
    first, second = uncounted(*args), uncounted(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    (entry,) = json.loads(first.stdout)["estimates"]
    assert entry["method"] == "bootstrap_stepwise" and entry["level"] == 0.9
    assert round(entry["estimate"], 1) == 388.5


def test_loglinear_and_human_output(mse_tables: Path) -> None:
    done = uncounted("estimate", "--table", mse_tables / "korea.csv", "--method", "loglinear",
                     "--model", "[12,3]")
    assert done.returncode == 0, done.stderr
    assert "269" in done.stdout and "198 – 393" in done.stdout
    assert "[12,3]" in done.stdout
    assert not done.stdout.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--method", "nope"), "unknown method 'nope'"),
        (("--method", "loglinear"), "needs --model"),
        (("--method", "bic", "--model", "[12,3]"), "only for --method loglinear"),
        (("--strata", "sex"), "--strata"),
        (("--level", "2"), "--level"),
    ],
)
def test_usage_errors_exit_2(mse_tables: Path, args: tuple[str, ...], message: str) -> None:
    done = uncounted("estimate", "--table", mse_tables / "korea.csv", *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_neither_table_nor_folder_is_a_usage_error() -> None:
    done = uncounted("estimate")
    assert done.returncode == 2 and "either a project folder or --table" in done.stderr
    # It says that one of them is needed, not that two were given.
    assert "needs one of them" in done.stderr and "not both" not in done.stderr


def test_an_unknown_stratum_column_is_a_usage_error_naming_the_valid_ones(
    tmp_path: Path,
) -> None:
    from uncounted.workflow.estimation import STRATUM_COLUMNS

    Project.create(tmp_path / "p").close()
    done = uncounted("estimate", tmp_path / "p", "--strata", "sex,agegroup", "--json")
    assert done.returncode == 2, done.stderr
    message = " ".join(done.stderr.split())
    assert "unknown stratum column 'agegroup' (did you mean age_group?)" in message
    assert all(column in message for column in STRATUM_COLUMNS)
    assert json.loads(done.stdout)["error"]["field"] == "--strata"
    # Checked before the project is opened: a misspelt column in a folder that is no project
    # is still the usage error.
    elsewhere = uncounted("estimate", tmp_path / "nowhere", "--strata", "agegroup")
    assert elsewhere.returncode == 2 and "agegroup" in elsewhere.stderr


def test_problems_in_the_data_exit_1(mse_tables: Path, tmp_path: Path) -> None:
    bad_model = uncounted("estimate", "--table", mse_tables / "korea.csv", "--method",
                          "loglinear", "--model", "[14]", "--json")
    assert bad_model.returncode == 1
    assert "not a list number between 1 and 3" in json.loads(bad_model.stdout)["error"]["message"]
    missing = uncounted("estimate", "--table", tmp_path / "nowhere.csv")
    assert missing.returncode == 1 and "cannot read the table" in missing.stderr


def test_project_before_linkage_says_so(tmp_path: Path) -> None:
    Project.create(tmp_path / "p").close()
    done = uncounted("estimate", tmp_path / "p", "--strata", "age_group,sex")
    assert done.returncode == 1
    assert "linkage has not run yet" in done.stderr


def test_project_with_persons_is_estimated_by_stratum(tmp_path: Path) -> None:
    with Project.create(tmp_path / "p") as project:
        for name in ("a", "b", "c"):
            project.con.execute("INSERT INTO lists VALUES (?, ?)", [name, datetime(2024, 1, 1)])
        rows = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]
        counts = [40, 35, 30, 12, 10, 9, 4]
        persons = []
        for (a, b, c), k in zip(rows, counts, strict=True):
            for sex, pattern in (("f", (a, b, c)), ("m", (a, b, 0))):
                lists = [name for name, on in zip("abc", pattern, strict=True) if on]
                persons += [(sex, lists)] * k
        project.con.executemany(
            "INSERT INTO persons (person_id, n_records, lists, sex, run_id)"
            " VALUES (?, 1, ?, ?, 1)",
            [(f"P{i:06d}", lists, sex) for i, (sex, lists) in enumerate(persons, 1)],
        )
    done = uncounted("estimate", tmp_path / "p", "--strata", "sex", "--method", "stepwise",
                     "--json")
    assert done.returncode == 0, done.stderr
    estimates = json.loads(done.stdout)["estimates"]
    assert [e["stratum"] for e in estimates] == ["total", "sex=f", "sex=m"]
    assert "only 2 of the 3 lists" in estimates[2]["refused"]
    total = estimates[0]
    assert total["diagnostics"]["strata_not_estimated"].keys() == {"sex=m"}
    assert total["lower"] >= estimates[1]["observed"] + estimates[2]["observed"]


def test_register_adds_the_command_to_any_app(mse_tables: Path) -> None:
    app = typer.Typer()
    register(app)
    app.command("other")(lambda: None)  # a second command keeps `estimate` a sub-command
    result = CliRunner().invoke(app, ["estimate", "--help"])
    assert result.exit_code == 0
    assert "--table" in result.output and "--method" in result.output
    result = CliRunner().invoke(app, ["estimate", "--table", str(mse_tables / "hav.csv"),
                                      "--method", "chapman", "--json"])
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.output)["estimates"]
    assert [p["model"] for p in pairs] == ["L1·L2", "L1·L3", "L2·L3"]


def test_sensitivity_beside_the_headline(mse_tables: Path) -> None:
    done = uncounted("estimate", "--table", mse_tables / "korea.csv", "--seed", "3", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    sensitivity = document["sensitivity"]
    assumptions = {row["assumption"] for row in sensitivity["rows"]}
    assert assumptions == {"highest-order interaction", "latent classes and concentration prior",
                           "dependence between named lists"}
    assert sensitivity["headline"] == document["estimates"][0]["estimate"]
    low, high = sensitivity["range"]
    assert low <= high
    human = uncounted("estimate", "--table", mse_tables / "korea.csv", "--seed", "3")
    assert human.returncode == 0, human.stderr
    assert "How the total moves with what the data cannot check" in human.stdout
    assert "latent classes: K=2" in " ".join(human.stdout.split())


def test_a_single_method_has_no_sensitivity(mse_tables: Path) -> None:
    done = uncounted("estimate", "--table", mse_tables / "korea.csv", "--method", "bic",
                     "--json")
    assert done.returncode == 0, done.stderr
    assert "sensitivity" not in json.loads(done.stdout)
