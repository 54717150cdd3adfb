"""uncounted.normalize: pure functions that turn raw list values into comparison features.

Names (Arabic, Hebrew, Latin; parts; cross-script bridge), ID numbers, ages and dates, and the
script of a string. Nothing here touches the database or files other than packaged data.
"""

from uncounted.normalize.arabic import (
    arabic_name_key,
    arabic_name_key_many,
    arabic_rasm,
    arabic_rasm_many,
    arabic_skeleton,
    arabic_skeleton_many,
    arabic_tokens,
    lam_alef_variants,
    normalize_arabic,
    normalize_arabic_many,
    token_skeleton,
)
from uncounted.normalize.bridge import (
    arabic_latin_skeletons,
    cross_script_keys,
    cross_script_skeletons,
    latin_to_arabic_candidates,
    match_arabic_latin_token,
    romanize_arabic,
    romanize_arabic_name,
    romanizer_package_available,
)
from uncounted.normalize.dates import (
    BirthDate,
    age_at,
    age_range_at,
    ages_compatible,
    parse_birth_date,
    parse_date,
)
from uncounted.normalize.hebrew import (
    hebrew_matches_latin,
    hebrew_name_key,
    hebrew_skeleton_candidates,
    normalize_hebrew,
    romanize_hebrew,
)
from uncounted.normalize.ids import id_is_valid, id_relation, normalize_id, normalize_id_many
from uncounted.normalize.latin import (
    canonical_token,
    latin_name_key,
    latin_name_key_many,
    latin_skeleton,
    latin_skeleton_many,
    latin_token_skeleton,
)
from uncounted.normalize.parts import NameParts, parse_name, parse_names
from uncounted.normalize.script import detect_script, detect_script_many

__all__ = [
    "BirthDate",
    "NameParts",
    "age_at",
    "age_range_at",
    "ages_compatible",
    "arabic_latin_skeletons",
    "arabic_name_key",
    "arabic_name_key_many",
    "arabic_rasm",
    "arabic_rasm_many",
    "arabic_skeleton",
    "arabic_skeleton_many",
    "arabic_tokens",
    "canonical_token",
    "cross_script_keys",
    "cross_script_skeletons",
    "detect_script",
    "detect_script_many",
    "hebrew_matches_latin",
    "hebrew_name_key",
    "hebrew_skeleton_candidates",
    "id_is_valid",
    "id_relation",
    "lam_alef_variants",
    "latin_name_key",
    "latin_name_key_many",
    "latin_skeleton",
    "latin_skeleton_many",
    "latin_to_arabic_candidates",
    "latin_token_skeleton",
    "match_arabic_latin_token",
    "normalize_arabic",
    "normalize_arabic_many",
    "normalize_hebrew",
    "normalize_id",
    "normalize_id_many",
    "parse_birth_date",
    "parse_date",
    "parse_name",
    "parse_names",
    "romanize_arabic",
    "romanize_arabic_name",
    "romanize_hebrew",
    "romanizer_package_available",
    "token_skeleton",
]
