from __future__ import annotations

import pytest

from uncounted.normalize.script import detect_script, detect_script_many


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("محمد أحمد", "arabic"),
        ("مُحَمَّد", "arabic"),
        ("כהן", "hebrew"),
        ("Cohen", "latin"),
        ("Muḥammad", "latin"),
        ("محمد Cohen", "mixed"),
        ("כהן Cohen", "mixed"),
        ("Иван", "mixed"),
        ("123 - ()", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_detect_script(text: str | None, script: str) -> None:
    assert detect_script(text) == script


def test_many() -> None:
    assert detect_script_many(["محمد", "Ali"]) == ["arabic", "latin"]
