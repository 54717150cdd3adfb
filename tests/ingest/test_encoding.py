from __future__ import annotations

import pytest

from uncounted.core.errors import UnreadableFileError
from uncounted.ingest.encoding import decode_text

ARABIC = "الاسم,الجنس,العمر\nمحمد احمد عبد الله,ذكر,34\nفاطمة علي حسن,أنثى,29\n"
HEBREW = "שם פרטי,שם משפחה,מין\nדוד,כהן,זכר\nשרה,לוי,נקבה\n"
LATIN = "nombre,sexo\nJosé Núñez,hombre\nMaría Peña,mujer\n"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (ARABIC, "utf-8", "utf-8"),
        (ARABIC, "utf-8-sig", "utf-8-sig"),
        (ARABIC, "utf-16", "utf-16"),
        (ARABIC, "utf-16-le", "utf-16-le"),
        (HEBREW, "utf-16-be", "utf-16-be"),
        (ARABIC, "windows-1256", "windows-1256"),
        (HEBREW, "iso-8859-8", "iso-8859-8"),
        (LATIN, "windows-1252", "windows-1252"),
    ],
)
def test_encodings_are_detected_and_named(text: str, encoding: str, expected: str) -> None:
    decoded = decode_text(text.encode(encoding), "f.csv")
    assert decoded.text == text
    assert decoded.encoding == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \r\n\n", "empty"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x81\x8d\x8f\x90\x9d" * 50 + b"\x00\x01\x02" * 30, "binary"),
    ],
)
def test_unreadable_bytes_are_refused_with_the_file_name(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message) as error:
        decode_text(data, "list.csv")
    assert error.value.file == "list.csv"
