"""Random and malformed files: ingest never loses a row and never crashes."""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uncounted.core.errors import UncountedError
from uncounted.ingest.mapping import from_pairs
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project

from .helpers import snapshot

COLUMNS = ["name", "sex", "age", "dob", "id"]
MAPPING = from_pairs(
    ["full_name=name", "sex=sex", "age_years=age", "date_of_birth=dob", "id_number=id"]
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "M",
            "F",
            "ذكر",
            "34",
            "3 months",
            "-1",
            "2024-01-01",
            "31/02/2020",
            "123456782",
            "٣٤",
            "N/A",
            '"',
            "a,b",
            "line\nbreak",
        ]
    ),
)
row = st.lists(cell, min_size=0, max_size=7)


@functools.cache
def _empty_project() -> Path:
    """One freshly created project, copied for each example: creating one costs more."""
    root = Path(tempfile.mkdtemp()) / "template"
    Project.create(root).close()
    return root


def _ingest_or_refuse(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "p"
        shutil.copytree(_empty_project(), root)
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        before = snapshot(root)
        with Project.open(root) as project:
            try:
                summary = ingest_file(project, path, list_name="l", mapping=MAPPING)
            except UncountedError:
                refused = True
            else:
                refused = False
                stored = project.con.execute(
                    "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM quarantine)"
                ).fetchone()
        if refused:
            assert snapshot(root) == before
            return
        assert summary.records + summary.quarantined == summary.rows
        assert stored == (summary.records, summary.quarantined)


@SETTINGS
@given(
    rows=st.lists(row, max_size=25),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "windows-1256"]),
)
def test_random_delimited_files(rows: list[list[str]], delimiter: str, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    _ingest_or_refuse(data, ".csv")


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _ingest_or_refuse(b"name,sex,age,dob,id\n" + data, ".csv")


@SETTINGS
@given(
    data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json", ".xlsx", ".parquet", ""])
)
def test_random_bytes_with_any_name(data: bytes, suffix: str) -> None:
    _ingest_or_refuse(data, suffix)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@SETTINGS
@given(
    items=st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from([*COLUMNS, "x"]), json_value, max_size=6), json_value
        ),
        max_size=15,
    )
)
def test_random_json(items: list[object]) -> None:
    _ingest_or_refuse(json.dumps(items).encode(), ".json")
