"""Readers: turn a source file into a header and a stream of raw rows.

Every data row comes out either with its values or with the reason it could not be read, so
the caller can keep it in quarantine. Row numbers count data rows: 1 is the first row after
the header, whatever the format.

Rows are counted as the file has them, not as a parser happens to return them: an unclosed
quote that makes the csv module join the rest of a file into one field is found and the
lines it swallowed are read again one by one; a spreadsheet is read row by row as its sheet
holds them, whatever its ``<dimension>`` claims. Readers stream: memory holds a row (at most
:data:`MAX_ROW_CHARS` of text), never the file, and declared sizes that could not be honoured
within that bound are refused with a message.
"""

from __future__ import annotations

import csv
import json
import math
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from uncounted.core.errors import UnreadableFileError
from uncounted.ingest.encoding import (
    MAX_LINE,
    Line,
    iter_lines,
    iter_text,
    plan_text,
)

FORMATS = ("csv", "tsv", "xlsx", "json", "parquet")
_DELIMITERS = (",", "\t", ";", "|")
_HEADER_SCAN_ROWS = 30
# One logical row of a delimited file (a quoted field may span lines) is at most this long and
# spans at most this many lines; past either, the quote that opened it is taken as stray.
MAX_ROW_CHARS = 8 << 20
MAX_JOIN_LINES = 10_000
# Parts of a workbook that openpyxl holds whole in memory (shared strings, styles...): above
# this uncompressed size the workbook is refused rather than risk running out of memory.
MAX_XLSX_PART = 256 << 20
_PARQUET_BATCH = 8192
_SURROGATE = re.compile("[\ud800-\udfff]")

csv.field_size_limit(MAX_ROW_CHARS + MAX_LINE)


@dataclass
class RawRow:
    row_number: int
    values: dict[str, str | None] | None
    problem: str | None = None
    raw_text: str | None = None


@dataclass
class SourceTable:
    """A file's header and a one-pass stream of its rows.

    ``blank_lines`` and ``notes`` are complete only once ``rows`` has been read to the end.
    """

    format: str
    columns: list[str]
    rows: Iterator[RawRow]
    encoding: str | None = None
    header_row: int | None = None
    blank_lines: int = 0
    notes: list[str] = field(default_factory=list)


def detect_format(head: bytes, name: str) -> str:
    """The format of a file from its first bytes and its name."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix == "parquet":
        return "parquet"
    start = head[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in ("json", "jsonl", "ndjson") or start[:1] in (b"[", b"{"):
        return "json"
    if suffix in ("tsv", "tab"):
        return "tsv"
    return "csv"


def read_source(path: Path, name: str, *, header_hint: Iterable[str] = ()) -> SourceTable:
    """Read the file at ``path`` (called ``name`` in messages) into a :class:`SourceTable`.

    ``header_hint`` names columns the caller expects; it helps find the header row of a
    spreadsheet that has a title block above its table.
    """
    with path.open("rb") as handle:
        head = handle.read(64)
    fmt = detect_format(head, name)
    if fmt in ("csv", "tsv"):
        table = _read_delimited(path, name, fmt)
    elif fmt == "xlsx":
        table = _read_xlsx(path, name, set(header_hint))
    elif fmt == "json":
        table = _read_json(path, name)
    else:
        table = _read_parquet(path, name)
    table.rows = _screened(table.rows)
    return table


def _screened(rows: Iterator[RawRow]) -> Iterator[RawRow]:
    """Quarantine rows holding what no name can hold and the database cannot store.

    A NUL character, or a lone UTF-16 surrogate (JSON's ``"\\ud800"``), is not text.
    """
    for row in rows:
        if row.values is not None:
            problem = _bad_characters(row.values)
            if problem:
                raw = json.dumps(row.values, ensure_ascii=True)
                row = RawRow(row.row_number, None, problem, raw)
        yield row


def _bad_characters(values: dict[str, str | None]) -> str | None:
    for column, value in values.items():
        if value is None:
            continue
        if "\x00" in value:
            return f"field {_printable(column)!r} contains a NUL character"
        match = _SURROGATE.search(value)
        if match:
            return (
                f"field {_printable(column)!r} holds a lone UTF-16 surrogate "
                f"(\\u{ord(match.group()):04x}), which is not a character"
            )
    return None


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# -- delimited text --------------------------------------------------------------------------------
class _Stop(Exception):
    """Raised into the csv reader to end a logical row: too long, or an unreadable line."""


class _Feed:
    """The lines fed to a csv reader, remembering which physical lines made the last row."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._held: Line | None = None
        self._size = 0
        self.taken: list[Line] = []
        self.exhausted = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if len(self.taken) >= MAX_JOIN_LINES or self._size > MAX_ROW_CHARS:
            raise _Stop
        if self._held is not None:
            line, self._held = self._held, None
        else:
            try:
                line = next(self._lines)
            except StopIteration:
                self.exhausted = True
                raise
        if line.text is None:
            # An over-long line: end the row being read; the line becomes a row of its own.
            if self.taken:
                self._held = line
            else:
                self.taken.append(line)
            raise _Stop
        self.taken.append(line)
        self._size += line.size
        return line.text

    def take(self) -> list[Line]:
        taken, self.taken, self._size = self.taken, [], 0
        return taken


@dataclass
class _Physical:
    """A row as the file has it: its cells, or why it cannot be read; and where it is."""

    cells: list[str] | None
    first_line: int
    last_line: int
    problem: str | None = None
    raw_text: str | None = None

    def where(self) -> str:
        if self.first_line == self.last_line:
            return f"line {self.first_line:,}"
        return f"lines {self.first_line:,}–{self.last_line:,}"


def _physical_rows(lines: Iterator[Line], delimiter: str) -> Iterator[_Physical]:
    """Rows of a delimited file, each made of the physical lines the file gives it.

    The csv module decides where a row ends; when it joined several lines, we check that the
    quote that joined them was meant: if the lines it swallowed read as rows of their own, or
    it never closed, the quote was stray and each swallowed line is read again on its own.
    """
    feed = _Feed(lines)
    reader = csv.reader(feed, delimiter=delimiter)
    width: int | None = None
    while True:
        error: str | None = None
        cells: list[str] | None
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _Stop:
            cells, error = None, "stop"
            reader = csv.reader(feed, delimiter=delimiter)
        except csv.Error as exc:
            cells, error = None, str(exc)
            reader = csv.reader(feed, delimiter=delimiter)
        taken = feed.take()
        if not taken:
            continue
        for row in _resolve(cells, taken, error, width, delimiter, feed.exhausted):
            if width is None and row.cells is not None and any(c.strip() for c in row.cells):
                width = len(row.cells)
            yield row


def _resolve(
    cells: list[str] | None,
    taken: list[Line],
    error: str | None,
    width: int | None,
    delimiter: str,
    at_end: bool,
) -> list[_Physical]:
    first, last = taken[0], taken[-1]
    if len(taken) == 1:
        if first.text is None:
            return [
                _Physical(
                    None,
                    first.number,
                    first.number,
                    f"line {first.number:,} is longer than {MAX_LINE >> 20} MiB; not read",
                )
            ]
        if cells is None:
            # A one-line row is stopped only by the over-long line after it, inside its quote.
            problem = (
                f"an unclosed quote at line {first.number:,}"
                if error == "stop"
                else f"unparseable line {first.number:,}: {error}"
            )
            return [_Physical(None, first.number, first.number, problem, first.text[:2000])]
        if width is not None and len(cells) != width and first.text.count('"') % 2:
            return [
                _Physical(
                    None,
                    first.number,
                    first.number,
                    f"an unclosed quote at line {first.number:,}",
                    first.text.rstrip("\r\n"),
                )
            ]
        return [_Physical(cells, first.number, first.number)]
    if cells is not None and not _stray_quote(cells, taken, width, delimiter):
        return [_Physical(cells, first.number, last.number)]
    if error == "stop" and len(taken) >= MAX_JOIN_LINES:
        how = f"ran on for {len(taken):,} lines or more"
    else:
        how = f"joined {len(taken):,} lines"
    assert first.text is not None
    rows = [
        _Physical(
            None,
            first.number,
            first.number,
            f"an unclosed quote at line {first.number:,} {how}",
            first.text.rstrip("\r\n"),
        )
    ]
    for line in taken[1:]:
        assert line.text is not None
        alone = _parse_alone(line.text, delimiter)
        row = _Physical(alone, line.number, line.number)
        if alone and width is not None and len(alone) != width and line.text.count('"') % 2:
            row = _Physical(
                None,
                line.number,
                line.number,
                f"an unclosed quote at line {line.number:,}",
                line.text.rstrip("\r\n"),
            )
        rows.append(row)
    return rows


def _stray_quote(cells: list[str], taken: list[Line], width: int | None, delimiter: str) -> bool:
    """Whether the quote that made one row of ``taken`` lines was a mistake.

    A quoted field may hold line breaks (an address on two lines); then the row closes its
    quote, and the lines inside the field do not read as rows of the file. A stray quote either
    never closes (the row ends at the end of the file, or too long) or swallows lines that, on
    their own, are rows as wide as the header.
    """
    joined_quotes = sum(line.text.count('"') for line in taken if line.text is not None)
    if joined_quotes % 2:
        return True
    expected = width if width is not None else len(_parse_alone(taken[0].text or "", delimiter))
    rowlike = sum(
        1
        for line in taken[1:]
        if line.text is not None
        and line.text.count('"') % 2 == 0
        and len(_parse_alone(line.text, delimiter)) == expected
    )
    continuation = len(taken) - 1
    return rowlike > 0 and (len(cells) != expected or 2 * rowlike >= continuation)


def _parse_alone(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        return text.rstrip("\r\n").split(delimiter)


def _read_delimited(path: Path, name: str, fmt: str) -> SourceTable:
    handle = path.open("rb")
    try:
        plan = plan_text(handle, name)
        lines = iter_lines(handle, plan, name)
        leading: list[Line] = []
        for line in lines:
            leading.append(line)
            if line.text is None or line.text.strip():
                break
        first_text = leading[-1].text if leading and leading[-1].text else ""
        delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(first_text)
        physical = _physical_rows(chain(leading, lines), delimiter)
        header: list[str] | None = None
        header_line = 0
        blank = 0
        for row in physical:
            if row.cells is not None and not any(c.strip() for c in row.cells):
                blank += 1
                continue
            if row.cells is None:
                raise UnreadableFileError(
                    f"the header cannot be parsed ({row.where()}): {row.problem}", file=name
                )
            header = _clean_header(row.cells)
            header_line = row.first_line
            break
        if header is None:
            raise UnreadableFileError("the file has no header row", file=name)
    except BaseException:
        handle.close()
        raise
    kind = "tsv" if delimiter == "\t" else "csv"
    notes = list(plan.notes)
    if delimiter not in (",", "\t"):
        notes.append(f"delimiter {delimiter!r}")
    table = SourceTable(kind, header, iter(()), plan.encoding, header_line, blank, notes)
    table.rows = _delimited_rows(handle, physical, header, delimiter, table)
    return table


def _delimited_rows(
    handle: BinaryIO,
    physical: Iterator[_Physical],
    header: list[str],
    delimiter: str,
    table: SourceTable,
) -> Iterator[RawRow]:
    row_number = 0
    try:
        for row in physical:
            if row.cells is not None and not any(c.strip() for c in row.cells):
                table.blank_lines += 1
                continue
            row_number += 1
            if row.cells is None:
                yield RawRow(row_number, None, row.problem, row.raw_text)
            elif len(row.cells) != len(header):
                yield RawRow(
                    row_number,
                    None,
                    f"has {len(row.cells)} fields where the header has {len(header)} "
                    f"({row.where()})",
                    delimiter.join(row.cells),
                )
            else:
                values = dict(zip(header, (_cell(c) for c in row.cells), strict=True))
                yield RawRow(row_number, values)
    finally:
        handle.close()


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean_header(cells: list[str | None] | list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells, start=1):
        base = _printable((cell or "").strip().lstrip("\ufeff")) or f"column_{index}"
        count = seen.get(base, 0) + 1
        seen[base] = count
        names.append(base if count == 1 else f"{base}_{count}")
    return names


def _cell(value: str) -> str | None:
    value = value.strip()
    return value if value else None


# -- spreadsheets ----------------------------------------------------------------------------------
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    OSError,
    ValueError,
    TypeError,
    EOFError,
    SyntaxError,  # xml.etree's ParseError
)


def _read_xlsx(path: Path, name: str, hint: set[str]) -> SourceTable:
    import openpyxl  # imported here: spreadsheets are the rare case and openpyxl is slow to load

    _check_xlsx_parts(path, name)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except _XLSX_ERRORS as exc:
        raise UnreadableFileError(
            f"not a readable XLSX workbook (truncated or damaged?): {exc}", file=name
        ) from None
    try:
        for sheet in workbook.worksheets:
            # The <dimension> a writer declares may be stale, "A1", absent or absurd: read the
            # rows the sheet holds, as long as they are, instead of the range it claims.
            sheet.reset_dimensions()
            rows = _sheet_texts(sheet.iter_rows(min_row=1, min_col=1, values_only=True), name)
            leading = 0
            first: list[str | None] | None = None
            for cells in rows:
                if any(cells):
                    first = cells
                    break
                leading += 1
            if first is None:
                continue
            head = [first]
            for cells in rows:
                head.append(cells)
                if len(head) >= _HEADER_SCAN_ROWS * 10:
                    break
            return _xlsx_table(workbook, sheet.title, leading, head, rows, hint, name)
    except BaseException:
        workbook.close()
        raise
    workbook.close()
    raise UnreadableFileError("the workbook has no sheet with data", file=name)


def _check_xlsx_parts(path: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFileError(
            f"not a readable XLSX workbook (truncated or damaged?): {exc}", file=name
        ) from None
    for part in parts:
        # Worksheets are streamed; every other part is parsed whole by openpyxl.
        if part.filename.startswith("xl/worksheets/") and not part.filename.endswith(".rels"):
            continue
        if part.file_size > MAX_XLSX_PART:
            raise UnreadableFileError(
                f"the workbook's part {part.filename} declares {part.file_size:,} bytes "
                f"uncompressed, more than the {MAX_XLSX_PART >> 20} MiB ingest can hold in "
                "memory; save the sheet as CSV and ingest that",
                file=name,
            )


def _sheet_texts(rows: Iterator[tuple[Any, ...]], name: str) -> Iterator[list[str | None]]:
    number = 0
    try:
        for row in rows:
            number += 1
            texts = [_value_text(v) for v in row]
            while texts and texts[-1] is None:
                texts.pop()
            yield texts
    except _XLSX_ERRORS as exc:
        raise UnreadableFileError(
            f"the sheet cannot be read after spreadsheet row {number:,} (truncated or "
            f"damaged?): {exc}",
            file=name,
        ) from None


def _xlsx_table(
    workbook: Any,
    title: str,
    leading: int,
    head: list[list[str | None]],
    rest: Iterator[list[str | None]],
    hint: set[str],
    name: str,
) -> SourceTable:
    header_index = _find_header_row(head, hint)
    if header_index is None:
        raise UnreadableFileError("the sheet has no header row", file=name)
    header_cells = [t or "" for t in head[header_index]]
    while header_cells and not header_cells[-1]:
        header_cells.pop()
    header = _clean_header(header_cells)
    header_row = leading + header_index + 1
    notes = [f"sheet {title!r}"]
    if header_row > 1:
        notes.append(f"header found on spreadsheet row {header_row}")
    table = SourceTable("xlsx", header, iter(()), None, header_row, 0, notes)
    table.rows = _xlsx_rows(workbook, chain(head[header_index + 1 :], rest), header, table)
    return table


def _xlsx_rows(
    workbook: Any, grid: Iterator[list[str | None]], header: list[str], table: SourceTable
) -> Iterator[RawRow]:
    row_number = 0
    try:
        for cells in grid:
            if not any(cells):
                table.blank_lines += 1
                continue
            row_number += 1
            extra = [c for c in cells[len(header) :] if c]
            if extra:
                yield RawRow(
                    row_number,
                    None,
                    f"has values beyond the {len(header)} header columns",
                    "\t".join(c or "" for c in cells)[:MAX_LINE],
                )
                continue
            padded = list(cells[: len(header)]) + [None] * max(0, len(header) - len(cells))
            yield RawRow(row_number, dict(zip(header, padded, strict=True)))
    finally:
        workbook.close()


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


# -- JSON ------------------------------------------------------------------------------------------
class _JsonStream:
    """Reads a JSON document whose rows are the items of one array, an item at a time.

    The decoded text is held a chunk at a time; an item may be at most :data:`MAX_ROW_CHARS`
    long. An item nested too deeply for Python's parser is refused with its row and line.
    """

    _WHITESPACE = re.compile(r"[ \t\r\n]*")

    def __init__(self, chunks: Iterator[str], name: str) -> None:
        self._chunks = chunks
        self._name = name
        self._buffer = ""
        self._pos = 0
        self._line_base = 1
        self._eof = False
        self._decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self._eof = True
            return False
        self._line_base += self._buffer.count("\n", 0, self._pos)
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    def line(self) -> int:
        return self._line_base + self._buffer.count("\n", 0, self._pos)

    def peek(self) -> str | None:
        while True:
            match = self._WHITESPACE.match(self._buffer, self._pos)
            assert match is not None
            self._pos = match.end()
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return None

    def take(self, expected: str, after: str) -> None:
        found = self.peek()
        if found != expected:
            what = "the end of the file" if found is None else repr(found)
            raise self.error(f"expected {expected!r} {after}, found {what}")
        self._pos += 1

    def value(self, what: str) -> Any:
        if self.peek() is None:
            raise self.error(f"the file ends where {what} should be")
        while True:
            try:
                item, end = self._decoder.raw_decode(self._buffer, self._pos)
            except RecursionError:
                raise self.error(
                    f"{what} nests arrays or objects too deeply to be a record "
                    "(thousands of levels)"
                ) from None
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(self._buffer) - 8 or exc.msg.startswith(
                    "Unterminated string"
                )
                if not truncated or not self._grow(what):
                    line = self._line_base + exc.doc.count("\n", 0, exc.pos)
                    raise UnreadableFileError(
                        f"not valid JSON: {exc.msg} at line {line:,} (in {what})",
                        file=self._name,
                    ) from None
                continue
            # A number at the very end of the buffer may go on in the next chunk.
            if end == len(self._buffer) and not self._eof and self._grow(what):
                continue
            self._pos = end
            return item

    def _grow(self, what: str) -> bool:
        if len(self._buffer) - self._pos > MAX_ROW_CHARS:
            raise self.error(f"{what} is longer than {MAX_ROW_CHARS >> 20} MiB of text")
        return self._fill()

    def error(self, message: str) -> UnreadableFileError:
        return UnreadableFileError(f"{message} (line {self.line():,})", file=self._name)

    def items(self, *, lines: bool = False) -> Iterator[tuple[Any, str | None]]:
        """The rows: each item of the document's array, with the key the array is under; or,
        for JSON Lines, each value of the file."""
        if lines:
            row = 0
            while self.peek() is not None:
                row += 1
                yield self.value(f"row {row:,}"), None
            return
        start = self.peek()
        if start == "[":
            yield from ((item, None) for item in self._array())
        elif start == "{":
            self._pos += 1
            key: str | None = None
            first = True
            while self.peek() != "}":
                if not first:
                    self.take(",", "between the members of the top object")
                first = False
                name = self.value("a member name")
                if not isinstance(name, str):
                    raise self.error("a member name of the top object is not a string")
                self.take(":", f"after the member name {name!r}")
                if self.peek() == "[":
                    if key is not None:
                        raise self.error(
                            f"the top object has two arrays, {key!r} and {name!r}: "
                            "expected one array of objects (one object per person)"
                        )
                    key = name
                    yield from ((item, name) for item in self._array())
                else:
                    self.value(f"the member {name!r}")
            self._pos += 1
            if key is None:
                if self.peek() == "{":
                    raise self.error(
                        "one JSON object after another is JSON Lines, not JSON: name the file "
                        ".jsonl"
                    )
                raise self.error("expected a JSON array of objects (one object per person)")
        else:
            raise self.error("expected a JSON array of objects (one object per person)")
        if self.peek() is not None:
            raise self.error(
                "more text after the end of the JSON document (one JSON value per line is "
                "JSON Lines: name the file .jsonl)"
            )

    def _array(self) -> Iterator[Any]:
        self._pos += 1
        if self.peek() == "]":
            self._pos += 1
            return
        row = 0
        while True:
            row += 1
            yield self.value(f"row {row:,}")
            if self.peek() == ",":
                self._pos += 1
                continue
            self.take("]", f"or ',' after row {row:,}")
            return


def _read_json(path: Path, name: str) -> SourceTable:
    # Two passes: the columns are every key of every object, known only at the end.
    columns: dict[str, None] = {}
    array_key: str | None = None
    count = 0
    for item, key in _json_items(path, name):
        count += 1
        array_key = key
        if isinstance(item, dict):
            columns.update(dict.fromkeys(map(_printable, item)))
    if count == 0:
        raise UnreadableFileError("the JSON array has no data rows", file=name)
    header = list(columns)
    notes = [] if array_key is None else [f"rows taken from the {array_key!r} array"]
    encoding = _json_encoding(path, name)
    table = SourceTable("json", header, iter(()), encoding, None, 0, notes)
    table.rows = _json_rows(path, name, header)
    return table


def _json_encoding(path: Path, name: str) -> str:
    with path.open("rb") as handle:
        return plan_text(handle, name).encoding


def _json_items(path: Path, name: str) -> Iterator[tuple[Any, str | None]]:
    lines = path.suffix.lower() in (".jsonl", ".ndjson")
    with path.open("rb") as handle:
        plan = plan_text(handle, name)
        yield from _JsonStream(iter_text(handle, plan, name), name).items(lines=lines)


def _json_rows(path: Path, name: str, header: list[str]) -> Iterator[RawRow]:
    for row_number, (item, _key) in enumerate(_json_items(path, name), start=1):
        if not isinstance(item, dict):
            yield RawRow(
                row_number,
                None,
                f"is a JSON {_json_kind(item)}, not an object",
                json.dumps(item, ensure_ascii=True)[:2000],
            )
            continue
        named = {_printable(k): v for k, v in item.items()}
        yield RawRow(row_number, {column: _value_text(named.get(column)) for column in header})


def _json_kind(item: Any) -> str:
    if isinstance(item, list):
        return "array"
    if item is None:
        return "null"
    if isinstance(item, bool):
        return "boolean"
    if isinstance(item, str):
        return "string"
    return "number"


# -- Parquet ---------------------------------------------------------------------------------------
def _read_parquet(path: Path, name: str) -> SourceTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        names = [str(n) for n in parquet.schema_arrow.names]
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UnreadableFileError(f"not a readable Parquet file: {exc}", file=name) from None
    if not names:
        raise UnreadableFileError("the Parquet file has no columns", file=name)
    header = _clean_header(names)
    return SourceTable("parquet", header, _parquet_rows(parquet, header, name), None, None, 0, [])


def _parquet_rows(parquet: Any, header: list[str], name: str) -> Iterator[RawRow]:
    import pyarrow as pa

    row_number = 0
    try:
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH):
            columns = [
                _parquet_column(batch.column(i), header[i], name) for i in range(len(header))
            ]
            for index in range(batch.num_rows):
                row_number += 1
                yield RawRow(
                    row_number,
                    {h: _value_text(col[index]) for h, col in zip(header, columns, strict=True)},
                )
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UnreadableFileError(
            f"the Parquet file cannot be read after row {row_number:,}: {exc}", file=name
        ) from None
    finally:
        parquet.close()


def _parquet_column(column: Any, header: str, name: str) -> list[Any]:
    import pyarrow as pa

    try:
        return list(column.to_pylist())
    except (pa.ArrowException, ValueError, OverflowError):
        pass
    # Values Python cannot hold (timestamps past year 9999...): keep Arrow's own text.
    try:
        return list(column.cast(pa.string()).to_pylist())
    except (pa.ArrowException, ValueError, OverflowError) as exc:
        raise UnreadableFileError(
            f"column of type {column.type} cannot be read as text: {exc}", file=name, field=header
        ) from None


# -- values ----------------------------------------------------------------------------------------
def _value_text(value: Any) -> str | None:
    """The text of one cell, whatever type the format gave it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None if value.is_nan() else str(value)
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time | timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8").strip() or None
        except UnicodeDecodeError:
            return "0x" + raw.hex()
    if isinstance(value, list | tuple | dict):
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)
        except TypeError:
            return json.dumps(value, ensure_ascii=False, default=_json_default)
    return str(value).strip() or None


def _json_default(value: Any) -> Any:
    text = _value_text(value)
    return text if text is not None else None
