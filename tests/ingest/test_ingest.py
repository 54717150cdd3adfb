from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from uncounted.core.errors import MappingError, UncountedError, UnreadableFileError
from uncounted.ingest.mapping import from_pairs, from_yaml_text
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project

from .helpers import snapshot, write

TODAY = date(2026, 1, 1)
HEADER = "name,gender,age,dob,id\n"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    with Project.create(tmp_path / "project") as opened:
        yield opened


def ingest(project: Project, path: Path, **kwargs: object) -> dict[str, object]:
    kwargs.setdefault("list_name", "hospital")
    kwargs.setdefault("today", TODAY)
    return ingest_file(project, path, **kwargs).to_dict()  # type: ignore[arg-type]


MAP = from_pairs(
    ["full_name=name", "sex=gender", "age_years=age", "date_of_birth=dob", "id_number=id"]
)


def test_every_row_is_a_record_or_quarantined(project: Project, tmp_path: Path) -> None:
    path = write(
        tmp_path / "l.csv",
        HEADER
        + "Ahmad Ali,M,34,1990-01-01,123456782\n"
        + "Sara Omar,F,3 months,,\n"
        + "too,many,fields,here,1,2\n"
        + ",,,,\n"
        + ",M,40,,\n"
        + "Omar Said,X,250,2030-01-01,12345\n",
    )
    summary = ingest(project, path, mapping=MAP)
    assert summary["rows"] == 5  # the all-empty line is a blank line, not a row
    assert summary["blank_lines"] == 1
    assert summary["records"] + summary["quarantined"] == summary["rows"]
    assert (summary["records"], summary["quarantined"]) == (3, 2)
    checks = summary["checks"]
    assert checks["id_check"] == {
        "valid": 1,
        "invalid": 0,
        "partial": 1,
        "too_long": 0,
        "absent": 1,
    }
    assert checks["dob_placeholder"] == 1
    assert checks["issues_by_field"] == {"age_years": 1, "date_of_birth": 1, "sex": 1}
    reasons = [
        json.loads(r[0])
        for r in project.con.execute(
            "SELECT reasons FROM quarantine ORDER BY row_number"
        ).fetchall()
    ]
    assert "3 fields" not in reasons[0][0]["reason"] and "6 fields" in reasons[0][0]["reason"]
    assert "names nobody" in reasons[1][0]["reason"]
    row = project.con.execute(
        "SELECT sex, age_years, date_of_birth, issues, raw FROM records WHERE row_number = 5"
    ).fetchone()
    assert row[:3] == (None, None, None)
    assert {i["field"] for i in json.loads(row[3])} == {"sex", "age_years", "date_of_birth"}
    assert json.loads(row[4])["age"] == "250"


def test_typed_values_and_raw_values_are_kept(project: Project, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "name,gender,age,notes\nAhmad Ali,M,3 months,shelter\n")
    ingest(project, path, mapping=from_pairs(["full_name=name", "sex=gender", "age_years=age"]))
    record = project.con.execute(
        "SELECT full_name, sex, age_years, raw, row_number, list FROM records"
    ).fetchone()
    assert record[:3] == ("Ahmad Ali", "male", 0.25)
    assert json.loads(record[3]) == {
        "name": "Ahmad Ali",
        "gender": "M",
        "age": "3 months",
        "notes": "shelter",
    }
    assert record[4:] == (1, "hospital")


def test_reingesting_the_same_bytes_is_a_no_op(project: Project, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", HEADER + "Ahmad Ali,M,34,,\n")
    first = ingest(project, path, mapping=MAP)
    before = snapshot(project.root)
    second = ingest(project, tmp_path / "l.csv", mapping=MAP)
    assert first["already_ingested"] is False and second["already_ingested"] is True
    assert second["list"] == "hospital" and second["notes"] == []
    project.close()
    assert snapshot(project.root) == before


def test_reingesting_under_another_list_release_or_profile_says_so(
    project: Project, tmp_path: Path
) -> None:
    """Nothing is done with what was asked, so it is no quiet no-op: the error names how the
    bytes were stored and what this ingest asks for instead."""
    path = write(tmp_path / "l.csv", HEADER + "Ahmad Ali,M,34,,\n")
    ingest(project, path, mapping=MAP, release="2024-05-01")
    before = snapshot(project.root)
    with pytest.raises(UncountedError) as other_list:
        ingest(project, path, mapping=MAP, list_name="other")
    message = str(other_list.value)
    assert "into list 'hospital', release 2024-05-01, read with a column mapping" in message
    assert "asks for list 'other'" in message and "Nothing was done" in message
    with pytest.raises(UncountedError, match="asks for profile 'gaza-moh'"):
        ingest(project, path, profile="gaza-moh")
    with pytest.raises(UncountedError, match="asks for release 2024-06-01"):
        ingest(project, path, mapping=MAP, release="2024-06-01")
    with pytest.raises(UncountedError, match="asks for list 'other'; profile 'cpj'"):
        ingest(project, path, list_name="other", profile="cpj")
    # The same list, release left out: the no-op it always was.
    assert ingest(project, path, mapping=MAP)["already_ingested"] is True
    project.close()
    assert snapshot(project.root) == before


def test_the_source_is_kept_byte_for_byte(project: Project, tmp_path: Path) -> None:
    data = ("\ufeff" + HEADER + "أحمد علي,ذكر,34,,\n").encode("utf-8")
    (tmp_path / "l.csv").write_bytes(data)
    summary = ingest(project, tmp_path / "l.csv", mapping=MAP)
    stored = project.root / "sources" / f"{summary['sha256']}.csv"
    assert stored.read_bytes() == data
    assert summary["encoding"] == "utf-8-sig"


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02\x03garbage\xff\xfe" * 100, b"PK\x03\x04truncated-zip", b"PAR1broken"],
)
def test_unreadable_files_stop_and_change_nothing(
    project: Project, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    project.close()
    before = snapshot(project.root)
    with Project.open(project.root) as reopened, pytest.raises(UnreadableFileError) as error:
        ingest(reopened, path, mapping=MAP)
    assert error.value.file
    assert snapshot(project.root) == before


def test_a_truncated_xlsx_is_unreadable(project: Project, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "age"])
    workbook.active.append(["Ahmad", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(UnreadableFileError, match="XLSX"):
        ingest(project, path, mapping=from_pairs(["full_name=name"]))


def test_xlsx_with_a_title_block_above_the_header(project: Project, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["List of victims, as of 2024-01-05"])
    sheet.append([])
    sheet.append(["الاسم", "الجنس", "تاريخ الميلاد"])
    sheet.append(["محمد احمد", "ذكر", date(1990, 5, 17)])
    sheet.append(["فاطمة علي", "انثى", None])
    workbook.save(tmp_path / "l.xlsx")
    summary = ingest(project, tmp_path / "l.xlsx", profile="gaza-moh")
    assert (summary["rows"], summary["records"]) == (2, 2)
    rows = project.con.execute(
        "SELECT sex, date_of_birth FROM records ORDER BY row_number"
    ).fetchall()
    assert rows == [("male", date(1990, 5, 17)), ("female", None)]


def test_json_and_parquet(project: Project, tmp_path: Path) -> None:
    (tmp_path / "l.json").write_text(
        json.dumps([{"name": "Ahmad", "age": 30, "tags": ["a"]}, "not an object", {"name": "Sara"}])
    )
    summary = ingest(
        project, tmp_path / "l.json", mapping=from_pairs(["full_name=name", "age_years=age"])
    )
    assert (summary["rows"], summary["records"], summary["quarantined"]) == (3, 2, 1)
    pq.write_table(
        pa.table({"name": ["A", None], "dob": [date(2000, 2, 3), None]}), tmp_path / "l.parquet"
    )
    summary = ingest(
        project, tmp_path / "l.parquet", mapping=from_pairs(["full_name=name", "date_of_birth=dob"])
    )
    assert (summary["rows"], summary["records"], summary["quarantined"]) == (2, 1, 1)


def test_mapping_errors_name_the_field(project: Project, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", HEADER + "Ahmad,M,3,,\n")
    with pytest.raises(MappingError, match="needs column 'nom'") as error:
        ingest(project, path, mapping=from_pairs(["full_name=nom"]))
    assert error.value.field == "full_name"
    with pytest.raises(MappingError, match="not a canonical field"):
        from_pairs(["nom=name"])
    with pytest.raises(MappingError, match="maps to 'man'"):
        from_yaml_text("fields:\n  sex: {column: gender, values: {M: man}}\n", "m.yaml")
    with pytest.raises(MappingError, match="no mapping"):
        ingest(project, path)


def test_yaml_mapping_with_values_constants_and_formats(project: Project, tmp_path: Path) -> None:
    mapping = from_yaml_text(
        "fields:\n"
        "  full_name: nombre\n"
        "  sex: {column: sexo, values: {H: male, M: female}}\n"
        "  date_of_death: {column: fecha, format: '%d.%m.%Y'}\n"
        "  status: {value: missing}\n",
        "co.yaml",
    )
    path = write(tmp_path / "co.csv", "nombre;sexo;fecha\nJosé Núñez;H;03.04.2001\nAna;M;\n")
    ingest(project, path, mapping=mapping)
    assert project.con.execute(
        "SELECT full_name, sex, date_of_death, status FROM records ORDER BY row_number"
    ).fetchall() == [
        ("José Núñez", "male", date(2001, 4, 3), "missing"),
        ("Ana", "female", None, "missing"),
    ]


def test_a_profile_tolerates_a_missing_optional_column(project: Project, tmp_path: Path) -> None:
    path = write(
        tmp_path / "fatalities_20240329.csv",
        "id,name,sex,age\n1,محمد احمد,M,5\n2,علي حسن,M,7\n3,سارة علي,F,9\n",
    )
    summary = ingest(project, path, profile="gaza-moh")
    assert summary["release"] == "2024-03-29"
    assert summary["records"] == 3
    # The release's row index must not pass for the missing ID column.
    assert "row index" in summary["notes"][0]
    assert "id_number" in summary["notes"][1]
    assert project.con.execute("SELECT count(id_number) FROM records").fetchone() == (0,)


def test_exact_duplicate_rows_are_flagged(project: Project, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", HEADER + "Ahmad Ali,M,34,,\nAhmad  Ali,M,34,,\nSara,F,3,,\n")
    summary = ingest(project, path, mapping=MAP)
    assert summary["checks"]["duplicate_rows"] == 1
    assert project.con.execute(
        "SELECT duplicate_of FROM records WHERE row_number = 2"
    ).fetchone() == (1,)


def test_dates_after_the_release_are_impossible(project: Project, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "name,dod\nA,2024-05-01\nB,2024-03-01\n")
    summary = ingest(
        project,
        path,
        mapping=from_pairs(["full_name=name", "date_of_death=dod"]),
        release="2024-04-01",
    )
    assert summary["checks"]["issues_by_field"] == {"date_of_death": 1}


def test_bad_release_and_list_names(project: Project, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "name\nA\n")
    with pytest.raises(UncountedError, match="not a date"):
        ingest(project, path, mapping=from_pairs(["full_name=name"]), release="31/12/2024")
    with pytest.raises(UncountedError, match="list name is empty"):
        ingest(project, path, mapping=from_pairs(["full_name=name"]), list_name="  ")


def test_an_age_that_disagrees_with_the_birth_date_is_flagged_and_kept(
    project: Project, tmp_path: Path
) -> None:
    path = write(tmp_path / "l.csv", "name,age,dob\nA,10,1990-06-15\nB,33,1990-06-15\n")
    summary = ingest(
        project,
        path,
        mapping=from_pairs(["full_name=name", "age_years=age", "date_of_birth=dob"]),
        release="2024-01-01",
    )
    assert summary["checks"]["age_dob_mismatch"] == 1
    assert project.con.execute(
        "SELECT age_years, date_of_birth FROM records WHERE row_number = 1"
    ).fetchone() == (10.0, date(1990, 6, 15))


def _dates(summary: dict[str, object], field: str) -> dict[str, object]:
    checks = summary["checks"]
    assert isinstance(checks, dict)
    (entry,) = [e for e in checks["dates"] if e["field"] == field]
    return dict(entry)


def test_the_summary_names_each_date_columns_format(project: Project, tmp_path: Path) -> None:
    mapping = from_pairs(["full_name=name", "date_of_death=dod", "date_of_birth=dob"])
    day_first = write(tmp_path / "a.csv", "name,dod,dob\nA,25/06/2024,1990-12-31\nB,03/02/2024,\n")
    summary = ingest(project, day_first, mapping=mapping)
    died = _dates(summary, "date_of_death")
    assert (died["column"], died["format"], died["ambiguous"]) == ("dod", "DD/MM/YYYY", False)
    assert "first part above 12" in str(died["basis"])
    assert _dates(summary, "date_of_birth")["format"] == "YYYY-MM-DD"
    assert summary["warnings"] == []
    month_first = write(tmp_path / "b.csv", "name,dod\nA,06.25.2024\nB,02.03.2024\n")
    summary = ingest(project, month_first, mapping=from_pairs(["full_name=name",
                                                               "date_of_death=dod"]))
    assert _dates(summary, "date_of_death")["format"] == "MM.DD.YYYY"
    assert project.con.execute(
        "SELECT date_of_death FROM records WHERE source_sha256 = ? ORDER BY row_number",
        [summary["sha256"]],
    ).fetchall() == [(date(2024, 6, 25),), (date(2024, 2, 3),)]


def test_a_date_column_no_value_decides_is_read_day_first_with_a_warning(
    project: Project, tmp_path: Path
) -> None:
    path = write(tmp_path / "l.csv", "name,dod\nA,05/06/2024\nB,03/02/2024\nC,07/07/2024\n")
    summary = ingest(project, path, mapping=from_pairs(["full_name=name", "date_of_death=dod"]))
    died = _dates(summary, "date_of_death")
    assert (died["format"], died["ambiguous"]) == ("DD/MM/YYYY", True)
    (warning,) = summary["warnings"]
    assert "'dod'" in warning and "ambiguous" in warning and "%m/%d/%Y" in warning
    assert "2 of them differ" in warning  # 07/07 reads the same either way
    assert project.con.execute(
        "SELECT min(date_of_death) FROM records").fetchone() == (date(2024, 2, 3),)
    # Stored with the source, so that how its dates were read stays on record.
    stored = project.con.execute("SELECT checks FROM sources").fetchone()
    assert stored is not None and json.loads(stored[0])["dates"][0]["ambiguous"] is True


def test_the_same_day_and_month_everywhere_is_no_ambiguity(project: Project,
                                                           tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "name,dod\nA,05/05/2024\nB,03/03/2024\n")
    summary = ingest(project, path, mapping=from_pairs(["full_name=name", "date_of_death=dod"]))
    assert _dates(summary, "date_of_death")["ambiguous"] is False
    assert summary["warnings"] == []


def test_a_format_from_the_mapping_is_named_as_given(project: Project, tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "name,dod\nA,05/06/2024\n")
    mapping = from_yaml_text(
        'fields:\n  full_name: name\n  date_of_death: {column: dod, format: "%m/%d/%Y"}\n',
        "m.yaml",
    )
    summary = ingest(project, path, mapping=mapping)
    died = _dates(summary, "date_of_death")
    assert (died["format"], died["ambiguous"]) == ("%m/%d/%Y", False)
    assert summary["warnings"] == []
