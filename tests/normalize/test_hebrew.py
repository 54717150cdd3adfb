from __future__ import annotations

import pytest

from uncounted.normalize.hebrew import (
    hebrew_matches_latin,
    hebrew_name_key,
    hebrew_skeleton_candidates,
    normalize_hebrew,
    romanize_hebrew,
)


def test_niqqud_cantillation_and_finals() -> None:
    assert normalize_hebrew("שָׁלוֹם") == "שלומ"
    assert normalize_hebrew("כֹּהֵ֑ן") == "כהנ"
    assert normalize_hebrew("ך ם ן ף ץ") == "כ מ נ פ צ"


def test_geresh_gershayim_and_maqaf() -> None:
    assert normalize_hebrew("ג׳ורג׳") == "ג'ורג'"
    assert normalize_hebrew("צה״ל") == "צהל"
    assert normalize_hebrew("בן־דוד") == "בנ דוד"


def test_ben_is_glued_inside_a_name_but_not_as_a_given_name() -> None:
    assert hebrew_name_key("דוד בן יהודה") == "דוד בניהודה"
    assert hebrew_name_key("בן כהן") == "בנ כהנ"


@pytest.mark.parametrize(
    ("hebrew", "latin"),
    [
        ("כהן", "Cohen"),
        ("לוי", "Levi"),
        ("ישראל", "Israel"),
        ("ישראל", "Yisrael"),
        ("אברהם", "Avraham"),
        ("אברהם", "Abraham"),
        ("משה", "Moshe"),
        ("יצחק", "Yitzhak"),
        ("חיים", "Chaim"),
        ("חיים", "Haim"),
        ("פרץ", "Peretz"),
        ("שלמה", "Shlomo"),
        ("דוד", "David"),
    ],
)
def test_hebrew_latin_bridge(hebrew: str, latin: str) -> None:
    assert hebrew_matches_latin(hebrew, latin)


def test_bridge_rejects_other_names() -> None:
    assert not hebrew_matches_latin("כהן", "Levi")
    assert not hebrew_matches_latin("משה", "David")


def test_candidates_are_bounded_and_ordered() -> None:
    candidates = hebrew_skeleton_candidates("יהושוע")
    assert 0 < len(candidates) <= 16
    assert romanize_hebrew("אברהם")[0] == "abrhm"
    assert romanize_hebrew("") == []


def test_arab_names_in_hebrew_letters() -> None:
    assert hebrew_name_key("עבד אל רחמן אבו סאלח") == "עבדרחמנ אבוסאלח"
    assert hebrew_matches_latin("אבוסאלח", "Abu Saleh")
    assert hebrew_matches_latin("עבדרחמנ", "Abd al-Rahman")
