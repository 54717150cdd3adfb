"""The hostile-file corpus (``benchmarks/hostile_ingest.py``): every file ingests with
records + quarantined == the rows a careful reader counts, or is refused with a message.

Also the findings of issue 14 that the corpus alone does not show: refusals through the
command line exit 1 with the file named and no traceback, and a tiny workbook declaring a
sheet of 17 billion cells is read in bounded memory.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from types import ModuleType

import pytest

from uncounted.core.errors import UncountedError
from uncounted.ingest import pipeline
from uncounted.ingest.mapping import from_pairs
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "hostile_ingest.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile_ingest", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_ingest"] = module
    spec.loader.exec_module(module)
    return module


HOSTILE = _generator()
CASES = {case.kind: case for case in HOSTILE.build_corpus()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    HOSTILE.write_corpus(folder)
    return folder


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("template") / "project"
    Project.create(root).close()
    return root


def test_the_corpus_is_broad() -> None:
    assert len(CASES) >= 63
    prefixes = {kind.split("_")[0] for kind in CASES}
    assert prefixes >= {"csv", "tsv", "enc", "xlsx", "json", "parquet"}
    assert sum(case.rows is None for case in CASES.values()) >= 15  # refusals
    named = [
        "csv_stray_quote",
        "xlsx_stale_dimension",
        "xlsx_dimension_a1",
        "xlsx_no_dimension",
        "xlsx_cell_outside_declared_columns",
        "xlsx_huge_dimension_far_cell",
        "enc_windows_1252_with_one_utf8_row",
        "enc_windows_1256_with_one_utf8_row",
        "enc_utf8_bom_then_utf16",
        "json_lone_surrogate",
        "json_nested_200000_deep",
        "parquet_decimal",
    ]
    assert set(named) <= set(CASES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_hostile_file(kind: str, corpus: Path, template: Path, tmp_path: Path) -> None:
    case = CASES[kind]
    root = tmp_path / "project"
    shutil.copytree(template, root)
    with Project.open(root) as project:
        if case.rows is None:
            with pytest.raises(UncountedError) as refused:
                ingest_file(
                    project,
                    corpus / case.filename,
                    list_name="l",
                    mapping=from_pairs(case.mapping),
                )
            assert case.refusal.lower() in str(refused.value).lower()
            assert case.filename in str(refused.value)
            assert project.con.execute("SELECT count(*) FROM sources").fetchone() == (0,)
            return
        summary = ingest_file(
            project, corpus / case.filename, list_name="l", mapping=from_pairs(case.mapping)
        )
        stored = project.con.execute(
            "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM quarantine)"
        ).fetchone()
        names = {r[0] for r in project.con.execute("SELECT full_name FROM records").fetchall()}
        reasons = [
            p["reason"]
            for (text,) in project.con.execute("SELECT reasons FROM quarantine").fetchall()
            for p in json.loads(text)
        ]
    assert summary.rows == case.rows, (summary.rows, summary.records, summary.quarantined)
    assert summary.records + summary.quarantined == case.rows
    assert stored == (summary.records, summary.quarantined)
    if case.quarantined is not None:
        assert summary.quarantined == case.quarantined, reasons
    for name in case.names:
        assert name in names
    for name in names:
        assert name is None or ("\x00" not in name and "Ã" not in name and "ط§" not in name)
    if case.reason:
        assert any(case.reason in reason for reason in reasons), reasons
    if case.note:
        assert any(case.note in note for note in summary.notes), summary.notes


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from uncounted.cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("json_nested_200000_deep", "too deeply"),
        ("json_lines_named_json", ".jsonl"),
        ("xlsx_declared_part_too_big", "declares"),
    ],
)
def test_refusals_exit_1_with_a_message(
    kind: str, message: str, corpus: Path, template: Path, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    shutil.copytree(template, root)
    maps = [arg for pair in CASES[kind].mapping for arg in ("--map", pair)]
    done = _cli("ingest", str(root), str(corpus / CASES[kind].filename), "--list", "l", *maps)
    assert done.returncode == 1
    assert message in done.stderr and CASES[kind].filename in done.stderr
    assert "Traceback" not in done.stderr


def _peak_rss_mb(code: str, *args: str) -> tuple[int, float, str]:
    """Run ``code`` in a fresh interpreter; its exit status, peak RSS in MB and stderr."""
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stderr=err,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        _, status, usage = os.wait4(child.pid, 0)
        err.seek(0)
        return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024, err.read().decode()


_INGEST = """
import sys
from pathlib import Path
from uncounted.ingest import pipeline
from uncounted.ingest.mapping import from_pairs
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project
with Project.open(sys.argv[1]) as project:
    summary = ingest_file(project, Path(sys.argv[2]), list_name="l", mapping=from_pairs(
        ["full_name=name", "sex=sex", "age_years=age", "id_number=id"]))
    assert summary.rows == int(sys.argv[3]), summary.rows
"""


def test_a_workbook_declaring_a_huge_sheet_is_read_in_bounded_memory(
    corpus: Path, template: Path, tmp_path: Path
) -> None:
    # 1.6 KB declaring A1:XFD1048576, one cell at XFD200000: it once took ingest past 5.8 GB.
    case = CASES["xlsx_huge_dimension_far_cell"]
    root = tmp_path / "project"
    shutil.copytree(template, root)
    baseline = _peak_rss_mb(_INGEST.split("with Project")[0])[1]
    status, peak, err = _peak_rss_mb(_INGEST, str(root), str(corpus / case.filename), "11")
    assert status == 0, err
    assert peak - baseline < 200, (peak, baseline)


def test_python_memory_does_not_grow_with_the_file(template: Path, tmp_path: Path) -> None:
    """Reading, spooling and validating hold a batch of rows, not the file: 6 times the rows,
    the same peak of Python allocations (the database's index of the new records, in DuckDB,
    does grow with them; benchmarks/hostile_ingest.py --big measures the whole process)."""
    peaks: list[float] = []
    for rows in (10_000, 60_000):
        path = tmp_path / f"rows{rows}.csv"
        with path.open("w", encoding="utf-8") as handle:
            handle.write("name,sex,age,id,dob\n")
            for i in range(rows):
                handle.write(f"person number {i} of the list,{'MF'[i % 2]},{i % 90},{i},")
                handle.write(f"{1 + i % 28}/{1 + i % 12}/1990\n")
        root = tmp_path / f"project{rows}"
        shutil.copytree(template, root)
        mapping = from_pairs(
            ["full_name=name", "sex=sex", "age_years=age", "id_number=id", "date_of_birth=dob"]
        )
        with Project.open(root) as project:
            tracemalloc.start()
            try:
                summary = ingest_file(project, path, list_name="l", mapping=mapping)
                peaks.append(tracemalloc.get_traced_memory()[1] / 1e6)
            finally:
                tracemalloc.stop()
        assert summary.records == rows
    size_mb = (tmp_path / "rows60000.csv").stat().st_size / 1e6
    # Holding the big file's rows as Python dicts would add several times its size.
    assert peaks[1] < peaks[0] * 1.25 + 1, (peaks, size_mb)


def test_more_rows_than_one_source_may_hold_are_refused(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "MAX_ROWS", 5)
    path = tmp_path / "six.csv"
    path.write_text("name,sex,age,id\n" + "".join(f"Sam {i},M,30,{i}\n" for i in range(6)))
    root = tmp_path / "project"
    shutil.copytree(template, root)
    with Project.open(root) as project:
        with pytest.raises(UncountedError, match="6 rows; one source may have at most 5"):
            ingest_file(project, path, list_name="l", mapping=from_pairs(["full_name=name"]))
        assert project.con.execute("SELECT count(*) FROM records").fetchone() == (0,)
