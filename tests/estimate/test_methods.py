"""The registry of method names: every name builds, bad names and specs fail clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from uncounted.core.errors import UncountedError
from uncounted.estimate.bootstrap import Bootstrap
from uncounted.estimate.loglinear import LogLinear
from uncounted.estimate.methods import (
    METHODS,
    get_method,
    make_estimator,
    method_names,
    results_of,
)
from uncounted.estimate.selection import Stepwise
from uncounted.estimate.table import CaptureTable

#: Short settings so the Bayesian methods run in a second or two (tests only).
FAST: dict[str, dict[str, Any]] = {
    "lcmcr": {"n_samples": 200, "burn_in": 2000, "thin": 10, "n_chains": 2},
    "stepwise": {"n_boot": 100},
    "ensemble": {"options": {"lcmcr": {"n_samples": 200, "burn_in": 2000, "thin": 10,
                                       "n_chains": 2},
                             "stepwise": {"n_boot": 100}}},
}


@pytest.fixture(scope="module")
def korea(mse_tables: Path) -> CaptureTable:
    return CaptureTable.from_csv(mse_tables / "korea.csv")


def test_the_issue_names_are_registered() -> None:
    assert set(method_names()) == {
        "loglinear", "bic", "stepwise", "lcmcr", "dga", "chapman", "sample-coverage", "ensemble",
    }


def test_unknown_method_names_the_choices() -> None:
    with pytest.raises(UncountedError, match=r"unknown method 'mle'.*stepwise"):
        get_method("mle")
    with pytest.raises(UncountedError, match="unknown method"):
        make_estimator("Stepwise")


def test_loglinear_needs_a_model() -> None:
    with pytest.raises(UncountedError, match=r"needs a model.*\[12,3\]"):
        make_estimator("loglinear")


@pytest.mark.parametrize("spec", ["12,3", "[12,3", "[1a]", "[0,1]", "[11]", "[12,,3]"])
def test_loglinear_rejects_malformed_models_before_fitting(spec: str) -> None:
    with pytest.raises(UncountedError, match="model"):
        make_estimator("loglinear", model=spec)


def test_model_too_big_for_the_table_fails_at_fit(korea: CaptureTable) -> None:
    estimator = make_estimator("loglinear", model="[14]")
    with pytest.raises(UncountedError, match="not a list number between 1 and 3"):
        estimator.fit(korea)


def test_model_is_only_for_loglinear() -> None:
    with pytest.raises(UncountedError, match="--model is for loglinear"):
        make_estimator("bic", model="[12,3]")


def test_unknown_option_lists_the_known_ones() -> None:
    with pytest.raises(UncountedError, match=r"no option 'n_sample'.*n_samples"):
        make_estimator("lcmcr", n_sample=10)


def test_level_must_be_a_probability() -> None:
    with pytest.raises(UncountedError, match="level"):
        make_estimator("bic", level=95)


def test_loglinear_matches_the_class(korea: CaptureTable) -> None:
    via_registry = make_estimator("loglinear", model="[12,3]", level=0.9).fit(korea).result_
    direct = LogLinear("[12,3]", level=0.9).fit(korea).result_
    assert via_registry.estimate == direct.estimate
    assert (via_registry.lower, via_registry.upper) == (direct.lower, direct.upper)


def test_degenerate_korea_model_is_refused_not_printed(korea: CaptureTable) -> None:
    result = make_estimator("loglinear", model="[12,13,23]").fit(korea).result_
    assert result.refused and result.estimate is None


def test_stepwise_bootstraps_unless_told_not_to() -> None:
    assert isinstance(make_estimator("stepwise", seed=3), Bootstrap)
    assert isinstance(make_estimator("stepwise", n_boot=0), Stepwise)


def test_seeds_reach_the_estimators(korea: CaptureTable) -> None:
    one = make_estimator("stepwise", seed=5, n_boot=100).fit(korea).result_
    two = make_estimator("stepwise", seed=5, n_boot=100).fit(korea).result_
    other = make_estimator("stepwise", seed=6, n_boot=100).fit(korea).result_
    assert one.draws is not None and two.draws is not None and other.draws is not None
    assert one.draws.tobytes() == two.draws.tobytes()
    assert one.draws.tobytes() != other.draws.tobytes()


@pytest.mark.parametrize("name", [n for n in METHODS if n not in ("loglinear", "sample-coverage")])
def test_every_method_fits_a_three_list_table(name: str, korea: CaptureTable) -> None:
    estimator = make_estimator(name, seed=1, **FAST.get(name, {}))
    estimator.fit(korea)
    results = results_of(estimator)
    assert results[0] is estimator.result_ or name == "chapman"
    assert all(r.observed <= korea.observed for r in results)
    assert any(r.estimate is not None and r.estimate >= r.observed for r in results)


def test_chapman_shows_every_pair(korea: CaptureTable) -> None:
    results = results_of(make_estimator("chapman").fit(korea))
    assert [r.model for r in results] == ["b·c", "b·d", "c·d"]


def test_sample_coverage_is_built_and_estimates(mse_tables: Path) -> None:
    hav = CaptureTable.from_csv(mse_tables / "hav.csv")
    result = make_estimator("sample-coverage", seed=1).fit(hav).result_
    assert result.estimate is not None and result.estimate > hav.observed
