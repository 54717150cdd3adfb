from __future__ import annotations

import pytest

from uncounted.normalize.arabic import (
    arabic_name_key,
    arabic_rasm,
    arabic_skeleton,
    arabic_tokens,
    glue_compounds,
    lam_alef_variants,
    normalize_arabic,
    normalize_arabic_many,
    token_skeleton,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مُحَمَّدٌ", "محمد"),  # harakat, shadda, tanwin
        ("محـــمد", "محمد"),  # tatweel
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنه"),  # madda alef, ta marbuta
        ("ٱلله", "الله"),  # wasla
        ("فؤاد", "فواد"),
        ("رائد", "رايد"),
        ("مصطفى", "مصطفي"),  # alef maqsura
        ("راىد", "رايد"),  # dotless ya as hamza seat, as printed in some releases
        ("کریم", "كريم"),  # Persian kaf and yeh
        ("٤٥ ۱۲", "45 12"),
        ("  علي\u200f  حسن ", "علي حسن"),
        ("عبد-الله", "عبد الله"),
        ("ﻻ", "لا"),  # presentation-form ligature
        ("هٰذا", "هذا"),  # superscript alef
    ],
)
def test_normalize_arabic(raw: str, expected: str) -> None:
    assert normalize_arabic(raw) == expected


def test_pdf_lam_alef_damage_is_repaired_where_unambiguous() -> None:
    assert normalize_arabic("عبد هللا") == "عبد الله"
    assert normalize_arabic("عبدهللا") == "عبدالله"
    assert normalize_arabic("محمد االسطل") == "محمد الاسطل"
    # medial swaps are ambiguous (سالم is a name, so is سلام) and stay as written ...
    assert normalize_arabic("سالم") == "سالم"
    # ... but the skeleton absorbs them
    assert token_skeleton("عالء") == token_skeleton("علاء")
    assert token_skeleton("بالل") == token_skeleton("بلال")


def test_lam_alef_variants() -> None:
    assert lam_alef_variants("عالء") == ["عالء", "علاء"]
    assert lam_alef_variants("محمد") == ["محمد"]


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("عبد الله محمد", ["عبدالله", "محمد"]),
        ("عبدالله محمد", ["عبدالله", "محمد"]),
        ("نور الدين", ["نورالدين"]),
        ("محمد ابو سمرة", ["محمد", "ابوسمره"]),
        ("محمد ابو ال خير", ["محمد", "ابوالخير"]),
        ("ام محمد", ["اممحمد"]),
        ("محمد بن علي", ["محمد", "بن", "علي"]),
        ("شاهي ن", ["شاهين"]),  # a word split by PDF export
    ],
)
def test_tokens_glue_compounds(raw: str, tokens: list[str]) -> None:
    assert arabic_tokens(raw) == tokens


def test_glue_does_not_swallow_generation_particles() -> None:
    assert glue_compounds(["عبد", "بن", "علي"]) == ["عبد", "بن", "علي"]


def test_name_key_is_spacing_independent() -> None:
    assert arabic_name_key("عبد الرحمن أبو سمرة") == arabic_name_key("عبدالرحمن ابوسمره")


def test_skeleton_keeps_muhammad_and_mahmoud_apart() -> None:
    assert arabic_skeleton("محمد") != arabic_skeleton("محمود")
    assert arabic_skeleton("سلمان") != arabic_skeleton("سليمان")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("إبراهيم", "ابراهيم"),
        ("ابراهيم", "ابرهيم"),
        ("أسامة", "اسامه"),
        ("عبد الرؤوف", "عبدالرووف"),
        ("داود", "داوود"),
        ("عطية", "عطيه"),
        ("علي", "على"),
        ("اسراء", "اسرا"),
        ("الاسطل", "الأسطل"),
        ("رائد", "راىد"),
    ],
)
def test_skeleton_absorbs_spelling_drift(a: str, b: str) -> None:
    assert arabic_skeleton(a) == arabic_skeleton(b)


def test_skeleton_keeps_initial_alef() -> None:
    assert token_skeleton("اسعد") != token_skeleton("سعد")


def test_rasm_absorbs_dot_errors() -> None:
    assert arabic_rasm("مصطفى") == arabic_rasm("مصطفن")
    assert arabic_rasm("خضر") == arabic_rasm("خصر")
    assert arabic_rasm("محمد") != arabic_rasm("محمود")


def test_many_handles_none() -> None:
    assert normalize_arabic_many(["أحمد", None, ""]) == ["احمد", "", ""]


def test_many_accepts_pyarrow_and_pandas_columns() -> None:
    pa = pytest.importorskip("pyarrow")
    column = pa.array(["أحمد", None, "أحمد"])
    assert normalize_arabic_many(column) == ["احمد", "", "احمد"]
    pd = pytest.importorskip("pandas")
    assert normalize_arabic_many(pd.Series(["إبراهيم", None])) == ["ابراهيم", ""]
