"""Log-linear estimates against R's reference results and hand-worked cases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from uncounted.estimate.loglinear import Independence, LogLinear
from uncounted.estimate.table import CaptureTable


def _table(mse_tables: Path, name: str) -> CaptureTable:
    return CaptureTable.from_csv(mse_tables / f"{name}.csv")


@pytest.mark.parametrize(
    ("name", "model", "expected"),
    [
        ("uk5", "[123,25,34]", 25311.3),
        ("korea", "[12,23]", 157.2),
        ("hav", "[12,13,23]", 1312.8),
        ("diabetes", "[13,24,34]", 2472.2),
        ("congenital", "[12,13,45]", 620.5),
        ("spina", "[1,23]", 724.1),
        ("new_orleans8", "[1,2,3,4,5,6,7,8]", 996.7),
        ("new_orleans5", "[1,2,3,4,5]", 1034.2),
        ("new_orleans8", "[1,2,3,45,6,7,8]", 1183.7),
        ("western", "[15,2,3,4]", 2483.4),
        ("uk6", "[1,2,3,4,5,6]", 12214.0),
    ],
)
def test_reference_estimates_to_the_unit(
    mse_tables: Path, name: str, model: str, expected: float
) -> None:
    result = LogLinear(model, interval="none").fit(_table(mse_tables, name)).result_
    assert result.refused is None
    assert round(result.estimate or 0.0, 1) == expected


def test_two_lists_independence_is_lincoln_petersen() -> None:
    # n1 = 80, n2 = 50, both = 20: N = 80 * 50 / 20 = 200 (unobserved 60 * 30 / 20 = 90)
    table = CaptureTable.from_patterns(["a", "b"], [(1, 0), (0, 1), (1, 1)], [60, 30, 20])
    result = Independence(interval="wald").fit(table).result_
    assert result.estimate == pytest.approx(200.0, rel=1e-10)
    # Wald variance of the log unobserved count: 1/60 + 1/30 + 1/20 (delta method by hand)
    se = math.sqrt(1 / 60 + 1 / 30 + 1 / 20)
    assert result.lower == pytest.approx(110 + 90 * math.exp(-1.959963985 * se), rel=1e-6)
    assert result.upper == pytest.approx(110 + 90 * math.exp(1.959963985 * se), rel=1e-6)


def test_korea_all_two_way_is_refused_not_printed(mse_tables: Path) -> None:
    estimator = LogLinear("[12,13,23]").fit(_table(mse_tables, "korea"))
    assert estimator.result_.estimate is None
    assert estimator.result_.lower is None
    assert "does not exist" in str(estimator.result_.refused)


def test_artificial3_not_identifiable_is_refused(mse_tables: Path) -> None:
    result = LogLinear("[12,13,23]").fit(_table(mse_tables, "artificial3")).result_
    assert result.estimate is None
    assert "not identifiable" in str(result.refused)


def test_saturated_hav_is_flagged(mse_tables: Path) -> None:
    result = LogLinear("[12,13,23]").fit(_table(mse_tables, "hav")).result_
    assert result.diagnostics["df"] == 0
    assert any("no identifying assumption" in w for w in result.warnings)


def test_diagnostics_match_r_glm_on_spina(mse_tables: Path) -> None:
    estimator = LogLinear("[1,23]", interval="none").fit(_table(mse_tables, "spina"))
    d = estimator.result_.diagnostics
    assert d["df"] == 7 - 5
    assert d["mle_exists"] and d["identifiable"]
    # BIC = AIC + (log n - 2) * parameters (Rcapture)
    assert d["bic"] == pytest.approx(d["aic"] + (math.log(621) - 2) * 5)


def test_profile_interval_contains_estimate_and_is_wider_above(mse_tables: Path) -> None:
    result = LogLinear("[12,23]").fit(_table(mse_tables, "korea")).result_
    assert result.lower is not None and result.upper is not None and result.estimate
    assert result.observed <= result.lower < result.estimate < result.upper
    assert result.upper - result.estimate > result.estimate - result.lower


def test_profile_interval_by_brute_force_on_two_lists() -> None:
    table = CaptureTable.from_patterns(["a", "b"], [(1, 0), (0, 1), (1, 1)], [60, 30, 20])
    result = LogLinear(None).fit(table).result_
    # multinomial profile log-likelihood of N for two independent lists, by hand
    from scipy.special import gammaln

    n1, n2, n = 80, 50, 110

    def loglik(total: float) -> float:
        p1, p2 = n1 / total, n2 / total
        return float(
            gammaln(total + 1) - gammaln(total - n + 1)
            + n1 * math.log(p1) + (total - n1) * math.log(1 - p1)
            + n2 * math.log(p2) + (total - n2) * math.log(1 - p2)
        )

    grid = np.linspace(150, 400, 250001)
    values = np.array([loglik(t) for t in grid])
    inside = grid[values >= values.max() - 3.841458820694124 / 2]
    assert result.lower == pytest.approx(inside.min(), abs=0.01)
    assert result.upper == pytest.approx(inside.max(), abs=0.01)


def test_same_input_same_output(mse_tables: Path) -> None:
    a = LogLinear("[12,23]").fit(_table(mse_tables, "korea")).result_.to_dict()
    b = LogLinear("[12,23]").fit(_table(mse_tables, "korea")).result_.to_dict()
    assert a == b
