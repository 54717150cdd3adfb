"""splink 5 comparisons for casualty lists, as custom SQL levels on the columns of ``features``.

Levels go from strongest to weakest evidence; an m and u are learnt per level, so a level only
has to separate evidence of different strength, not decide matches by itself. Each level
carries a rough starting m (how often true matches fall in it): the point the unsupervised
training starts from, never the value it ends with.
"""

from __future__ import annotations

from typing import Final

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from uncounted.link.conditions import Atom, Condition, all_of, any_of, inline_sql

# Jaro-Winkler on skeletons is high for distinct common names (محمد/محمود: 0.95), so the fuzzy
# level also asks for equal key lengths (a substituted or swapped letter) unless both keys are
# long enough that one dropped letter cannot turn one common name into another.
FUZZY_THRESHOLD: Final = 0.92
FUZZY_UNEQUAL_LENGTH_MIN: Final = 6
# Below this many letters of undotted shape, one letter more or less can make another name.
GARBLED_LENGTH_MIN: Final = 4
# Across scripts the spellings differ more (vowels guessed, letters romanized several ways).
CROSS_SCRIPT_THRESHOLD: Final = 0.88
PARTS: Final = ("given", "father", "grandfather", "family")


_ACROSS_SCRIPTS: Final = '"script_l" <> "script_r"'


def _level(sql: str, label: str, start_m: float) -> ComparisonLevelCreator:
    return cll.CustomLevel(sql, label_for_charts=label).configure(m_probability=start_m)


def _null(sql: str) -> ComparisonLevelCreator:
    return cll.CustomLevel(sql, label_for_charts="missing").configure(is_null_level=True)


def _else(start_m: float) -> ComparisonLevelCreator:
    return cll.ElseLevel().configure(m_probability=start_m)


def _strong(part: str) -> Condition:
    """The part is spelled the same, up to script conventions: same key, skeleton or Latin key."""
    key, skel, xkeys = f"{part}_key", f"{part}_skel", f"{part}_xkeys"
    return any_of(
        f'"{key}_l" = "{key}_r"',
        f'"{skel}_l" = "{skel}_r"',
        f'list_has_any("{xkeys}_l", "{xkeys}_r")',
    )


def _fuzzy(part: str) -> Condition:
    """Jaro-Winkler on skeletons is high for distinct common names (محمد/محمود: 0.95), so the
    fuzzy test also asks for equal key lengths (a substituted or swapped letter) unless both keys
    are long enough that one dropped letter cannot turn one common name into another."""
    key, skel = f"{part}_key", f"{part}_skel"
    return all_of(
        any_of(
            f'length("{key}_l") = length("{key}_r")',
            f'least(length("{key}_l"), length("{key}_r")) >= {FUZZY_UNEQUAL_LENGTH_MIN}',
        ),
        f'jaro_winkler_similarity("{skel}_l", "{skel}_r") >= {FUZZY_THRESHOLD}',
    )


def _latin_skeleton(part: str) -> Condition:
    """Across scripts only: within one script the key, skeleton and undotted shape say more,
    and Latin consonant skeletons fold distinct names (Mohammed, Mahmoud) together."""
    xskels = f"{part}_xskels"
    return all_of(Atom("across"), f'list_has_any("{xskels}_l", "{xskels}_r")')


def _latin_similar(part: str) -> Condition:
    """Across scripts only, the closest pair of Latin candidates is similar: a romanization no
    rule foresaw. (Tested last: it compares every candidate with every other.)"""
    xkeys = f"{part}_xkeys"
    best = (
        f'list_max(list_transform("{xkeys}_l", lambda a: list_max(list_transform("{xkeys}_r", '
        f"lambda b: jaro_winkler_similarity(a, b)))))"
    )
    return all_of(Atom("across"), f"{best} >= {CROSS_SCRIPT_THRESHOLD}")


def _garbled(part: str) -> Condition:
    """Arabic spellings that differ by the dots of letters, or by one letter of the undotted
    shape once the word is long enough: what a damaged PDF export does to a name."""
    rasm = f"{part}_rasm"
    return any_of(
        f'"{rasm}_l" = "{rasm}_r"',
        all_of(
            f'least(length("{rasm}_l"), length("{rasm}_r")) >= {GARBLED_LENGTH_MIN}',
            f'damerau_levenshtein("{rasm}_l", "{rasm}_r") <= 1',
        ),
    )


def _alike(strong: str, part: str) -> Condition:
    """Strong, fuzzy, or alike in Latin letters: the weakest agreements, which meet across
    scripts but fold Mohammed and Mahmoud together."""
    return any_of(
        Atom(strong), _fuzzy(part), _garbled(part), _latin_skeleton(part), _latin_similar(part)
    )


def _known(part: str) -> str:
    return f'"{part}_key_l" IS NOT NULL AND "{part}_key_r" IS NOT NULL'


def _lineage_count(side: str) -> str:
    return " + ".join(
        f'CAST("{p}_key_{side}" IS NOT NULL AS INTEGER)'
        for p in ("father", "grandfather", "family")
    )


def _lineage_within(side: str, other: str) -> str:
    """Every lineage part ``side`` gives shares a Latin skeleton with a lineage part of
    ``other``, in any position. (One test per pair of parts, not one over the lists
    concatenated: Spark's translation of that concatenation does not read back.)"""
    lineage = ("father", "grandfather", "family")
    return " AND ".join(
        f'("{p}_key_{side}" IS NULL OR '
        + " OR ".join(
            f'coalesce(list_has_any("{p}_xskels_{side}", "{q}_xskels_{other}"), false)'
            for q in lineage
        )
        + ")"
        for p in lineage
    )


def _lineage_any_order() -> str:
    """The lineage of the record that gives fewer parts (two at least) is found in the other's,
    in any order: father and grandfather swapped, or a part left out so that the others moved
    up (what a list writing names by hand does)."""
    n_l, n_r = _lineage_count("l"), _lineage_count("r")
    return (
        f"least({n_l}, {n_r}) >= 2 AND ((({n_l}) <= ({n_r}) AND {_lineage_within('l', 'r')})"
        f" OR (({n_r}) <= ({n_l}) AND {_lineage_within('r', 'l')}))"
    )


def name_atoms() -> dict[str, Condition]:
    """The name comparison's building blocks: what each part, and the pair, agree on, and
    which parts both records give (so that a two-part name is compared with what it has)."""
    return {
        "missing": all_of(
            *(any_of(f'"{p}_key_l" IS NULL', f'"{p}_key_r" IS NULL') for p in PARTS)
        ),
        "across": _ACROSS_SCRIPTS,
        "name4_same": '"name4_key_l" = "name4_key_r"',
        "no_namesake": 'greatest("name4_namesakes_l", "name4_namesakes_r") = 1',
        "g_strong": _strong("given"),
        "f_strong": _strong("father"),
        "gf_strong": _strong("grandfather"),
        "fam_strong": _strong("family"),
        "g_similar": any_of(
            _fuzzy("given"), _garbled("given"), _latin_skeleton("given"), _latin_similar("given")
        ),
        "g_moved": any_of(
            'list_has_any("given_xkeys_l", "lineage_xkeys_r")',
            'list_has_any("given_xkeys_r", "lineage_xkeys_l")',
        ),
        "f_alike": _alike("f_strong", "father"),
        "gf_alike": _alike("gf_strong", "grandfather"),
        "fam_alike": _alike("fam_strong", "family"),
        "f_known": _known("father"),
        "gf_known": _known("grandfather"),
        "fam_known": _known("family"),
        "any_order": _lineage_any_order(),
    }


# The atoms' names, in the order of ``name_atoms()``: the one list of them. uncounted's compiled
# scorer keeps a pair's atoms as the bits of one integer, atom ``ATOMS[k]`` at bit k
# (``uncounted.link.kernel``).
ATOMS: Final = tuple(name_atoms())


def _atoms(*names: str) -> tuple[Atom, ...]:
    return tuple(Atom(n) for n in names)


def _two_of(a: str, b: str, c: str) -> Condition:
    return any_of(all_of(*_atoms(a, b)), all_of(*_atoms(a, c)), all_of(*_atoms(b, c)))


_ALL_SAME: Final = all_of(*_atoms("f_strong", "gf_strong", "fam_strong"))
_ALL_ALIKE: Final = all_of(*_atoms("f_alike", "gf_alike", "fam_alike"))
_TWO_SAME: Final = _two_of("f_strong", "gf_strong", "fam_strong")
_TWO_ALIKE: Final = any_of(
    all_of(*_atoms("f_alike", "gf_alike")),
    all_of(Atom("fam_alike"), any_of(*_atoms("f_alike", "gf_alike"))),
)
_ONE_SAME: Final = any_of(*_atoms("f_strong", "gf_strong", "fam_strong"))
_ONE_ALIKE: Final = any_of(*_atoms("f_alike", "gf_alike", "fam_alike"))

# Name classes: how many of the lineage parts (father, grandfather, family) both records give.
# Field lists write two or three parts where a ministry writes four, so a pair's name agreement
# is judged against what the two records can show: given and family names the same is nearly
# all a two-part name can say, and a weak sign between two four-part names. Each class has its
# own levels, down to its own "differs", so a level's m is the share of the matches *of its
# class* (what ``uncounted.link.prior`` ships and training blends with the data).
FULL, TWO, ONE, GIVEN_ONLY = "full lineage", "two lineage parts", "one lineage part", "given only"
NAME_CLASSES: Final = (FULL, TWO, ONE, GIVEN_ONLY)
_CLASS_GUARD: Final[dict[str, Condition]] = {
    FULL: all_of(*_atoms("f_known", "gf_known", "fam_known")),
    # Each class's last level takes every pair of the class that the levels above it left, so
    # a pair reaches a later class's levels only when it is not of an earlier class.
    TWO: _two_of("f_known", "gf_known", "fam_known"),
    ONE: any_of(*_atoms("f_known", "gf_known", "fam_known")),
    GIVEN_ONLY: Atom("g_strong"),
}

_FULL_LEVELS: Final[tuple[tuple[Condition, str, float], ...]] = (
    (
        all_of(*_atoms("name4_same", "no_namesake")),
        "all four parts the same, no namesake in either file",
        0.5,
    ),
    (Atom("name4_same"), "all four parts the same, with a namesake in a file", 0.05),
    (all_of(Atom("g_strong"), _ALL_SAME), "all four alike in spelling", 0.1),
    (all_of(Atom("g_strong"), _ALL_ALIKE), "given same, lineage alike", 0.06),
    (all_of(_ALL_ALIKE, Atom("g_similar")), "given similar, lineage alike", 0.05),
    (
        all_of(Atom("g_strong"), Atom("any_order")),
        "given same, lineage alike in another order",
        0.02,
    ),
    (
        all_of(Atom("g_similar"), Atom("any_order")),
        "given similar, lineage alike in another order",
        0.01,
    ),
    (all_of(Atom("g_strong"), _TWO_ALIKE), "given same, two of the lineage alike", 0.05),
    (all_of(_TWO_ALIKE, Atom("g_similar")), "given similar, two of the lineage alike", 0.03),
    # Brothers and sisters: the same lineage, another given name (for the first son, often
    # his grandfather's).
    (all_of(_ALL_ALIKE, Atom("g_moved")), "given in another part, lineage alike", 0.01),
    (_ALL_ALIKE, "given differs, lineage alike", 0.02),
    (all_of(Atom("g_strong"), _ONE_ALIKE), "given same, one of the lineage alike", 0.02),
    (
        all_of(_ONE_ALIKE, any_of(*_atoms("g_similar", "g_moved"))),
        "given similar, one alike",
        0.01,
    ),
    (_TWO_ALIKE, "given differs, two of the lineage alike", 0.01),
    (Atom("g_strong"), "given same only", 0.005),
    # Names that differ between an Arabic and a Latin record are weaker evidence of two people
    # than names that differ within one script: the romanization may be one no rule foresaw.
    (Atom("across"), "differs, across scripts", 0.02),
    ("true", "four-part names differ", 0.035),
)
_TWO_LEVELS: Final[tuple[tuple[Condition, str, float], ...]] = (
    (all_of(Atom("g_strong"), _TWO_SAME), "three parts compared: all the same", 0.6),
    (all_of(Atom("g_strong"), _TWO_ALIKE), "three parts compared: given same, both alike", 0.15),
    (
        all_of(_TWO_ALIKE, Atom("g_similar")),
        "three parts compared: given similar, both alike",
        0.06,
    ),
    (
        all_of(Atom("g_strong"), Atom("any_order")),
        "three parts compared: given same, lineage in another order",
        0.03,
    ),
    (
        all_of(Atom("g_similar"), Atom("any_order")),
        "three parts compared: given similar, lineage in another order",
        0.01,
    ),
    (all_of(Atom("g_strong"), _ONE_ALIKE), "three parts compared: given same, one alike", 0.05),
    (all_of(_TWO_ALIKE, Atom("g_moved")), "three parts compared: given in another part", 0.01),
    (_TWO_ALIKE, "three parts compared: given differs, both alike", 0.02),
    (
        all_of(_ONE_ALIKE, any_of(*_atoms("g_similar", "g_moved"))),
        "three parts compared: given similar, one alike",
        0.02,
    ),
    (Atom("g_strong"), "three parts compared: given same only", 0.02),
    (Atom("across"), "three parts compared: differ, across scripts", 0.03),
    ("true", "three parts compared: differ", 0.03),
)
_ONE_LEVELS: Final[tuple[tuple[Condition, str, float], ...]] = (
    (all_of(Atom("g_strong"), _ONE_SAME), "two parts compared: both the same", 0.7),
    (all_of(Atom("g_strong"), _ONE_ALIKE), "two parts compared: given same, other alike", 0.1),
    (all_of(_ONE_ALIKE, Atom("g_similar")), "two parts compared: given similar, other alike", 0.06),
    (all_of(_ONE_ALIKE, Atom("g_moved")), "two parts compared: given in another part", 0.01),
    (_ONE_ALIKE, "two parts compared: given differs, other alike", 0.03),
    (Atom("g_strong"), "two parts compared: given same, other differs", 0.04),
    (Atom("g_similar"), "two parts compared: given similar, other differs", 0.02),
    (Atom("across"), "two parts compared: differ, across scripts", 0.02),
    ("true", "two parts compared: differ", 0.02),
)
_GIVEN_LEVELS: Final[tuple[tuple[Condition, str, float], ...]] = (
    ("true", "only given names to compare: the same", 0.8),
)


def _guarded(
    name_class: str, levels: tuple[tuple[Condition, str, float], ...]
) -> tuple[tuple[Condition, str, float], ...]:
    guard = _CLASS_GUARD[name_class]
    return tuple(
        (guard if condition == "true" else all_of(guard, condition), label, m)
        for condition, label, m in levels
    )


# (condition over name_atoms(), label, starting m), strongest first within each class; the
# first is the null level. Conditions use AND and OR only, so a missing value (NULL) never
# turns a level true. Within a level the cheap tests come first: uncounted's scorer stops at
# the first that fails. What no level takes (given names differ, nothing else to compare) is
# the ELSE level, of the class "given only".
NAME_LEVELS: Final[tuple[tuple[Condition, str, float], ...]] = (
    (Atom("missing"), "missing", 0.0),
    *_guarded(FULL, _FULL_LEVELS),
    *_guarded(TWO, _TWO_LEVELS),
    *_guarded(ONE, _ONE_LEVELS),
    *_guarded(GIVEN_ONLY, _GIVEN_LEVELS),
    (
        all_of(Atom("g_similar"), Atom("across")),
        "only given names to compare: similar across scripts",
        0.1,
    ),
    (Atom("g_similar"), "only given names to compare: similar", 0.05),
)
# The class of every name level by label, ELSE ("All other comparisons") included.
NAME_LEVEL_CLASS: Final[dict[str, str]] = {
    **{label: FULL for _, label, _ in _FULL_LEVELS},
    **{label: TWO for _, label, _ in _TWO_LEVELS},
    **{label: ONE for _, label, _ in _ONE_LEVELS},
    **{label: GIVEN_ONLY for _, label, _ in NAME_LEVELS[-3:]},
    "All other comparisons": GIVEN_ONLY,
}
NAME_ELSE_M: Final = 0.05
# Atoms that cost most and decide few levels: uncounted's scorer tests them inside the levels
# that read them, on the pairs whose cheaper tests passed, instead of on every pair.
NAME_LAZY_ATOMS: Final = frozenset({"g_similar", "g_moved", "any_order"})


def name_comparison() -> ComparisonCreator:
    """The four name parts as one comparison: the given name against the lineage (father,
    grandfather and family names).

    The parts are far from independent. Brothers and sisters share the whole lineage and
    differ only in the given name, and the first son is often named after his grandfather;
    twins share the date of birth too. A garbled record garbles every part at once. So the
    levels are combinations of how the given name and how the lineage agree, and each gets its
    own m and u instead of a product of per-part ones (agreement on the whole lineage is 140
    times more common among different people than that product, in the simulated conflict).
    """
    atoms = name_atoms()
    (null_condition, _, _), *levels = NAME_LEVELS
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            _null(inline_sql(null_condition, atoms)),
            *(_level(inline_sql(c, atoms), label, m) for c, label, m in levels),
            _else(NAME_ELSE_M),
        ],
        comparison_description="given name and lineage (father, grandfather, family)",
    )


def id_comparison() -> ComparisonCreator:
    any_l = 'coalesce("id_number_l", "id_number_any_l")'
    any_r = 'coalesce("id_number_r", "id_number_any_r")'
    return cl.CustomComparison(
        output_column_name="id",
        comparison_levels=[
            _null(f"{any_l} IS NULL OR {any_r} IS NULL"),
            _level('"id_number_l" = "id_number_r"', "same valid ID", 0.8),
            _level(f"{any_l} = {any_r}", "same ID, not checked valid", 0.05),
            # One digit off or two adjacent digits swapped: the commonest ID typing errors.
            _level(f"damerau_levenshtein({any_l}, {any_r}) = 1", "one edit apart", 0.1),
            _else(0.05),
        ],
        comparison_description="ID number",
    )


# Age levels in three classes, by what both records give: dates of birth, birth years (a
# 1 January placeholder keeps its year), or ages only. A list that gives only ages can never
# reach "same date of birth" or "same birth year", so its matches spread over the age levels
# only, and a prior m shared by every kind of pair would understate them (link.prior).
DATES_OF_BIRTH, BIRTH_YEARS, AGES = "dates of birth", "birth years", "ages"
_BOTH_DOB: Final = '"dob_l" IS NOT NULL AND "dob_r" IS NOT NULL'
_BOTH_YEAR: Final = '"birth_year_l" IS NOT NULL AND "birth_year_r" IS NOT NULL'
_AGES_WITHIN_1: Final = 'abs("age_years_l" - "age_years_r") <= 1'
_AGE_LEVELS: Final = (
    ('"dob_l" = "dob_r"', "same date of birth", 0.4, DATES_OF_BIRTH),
    (
        f"{_BOTH_DOB} AND {_AGES_WITHIN_1}",
        "dates of birth differ, ages within 1",
        0.05,
        DATES_OF_BIRTH,
    ),
    (_BOTH_DOB, "dates of birth differ", 0.02, DATES_OF_BIRTH),
    ('"birth_year_l" = "birth_year_r"', "same birth year", 0.1, BIRTH_YEARS),
    (f"{_BOTH_YEAR} AND {_AGES_WITHIN_1}", "birth years differ, ages within 1", 0.02, BIRTH_YEARS),
    (_BOTH_YEAR, "birth years differ", 0.01, BIRTH_YEARS),
    (_AGES_WITHIN_1, "ages within 1", 0.35, AGES),
    ('abs("age_years_l" - "age_years_r") <= 3', "ages within 3", 0.1, AGES),
)
AGE_LEVEL_CLASS: Final[dict[str, str]] = {
    **{label: c for _, label, _, c in _AGE_LEVELS},
    "All other comparisons": AGES,
}


def age_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="age",
        comparison_levels=[
            _null(
                '("dob_l" IS NULL OR "dob_r" IS NULL) AND '
                '("birth_year_l" IS NULL OR "birth_year_r" IS NULL) AND '
                '("age_years_l" IS NULL OR "age_years_r" IS NULL)'
            ),
            *(_level(sql, label, m) for sql, label, m, _ in _AGE_LEVELS),
            _else(0.05),
        ],
        comparison_description="age and date of birth",
    )


def sex_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[
            _null('"sex_l" IS NULL OR "sex_r" IS NULL'),
            _level('"sex_l" = "sex_r"', "same sex", 0.97),
            _else(0.03),
        ],
        comparison_description="sex",
    )


def death_comparison() -> ComparisonCreator:
    diff = 'abs(date_diff(\'day\', "date_of_death_l", "date_of_death_r"))'
    return cl.CustomComparison(
        output_column_name="death",
        comparison_levels=[
            _null('"date_of_death_l" IS NULL OR "date_of_death_r" IS NULL'),
            _level(f"{diff} = 0", "same date of death", 0.7),
            # Lists date a death by the day it was reported or the body arrived: a few days off.
            _level(f"{diff} <= 3", "within 3 days", 0.2),
            _else(0.1),
        ],
        comparison_description="date of death",
    )


def source_comparison() -> ComparisonCreator:
    """Where the two records come from. One release rarely lists a person twice, and two
    releases of one list share most of their people: the same agreement on names and birth
    date means a twin within a release and the same person across releases."""
    return cl.CustomComparison(
        output_column_name="source",
        comparison_levels=[
            _null('"source_sha256_l" IS NULL OR "source_sha256_r" IS NULL'),
            _level('"source_sha256_l" = "source_sha256_r"', "same file", 0.05),
            _level('"list_l" = "list_r"', "same list, another release", 0.5),
            _else(0.45),
        ],
        comparison_description="source file, list and release",
    )


def default_comparisons() -> list[ComparisonCreator]:
    return [
        name_comparison(),
        id_comparison(),
        age_comparison(),
        sex_comparison(),
        death_comparison(),
        source_comparison(),
    ]
