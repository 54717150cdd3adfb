"""Cross-script views of name parts: an Arabic spelling and a Latin one must be able to meet."""

from __future__ import annotations

import pandas as pd

from uncounted.link.features import build_features


def _features(*names: str) -> list[dict[str, object]]:
    records = pd.DataFrame({
        "record_id": [f"r{i}" for i in range(len(names))],
        "list": [f"list{i}" for i in range(len(names))],
        "full_name": list(names),
        **{column: [None] * len(names) for column in (
            "id_number", "id_check", "sex", "age_years", "date_of_death", "place")},
    })
    return build_features(records).to_pylist()


def test_a_french_ch_meets_the_arabic_shin_in_blocking_and_comparison() -> None:
    latin, arabic = _features("Chadi Bachir Mohamed El-Ahmadi", "شادي بشير محمد الاحمدي")
    for part in ("given", "father", "family"):
        assert set(latin[f"{part}_xskels"]) & set(arabic[f"{part}_xskels"]), part
    # the blocking rule on given and family name finds the pair
    assert (latin["given_xskel"], latin["family_xskel"]) == (
        arabic["given_xskel"], arabic["family_xskel"])


def test_an_english_kh_still_meets_the_arabic_kha() -> None:
    latin, arabic = _features("Khaled Sameer Khalil", "خالد سمير خليل")
    assert set(latin["given_xskels"]) & set(arabic["given_xskels"])
    assert set(latin["family_xskels"]) & set(arabic["family_xskels"])


def test_an_age_gives_two_candidate_birth_years_and_a_date_of_birth_one() -> None:
    records = pd.DataFrame({
        "record_id": ["aged", "born"], "list": ["a", "b"],
        "full_name": ["Sami Test", "Sami Test"],
        "age_years": [30.0, None], "date_of_birth": [None, "1993-05-02"],
        "date_of_death": ["2024-03-01", None],
        **{column: [None, None] for column in ("id_number", "id_check", "sex", "place")},
    })
    aged, born = build_features(records).to_pylist()
    assert (aged["birth_year_est"], aged["birth_year_alt"]) == (1994, 1993)
    assert (born["birth_year_est"], born["birth_year_alt"]) == (1993, 1993)


def test_the_second_romanization_is_kept_for_blocking() -> None:
    (arabic,) = _features("وفاء سمير خليل")
    assert arabic["given_xskels"][:2] == [arabic["given_xskel"], arabic["given_xskel2"]]
    (latin,) = _features("Wafa Sameer Khalil")
    assert latin["given_xskel2"] == latin["given_xskel"]  # one spelling, one candidate
