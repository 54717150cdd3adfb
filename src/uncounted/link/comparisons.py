"""splink 5 comparisons for casualty lists, as custom SQL levels on the columns of ``features``.

Levels go from strongest to weakest evidence; splink learns an m and u per level, so a level
only has to separate evidence of different strength, not decide matches by itself.
"""

from __future__ import annotations

from typing import Final

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

# Jaro-Winkler on skeletons is high for distinct common names (محمد/محمود: 0.95), so the fuzzy
# level also asks for equal key lengths (a substituted or swapped letter) unless both keys are
# long enough that one dropped letter cannot turn one common name into another.
FUZZY_THRESHOLD: Final = 0.92
FUZZY_UNEQUAL_LENGTH_MIN: Final = 6
# Across scripts the spellings differ more (vowels guessed, letters romanized several ways).
CROSS_SCRIPT_THRESHOLD: Final = 0.88
LINEAGE_PARTS: Final = ("father", "grandfather", "family")


def _strong(part: str) -> str:
    """The part is spelled the same, up to script conventions: same key, skeleton or Latin key."""
    key, skel, xkeys = f"{part}_key", f"{part}_skel", f"{part}_xkeys"
    return (
        f'("{key}_l" = "{key}_r" OR "{skel}_l" = "{skel}_r" OR '
        f'list_has_any("{xkeys}_l", "{xkeys}_r"))'
    )


def _fuzzy(part: str) -> str:
    """Jaro-Winkler on skeletons is high for distinct common names (محمد/محمود: 0.95), so the
    fuzzy test also asks for equal key lengths (a substituted or swapped letter) unless both keys
    are long enough that one dropped letter cannot turn one common name into another."""
    key, skel = f"{part}_key", f"{part}_skel"
    return (
        f'(jaro_winkler_similarity("{skel}_l", "{skel}_r") >= {FUZZY_THRESHOLD} AND '
        f'(length("{key}_l") = length("{key}_r") OR '
        f'least(length("{key}_l"), length("{key}_r")) >= {FUZZY_UNEQUAL_LENGTH_MIN}))'
    )


def _latin_skeleton(part: str) -> str:
    xskels = f"{part}_xskels"
    return f'list_has_any("{xskels}_l", "{xskels}_r")'


def _latin_similar(part: str) -> str:
    """The closest pair of Latin candidates is similar: a romanization no rule foresaw."""
    xkeys = f"{part}_xkeys"
    best = (
        f'list_max(list_transform("{xkeys}_l", lambda a: list_max(list_transform("{xkeys}_r", '
        f"lambda b: jaro_winkler_similarity(a, b)))))"
    )
    return f"({best} >= {CROSS_SCRIPT_THRESHOLD})"


def _loose(part: str) -> str:
    """Strong, fuzzy, or alike in Latin letters: the weakest agreements, which meet across
    scripts but fold Mohammed and Mahmoud together."""
    return (
        f"({_strong(part)} OR {_fuzzy(part)} OR {_latin_skeleton(part)} OR {_latin_similar(part)})"
    )


def _differs_across_scripts() -> ComparisonLevelCreator:
    """Names that differ between an Arabic and a Latin record are weaker evidence of two people
    than names that differ within one script: the romanization may be one no rule foresaw."""
    return cll.CustomLevel('"script_l" <> "script_r"', label_for_charts="differs, across scripts")


def given_name_comparison() -> ComparisonCreator:
    key, skel, xkeys = "given_key", "given_skel", "given_xkeys"
    return cl.CustomComparison(
        output_column_name="given",
        comparison_levels=[
            cll.CustomLevel(
                f'"{key}_l" IS NULL OR "{key}_r" IS NULL', label_for_charts="missing"
            ).configure(is_null_level=True),
            cll.CustomLevel(f'"{key}_l" = "{key}_r"', label_for_charts="same key").configure(
                tf_adjustment_column=key
            ),
            cll.CustomLevel(f'"{skel}_l" = "{skel}_r"', label_for_charts="same skeleton"),
            cll.CustomLevel(
                f'list_has_any("{xkeys}_l", "{xkeys}_r")', label_for_charts="same Latin key"
            ),
            cll.CustomLevel(_fuzzy("given"), label_for_charts="similar skeleton"),
            cll.CustomLevel(_latin_skeleton("given"), label_for_charts="same Latin skeleton"),
            cll.CustomLevel(_latin_similar("given"), label_for_charts="similar in Latin letters"),
            # A given name written in another position (parts swapped or one dropped) is an
            # error of the list; a given name absent from the other record is a different
            # person, most often a sibling, who shares everything else.
            cll.CustomLevel(
                f'list_has_any("{xkeys}_l", "lineage_xkeys_r") OR '
                f'list_has_any("{xkeys}_r", "lineage_xkeys_l")',
                label_for_charts="found in another part",
            ),
            _differs_across_scripts(),
            cll.ElseLevel(),
        ],
        comparison_description="given name",
    )


def lineage_comparison() -> ComparisonCreator:
    """Father, grandfather and family names as one comparison.

    Brothers and sisters share all three, so agreement on the three together is far more
    common among different people than the product of the three agreements would say (in the
    simulated conflict, 140 times). One comparison learns that rate directly instead of
    assuming the parts independent.
    """
    father, grandfather, family = _strong("father"), _strong("grandfather"), _strong("family")
    father_l, grandfather_l, family_l = _loose("father"), _loose("grandfather"), _loose("family")
    present = '("{0}_key_l" IS NOT NULL AND "{0}_key_r" IS NOT NULL)'
    missing = " AND ".join(f'("{p}_key_l" IS NULL OR "{p}_key_r" IS NULL)' for p in LINEAGE_PARTS)
    return cl.CustomComparison(
        output_column_name="lineage",
        comparison_levels=[
            cll.CustomLevel(missing, label_for_charts="missing").configure(is_null_level=True),
            cll.CustomLevel(
                f"{father} AND {grandfather} AND {family}", label_for_charts="all three same"
            ),
            cll.CustomLevel(
                f"{father_l} AND {grandfather_l} AND {family_l}",
                label_for_charts="all three alike",
            ),
            cll.CustomLevel(
                f"{father_l} AND {grandfather_l} AND NOT {present.format('family')}",
                label_for_charts="father and grandfather alike, no family name to compare",
            ),
            cll.CustomLevel(
                f"{family_l} AND ({father_l} OR {grandfather_l})",
                label_for_charts="family and one of father, grandfather alike",
            ),
            cll.CustomLevel(
                f"{father_l} AND {grandfather_l}",
                label_for_charts="father and grandfather alike, family differs",
            ),
            cll.CustomLevel(family_l, label_for_charts="family alike only"),
            cll.CustomLevel(
                f"{father_l} OR {grandfather_l}", label_for_charts="father or grandfather alike"
            ),
            _differs_across_scripts(),
            cll.ElseLevel(),
        ],
        comparison_description="father, grandfather and family names",
    )


def id_comparison() -> ComparisonCreator:
    any_l = 'coalesce("id_number_l", "id_number_any_l")'
    any_r = 'coalesce("id_number_r", "id_number_any_r")'
    return cl.CustomComparison(
        output_column_name="id",
        comparison_levels=[
            cll.CustomLevel(f"{any_l} IS NULL OR {any_r} IS NULL").configure(is_null_level=True),
            cll.CustomLevel('"id_number_l" = "id_number_r"', label_for_charts="same valid ID"),
            cll.CustomLevel(f"{any_l} = {any_r}", label_for_charts="same ID, not checked valid"),
            # One digit off or two adjacent digits swapped: the commonest ID typing errors.
            cll.CustomLevel(
                f"damerau_levenshtein({any_l}, {any_r}) = 1", label_for_charts="one edit apart"
            ),
            cll.ElseLevel(),
        ],
        comparison_description="ID number",
    )


def age_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="age",
        comparison_levels=[
            cll.CustomLevel(
                '("dob_l" IS NULL OR "dob_r" IS NULL) AND '
                '("birth_year_l" IS NULL OR "birth_year_r" IS NULL) AND '
                '("age_years_l" IS NULL OR "age_years_r" IS NULL)'
            ).configure(is_null_level=True),
            cll.CustomLevel('"dob_l" = "dob_r"', label_for_charts="same date of birth"),
            cll.CustomLevel('"birth_year_l" = "birth_year_r"', label_for_charts="same birth year"),
            cll.CustomLevel(
                'abs("age_years_l" - "age_years_r") <= 1', label_for_charts="ages within 1"
            ),
            cll.CustomLevel(
                'abs("age_years_l" - "age_years_r") <= 3', label_for_charts="ages within 3"
            ),
            cll.ElseLevel(),
        ],
        comparison_description="age and date of birth",
    )


def sex_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[
            cll.CustomLevel('"sex_l" IS NULL OR "sex_r" IS NULL').configure(is_null_level=True),
            cll.CustomLevel('"sex_l" = "sex_r"', label_for_charts="same sex"),
            cll.ElseLevel(),
        ],
        comparison_description="sex",
    )


def death_comparison() -> ComparisonCreator:
    diff = 'abs(date_diff(\'day\', "date_of_death_l", "date_of_death_r"))'
    return cl.CustomComparison(
        output_column_name="death",
        comparison_levels=[
            cll.CustomLevel('"date_of_death_l" IS NULL OR "date_of_death_r" IS NULL').configure(
                is_null_level=True
            ),
            cll.CustomLevel(f"{diff} = 0", label_for_charts="same date of death"),
            # Lists date a death by the day it was reported or the body arrived: a few days off.
            cll.CustomLevel(f"{diff} <= 3", label_for_charts="within 3 days"),
            cll.ElseLevel(),
        ],
        comparison_description="date of death",
    )


def default_comparisons() -> list[ComparisonCreator]:
    return [
        given_name_comparison(),
        lineage_comparison(),
        id_comparison(),
        age_comparison(),
        sex_comparison(),
        death_comparison(),
    ]
