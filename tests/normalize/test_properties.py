"""Properties that must hold for any input, including arbitrary Unicode."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.normalize.arabic import (
    arabic_name_key,
    arabic_rasm,
    arabic_skeleton,
    normalize_arabic,
)
from uncounted.normalize.bridge import cross_script_keys, cross_script_skeletons, romanize_arabic
from uncounted.normalize.dates import ages_compatible, parse_birth_date
from uncounted.normalize.hebrew import hebrew_skeleton_candidates, normalize_hebrew
from uncounted.normalize.ids import id_relation, normalize_id
from uncounted.normalize.latin import fold_latin, latin_name_key, latin_skeleton
from uncounted.normalize.parts import parse_name
from uncounted.normalize.script import detect_script

ARABIC_ALPHABET = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىةٱکیـ ًٌٍَُِّْٰ٠١٢٣٤٥٦٧٨٩ "  # letters, marks, digits
arabic_text = st.text(alphabet=ARABIC_ALPHABET, max_size=40)
hebrew_text = st.text(alphabet="אבגדהוזחטיכךלמםנןסעפףצץקרשת ְֱֲֳִֵֶַָֹֻּׁׂ׳״־' ", max_size=30)
any_text = st.text(max_size=60)


@given(arabic_text)
def test_arabic_normalization_is_idempotent(text: str) -> None:
    once = normalize_arabic(text)
    assert normalize_arabic(once) == once


@given(arabic_text)
def test_skeleton_of_normalized_equals_skeleton_of_raw(text: str) -> None:
    assert arabic_skeleton(normalize_arabic(text)) == arabic_skeleton(text)
    assert arabic_name_key(normalize_arabic(text)) == arabic_name_key(text)


@given(hebrew_text)
def test_hebrew_normalization_is_idempotent(text: str) -> None:
    once = normalize_hebrew(text)
    assert normalize_hebrew(once) == once


@given(any_text)
def test_latin_key_ignores_folding(text: str) -> None:
    assert latin_name_key(fold_latin(text)) == latin_name_key(text)


@settings(max_examples=300)
@given(any_text)
def test_nothing_raises_on_arbitrary_unicode(text: str) -> None:
    normalize_arabic(text)
    arabic_skeleton(text)
    arabic_rasm(text)
    normalize_hebrew(text)
    hebrew_skeleton_candidates(text[:12])
    latin_name_key(text)
    latin_skeleton(text)
    detect_script(text)
    parse_name(text)
    romanize_arabic(text)
    cross_script_skeletons(text)
    cross_script_keys(text)
    normalize_id(text)
    parse_birth_date(text)


@given(
    st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩ -", max_size=12),
    st.text(alphabet="0123456789", max_size=10),
)
def test_id_relation_is_symmetric(a: str, b: str) -> None:
    assert id_relation(a, b) == id_relation(b, a)
    if normalize_id(a) is not None:
        assert id_relation(a, a) == "same"


@given(
    st.one_of(st.none(), st.floats(min_value=0, max_value=110)),
    st.one_of(st.none(), st.floats(min_value=0, max_value=110)),
    st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 1, 1))),
)
def test_ages_compatible_is_symmetric(
    a: float | None, b: float | None, born: dt.date | None
) -> None:
    death = dt.date(2024, 6, 1)
    birth = parse_birth_date(born) if born else None
    assert ages_compatible(a, None, b, birth, death) == ages_compatible(b, birth, a, None, death)
