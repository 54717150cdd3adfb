"""The two-class EM on comparison levels, checked against data drawn from known m and u."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from uncounted.link.training import (
    fit_two_classes,
    labelled_pairs_table,
    random_pairs_rule,
)


def draw(n: int, share: float, m: list[list[float]], u: list[list[float]], seed: int):
    rng = np.random.default_rng(seed)
    match = rng.random(n) < share
    columns = []
    for m_levels, u_levels in zip(m, u, strict=True):
        g = np.where(
            match,
            rng.choice(len(m_levels), n, p=m_levels),
            rng.choice(len(u_levels), n, p=u_levels),
        )
        columns.append(g)
    return columns


M = [[0.05, 0.15, 0.8], [0.1, 0.9], [0.2, 0.3, 0.5]]
U = [[0.9, 0.08, 0.02], [0.7, 0.3], [0.85, 0.1, 0.05]]


def test_free_u_recovers_m_of_a_known_mixture() -> None:
    gammas = draw(40_000, 0.3, M, U, seed=1)
    start_m = [np.array([0.1, 0.2, 0.7]), np.array([0.2, 0.8]), np.array([0.2, 0.3, 0.5])]
    start_u = [np.array(x) for x in ([0.8, 0.1, 0.1], [0.6, 0.4], [0.8, 0.1, 0.1])]
    m = fit_two_classes(gammas, start_m=start_m, start_u=start_u)
    for learnt, true in zip(m, M, strict=True):
        assert np.allclose(learnt, true, atol=0.02)


def test_fixed_u_recovers_m_and_nulls_are_ignored() -> None:
    gammas = draw(40_000, 0.5, M, U, seed=2)
    gammas[1] = np.where(np.arange(len(gammas[1])) % 4 == 0, -1, gammas[1])
    u = [np.array(x) for x in U]
    m = fit_two_classes(gammas, start_m=[np.array(x) for x in M], start_u=u, fixed_u=u)
    for learnt, true in zip(m, M, strict=True):
        assert np.allclose(learnt, true, atol=0.02)


def test_random_pairs_rule_buckets_scale_with_the_records() -> None:
    assert "% 1 " in random_pairs_rule(100, 1) + " "
    rule = random_pairs_rule(1_000_000, 7)
    assert "'7'" in rule and "% 500000" in rule


def test_labelled_pairs_table_pairs_the_two_records_of_each_label() -> None:
    features = pa.table({"unique_id": ["a", "b", "c"], "x": [1, 2, 3]})
    labels = pd.DataFrame(
        {"unique_id_l": ["a", "b", "zz"], "unique_id_r": ["c", "c", "a"], "is_match": [1, 0, 1]}
    )
    table = labelled_pairs_table(features, labels)
    assert table.column("x").to_pylist() == [1, 3, 2, 3]
    assert table.column("label_pair").to_pylist() == [0, 0, 1, 1]
    assert len(set(table.column("unique_id").to_pylist())) == 4


def _pairs_kept(features: pa.Table, rule_sql: str) -> int:
    import duckdb

    con = duckdb.connect(":memory:")
    con.register("features", features)
    found = con.execute(
        f"SELECT count(*) FROM features l JOIN features r "
        f"ON ({rule_sql}) AND l.unique_id < r.unique_id"
    ).fetchone()
    return int(found[0]) if found else 0


def test_sampled_rule_keeps_a_small_block_whole_and_samples_a_big_one(monkeypatch) -> None:
    from uncounted.link import training

    n = 2_000
    features = pa.table(
        {
            "unique_id": [f"r{i:05d}" for i in range(n)],
            "sex": ["male" if i % 2 else "female" for i in range(n)],
            "birth_year": [1990 + i % 400 for i in range(n)],
        }
    )
    small_rule = 'l."birth_year" = r."birth_year"'
    assert training.sampled_rule(features, small_rule, seed=3) == small_rule

    big_rule = 'l."sex" = r."sex"'
    all_pairs = 2 * (1_000 * 999 // 2)
    monkeypatch.setattr(training, "SESSION_MAX_PAIRS", 50_000)
    sampled = training.sampled_rule(features, big_rule, seed=3)
    kept = _pairs_kept(features, sampled)
    assert 0.7 * 50_000 < kept < 1.3 * 50_000 < all_pairs
    assert training.sampled_rule(features, big_rule, seed=3) == sampled
    assert _pairs_kept(features, training.sampled_rule(features, big_rule, seed=4)) != kept


def test_a_session_whose_pairs_all_match_gives_finite_m() -> None:
    import warnings

    gammas = [np.full(200, 2), np.full(200, 1)]
    start_m = [np.array([0.1, 0.2, 0.7]), np.array([0.2, 0.8])]
    start_u = [np.array([0.8, 0.1, 0.1]), np.array([0.6, 0.4])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # a non-matching class that almost never reaches these levels: every pair a match
        rare = [np.array([1.0 - 2e-30, 1e-30, 1e-30]), np.array([1.0 - 1e-30, 1e-30])]
        m = fit_two_classes(gammas, start_m=start_m, start_u=start_u, fixed_u=rare)
    assert all(np.isfinite(level).all() for level in m)
    assert m[0].argmax() == 2 and m[1].argmax() == 1


def test_review_labels_move_m_until_the_model_agrees_with_them() -> None:
    """Labels near the threshold say how often a pair with given levels is a match: a level
    whose labelled pairs are matches far more often than the model says gains weight, and the
    fit does not touch levels no labelled pair reached."""
    from uncounted.link.training import _posterior, fit_to_labels

    def level(m: float, u: float) -> dict[str, float]:
        return {"m_probability": m, "u_probability": u}

    model = {
        "probability_two_random_records_match": 0.01,
        "comparisons": [
            {
                "output_column_name": "name",
                "comparison_levels": [
                    {"is_null_level": True},
                    level(0.5, 0.001),  # level 2
                    level(0.3, 0.1),  # level 1: the model says weak
                    level(0.2, 0.899),  # level 0 (ELSE)
                ],
            }
        ],
    }
    # At level 1, 80 of 100 labelled pairs are matches; the model expects about 3.
    labelled = pd.DataFrame({"gamma_name": [1] * 100, "is_match": [True] * 80 + [False] * 20})
    before = float(_posterior(model, labelled).mean())
    fitted, moved = fit_to_labels(model, labelled)
    after = float(_posterior(fitted, labelled).mean())
    assert before < 0.1 and abs(after - 0.8) < 0.05
    assert moved == {"name": 1}
    levels = fitted["comparisons"][0]["comparison_levels"]
    assert levels[1]["m_probability"] == 0.5 and levels[3]["m_probability"] == 0.2
