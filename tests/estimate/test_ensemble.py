"""The ensemble: which methods count, and a headline that spans the defensible ones.

LCMCR runs far shorter here than by default (``FAST``) so the module stays quick; with such
short chains LCMCR is sometimes excluded for R-hat, which these tests allow for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from uncounted.core.errors import UncountedError
from uncounted.estimate.ensemble import (
    MIXING_KEY,
    SEED_KEYS,
    Ensemble,
    exclusion_reason,
    matched_draws,
    quantile_interval,
)
from uncounted.estimate.registry import SINGLE_METHODS
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.selection import BestModel
from uncounted.estimate.table import CaptureTable

FAST = {
    "lcmcr": {"n_samples": 300, "burn_in": 3000, "thin": 20, "n_chains": 2},
    "stepwise": {"n_boot": 200},
}


def _table(mse_tables: Path, name: str) -> CaptureTable:
    return CaptureTable.from_csv(mse_tables / f"{name}.csv")


@pytest.fixture(scope="module")
def uk5(mse_tables: Path) -> Ensemble:
    return Ensemble(seed=11, options=FAST).fit(_table(mse_tables, "uk5"))


def test_uk5_headline_spans_stepwise_and_bic(uk5: Ensemble) -> None:
    headline = uk5.result_
    assert headline.method == "ensemble"
    assert round(uk5.results_["stepwise"].estimate or 0, 1) == 11313.0
    assert round(uk5.results_["bic"].estimate or 0, 1) == 25311.3
    assert {"stepwise", "bic"} <= set(uk5.included_)
    assert headline.lower is not None and headline.upper is not None
    assert headline.lower <= uk5.results_["stepwise"].estimate  # type: ignore[operator]
    assert headline.upper >= uk5.results_["bic"].estimate  # type: ignore[operator]
    points = [uk5.results_[n].estimate for n in uk5.included_]
    assert all(headline.lower <= p <= headline.upper for p in points if p is not None)
    # LCMCR leads: the headline is its posterior median (resampled), whatever the others say;
    # with these short chains it has not converged, and the headline says so
    lcmcr = uk5.results_["lcmcr"]
    assert headline.estimate == pytest.approx(lcmcr.estimate, rel=0.002)
    if "lcmcr" in uk5.excluded_:
        assert any("run longer" in w for w in headline.warnings)


def test_uk5_warns_that_methods_disagree(uk5: Ensemble) -> None:
    warning = next(w for w in uk5.result_.warnings if "disagree" in w)
    assert "stepwise 11,313" in warning and "bic 25,311" in warning
    assert uk5.result_.diagnostics["spread"] > 2.0


def test_uk5_reports_every_method_and_why_it_is_out(uk5: Ensemble) -> None:
    diagnostics = uk5.result_.diagnostics
    assert set(uk5.results_) == {"stepwise", "bic", "lcmcr", "dga", "sample-coverage"}
    assert set(diagnostics["included"]) | set(diagnostics["excluded"]) == set(uk5.results_)
    assert "three lists only" in diagnostics["excluded"]["sample-coverage"]
    if "lcmcr" in diagnostics["excluded"]:
        assert "R-hat" in diagnostics["excluded"]["lcmcr"]


def test_korea_degenerate_model_never_appears_as_a_number(mse_tables: Path) -> None:
    korea = _table(mse_tables, "korea")
    ensemble = Ensemble(seed=2, options=FAST).fit(korea)
    shown = [ensemble.result_, *ensemble.results_.values()]
    for result in shown:
        for value in (result.estimate, result.lower, result.upper):
            assert value is None or value < 10 * korea.observed
    assert ensemble.results_["bic"].model == "[12,23]"
    only_degenerate = Ensemble(
        methods=["loglinear"], options={"loglinear": {"model": "[12,13,23]"}}, seed=2
    ).fit(korea)
    assert only_degenerate.result_.refused and "loglinear" in only_degenerate.result_.refused
    assert only_degenerate.result_.estimate is None


def test_hav_saturated_best_model_is_excluded(mse_tables: Path) -> None:
    ensemble = Ensemble(methods=["stepwise", "bic", "dga"], seed=3, options=FAST).fit(
        _table(mse_tables, "hav")
    )
    assert "saturated" in ensemble.excluded_["bic"]
    assert "saturated graph [123]" in ensemble.excluded_["dga"]
    assert ensemble.included_ == ["stepwise"]
    # one defensible method: the headline is that method's own interval, up to draw noise
    step = ensemble.results_["stepwise"]
    assert ensemble.result_.estimate == pytest.approx(step.estimate, rel=0.02)
    assert ensemble.result_.upper == pytest.approx(step.upper, rel=0.03)
    assert any("only one method" in w for w in ensemble.result_.warnings)


def test_two_lists_use_two_list_methods_and_say_so() -> None:
    table = CaptureTable.from_mapping(["a", "b"], {(1, 0): 60, (0, 1): 40, (1, 1): 20})
    ensemble = Ensemble(seed=1).fit(table)
    assert list(ensemble.results_) == ["chapman"]
    assert ensemble.result_.estimate == pytest.approx(ensemble.results_["chapman"].estimate,
                                                      rel=0.02)
    assert any("only two lists" in w for w in ensemble.result_.warnings)
    three_list_only = Ensemble(methods=["lcmcr", "chapman"], seed=1).fit(table)
    assert "at least 3 lists" in three_list_only.excluded_["lcmcr"]


def test_two_lists_that_never_overlap_give_no_headline() -> None:
    table = CaptureTable.from_mapping(["a", "b"], {(1, 0): 60, (0, 1): 40})
    ensemble = Ensemble(seed=1).fit(table)
    assert ensemble.excluded_ == {"chapman": "the two lists never overlap"}
    assert ensemble.result_.refused and ensemble.result_.estimate is None


def test_same_seed_same_numbers_whatever_n_jobs(mse_tables: Path) -> None:
    table = _table(mse_tables, "western")
    settings = {"methods": ["stepwise", "lcmcr", "dga"], "seed": 7, "options": FAST}
    one = Ensemble(n_jobs=1, **settings).fit(table).result_  # type: ignore[arg-type]
    two = Ensemble(n_jobs=2, **settings).fit(table).result_  # type: ignore[arg-type]
    assert one.draws is not None and two.draws is not None
    assert one.draws.tobytes() == two.draws.tobytes()
    assert (one.estimate, one.lower, one.upper) == (two.estimate, two.lower, two.upper)
    other = Ensemble(n_jobs=2, **{**settings, "seed": 8}).fit(table).result_  # type: ignore[arg-type]
    assert other.draws is not None and other.draws.tobytes() != one.draws.tobytes()


def test_a_methods_stream_does_not_depend_on_the_others(mse_tables: Path) -> None:
    table = _table(mse_tables, "western")
    alone = Ensemble(methods=["stepwise"], seed=4, options=FAST).fit(table)
    together = Ensemble(methods=["bic", "stepwise"], seed=4, options=FAST).fit(table)
    a, b = alone.results_["stepwise"], together.results_["stepwise"]
    assert a.draws is not None and b.draws is not None
    assert a.draws.tobytes() == b.draws.tobytes()


def test_matched_draws_reproduce_the_interval(mse_tables: Path) -> None:
    result = BestModel().fit(_table(mse_tables, "uk5")).result_
    draws = matched_draws(result, 200_000, np.random.default_rng(0))
    lower, median, upper = quantile_interval(draws, result.level)
    assert median == pytest.approx(result.estimate, rel=0.005)
    assert lower == pytest.approx(result.lower, rel=0.01)
    assert upper == pytest.approx(result.upper, rel=0.01)
    assert draws.min() >= result.observed


def _result(method: str, **fields: object) -> EstimateResult:
    base: dict[str, object] = {
        "method": method, "model": None, "observed": 100, "estimate": 150.0,
        "lower": 120.0, "upper": 200.0,
    }
    base.update(fields)
    return EstimateResult(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "result", "reason"),
    [
        ("lcmcr", _result("lcmcr", diagnostics={"rhat": 1.2}), "R-hat"),
        ("lcmcr", _result("lcmcr", diagnostics={}), "R-hat"),
        ("dga", _result("dga", diagnostics={"edge_mass": 1e-3}), "end of the N grid"),
        ("dga", _result("dga", diagnostics={"edge_mass": 0.0, "top_graphs": [
            {"model": "[123]", "probability": 0.6}]}), "saturated graph"),
        ("bic", _result("best_bic", model="[12,13,23]", diagnostics={"df": 0}), "saturated"),
        ("stepwise", _result("stepwise", diagnostics={"df": 2, "converged": False}),
         "did not converge"),
        ("stepwise", _result("stepwise", estimate=None, lower=None, upper=None,
                             refused="MLE does not exist"), "refused: MLE does not exist"),
        ("bic", _result("best_bic", upper=float("inf")), "unbounded"),
        ("chapman", _result("chapman", diagnostics={"both": 0}), "never overlap"),
    ],
)
def test_exclusion_rules(name: str, result: EstimateResult, reason: str) -> None:
    found = exclusion_reason(name, result, 3)
    assert found is not None and reason in found


def test_passing_diagnostics_are_defensible() -> None:
    assert exclusion_reason("lcmcr", _result("lcmcr", diagnostics={"rhat": 1.01}), 3) is None
    assert exclusion_reason("dga", _result("dga", diagnostics={"edge_mass": 1e-9, "top_graphs": [
        {"model": "[12,3]", "probability": 0.9}]}), 3) is None
    assert exclusion_reason("bic", _result("best_bic", diagnostics={"df": 1}), 3) is None


def test_bad_settings_fail_clearly(mse_tables: Path) -> None:
    table = _table(mse_tables, "korea")
    with pytest.raises(UncountedError, match="unknown method"):
        Ensemble(methods=["bic", "nope"]).fit(table)
    with pytest.raises(UncountedError, match="cannot contain itself"):
        Ensemble(methods=["ensemble"]).fit(table)
    with pytest.raises(UncountedError, match="unknown method 'lcmrc'"):
        Ensemble(methods=["bic"], options={"lcmrc": {}}).fit(table)


def test_every_method_has_its_own_seed_key() -> None:
    assert set(SEED_KEYS) == set(SINGLE_METHODS)
    keys = [*SEED_KEYS.values(), MIXING_KEY]
    assert len(set(keys)) == len(keys)


def test_lcmcr_leads_the_headline_and_equal_is_the_old_rule(mse_tables: Path) -> None:
    table = _table(mse_tables, "western")
    led = Ensemble(seed=5, options=FAST).fit(table)
    lcmcr = led.results_["lcmcr"]
    assert led.result_.diagnostics["votes"] == {"lcmcr": 1.0}
    # the headline is LCMCR's posterior (resampled), widened only to reach the other estimates
    assert led.result_.estimate == pytest.approx(lcmcr.estimate, rel=0.02)
    points = [led.results_[n].estimate for n in led.included_]
    assert led.result_.lower <= min(points) and led.result_.upper >= max(points)  # type: ignore[operator,type-var]
    equal = Ensemble(seed=5, options=FAST, rule="equal").fit(table)
    assert equal.result_.diagnostics["votes"] == {n: 1.0 for n in equal.included_}
    assert equal.result_.model.startswith("equal-weight mixture")  # type: ignore[union-attr]
    with pytest.raises(UncountedError, match="unknown headline rule"):
        Ensemble(rule="best").fit(table)


def test_without_lcmcr_the_headline_is_the_equal_mixture(mse_tables: Path) -> None:
    table = _table(mse_tables, "western")
    fit = Ensemble(methods=["stepwise", "bic"], seed=5, options=FAST).fit(table)
    assert fit.result_.diagnostics["votes"] == {n: 1.0 for n in fit.included_}
