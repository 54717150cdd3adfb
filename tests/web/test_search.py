"""Name tokens for the person search, in any script (made-up names)."""

from __future__ import annotations

from uncounted.workflow.person_search import name_tokens


def test_tokens_in_each_script_share_a_latin_skeleton() -> None:
    arabic = name_tokens("زهير البرتقالي")
    latin = name_tokens("Zuhair Al-Burtuqali")
    assert len(arabic) == len(latin) == 2
    for a, b in zip(arabic, latin, strict=True):
        assert a.skeletons & b.skeletons


def test_mixed_words_and_words_without_letters_do_not_break_the_search() -> None:
    assert name_tokens("12345 -") == []
    # One word of two scripts (a stray letter) is read in the script of most of its letters.
    assert len(name_tokens("زهيرx")) == 1
    mixed = name_tokens("زهير Qandil")
    assert len(mixed) == 2
