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

from uncounted.link.features import PARTS

# Jaro-Winkler on skeletons is high for distinct common names (محمد/محمود: 0.95), so the fuzzy
# level also asks for equal key lengths (a substituted or swapped letter) unless both keys are
# long enough that one dropped letter cannot turn one common name into another.
FUZZY_THRESHOLD: Final = 0.92
FUZZY_UNEQUAL_LENGTH_MIN: Final = 6
# Term-frequency adjustments: agreeing on a rare family or given name is stronger evidence.
TF_PARTS: Final = ("given", "family")


def name_part_comparison(part: str) -> ComparisonCreator:
    key, skel, xkeys, xskel = f"{part}_key", f"{part}_skel", f"{part}_xkeys", f"{part}_xskel"
    exact: ComparisonLevelCreator = cll.CustomLevel(
        f'"{key}_l" = "{key}_r"', label_for_charts="same key"
    )
    if part in TF_PARTS:
        exact = exact.configure(tf_adjustment_column=key)
    return cl.CustomComparison(
        output_column_name=part,
        comparison_levels=[
            cll.CustomLevel(
                f'"{key}_l" IS NULL OR "{key}_r" IS NULL', label_for_charts="missing"
            ).configure(is_null_level=True),
            exact,
            cll.CustomLevel(f'"{skel}_l" = "{skel}_r"', label_for_charts="same skeleton"),
            cll.CustomLevel(
                f'list_has_any("{xkeys}_l", "{xkeys}_r")', label_for_charts="same Latin key"
            ),
            cll.CustomLevel(
                f'jaro_winkler_similarity("{skel}_l", "{skel}_r") >= {FUZZY_THRESHOLD} AND '
                f'(length("{key}_l") = length("{key}_r") OR '
                f'least(length("{key}_l"), length("{key}_r")) >= {FUZZY_UNEQUAL_LENGTH_MIN})',
                label_for_charts=f"skeleton Jaro-Winkler >= {FUZZY_THRESHOLD}",
            ),
            # Latin consonant skeletons meet across scripts but fold Mohammed and Mahmoud
            # together: the weakest agreement, learnt as such.
            cll.CustomLevel(f'"{xskel}_l" = "{xskel}_r"', label_for_charts="same Latin skeleton"),
            cll.ElseLevel(),
        ],
        comparison_description=f"{part} name",
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
        *(name_part_comparison(part) for part in PARTS),
        id_comparison(),
        age_comparison(),
        sex_comparison(),
        death_comparison(),
    ]
