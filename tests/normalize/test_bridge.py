from __future__ import annotations

import pytest

from uncounted.normalize.bridge import (
    arabic_latin_skeletons,
    cross_script_keys,
    cross_script_keys_many,
    cross_script_skeletons,
    cross_script_skeletons_many,
    latin_to_arabic_candidates,
    match_arabic_latin_token,
    romanize_arabic,
    romanize_arabic_many,
    romanize_arabic_name,
    romanizer_package_available,
    rule_romanize_arabic,
)


def test_common_names_come_from_the_mined_table() -> None:
    assert romanize_arabic("محمد")[0] == "muhamad"
    assert romanize_arabic("محمود")[0] == "mahmud"
    assert romanize_arabic("عبد الله")[0] == romanize_arabic("عبدالله")[0]


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("محمد", "Mohammed"),
        ("محمود", "Mahmoud"),
        ("أحمد", "Ahmed"),
        ("عبد الله", "Abdullah"),
        ("الاسطل", "al-Astal"),
        ("ابراهيم", "Ibrahim"),
        ("يوسف", "Yousef"),
    ],
)
def test_arabic_and_latin_meet(arabic: str, latin: str) -> None:
    assert match_arabic_latin_token(arabic, latin) in ("key", "skeleton")


def test_muhammad_does_not_match_mahmoud_on_the_key() -> None:
    assert match_arabic_latin_token("محمد", "Mahmoud") != "key"
    assert match_arabic_latin_token("محمود", "Mohammed") != "key"


def test_unknown_tokens_fall_back_to_rules() -> None:
    token = "قزقزطوني"  # not a name: never in the table
    assert romanize_arabic(token, fallback="none") == []
    assert romanize_arabic(token) == [rule_romanize_arabic(token)]
    assert rule_romanize_arabic("الاسطل") == "astl"
    assert rule_romanize_arabic("ابوسمره") == "abusmra"


def test_damaged_lam_alef_tokens_are_looked_up_repaired() -> None:
    assert romanize_arabic("عالء")[0] == romanize_arabic("علاء")[0]


def test_reverse_lookup() -> None:
    assert latin_to_arabic_candidates("Mohammed")[0] == "محمد"
    assert "الاسطل" in latin_to_arabic_candidates("al-Astal")
    assert latin_to_arabic_candidates("") == []


def test_full_name_helpers() -> None:
    per_token = romanize_arabic_name("محمد أحمد الأسطل")
    assert len(per_token) == 3
    skeletons = arabic_latin_skeletons("محمد أحمد")
    assert "mhmd" in skeletons[0]


def test_optional_package_fallback() -> None:
    if not romanizer_package_available():
        pytest.skip("arabic-name-romanizer is not installed")
    keys = romanize_arabic("مشتهى", fallback="package")
    assert keys
    assert romanize_arabic("محمد", fallback="package")[0] == "muhamad"


def _meet(a: list[tuple[str, ...]], b: list[tuple[str, ...]]) -> bool:
    return len(a) == len(b) and all(set(x) & set(y) for x, y in zip(a, b, strict=True))


def test_cross_script_skeletons_meet_across_scripts() -> None:
    arabic = cross_script_skeletons("محمد أحمد الأسطل")
    latin = cross_script_skeletons("Mohammed Ahmad al-Astal")
    assert _meet(arabic, latin)
    assert _meet(
        cross_script_skeletons("عبد الرحمن ابو سمرة"),
        cross_script_skeletons("Abd al-Rahman Abu Samra"),
    )
    assert _meet(cross_script_skeletons("אברהם כהן"), cross_script_skeletons("Avraham Cohen"))
    # the skeleton cannot tell them apart in Latin letters (mhmd); the key can
    assert _meet(cross_script_skeletons("محمود"), cross_script_skeletons("Mohammed"))
    assert not _meet(cross_script_keys("محمود"), cross_script_keys("Mohammed"))
    assert _meet(cross_script_keys("محمد الأسطل"), cross_script_keys("Mohammed al-Astal"))
    assert cross_script_skeletons(None) == []


def test_column_helpers() -> None:
    column = ["محمد الأسطل", None, "Mohammed al-Astal", "محمد الأسطل"]
    skeletons = cross_script_skeletons_many(column)
    assert skeletons[1] == []
    assert skeletons[0] == skeletons[3]
    assert _meet(skeletons[0], skeletons[2])
    assert len(cross_script_keys_many(column)) == 4
    assert romanize_arabic_many(["محمد", "محمود"])[1][0] == "mahmud"
