"""Hand-worked metrics and cannot-link constraints on tiny examples."""

from __future__ import annotations

import pandas as pd
import pytest

from uncounted.link.cluster import cluster_pairs
from uncounted.link.evaluate import bcubed_scores, pair_scores

# Truth: persons A = {1, 2, 3}, B = {4}. Predicted: {1, 2}, {3, 4}.
TRUTH = {"1": "A", "2": "A", "3": "A", "4": "B"}
PREDICTED = {"1": "x", "2": "x", "3": "y", "4": "y"}


def test_pair_scores_hand_worked() -> None:
    # True pairs: 12 13 23 (3). Predicted pairs: 12 34 (2). Agreed: 12.
    scores = pair_scores(TRUTH, PREDICTED)
    assert scores.precision == pytest.approx(1 / 2)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))


def test_bcubed_hand_worked() -> None:
    # Precision per record: 1, 1, 1/2, 1/2 → 3/4. Recall: 2/3, 2/3, 1/3, 1 → 2/3.
    scores = bcubed_scores(TRUTH, PREDICTED)
    assert scores.precision == pytest.approx(3 / 4)
    assert scores.recall == pytest.approx(2 / 3)


def test_perfect_prediction() -> None:
    assert pair_scores(TRUTH, TRUTH).f1 == 1.0
    assert bcubed_scores(TRUTH, TRUTH).f1 == pytest.approx(1.0)


def _features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": ["a", "b", "c", "d", "e", "f"],
            "id_number": ["400000001", None, "400000002", None, None, None],
            "sex": ["male", "male", "male", "female", "male", "male"],
            "age_years": [30.0, 31.0, 30.0, 30.0, 30.0, 70.0],
        }
    )


def test_cannot_link_ids_sex_age() -> None:
    pairs = pd.DataFrame(
        {
            "unique_id_l": ["a", "b", "a", "a", "e"],
            "unique_id_r": ["b", "c", "d", "e", "f"],
            # a-d: other sex, scored under the bar at which a pair may join two sexes
            "match_probability": [0.99, 0.98, 0.93, 0.5, 0.96],
        }
    )
    clusters = cluster_pairs(pairs, _features(), threshold=0.9)
    assert clusters["a"] == clusters["b"] == "a"
    assert clusters["c"] == "c"  # a second valid ID in {a, b} is refused
    assert clusters["d"] == "d"  # other sex
    assert clusters["e"] == "e"  # below the threshold, and 70 is not 30
    assert clusters["f"] == "f"
    assert set(clusters) == set("abcdef")
