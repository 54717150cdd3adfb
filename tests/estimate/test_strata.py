"""Per-stratum estimates from a persons table; totals that add draws; refusals with reasons.

The ensemble here runs with short LCMCR chains and few bootstrap replicates (``FAST``).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from uncounted.core.errors import UncountedError
from uncounted.estimate.replicated import ReplicatedEstimate
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.strata import (
    StratifiedEstimate,
    combine_strata,
    estimate_tables,
    split_strata,
)
from uncounted.estimate.table import CaptureTable

LISTS = ["a", "b", "c", "d"]
#: StratifiedEstimate options = the ensemble's settings, whose ``options`` go to each method.
FAST = {
    "options": {
        "options": {
            "lcmcr": {"n_samples": 200, "burn_in": 2000, "thin": 10, "n_chains": 2},
            "stepwise": {"n_boot": 200},
        }
    }
}


def _persons(table: CaptureTable, lists: list[str], **strata: str) -> pd.DataFrame:
    """One row per person of ``table``, its lists spread over ``lists`` (others 0)."""
    rows = []
    for pattern, count in table.nonzero():
        on = dict(zip(table.lists, pattern, strict=True))
        rows += [{name: on.get(name, 0) for name in lists} | strata] * count
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def persons(mse_tables: Path) -> pd.DataFrame:
    western = CaptureTable.from_csv(mse_tables / "western.csv").select(["A", "B", "C", "E"])
    western = CaptureTable(tuple(LISTS), western.counts)
    korea = CaptureTable.from_csv(mse_tables / "korea.csv")
    korea = CaptureTable(("a", "b", "c"), korea.counts)
    two_lists = CaptureTable.from_mapping(["a", "b"], {(1, 0): 30, (0, 1): 20, (1, 1): 10})
    apart = CaptureTable.from_mapping(["a", "b", "c"], {(1, 0, 0): 5, (0, 1, 0): 7, (0, 0, 1): 3})
    lonely = CaptureTable.from_mapping(
        ["a", "b", "c"], {(1, 0, 0): 20, (0, 1, 0): 15, (1, 1, 0): 6, (0, 0, 1): 4}
    )
    frames = [
        _persons(western, LISTS, sex="f", region="north"),
        _persons(korea, LISTS, sex="m", region="north"),
        _persons(two_lists, LISTS, sex="f", region="south"),
        _persons(apart, LISTS, sex="m", region="south"),
        _persons(lonely, LISTS, sex="x", region="south"),
        pd.DataFrame([dict.fromkeys(LISTS, 0) | {"sex": "f", "region": "north"}] * 9),
    ]
    return pd.concat(frames, ignore_index=True)


def test_split_builds_one_table_per_stratum(persons: pd.DataFrame, mse_tables: Path) -> None:
    cells, unlisted = split_strata(persons, ["sex", "region"], LISTS)
    assert unlisted == 9
    assert [c.label for c in cells] == [
        "sex=f, region=north", "sex=f, region=south", "sex=m, region=north",
        "sex=m, region=south", "sex=x, region=south",
    ]
    korea = next(c for c in cells if c.key == ("m", "north"))
    assert korea.table is not None and korea.table.lists == ("a", "b", "c")
    expected = CaptureTable.from_csv(mse_tables / "korea.csv")
    assert np.array_equal(korea.table.counts, expected.counts)


def test_strata_that_cannot_be_estimated_say_why(persons: pd.DataFrame) -> None:
    cells = {c.label: c for c in split_strata(persons, ["sex", "region"], LISTS)[0]}
    two = cells["sex=f, region=south"]
    assert two.table is None and two.refusal and "only 2 of the 4 lists" in two.refusal
    apart = cells["sex=m, region=south"]
    assert apart.refusal and "never overlap" in apart.refusal
    lonely = cells["sex=x, region=south"]
    assert lonely.refusal and "list 'c' shares nobody" in lonely.refusal


@pytest.fixture(scope="module")
def fitted(persons: pd.DataFrame) -> StratifiedEstimate:
    return StratifiedEstimate(["sex", "region"], LISTS, method="stepwise", seed=5, n_jobs=2,
                              options={"n_boot": 300}).fit(persons)


def test_total_is_the_sum_of_draws_plus_the_floor(fitted: StratifiedEstimate) -> None:
    north_f = fitted.results_["sex=f, region=north"]
    north_m = fitted.results_["sex=m, region=north"]
    assert north_f.draws is not None and north_m.draws is not None
    floor = 60 + 15 + 45
    total = fitted.total_
    assert total.diagnostics["floor"] == floor
    assert np.array_equal(total.draws, north_f.draws + north_m.draws + floor)  # type: ignore[arg-type]
    assert total.draws is not None
    middle = np.quantile(total.draws, 0.5, method="inverted_cdf")
    assert total.estimate == middle
    assert total.observed == north_f.observed + north_m.observed + floor
    # the interval of a sum of independent strata is narrower than the sum of their ends
    ends = [np.quantile(d, [0.025, 0.975], method="inverted_cdf")
            for d in (north_f.draws, north_m.draws)]
    assert total.upper is not None and total.lower is not None
    assert total.upper < ends[0][1] + ends[1][1] + floor
    assert total.lower > ends[0][0] + ends[1][0] + floor


def test_total_names_the_strata_left_out(fitted: StratifiedEstimate) -> None:
    left_out = fitted.total_.diagnostics["strata_not_estimated"]
    assert set(left_out) == {"sex=f, region=south", "sex=m, region=south", "sex=x, region=south"}
    assert any("floor" in w for w in fitted.total_.warnings)
    for label in left_out:
        assert fitted.results_[label].refused and fitted.results_[label].estimate is None
    assert fitted.total_.diagnostics["rows_on_no_list"] == 9


def test_same_numbers_whatever_the_workers_and_the_table_kind(persons: pd.DataFrame) -> None:
    settings = {"strata": ["sex", "region"], "lists": LISTS, "seed": 9, **FAST}
    one = StratifiedEstimate(n_jobs=1, **settings).fit(persons)  # type: ignore[arg-type]
    two = StratifiedEstimate(n_jobs=2, **settings).fit(pa.Table.from_pandas(persons))  # type: ignore[arg-type]
    assert one.total_.draws is not None and two.total_.draws is not None
    assert one.total_.draws.tobytes() == two.total_.draws.tobytes()
    for label, result in one.results_.items():
        assert result.to_dict() == two.results_[label].to_dict()


def _fit_keeps_its_settings(estimator: Any, *data: Any) -> None:
    """The scikit-learn convention: the constructor's parameters are stored as given, ``fit``
    leaves them as they were and adds only learned attributes, named with a trailing ``_``."""
    settings = dict(vars(estimator))
    assert set(settings) == set(inspect.signature(type(estimator)).parameters)
    estimator.fit(*data)
    fitted = vars(estimator)
    assert all(fitted[name] is value for name, value in settings.items())
    learned = set(fitted) - set(settings)
    assert learned and all(name.endswith("_") for name in learned)


def test_stratified_and_replicated_estimates_follow_the_estimator_convention(
    persons: pd.DataFrame,
) -> None:
    options = {"n_boot": 100}
    _fit_keeps_its_settings(StratifiedEstimate(["sex"], LISTS, method="stepwise", seed=1,
                                               n_jobs=1, options=options), persons)
    _fit_keeps_its_settings(ReplicatedEstimate(["sex"], LISTS, method="stepwise", seed=1,
                                               n_jobs=1, options=options),
                            persons, [persons, persons])


def test_batch_of_tables_in_processes_matches_one_process(mse_tables: Path) -> None:
    tables = {n: CaptureTable.from_csv(mse_tables / f"{n}.csv")
              for n in ("korea", "hav", "spina")}
    serial = estimate_tables(tables, "stepwise", seed=3, n_jobs=1, options={"n_boot": 200})
    parallel = estimate_tables(tables, "stepwise", seed=3, n_jobs=2, options={"n_boot": 200})
    for name in tables:
        assert serial[name].draws.tobytes() == parallel[name].draws.tobytes()  # type: ignore[union-attr]


def test_combining_results_without_draws_matches_their_intervals() -> None:
    one = EstimateResult("bic", "[1,2,3]", 100, 150.0, 120.0, 200.0)
    total = combine_strata({"one": one}, {}, seed=1, n_draws=50_000)
    assert total.estimate == pytest.approx(150.0, rel=0.01)
    assert total.lower == pytest.approx(120.0, rel=0.02)
    assert "matched" in total.diagnostics["draws"]


def test_bad_columns_fail_clearly(persons: pd.DataFrame) -> None:
    with pytest.raises(UncountedError, match="no column 'age'"):
        split_strata(persons, ["age"], LISTS)
    broken = persons.assign(a=persons["a"] * 2)
    with pytest.raises(UncountedError, match="'a' must hold 0/1, found 2"):
        split_strata(broken, ["sex"], LISTS)
    with pytest.raises(UncountedError, match="both as lists and strata"):
        split_strata(persons, ["sex"], ["a", "sex"])
