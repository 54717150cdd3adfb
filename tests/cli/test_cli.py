"""The command line: one JSON document with --json, exit statuses 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def uncounted(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from uncounted.cli.main import run; run()", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    result = uncounted("init", root, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["project"] == str(root)
    return root


def test_ingest_and_status_print_one_json_document(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name_en,gender,age\nAhmad Ali,M,34\nSara,F,3 months\n,,\n", encoding="utf-8")
    result = uncounted(
        "ingest",
        project,
        path,
        "--list",
        "ngo",
        "--release",
        "2024-05-01",
        "--map",
        "full_name=name_en",
        "--map",
        "sex=gender",
        "--map",
        "age_years=age",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {
        k: document[k]
        for k in ("list", "release", "rows", "records", "quarantined", "already_ingested")
    } == {
        "list": "ngo",
        "release": "2024-05-01",
        "rows": 2,
        "records": 2,
        "quarantined": 0,
        "already_ingested": False,
    }
    again = json.loads(
        uncounted(
            "ingest", project, path, "--list", "ngo", "--map", "full_name=name_en", "--json"
        ).stdout
    )
    assert again["already_ingested"] is True
    other = uncounted("ingest", project, path, "--list", "press", "--map", "full_name=name_en")
    assert other.returncode == 1 and "asks for list 'press'" in other.stderr
    assert "into list 'ngo'" in other.stderr and "nothing changed" not in other.stdout
    status = uncounted("status", project, "--json")
    assert status.returncode == 0
    document = json.loads(status.stdout)
    assert document["totals"] == {
        "lists": 1,
        "sources": 1,
        "rows": 2,
        "records": 2,
        "quarantined": 0,
    }
    assert document["lists"][0]["releases"] == ["2024-05-01"]


def test_human_output(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name\nAhmad\n", encoding="utf-8")
    result = uncounted("ingest", project, path, "--list", "ngo", "--map", "full_name=name")
    assert result.returncode == 0
    assert "rows 1 = records 1 + quarantined 0" in result.stdout


def test_data_errors_exit_1_with_a_located_message(project: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 20)
    result = uncounted(
        "ingest", project, garbage, "--list", "x", "--map", "full_name=name", "--json"
    )
    assert result.returncode == 1
    assert "garbage.csv" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["error"]["file"].endswith("garbage.csv")
    missing = uncounted("status", tmp_path / "nowhere")
    assert missing.returncode == 1 and "not an uncounted project" in missing.stderr


def test_usage_errors_exit_2(project: Path) -> None:
    assert uncounted("ingest", project).returncode == 2
    assert uncounted("no-such-command").returncode == 2
    assert uncounted("status", project, "--no-such-option").returncode == 2


def test_mistakes_in_mapping_options_are_usage_errors(project: Path, tmp_path: Path) -> None:
    """The README promises 2 for a usage error: a field, pair or profile typed wrong is one,
    found where the rule lives (the mapping), with a message that says what would do."""
    from uncounted.ingest.mapping import profile_names

    path = tmp_path / "list.csv"
    path.write_text("name\nAhmad\n", encoding="utf-8")
    ingest = ("ingest", project, path, "--list", "ngo")
    unknown_field = uncounted(*ingest, "--map", "fullname=name")
    assert unknown_field.returncode == 2, unknown_field.stderr
    assert "not a canonical field (did you mean full_name?)" in unknown_field.stderr
    no_equals = uncounted(*ingest, "--map", "name", "--json")
    assert no_equals.returncode == 2 and "FIELD=COLUMN" in no_equals.stderr
    assert json.loads(no_equals.stdout)["error"]["field"] == "--map"
    unknown_profile = uncounted(*ingest, "--profile", "gaza-mho")
    assert unknown_profile.returncode == 2, unknown_profile.stderr
    message = " ".join(unknown_profile.stderr.split())
    assert "unknown profile 'gaza-mho' (did you mean gaza-moh?)" in message
    assert all(name in message for name in profile_names())
    both = uncounted(*ingest, "--profile", "gaza-moh", "--map", "full_name=name")
    assert both.returncode == 2 and "only one of" in both.stderr
    empty_list = uncounted("ingest", project, path, "--list", " ", "--map", "full_name=name")
    assert empty_list.returncode == 2 and "list name is empty" in empty_list.stderr
    # None of them stored anything.
    status = json.loads(uncounted("status", project, "--json").stdout)
    assert status["totals"]["sources"] == 0


def test_profiles_are_listed() -> None:
    result = uncounted("profiles", "--json")
    names = {p["name"] for p in json.loads(result.stdout)}
    assert {
        "gaza-moh",
        "btselem",
        "israel-oct7-victims",
        "israel-hostages",
        "cpj",
        "gaza-press-killed",
    } <= names


def test_version_answers_alone_and_help_lists_it() -> None:
    from uncounted import __version__

    done = uncounted("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"uncounted {__version__}"
    assert "--version" in uncounted("--help").stdout


def test_ingest_names_the_date_format_and_warns_when_no_value_decides(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,dod\nSamir Test,05/06/2024\nNour Example,03/02/2024\n",
                    encoding="utf-8")
    done = uncounted("ingest", project, path, "--list", "ngo", "--map", "full_name=name",
                     "--map", "date_of_death=dod")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "date_of_death (column dod): read as DD/MM/YYYY" in text
    assert "WARNING: column 'dod' (date_of_death) is ambiguous" in text
