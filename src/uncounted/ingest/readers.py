"""Readers: turn the bytes of a source file into a header and raw rows.

Every data row comes out either with its values or with the reason it could not be read, so
the caller can keep it in quarantine. Row numbers count data rows: 1 is the first row after
the header, whatever the format.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from uncounted.core.errors import UnreadableFileError
from uncounted.ingest.encoding import decode_text

FORMATS = ("csv", "tsv", "xlsx", "json", "parquet")
_DELIMITERS = (",", "\t", ";", "|")
_HEADER_SCAN_ROWS = 30

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class RawRow:
    row_number: int
    values: dict[str, str | None] | None
    problem: str | None = None
    raw_text: str | None = None


@dataclass
class SourceTable:
    format: str
    columns: list[str]
    rows: list[RawRow]
    encoding: str | None = None
    header_row: int | None = None
    blank_lines: int = 0
    notes: list[str] = field(default_factory=list)


def detect_format(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"PAR1"):
        return "parquet"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix == "parquet":
        return "parquet"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix == "json" or head[:1] in (b"[", b"{"):
        return "json"
    if suffix in ("tsv", "tab"):
        return "tsv"
    return "csv"


def read_source(data: bytes, name: str, *, header_hint: Iterable[str] = ()) -> SourceTable:
    """Read ``data`` (the bytes of the file called ``name``) into a :class:`SourceTable`.

    ``header_hint`` names columns the caller expects; it helps find the header row of a
    spreadsheet that has a title block above its table.
    """
    fmt = detect_format(data, name)
    if fmt in ("csv", "tsv"):
        return _read_delimited(data, name, fmt)
    if fmt == "xlsx":
        return _read_xlsx(data, name, set(header_hint))
    if fmt == "json":
        return _read_json(data, name)
    return _read_parquet(data, name)


# -- delimited text --------------------------------------------------------------------------------
def _read_delimited(data: bytes, name: str, fmt: str) -> SourceTable:
    decoded = decode_text(data, name)
    text = decoded.text
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    rows: list[RawRow] = []
    blank = 0
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                raise UnreadableFileError(
                    f"the header cannot be parsed: {exc}", file=name
                ) from None
            row_number += 1
            rows.append(RawRow(row_number, None, f"unparseable line {reader.line_num}: {exc}"))
            continue
        if not any(cell.strip() for cell in cells):
            blank += 1
            continue
        if header is None:
            header = _clean_header(cells)
            header_line = reader.line_num
            continue
        row_number += 1
        if len(cells) != len(header):
            rows.append(
                RawRow(
                    row_number,
                    None,
                    f"has {len(cells)} fields where the header has {len(header)} "
                    f"(line {reader.line_num})",
                    delimiter.join(cells),
                )
            )
            continue
        rows.append(RawRow(row_number, dict(zip(header, (_cell(c) for c in cells), strict=True))))
    if header is None:
        raise UnreadableFileError("the file has no header row", file=name)
    kind = "tsv" if delimiter == "\t" else "csv"
    notes = [] if delimiter in (",", "\t") else [f"delimiter {delimiter!r}"]
    return SourceTable(kind, header, rows, decoded.encoding, header_line, blank, notes)


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean_header(cells: list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells, start=1):
        base = cell.strip().lstrip("\ufeff") or f"column_{index}"
        count = seen.get(base, 0) + 1
        seen[base] = count
        names.append(base if count == 1 else f"{base}_{count}")
    return names


def _cell(value: str) -> str | None:
    value = value.strip()
    return value if value else None


# -- spreadsheets ----------------------------------------------------------------------------------
def _read_xlsx(data: bytes, name: str, hint: set[str]) -> SourceTable:
    import openpyxl  # imported here: spreadsheets are the rare case and openpyxl is slow to load

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise UnreadableFileError(
            f"not a readable XLSX workbook (truncated or damaged?): {exc}", file=name
        ) from None
    try:
        sheet = next((ws for ws in workbook.worksheets if ws.max_row and ws.max_row > 0), None)
        if sheet is None:
            raise UnreadableFileError("the workbook has no sheet with data", file=name)
        try:
            grid = [list(row) for row in sheet.iter_rows(values_only=True)]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            raise UnreadableFileError(
                f"the sheet cannot be read (truncated or damaged?): {exc}", file=name
            ) from None
    finally:
        workbook.close()
    texts = [[_spreadsheet_text(v) for v in row] for row in grid]
    header_index = _find_header_row(texts, hint)
    if header_index is None:
        raise UnreadableFileError("the sheet has no header row", file=name)
    header_cells = [t or "" for t in texts[header_index]]
    while header_cells and not header_cells[-1]:
        header_cells.pop()
    header = _clean_header(header_cells)
    rows: list[RawRow] = []
    blank = 0
    row_number = 0
    for cells in texts[header_index + 1 :]:
        if not any(cells):
            blank += 1
            continue
        row_number += 1
        extra = [c for c in cells[len(header) :] if c]
        if extra:
            rows.append(
                RawRow(
                    row_number,
                    None,
                    f"has values beyond the {len(header)} header columns",
                    "\t".join(c or "" for c in cells),
                )
            )
            continue
        padded = list(cells[: len(header)]) + [None] * max(0, len(header) - len(cells))
        rows.append(RawRow(row_number, dict(zip(header, padded, strict=True))))
    notes = [f"sheet {sheet.title!r}"]
    if header_index:
        notes.append(f"header found on spreadsheet row {header_index + 1}")
    return SourceTable("xlsx", header, rows, None, header_index + 1, blank, notes)


def _find_header_row(texts: list[list[str | None]], hint: set[str]) -> int | None:
    """The header is the first row, among the first few, that looks like column names.

    Title blocks above a table are short (one or two filled cells); the header is as wide as
    the data and made of text, not numbers or dates.
    """
    candidates = texts[:_HEADER_SCAN_ROWS]
    if not candidates:
        return None
    if hint:
        best = max(
            range(len(candidates)), key=lambda i: len(hint & set(filter(None, candidates[i])))
        )
        if hint & set(filter(None, candidates[best])):
            return best
    width = max(sum(1 for c in row if c) for row in texts[: _HEADER_SCAN_ROWS * 10]) if texts else 0
    for index, row in enumerate(candidates):
        filled = [c for c in row if c]
        if (
            filled
            and len(filled) >= max(1, math.ceil(width * 0.5))
            and all(not _looks_numeric(c) for c in filled)
        ):
            return index
    return next((i for i, row in enumerate(candidates) if any(row)), None)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _spreadsheet_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


# -- JSON ------------------------------------------------------------------------------------------
def _read_json(data: bytes, name: str) -> SourceTable:
    decoded = decode_text(data, name)
    try:
        document = json.loads(decoded.text)
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", file=name
        ) from None
    notes: list[str] = []
    if isinstance(document, dict):
        arrays = [k for k, v in document.items() if isinstance(v, list)]
        if len(arrays) != 1:
            raise UnreadableFileError(
                "expected a JSON array of objects (one object per person)", file=name
            )
        notes.append(f"rows taken from the {arrays[0]!r} array")
        document = document[arrays[0]]
    if not isinstance(document, list):
        raise UnreadableFileError(
            "expected a JSON array of objects (one object per person)", file=name
        )
    columns: dict[str, None] = {}
    for item in document:
        if isinstance(item, dict):
            columns.update(dict.fromkeys(map(str, item)))
    header = list(columns)
    rows: list[RawRow] = []
    for row_number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            rows.append(
                RawRow(
                    row_number,
                    None,
                    f"is a JSON {type(item).__name__}, not an object",
                    json.dumps(item, ensure_ascii=False)[:2000],
                )
            )
            continue
        values = {column: _json_text(item.get(column)) for column in header}
        rows.append(RawRow(row_number, values))
    return SourceTable("json", header, rows, decoded.encoding, None, 0, notes)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# -- Parquet ---------------------------------------------------------------------------------------
def _read_parquet(data: bytes, name: str) -> SourceTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UnreadableFileError(f"not a readable Parquet file: {exc}", file=name) from None
    header = _clean_header([str(n) for n in table.column_names])
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [
        RawRow(
            index + 1,
            {h: _parquet_text(col[index]) for h, col in zip(header, columns, strict=True)},
        )
        for index in range(table.num_rows)
    ]
    return SourceTable("parquet", header, rows, None, None, 0, [])


def _parquet_text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return _json_text(value)
