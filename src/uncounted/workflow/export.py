"""Exports of the register: every record with its person, and every person with its lists.

``records``: one row per record, in record order (sources as ingested, rows in file order):
``source_sha256, list, release, row_number`` (1 = the first data row after the header),
``person_id, record_id``, then the normalized fields.

``persons``: one row per person: ``person_id, n_records``, one 0/1 column per list named
``list:<name>`` (1 if any record of the person is on the list; the prefix keeps a list called,
say, "sex" apart from the attribute), then the summary attributes ``sex, age_years,
age_group, place, date_of_death``. It is the input of estimation.

CSV is UTF-8 with a header; Parquet keeps the types. The file is written whole under a
temporary name and then renamed, so a reader never sees half a file.

CSV is meant to be opened in spreadsheets, which run a cell beginning with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return, or their full-width forms) as a formula: a name
field holding ``=HYPERLINK(...)`` would run on the analyst's machine. So such a text cell is
written with a leading apostrophe (``'=...``), which spreadsheets show as the text itself;
numbers are left alone. ``escape_formulas=False`` (``--no-formula-escape``) writes every
cell as stored, for programs rather than spreadsheets. Parquet is never changed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from uncounted.core.errors import UncountedError
from uncounted.core.fields import CANONICAL_FIELDS
from uncounted.store.lists import list_names
from uncounted.store.persons import persons_in_id_order
from uncounted.store.project import Project
from uncounted.store.records import records_with_persons
from uncounted.workflow.link_results import require_run

EXPORTS_DIR: Final = "exports"
FORMATS: Final = ("csv", "parquet")
WHAT: Final = ("records", "persons")
LIST_PREFIX: Final = "list:"
SUMMARY_COLUMNS: Final = ("sex", "age_years", "age_group", "place", "date_of_death")
RECORD_COLUMNS: Final = (
    "source_sha256", "list", "release", "row_number", "person_id", "record_id",
    *CANONICAL_FIELDS, "id_check",
)


# What a spreadsheet takes for the start of a formula (OWASP's list, with the full-width forms).
# A plain string, not a raw one: the tab, carriage return and full-width characters are
# themselves in the class, which both Python's re and Arrow's RE2 read the same way.
FORMULA_START: Final = "^([=+\\-@\t\r\uff1d\uff0b\uff0d\uff20])"


_FORMULA: Final = re.compile(FORMULA_START)


def escape_formula(value: str) -> str:
    """One text cell as a spreadsheet will show, not run, it."""
    return "'" + value if _FORMULA.match(value) else value


def spreadsheet_safe(table: pa.Table) -> pa.Table:
    """``table`` with every text cell that a spreadsheet would run as a formula escaped."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.replace_substring_regex(column, pattern=FORMULA_START,
                                                replacement="'\\1")
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


@dataclass(frozen=True)
class ExportResult:
    what: str
    path: Path
    format: str
    rows: int
    columns: list[str]
    run_id: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "path": str(self.path),
            "format": self.format,
            "rows": self.rows,
            "columns": self.columns,
            "run_id": self.run_id,
        }


def records_table(project: Project) -> pa.Table:
    require_run(project)
    return records_with_persons(project, (*CANONICAL_FIELDS, "id_check"))


def persons_frame(project: Project, *, prefix: str = LIST_PREFIX) -> pd.DataFrame:
    """One row per person: person_id, n_records, a 0/1 column per list (``prefix`` + name),
    and the summary attributes; in person id order. An error before linkage has run."""
    persons = persons_in_id_order(project, SUMMARY_COLUMNS)
    if persons.empty:
        raise UncountedError(
            "linkage has not run yet: the project has no persons; run `uncounted link DIR`",
            file=str(project.root),
        )
    memberships = {
        f"{prefix}{name}": [int(name in set(on)) for on in persons["lists"]]
        for name in list_names(project)
    }
    clash = set(memberships) & {"person_id", "n_records", *SUMMARY_COLUMNS}
    if clash:
        raise UncountedError(
            f"a list is named like a person attribute ({sorted(clash)[0]}); rename the list",
            file=str(project.root),
        )
    frame = pd.concat(
        [persons[["person_id", "n_records"]], pd.DataFrame(memberships, index=persons.index),
         persons[list(SUMMARY_COLUMNS)]],
        axis=1,
    )
    return frame


def export(
    project: Project, what: str, fmt: str = "csv", output: str | Path | None = None,
    *, escape_formulas: bool = True,
) -> ExportResult:
    """Write ``records`` or ``persons`` as CSV or Parquet; to DIR/exports/ by default. CSV
    text cells that a spreadsheet would run as formulas are escaped unless
    ``escape_formulas`` is False."""
    if what not in WHAT:
        raise UncountedError(f"export records or persons, not {what!r}", field="what")
    if fmt not in FORMATS:
        raise UncountedError(f"the format is csv or parquet, not {fmt!r}", field="format")
    run = require_run(project)
    if what == "records":
        table = records_table(project)
    else:
        table = pa.Table.from_pandas(persons_frame(project), preserve_index=False)
    if output is None:
        path = project.root / EXPORTS_DIR / f"{what}-run{run.run_id}.{fmt}"
    else:
        path = Path(output)
    _write(spreadsheet_safe(table) if fmt == "csv" and escape_formulas else table, path, fmt)
    return ExportResult(what, path, fmt, table.num_rows, table.column_names, run.run_id)


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        if fmt == "csv":
            pacsv.write_csv(table, partial)
        else:
            pq.write_table(table, partial)
        os.replace(partial, path)
    except OSError as problem:
        raise UncountedError(f"cannot write the export: {problem.strerror}",
                             file=str(path)) from None
