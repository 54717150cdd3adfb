"""A corpus of hostile files for ``uncounted ingest``, and what a careful reader counts in each.

``python benchmarks/hostile_ingest.py [--folder DIR] [--big] [--cli] [--only TEXT]`` from the
repository root writes every file of the corpus (small: a few MB in all), ingests each into a
fresh project in a child process, and prints one line per file: the expected outcome (the rows
a careful reader counts, or a refusal), what ingest did, its exit status and its peak memory
(the child's maximum resident set size, from ``wait4``). The child runs ingest alone, or with
``--cli`` the ``uncounted ingest`` command. ``--big`` adds the memory study: CSV files of about
20 and 200 MB (the 200 MB one has over a million rows) ingested both ways, with peak memory
against the file's size.

The corpus is built by :func:`build_corpus`; ``tests/ingest/test_hostile.py`` ingests every
file in CI and checks that records + quarantined equals the rows a careful reader counts, or
that ingest refused with exit status 1 and a message, where refusing is the right answer.
Names are synthetic: no real person is in any file.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HEADER = ["name", "sex", "age", "id"]
MAPPING = ["full_name=name", "sex=sex", "age_years=age", "id_number=id"]
LATIN = ["Ana Gómez", "José Núñez", "María Peña", "Hélène Dubois", "Jürgen Öztürk"]
ARABIC = ["محمد أحمد علي", "فاطمة حسن", "عمر خالد سعيد", "ليلى يوسف", "أحمد سامي"]
HEBREW = ["דוד כהן", "שרה לוי", "משה פרץ", "רחל ביטון", "יוסף מזרחי"]
PLAIN = ["Sam Carter", "Alex Moore", "Lee Brown", "Kim Davis", "Pat Hill"]


@dataclass
class Case:
    """One hostile file and what ingest must do with it.

    ``rows`` is what a careful reader counts as data rows; None means ingest must refuse the
    file (exit status 1) with a message containing ``refusal``. ``quarantined``, when given,
    is the exact number of rows that cannot be records; ``names`` are full names that must be
    stored exactly (no mojibake, no NUL between letters); ``reason`` and ``note`` are texts a
    quarantine reason or a note must contain.
    """

    kind: str
    suffix: str
    data: bytes
    rows: int | None
    quarantined: int | None = None
    refusal: str | None = None
    names: list[str] = field(default_factory=list)
    reason: str | None = None
    note: str | None = None
    mapping: list[str] = field(default_factory=lambda: list(MAPPING))

    @property
    def filename(self) -> str:
        return self.kind + self.suffix


# -- building blocks -------------------------------------------------------------------------------
def people(n: int, names: list[str] = PLAIN) -> list[list[str]]:
    return [
        [
            f"{names[i % len(names)]} {i + 1}" if names is PLAIN else names[i % len(names)],
            "MF"[i % 2],
            str(20 + i % 60),
            str(100000000 + i),
        ]
        for i in range(n)
    ]


def csv_text(
    rows: list[list[str]],
    header: list[str] = HEADER,
    *,
    delimiter: str = ",",
    eol: str = "\n",
    quoting: int = csv.QUOTE_MINIMAL,
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator=eol,
        quoting=quoting,  # type: ignore[arg-type]
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def text_case(
    kind: str,
    text: str,
    rows: int | None,
    *,
    encoding: str = "utf-8",
    suffix: str = ".csv",
    **more: object,
) -> Case:
    return Case(kind, suffix, text.encode(encoding), rows, **more)  # type: ignore[arg-type]


def xlsx_bytes(
    grid: list[list[object]],
    *,
    dimension: str | None = "keep",
    sheets_before: int = 0,
    far_cell: str | None = None,
) -> bytes:
    """A workbook holding ``grid`` from A1, its ``<dimension>`` rewritten (None: removed)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    target = first
    for index in range(sheets_before):
        if index == 0:
            first.title = "empty"
        else:
            workbook.create_sheet(f"empty{index}")
    if sheets_before:
        target = workbook.create_sheet("data")
    for row in grid:
        target.append(row)
    if far_cell:
        target[far_cell] = "stray"
    buffer = io.BytesIO()
    workbook.save(buffer)
    if dimension == "keep":
        return buffer.getvalue()
    sheet_name = f"xl/worksheets/sheet{sheets_before + 1}.xml"
    return _rewrite_zip(buffer.getvalue(), sheet_name, lambda xml: _set_dimension(xml, dimension))


def _set_dimension(xml: bytes, dimension: str | None) -> bytes:
    replacement = b"" if dimension is None else f'<dimension ref="{dimension}"/>'.encode()
    return re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", replacement, xml, count=1)


def _rewrite_zip(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == part else content)
    return out.getvalue()


def _declare_size(data: bytes, part: str, size: int) -> bytes:
    """Patch the central directory so that ``part`` claims ``size`` bytes uncompressed."""
    name = part.encode()
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            raise ValueError(part)
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name:
            break
        at += 4
    return data[: at + 24] + size.to_bytes(4, "little") + data[at + 28 :]


def parquet_bytes(table: object, **options: object) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


# -- the corpus ------------------------------------------------------------------------------------
def build_corpus() -> list[Case]:
    """Every hostile case, small enough for CI (the largest file is about 5 MB)."""
    return [*_delimited(), *_encodings(), *_spreadsheets(), *_json(), *_parquet()]


def _delimited() -> list[Case]:
    ten = people(10)
    base = csv_text(ten)
    lines = base.splitlines()
    cases = [
        text_case("csv_plain", base, 10, quarantined=0),
        text_case("csv_crlf", csv_text(ten, eol="\r\n"), 10, quarantined=0),
        text_case("csv_cr_only", csv_text(ten, eol="\r"), 10, quarantined=0),
        text_case(
            "csv_mixed_line_endings",
            "".join(line + ("\n", "\r\n", "\r")[i % 3] for i, line in enumerate(lines)),
            10,
            quarantined=0,
        ),
        text_case("csv_no_final_newline", base.rstrip("\n"), 10, quarantined=0),
        text_case(
            "csv_blank_lines",
            "\n".join(line + ("\n" if i % 3 == 0 else "") for i, line in enumerate(lines))
            + "\n\n\n",
            10,
            quarantined=0,
        ),
        text_case(
            "csv_empty_cell_lines",
            "\n".join([*lines[:4], ",,,", "  ,  ,,", "", *lines[4:]]) + "\n",
            10,
            quarantined=0,
        ),
        text_case("csv_leading_blank_lines", "\n\n  \n" + base, 10, quarantined=0),
        text_case("csv_semicolon", csv_text(ten, delimiter=";"), 10, quarantined=0),
        text_case("csv_pipe", csv_text(ten, delimiter="|"), 10, quarantined=0),
        text_case("tsv_named_tsv", csv_text(ten, delimiter="\t"), 10, suffix=".tsv", quarantined=0),
        text_case("csv_tabs_named_csv", csv_text(ten, delimiter="\t"), 10, quarantined=0),
        text_case("csv_no_extension", base, 10, suffix="", quarantined=0),
        text_case("csv_all_quoted", csv_text(ten, quoting=csv.QUOTE_ALL), 10, quarantined=0),
        text_case(
            "csv_quoted_delimiters",
            csv_text([[f"Carter, Sam {i}", "M", "30", str(200000000 + i)] for i in range(10)]),
            10,
            quarantined=0,
            names=["Carter, Sam 0"],
        ),
        text_case(
            "csv_quoted_line_breaks",
            csv_text([[f"Sam\nCarter {i}", "M", "30", str(i + 1000)] for i in range(10)]),
            10,
            quarantined=0,
            names=["Sam Carter 0"],
        ),
        text_case(
            "csv_doubled_quotes",
            csv_text([[f'Sam "Abu Ali" Carter {i}', "M", "30", str(i + 1000)] for i in range(10)]),
            10,
            quarantined=0,
            names=['Sam "Abu Ali" Carter 0'],
        ),
        text_case(
            "csv_quote_inside_unquoted_field",
            "\n".join([lines[0]] + [f'Sam O"Neil {i},M,30,{i + 1000}' for i in range(10)]) + "\n",
            10,
            quarantined=0,
            names=['Sam O"Neil 0'],
        ),
        _stray_quote_case(),
        _stray_quote_closed_later_case(),
        text_case(
            "csv_unclosed_quote_in_last_row",
            base + '"Sam Carter 11,M,30,123\n',
            11,
            quarantined=1,
            reason="unclosed quote",
        ),
        text_case("csv_truncated_mid_row", base + "Sam Carter 11,M", 11, quarantined=1),
        text_case(
            "csv_extra_fields",
            base + "Sam Carter 11,M,30,123,extra,more\n",
            11,
            quarantined=1,
            reason="has 6 fields",
        ),
        text_case("csv_short_rows", base + "Sam Carter 11,M\nLee 12\n", 12, quarantined=2),
        text_case(
            "csv_every_row_wrong_width",
            lines[0] + "\n" + "".join(f"a{i},b,c\n" for i in range(10)),
            10,
            quarantined=10,
        ),
        text_case(
            "csv_duplicated_header_names",
            csv_text(ten, ["name", "name", "sex", "age", "id"])
            .replace("\n", ",\n")
            .replace("name,name,sex,age,id,", "name,name,sex,age,id"),
            10,
        ),
        text_case(
            "csv_empty_header_cells",
            csv_text([["", *r] for r in ten], ["", *HEADER]),
            10,
            quarantined=0,
        ),
        text_case(
            "csv_trailing_delimiters",
            "".join(line + ",\n" for line in lines),
            10,
            quarantined=0,
        ),
        text_case(
            "csv_padded_header",
            " name , sex ,age , id \n" + "".join(line + "\n" for line in lines[1:]),
            10,
            quarantined=0,
        ),
        text_case("csv_headers_only", lines[0] + "\n", None, refusal="no data rows"),
        Case("csv_empty", ".csv", b"", None, refusal="empty"),
        text_case("csv_whitespace_only", " \n\r\n\t\n", None, refusal="empty"),
        Case(
            "csv_binary_garbage",
            ".csv",
            bytes((i * 7919 + 13) % 256 for i in range(4096)),
            None,
            refusal="binary",
        ),
        text_case(
            "csv_huge_field",
            csv_text([*ten[:5], ["Sam " + "x" * (1 << 20), "M", "30", "1"], *ten[5:]]),
            11,
            quarantined=0,
        ),
        text_case(
            "csv_overlong_line",
            csv_text([*ten[:5], ["Sam " + "x" * (5 << 20), "M", "30", "1"], *ten[5:]]),
            11,
            quarantined=1,
            reason="longer than",
        ),
        text_case(
            "csv_open_quote_then_overlong_line",
            base + '"Sam Carter 11,M,30,1\n' + "Sam " + "x" * (5 << 20) + ",M,30,1\n",
            12,
            quarantined=2,
            reason="an unclosed quote at line 12",
        ),
        text_case(
            "csv_very_wide_row",
            base + ",".join(["Sam"] * 100_000) + "\n",
            11,
            quarantined=1,
        ),
        text_case(
            "csv_many_columns",
            csv_text(
                [[*r, *(str(j) for j in range(2000))] for r in ten],
                [*HEADER, *(f"extra{j}" for j in range(2000))],
            ),
            10,
            quarantined=0,
        ),
        text_case(
            "csv_nul_in_a_field",
            csv_text(people(200)).replace("Lee Brown 8,", "Lee\x00Brown 8,"),
            200,
            quarantined=1,
            reason="NUL",
        ),
        text_case(
            "csv_control_characters",
            csv_text(people(200)).replace("Alex Moore 2,", "Alex\x01Moore\x1f 2,"),
            200,
            quarantined=0,
        ),
        text_case(
            "csv_formula_cells",
            csv_text([[f'=HYPERLINK("x") {i}', "M", "+30", f"@{i}"] for i in range(10)]),
            10,
        ),
        text_case(
            "csv_arabic_indic_digits",
            csv_text([[n, "M", "٣٤", "١٢٣٤٥٦٧٨٩"] for n in ARABIC * 2]),
            10,
            quarantined=0,
        ),
        text_case("csv_exact_duplicate_rows", csv_text(ten[:5] * 2), 10, quarantined=0),
        text_case(
            "csv_rows_naming_nobody",
            csv_text([*ten[:5], *([["", "M", "30", ""]] * 5)]),
            10,
            quarantined=5,
        ),
        text_case(
            "csv_single_column",
            "name\n" + "".join(f"Sam Carter {i}\n" for i in range(10)),
            10,
            quarantined=0,
            mapping=["full_name=name"],
        ),
        text_case("csv_twenty_thousand_rows", csv_text(people(20_000)), 20_000, quarantined=0),
        text_case(
            "csv_stray_quote_in_header",
            'name,"sex,age,id\n' + "".join(line + "\n" for line in lines[1:]),
            None,
            refusal="unclosed quote at line 1",
        ),
        text_case(
            "csv_named_json",
            base,
            None,
            suffix=".json",
            refusal="JSON",
        ),
    ]
    return cases


def _stray_quote_case() -> Case:
    # The file: 100 rows, an unclosed quote in row 3 (line 4) swallowing 98 lines.
    rows = people(100)
    text = csv_text(rows)
    lines = text.splitlines(keepends=True)
    lines[3] = lines[3].replace(rows[2][0], '"' + rows[2][0])
    return text_case(
        "csv_stray_quote",
        "".join(lines),
        100,
        quarantined=1,
        reason="an unclosed quote at line 4 joined 98 lines",
    )


def _stray_quote_closed_later_case() -> Case:
    rows = people(100)
    lines = csv_text(rows).splitlines(keepends=True)
    lines[3] = lines[3].replace(rows[2][0], '"' + rows[2][0])
    lines[50] = lines[50].replace(rows[49][0], rows[49][0] + '"')
    # The second quote closes the first: line 51 reads as a row whose name ends with '"'.
    return text_case(
        "csv_stray_quote_closed_later",
        "".join(lines),
        100,
        quarantined=1,
        reason="an unclosed quote at line 4 joined 48 lines",
    )


def _encodings() -> list[Case]:
    arabic = csv_text(people(10, ARABIC))
    hebrew = csv_text(people(10, HEBREW))
    latin = csv_text(people(10, LATIN))
    mixed_1252 = latin.encode("utf-8").splitlines(keepends=True)
    legacy_1252 = [line.decode("utf-8").encode("windows-1252") for line in mixed_1252]
    legacy_1256 = [line.encode("windows-1256") for line in arabic.splitlines(keepends=True)]
    utf8_latin = latin.encode("utf-8").splitlines(keepends=True)
    return [
        text_case("enc_utf8_bom", arabic, 10, encoding="utf-8-sig", names=ARABIC[:1]),
        text_case("enc_utf16_bom", arabic, 10, encoding="utf-16", names=ARABIC[:1]),
        Case(
            "enc_utf16_be_bom",
            ".csv",
            codecs.BOM_UTF16_BE + hebrew.encode("utf-16-be"),
            10,
            names=HEBREW[:1],
        ),
        text_case("enc_utf16_le_no_bom", arabic, 10, encoding="utf-16-le", names=ARABIC[:1]),
        text_case("enc_utf32_bom", latin, 10, encoding="utf-32", names=LATIN[:1]),
        text_case("enc_windows_1256", arabic, 10, encoding="windows-1256", names=ARABIC[:1]),
        text_case("enc_iso_8859_8", hebrew, 10, encoding="iso-8859-8", names=HEBREW[:1]),
        text_case("enc_windows_1252", latin, 10, encoding="windows-1252", names=LATIN[:1]),
        Case(
            "enc_utf8_bom_then_utf16",
            ".csv",
            codecs.BOM_UTF8 + latin.encode("utf-16-le"),
            10,
            quarantined=0,
            names=LATIN,
            note="UTF-8 byte-order mark",
        ),
        Case(
            "enc_utf8_bom_then_utf16_with_bom",
            ".csv",
            codecs.BOM_UTF8 + latin.encode("utf-16"),
            10,
            quarantined=0,
            names=LATIN,
        ),
        Case(
            "enc_windows_1252_with_one_utf8_row",
            ".csv",
            b"".join([*legacy_1252[:5], mixed_1252[5], *legacy_1252[6:]]),
            10,
            quarantined=0,
            names=LATIN,
            note="mixed encodings",
        ),
        Case(
            "enc_windows_1256_with_one_utf8_row",
            ".csv",
            b"".join(
                [*legacy_1256[:3], arabic.splitlines(keepends=True)[3].encode(), *legacy_1256[4:]]
            ),
            10,
            quarantined=0,
            names=ARABIC,
            note="line 4",
        ),
        Case(
            "enc_utf8_with_one_windows_1252_row",
            ".csv",
            b"".join([*utf8_latin[:7], legacy_1252[7], *utf8_latin[8:]]),
            10,
            quarantined=0,
            names=LATIN,
            note="mixed encodings",
        ),
        Case(
            "enc_utf16_truncated",
            ".csv",
            latin.encode("utf-16")[:-1],
            None,
            refusal="utf-16",
        ),
        Case(
            "enc_unknown",
            ".csv",
            b"name,sex,age,id\n"
            + b"".join(
                bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x81]) + b" x,M,30,1\n" for _ in range(10)
            ),
            None,
            refusal="encoding",
        ),
    ]


def _grid(n: int, names: list[str] = PLAIN) -> list[list[object]]:
    header: list[object] = list(HEADER)
    return [header, *([r[0], r[1], int(r[2]), r[3]] for r in people(n, names))]


def _spreadsheets() -> list[Case]:
    grid = _grid(20)
    plain = xlsx_bytes(_grid(10))
    zip_junk = io.BytesIO()
    with zipfile.ZipFile(zip_junk, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    typed: list[list[object]] = [["name", "sex", "age", "id", "dob"]]
    typed += [
        [f"Sam Carter {i}", "M", 30.0 + i, 100000000 + i, dt.datetime(1990, 1, 1 + i)]
        for i in range(10)
    ]
    far = xlsx_bytes(_grid(10), dimension="A1:XFD1048576", far_cell="XFD200000")
    bomb = (
        _declare_size(plain, "xl/sharedStrings.xml", 0xFFFF_FFF0)
        if _has_part(plain, "xl/sharedStrings.xml")
        else _declare_size(plain, "xl/styles.xml", 0xFFFF_FFF0)
    )
    return [
        Case("xlsx_plain", ".xlsx", plain, 10, quarantined=0),
        Case(
            "xlsx_stale_dimension", ".xlsx", xlsx_bytes(grid, dimension="A1:D4"), 20, quarantined=0
        ),
        Case("xlsx_dimension_a1", ".xlsx", xlsx_bytes(grid, dimension="A1"), 20, quarantined=0),
        Case("xlsx_no_dimension", ".xlsx", xlsx_bytes(grid, dimension=None), 20, quarantined=0),
        Case(
            "xlsx_cell_outside_declared_columns",
            ".xlsx",
            xlsx_bytes(grid, dimension="A1:C21"),
            20,
            quarantined=0,
        ),
        Case(
            "xlsx_value_beyond_the_header",
            ".xlsx",
            xlsx_bytes([*grid, ["Sam Carter 21", "M", 30, "1", None, "stray"]]),
            21,
            quarantined=1,
            reason="beyond",
        ),
        Case("xlsx_huge_dimension_far_cell", ".xlsx", far, 11, quarantined=1),
        Case(
            "xlsx_title_block",
            ".xlsx",
            xlsx_bytes([["Casualty list"], ["as of 2024"], [], *_grid(10)]),
            10,
            quarantined=0,
        ),
        Case(
            "xlsx_blank_rows_between",
            ".xlsx",
            xlsx_bytes([*_grid(5), [], [None, None], *_grid(5)[1:]]),
            10,
            quarantined=0,
        ),
        Case(
            "xlsx_first_sheet_empty",
            ".xlsx",
            xlsx_bytes(_grid(10), sheets_before=1),
            10,
            quarantined=0,
        ),
        Case(
            "xlsx_typed_cells",
            ".xlsx",
            xlsx_bytes(typed),
            10,
            quarantined=0,
            mapping=[*MAPPING, "date_of_birth=dob"],
        ),
        Case("xlsx_arabic", ".xlsx", xlsx_bytes(_grid(10, ARABIC)), 10, names=ARABIC),
        Case(
            "xlsx_headers_only", ".xlsx", xlsx_bytes([list(HEADER)]), None, refusal="no data rows"
        ),
        Case("xlsx_truncated", ".xlsx", plain[: len(plain) // 2], None, refusal="XLSX"),
        Case("xlsx_not_a_zip", ".xlsx", b"name,sex,age,id\nSam,M,30,1\n", None, refusal="XLSX"),
        Case("xlsx_zip_without_workbook", ".xlsx", zip_junk.getvalue(), None, refusal="XLSX"),
        Case("xlsx_declared_part_too_big", ".xlsx", bomb, None, refusal="declares"),
    ]


def _has_part(data: bytes, part: str) -> bool:
    return part in zipfile.ZipFile(io.BytesIO(data)).namelist()


def _json() -> list[Case]:
    items = [dict(zip(HEADER, r, strict=True)) for r in people(10)]
    array = json.dumps(items, ensure_ascii=False)
    surrogate = array.replace('"Sam Carter 1"', '"Sam \\ud800 Carter 1"', 1)
    deep = "[" * 200_000 + "]" * 200_000
    mixed_items: list[object] = [*items[:6], 42, "text", None, [1, 2]]
    return [
        text_case("json_array", array, 10, suffix=".json", quarantined=0),
        text_case(
            "json_object_with_array",
            json.dumps({"meta": {"n": 10}, "rows": items}),
            10,
            suffix=".json",
            quarantined=0,
        ),
        text_case(
            "json_lone_surrogate", surrogate, 10, suffix=".json", quarantined=1, reason="surrogate"
        ),
        text_case("json_nested_200000_deep", deep, None, suffix=".json", refusal="deep"),
        text_case(
            "json_rows_not_objects", json.dumps(mixed_items), 10, suffix=".json", quarantined=4
        ),
        text_case("json_empty_array", "[]", None, suffix=".json", refusal="no data rows"),
        text_case("json_truncated", array[: len(array) // 2], None, suffix=".json", refusal="JSON"),
        text_case(
            "json_two_arrays",
            json.dumps({"a": items, "b": items}),
            None,
            suffix=".json",
            refusal="two arrays",
        ),
        text_case("json_scalar", '"hello"', None, suffix=".json", refusal="array"),
        text_case("json_trailing_text", array + " xyz", None, suffix=".json", refusal="more text"),
        text_case(
            "json_nested_values",
            json.dumps([{**item, "extra": {"a": [1, {"b": None}]}} for item in items]),
            10,
            suffix=".json",
            quarantined=0,
        ),
        text_case("json_utf16", array, 10, suffix=".json", encoding="utf-16", quarantined=0),
        text_case("json_bom", array, 10, suffix=".json", encoding="utf-8-sig", quarantined=0),
        text_case(
            "json_big_numbers",
            json.dumps([{**item, "id": 10**30 + i, "age": 1e300} for i, item in enumerate(items)]),
            10,
            suffix=".json",
            quarantined=0,
        ),
        text_case(
            "json_varying_keys",
            json.dumps(
                [
                    {k: v for k, v in item.items() if k != HEADER[i % 3 + 1]}
                    for i, item in enumerate(items)
                ]
            ),
            10,
            suffix=".json",
            quarantined=0,
        ),
        text_case(
            "json_lines",
            "\n".join(json.dumps(i) for i in items) + "\n",
            10,
            suffix=".jsonl",
            quarantined=0,
        ),
        text_case(
            "json_lines_named_json",
            "\n".join(json.dumps(i) for i in items),
            None,
            suffix=".json",
            refusal="jsonl",
        ),
        text_case(
            "json_arabic",
            json.dumps(
                [dict(zip(HEADER, r, strict=True)) for r in people(10, ARABIC)], ensure_ascii=False
            ),
            10,
            suffix=".json",
            names=ARABIC,
        ),
    ]


def _parquet() -> list[Case]:
    import pyarrow as pa

    rows = people(10)
    names = [r[0] for r in rows]
    ids = [r[3] for r in rows]
    base = pa.table(
        {"name": names, "sex": [r[1] for r in rows], "age": [int(r[2]) for r in rows], "id": ids}
    )
    decimal = pa.table(
        {
            "name": names,
            "sex": [r[1] for r in rows],
            "age": pa.array([Decimal(r[2]) + Decimal("0.00") for r in rows], pa.decimal128(6, 2)),
            "id": pa.array([Decimal(r[3]) for r in rows], pa.decimal128(20, 0)),
        }
    )
    n = len(rows)
    types = pa.table(
        {
            "name": pa.array(names, pa.large_string()),
            "sex": pa.array([r[1] for r in rows]).dictionary_encode(),
            "age": pa.array([int(r[2]) for r in rows], pa.int8()),
            "id": pa.array([int(r[3]) for r in rows], pa.uint64()),
            "dob": pa.array([dt.date(1990, 1, 1 + i) for i in range(n)], pa.date32()),
            "when": pa.array(
                [dt.datetime(2024, 1, 1, 12, i) for i in range(n)], pa.timestamp("us", tz="UTC")
            ),
            "clock": pa.array([dt.time(12, i) for i in range(n)], pa.time64("us")),
            "took": pa.array([dt.timedelta(seconds=i) for i in range(n)], pa.duration("s")),
            "blob": pa.array([b"\xff\x00raw" for _ in range(n)], pa.binary()),
            "flag": pa.array([i % 2 == 0 for i in range(n)]),
            "tags": pa.array([["a", "b"] for _ in range(n)]),
            "info": pa.array([{"x": i, "y": "z"} for i in range(n)]),
            "pairs": pa.array([[("k", i)] for i in range(n)], pa.map_(pa.string(), pa.int64())),
            "ratio": pa.array([float("nan") if i == 0 else i / 3 for i in range(n)]),
        }
    )
    far_future = pa.table(
        {
            "name": names,
            "sex": [r[1] for r in rows],
            "age": [int(r[2]) for r in rows],
            "id": ids,
            "when": pa.array([253402300800 * 10 + i for i in range(n)], pa.timestamp("s")),
        }
    )
    nulls = pa.table(
        {
            "name": [*names[:5], *[None] * 5],
            "sex": [r[1] for r in rows],
            "age": [int(r[2]) for r in rows],
            "id": [*ids[:5], *[None] * 5],
        }
    )
    many = people(20_000)
    row_groups = pa.table(
        {
            "name": [r[0] for r in many],
            "sex": [r[1] for r in many],
            "age": [int(r[2]) for r in many],
            "id": [r[3] for r in many],
        }
    )
    duplicate_names = pa.Table.from_arrays(
        [
            pa.array(names),
            pa.array([r[1] for r in rows]),
            pa.array(names),
            pa.array([int(r[2]) for r in rows]),
            pa.array(ids),
        ],
        names=["name", "sex", "name", "age", "id"],
    )
    empty = base.slice(0, 0)
    plain = parquet_bytes(base)
    return [
        Case("parquet_plain", ".parquet", plain, 10, quarantined=0),
        Case("parquet_decimal", ".parquet", parquet_bytes(decimal), 10, quarantined=0),
        Case("parquet_many_types", ".parquet", parquet_bytes(types), 10, quarantined=0),
        Case(
            "parquet_timestamp_past_year_9999",
            ".parquet",
            parquet_bytes(far_future),
            10,
            quarantined=0,
        ),
        Case("parquet_nulls", ".parquet", parquet_bytes(nulls), 10, quarantined=5),
        Case(
            "parquet_small_row_groups",
            ".parquet",
            parquet_bytes(row_groups, row_group_size=1000),
            20_000,
            quarantined=0,
        ),
        Case(
            "parquet_duplicate_column_names",
            ".parquet",
            parquet_bytes(duplicate_names),
            10,
            quarantined=0,
        ),
        Case("parquet_no_rows", ".parquet", parquet_bytes(empty), None, refusal="no data rows"),
        Case("parquet_truncated", ".parquet", plain[: len(plain) // 2], None, refusal="Parquet"),
    ]


def write_corpus(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    cases = build_corpus()
    for case in cases:
        (folder / case.filename).write_bytes(case.data)
    return cases


# -- running it ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    exit_status: int
    peak_rss_mb: float
    seconds: float
    summary: dict[str, object] | None
    message: str


# Ingest alone, in a fresh interpreter: the command line imports every layer (the web app, the
# report's plotting, linkage) before it starts, which is a fixed cost that says nothing about
# how ingest's memory grows with its input. ``--cli`` measures the command line instead.
_LEAN = """
import json, sys
from pathlib import Path
from uncounted.core.errors import UncountedError
from uncounted.ingest.mapping import from_pairs
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project
with Project.open(sys.argv[1]) as project:
    try:
        summary = ingest_file(project, Path(sys.argv[2]), list_name="l",
                              mapping=from_pairs(sys.argv[3:]))
    except UncountedError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
print(json.dumps(summary.to_dict()))
"""


def run_ingest(path: Path, mapping: list[str], workdir: Path, *, cli: bool = False) -> Outcome:
    """Ingest ``path`` into a new project in a child process; its peak memory from ``wait4``."""
    root = workdir / ("project-" + path.name)
    shutil.rmtree(root, ignore_errors=True)
    command = [sys.executable, "-c", "from uncounted.cli.main import run; run()"]
    subprocess.run([*command, "init", str(root)], check=True, capture_output=True)
    if cli:
        maps = [arg for pair in mapping for arg in ("--map", pair)]
        argv = [*command, "ingest", str(root), str(path), "--list", "l", *maps, "--json"]
    else:
        argv = [sys.executable, "-c", _LEAN, str(root), str(path), *mapping]
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    shutil.rmtree(root, ignore_errors=True)
    exit_status = os.waitstatus_to_exitcode(status)
    # The summary is the JSON at the end (DuckDB may draw a progress bar on stdout before it).
    start = stdout.find("\n{") + 1 if not stdout.startswith("{") else 0
    summary = json.loads(stdout[start:]) if exit_status == 0 and "{" in stdout else None
    return Outcome(exit_status, usage.ru_maxrss / 1024, seconds, summary, stderr.strip())


def baseline_mb(*, cli: bool = False) -> float:
    """Peak memory of a child that imports what the measured children import, and stops."""
    code = "from uncounted.cli.main import run" if cli else _LEAN.split("with Project")[0]
    child = subprocess.Popen([sys.executable, "-c", code])
    _, _, usage = os.wait4(child.pid, 0)
    return usage.ru_maxrss / 1024


def big_csv(path: Path, target_mb: int) -> int:
    """A CSV of about ``target_mb`` MB of synthetic rows; returns its number of rows."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("name,sex,age,id,place,date_of_death,note\n")
        while handle.tell() < target_mb * 1_000_000:
            block = []
            for i in range(rows, rows + 10_000):
                name = f"{ARABIC[i % 5]} {PLAIN[i % 5]} {i}"
                block.append(
                    f"{name},{'MF'[i % 2]},{i % 90},{100000000 + i},place {i % 300},"
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},"
                    f"reported by a relative at hospital {i % 40} on day {i % 300}\n"
                )
            handle.write("".join(block))
            rows += 10_000
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--big", action="store_true", help="add the 20 MB and 200 MB CSVs")
    parser.add_argument("--only", default="", help="run only kinds containing this text")
    parser.add_argument(
        "--cli", action="store_true", help="measure `uncounted ingest` instead of ingest alone"
    )
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="hostile-"))
    cases = [c for c in write_corpus(folder / "files") if args.only in c.kind]
    failures = 0
    print(f"baseline (imports only): {baseline_mb(cli=args.cli):.0f} MB")
    print(f"{'kind':44} {'expected':>9} {'records+quarantined':>20} exit {'peak MB':>8} {'s':>6}")
    for case in cases:
        outcome = run_ingest(folder / "files" / case.filename, case.mapping, folder, cli=args.cli)
        expected = "refuse" if case.rows is None else str(case.rows)
        summary = outcome.summary
        if summary:
            records, quarantined = int(summary["records"]), int(summary["quarantined"])  # type: ignore[call-overload]
            got = f"{records}+{quarantined}"
            ok = case.rows is not None and summary["rows"] == case.rows == records + quarantined
        else:
            got = "refused"
            ok = case.rows is None and outcome.exit_status == 1
        failures += not ok
        print(
            f"{case.kind:44} {expected:>9} {got:>20} {outcome.exit_status:>4} "
            f"{outcome.peak_rss_mb:8.0f} {outcome.seconds:6.1f}{'' if ok else '  FAIL'}"
        )
    print(f"{len(cases)} kinds, {len(cases) - failures} as a careful reader counts them")
    if args.big:
        mapping = [
            "full_name=name",
            "sex=sex",
            "age_years=age",
            "id_number=id",
            "place=place",
            "date_of_death=date_of_death",
        ]
        for megabytes in (20, 200):
            path = folder / f"big_{megabytes}mb.csv"
            rows = big_csv(path, megabytes)
            size_mb = path.stat().st_size / 1e6
            for cli in (False, True):
                outcome = run_ingest(path, mapping, folder, cli=cli)
                print(
                    f"big CSV {size_mb:.0f} MB, {rows:,} rows, "
                    f"{'uncounted ingest' if cli else 'ingest alone'}: exit "
                    f"{outcome.exit_status}, peak {outcome.peak_rss_mb:,.0f} MB "
                    f"({outcome.peak_rss_mb / size_mb:.2f}x the file), {outcome.seconds:.0f} s"
                )
            path.unlink()
    if args.folder is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
