"""Stepwise (SparseMSE) and best-BIC selection against the reference results."""

from __future__ import annotations

from pathlib import Path

import pytest

from uncounted.estimate.selection import BestModel, Stepwise
from uncounted.estimate.table import CaptureTable


def _table(mse_tables: Path, name: str) -> CaptureTable:
    return CaptureTable.from_csv(mse_tables / f"{name}.csv")


@pytest.mark.parametrize(
    ("name", "estimate", "added"),
    [
        ("uk5", 11313.0, None),
        ("uk6", 11418.0, None),
        ("new_orleans8", 1183.7, ["D·E"]),
        ("new_orleans5", 1034.2, []),
        ("western", 2483.4, ["A·E"]),
    ],
)
def test_stepwise_reference_estimates(
    mse_tables: Path, name: str, estimate: float, added: list[str] | None
) -> None:
    result = Stepwise().fit(_table(mse_tables, name)).result_
    assert round(result.estimate or 0.0, 1) == estimate
    if added is not None:
        assert result.diagnostics["added_terms"] == added


def test_stepwise_uk5_model_conditional_interval(mse_tables: Path) -> None:
    result = Stepwise().fit(_table(mse_tables, "uk5")).result_
    assert round(result.lower or 0.0) == 9884
    assert round(result.upper or 0.0) == 13027


def test_stepwise_p_values_increase_and_stay_below_threshold(mse_tables: Path) -> None:
    estimator = Stepwise().fit(_table(mse_tables, "uk5"))
    p_values = estimator.result_.diagnostics["added_p_values"]
    assert p_values and all(p < 0.02 for p in p_values)
    assert len(estimator.models_) == len(p_values) + 1


def test_stepwise_threshold_zero_is_main_effects(mse_tables: Path) -> None:
    result = Stepwise(threshold=0.0).fit(_table(mse_tables, "new_orleans8")).result_
    assert round(result.estimate or 0.0, 1) == 996.7


@pytest.mark.parametrize(
    ("name", "model", "estimate"),
    [
        ("uk5", "[123,25,34]", 25311.3),
        ("korea", "[12,23]", 157.2),
        ("hav", "[12,13,23]", 1312.8),
        ("diabetes", "[13,24,34]", 2472.2),
        ("congenital", "[12,13,45]", 620.5),
        ("spina", "[1,23]", 724.1),
    ],
)
def test_best_bic_reference(mse_tables: Path, name: str, model: str, estimate: float) -> None:
    estimator = BestModel(criterion="bic", interval="none").fit(_table(mse_tables, name))
    assert estimator.result_.model == model
    assert round(estimator.result_.estimate or 0.0, 1) == estimate
    assert estimator.result_.diagnostics["search"] == "exhaustive"


def test_best_bic_records_every_model_and_skips_refused(mse_tables: Path) -> None:
    estimator = BestModel(interval="none").fit(_table(mse_tables, "korea"))
    records = {r.model: r for r in estimator.models_}
    assert len(records) == 8
    assert records["[12,13,23]"].verdict == "mle_does_not_exist"
    assert records["[12,13,23]"].estimate is None
    usable = [r for r in records.values() if r.bic is not None]
    assert min(usable, key=lambda r: r.bic or 0.0).model == "[12,23]"


def test_hav_best_bic_warns_saturated(mse_tables: Path) -> None:
    result = BestModel(interval="none").fit(_table(mse_tables, "hav")).result_
    assert any("saturated" in w for w in result.warnings)


def test_greedy_search_for_many_lists(mse_tables: Path) -> None:
    estimator = BestModel(interval="none", max_order=3).fit(_table(mse_tables, "uk6"))
    assert estimator.result_.diagnostics["search"] == "greedy"
    assert estimator.result_.estimate is not None
    bics = [r.bic for r in estimator.models_ if r.bic is not None]
    assert estimator.result_.diagnostics["bic"] == min(bics)
