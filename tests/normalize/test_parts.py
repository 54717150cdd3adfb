from __future__ import annotations

from uncounted.normalize.parts import NameParts, parse_name, parse_names


def _parts(name: str) -> tuple[str | None, str | None, str | None, str | None]:
    p = parse_name(name)
    return p.given, p.father, p.grandfather, p.family


def test_four_part_chain() -> None:
    assert _parts("محمد أحمد علي الأسطل") == ("محمد", "احمد", "علي", "الاسطل")


def test_compounds_stay_whole() -> None:
    assert _parts("عبد الله محمد ابو سمرة") == ("عبدالله", "محمد", None, "ابوسمره")
    assert _parts("نور الدين محمد عبد الكريم النجار") == (
        "نورالدين",
        "محمد",
        "عبدالكريم",
        "النجار",
    )


def test_longer_chains_keep_extra_generations_in_middle() -> None:
    parts = parse_name("محمد احمد علي حسن خليل النجار")
    assert (parts.given, parts.father, parts.grandfather, parts.family) == (
        "محمد",
        "احمد",
        "علي",
        "النجار",
    )
    assert parts.middle == ("حسن", "خليل")
    assert len(parts.tokens) == 6


def test_compound_family_names() -> None:
    # a lead word that is part of a family name in five-part names
    assert parse_name("محمد احمد علي حسن الحاج علي").family == "الحاج علي"
    # the same word in a four-part name is more likely a grandfather's honorific: not glued
    assert parse_name("محمد احمد الحاج علي").family == "علي"
    # unless the pair is a family name mined from the releases
    assert parse_name("محمد احمد الشيخ خليل").family == "الشيخ خليل"
    assert parse_name("محمد احمد علي حسن ورش اغا").family == "ورش اغا"


def test_titles_are_dropped() -> None:
    parts = parse_name("الشهيد الطفل محمد احمد خليل النجار")
    assert parts.given == "محمد"
    assert parts.titles == ("الشهيد", "الطفل")
    assert not parts.unnamed_infant
    assert parse_name("د. احمد محمد النجار").given == "احمد"


def test_unnamed_infants_are_detected() -> None:
    for marker, relation in (
        ("ابن", "son_of"),
        ("بنت", "daughter_of"),
        ("طفل", "child_of"),
        ("رضيع", "infant"),
        ("جنين", "fetus"),
    ):
        parts = parse_name(f"{marker} محمد احمد النجار")
        assert parts.unnamed_infant
        assert parts.relation == relation
        assert parts.given is None
        assert (parts.father, parts.grandfather, parts.family) == ("محمد", "احمد", "النجار")


def test_marker_with_row_number_glued() -> None:
    parts = parse_name("طفل رضيع12 محمود علي النجار")
    assert parts.unnamed_infant and parts.given is None and parts.father == "محمود"


def test_generation_particles() -> None:
    parts = parse_name("محمد بن احمد بن علي النجار")
    assert (parts.given, parts.father, parts.grandfather, parts.family) == (
        "محمد",
        "احمد",
        "علي",
        "النجار",
    )
    assert parse_name("محمد احمد بن سعيد").family == "بنسعيد"


def test_wife_of() -> None:
    parts = parse_name("فاطمة زوجة محمد احمد النجار")
    assert parts.relation == "wife_of"
    assert parts.given == "فاطمه"
    assert parts.father is None
    assert parts.family == "النجار"


def test_unknown_and_aliases() -> None:
    assert parse_name("مجهول الهوية").unknown
    parts = parse_name("محمد (ابو علي) حسن النجار")
    assert parts.aliases == ("ابو علي",)
    assert parts.father == "حسن"


def test_latin_names() -> None:
    parts = parse_name("Mohammed Ahmad Ali al-Astal")
    assert parts.script == "latin"
    assert (parts.given, parts.father, parts.grandfather, parts.family) == (
        "muhamad",
        "ahmad",
        "ali",
        "astal",
    )
    infant = parse_name("Son of Mahmoud Ali Abu Samra")
    assert infant.unnamed_infant and infant.given is None
    assert (infant.father, infant.family) == ("mahmud", "abusamra")
    assert parse_name("Dr. Abd al-Rahman Khalil").given == "abdrahman"


def test_hebrew_names() -> None:
    parts = parse_name("דוד כהן")
    assert (parts.given, parts.family, parts.script) == ("דוד", "כהנ", "hebrew")
    assert parse_name("דוד בן יהודה").family == "בניהודה"


def test_single_token_and_empty() -> None:
    assert _parts("محمد") == ("محمد", None, None, None)
    empty = parse_name(None)
    assert empty == NameParts(None, None, None, None, (), (), "unknown")
    assert parse_names(["محمد", ""])[1].tokens == ()


def test_clan_family_names() -> None:
    assert parse_name("محمد احمد بني عودة").family == "بني عوده"
    assert parse_name("Muhammad Ahmad Bani Odeh").family == "bani uda"
    assert parse_name("Muhammad Ahmad Ali Said Sheikh Khalil").family == "caix xalil"
    assert parse_name("Muhammad Ahmad Ben Ali").family == "banali"
    assert parse_name("Muhammad bin Ahmad bin Ali Hassan").father == "ahmad"


def test_nicknames_in_quotes_and_leading_kunyas_are_aliases_not_parts() -> None:
    quoted = parse_name('Mohammed "Abu Zaki" Khalil')
    assert (quoted.given, quoted.father, quoted.family) == ("muhamad", None, "xalil")
    assert "Abu Zaki" in quoted.aliases
    assert parse_name("Ahmed `Hamada` Saleh").aliases == ("Hamada",)
    kunya = parse_name("Abu Zaki Mohammed Khalil")
    assert (kunya.given, kunya.family) == ("muhamad", "xalil")
    mother = parse_name("أم محمد فاطمة علي خليل")
    assert (mother.given, mother.father, mother.family) == ("فاطمه", "علي", "خليل")
    # Abu X at the end is a family name; Abu Bakr is a given name; Amjad is not a kunya.
    assert parse_name("Mohammed Abu Shaaban").family == "abucaban"
    assert parse_name("ابوبكر محمد علي خليل").given == "ابوبكر"
    assert parse_name("امجد محمد علي خليل").given == "امجد"
    # Too short to drop anything: the kunya may be all the list gave.
    assert parse_name("Abu Zaki Khalil").given == "abuzaki"
