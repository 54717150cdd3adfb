"""When uncounted's scorer stands in for splink's predict, and when it leaves it to splink."""

from __future__ import annotations

import copy

from uncounted.link import scoring
from uncounted.link.model import _settings, default_blocking_rules


def _model() -> dict:
    settings = _settings(default_blocking_rules()).create_settings_dict(sql_dialect_str="duckdb")
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            level.setdefault("u_probability", 0.5)
            level["m_probability"] = level.get("m_probability") or 0.5
    settings["probability_two_random_records_match"] = 1e-4
    return settings


def test_the_default_model_is_scored_by_uncounted_with_the_name_taken_apart() -> None:
    model = _model()
    assert scoring.supports(model)
    assert [g.name for g in scoring.gammas_of(model) if g.atom_stages] == ["name"]


def test_models_it_cannot_reproduce_are_left_to_splink() -> None:
    no_else = copy.deepcopy(_model())
    no_else["comparisons"][1]["comparison_levels"].pop()
    assert not scoring.supports(no_else)

    with_tf = copy.deepcopy(_model())
    with_tf["comparisons"][0]["comparison_levels"][1]["tf_adjustment_column"] = "given_key"
    assert not scoring.supports(with_tf)

    exploding = copy.deepcopy(_model())
    exploding["blocking_rules_to_generate_predictions"][0]["arrays_to_explode"] = ["xkeys"]
    assert not scoring.supports(exploding)


def test_a_name_comparison_saved_by_another_version_keeps_its_own_sql() -> None:
    model = copy.deepcopy(_model())
    level = model["comparisons"][0]["comparison_levels"][3]
    level["sql_condition"] = level["sql_condition"] + " AND TRUE"
    assert not [g for g in scoring.gammas_of(model) if g.atom_stages]
    assert "AND TRUE" in scoring.gammas_of(model)[0].sql


def test_level_weights_are_log2_m_over_u_and_nothing_for_the_null_level() -> None:
    comparison = {
        "output_column_name": "x",
        "comparison_levels": [
            {"sql_condition": "a IS NULL", "is_null_level": True},
            {"sql_condition": "a = b", "m_probability": 0.8, "u_probability": 0.1},
            {"sql_condition": "ELSE", "m_probability": 0.2, "u_probability": 0.9},
        ],
    }
    weights = scoring.level_weights(comparison)
    assert weights[-1] == 0.0
    assert abs(weights[1] - 3.0) < 1e-12
    assert abs(weights[0] - (-2.169925001442312)) < 1e-12
    model = {"comparisons": [comparison]}
    assert scoring.gammas_of(model)[0].sql == (
        "CASE WHEN (a IS NULL) THEN -1 WHEN (a = b) THEN 1 ELSE 0 END"
    )
